"""The course inside a Jupyter server: Voila as a server extension (JupyterHub, Binder, Zero to
JupyterHub), configured to be equal to `serve` wherever Voila allows, and the two learner profiles.

`config/jupyter_server_config.py` loads `server_extension_config()` into every such server
(the hub's learners' servers, a repo2docker image, `jupyter server` with the course's config on
`JUPYTER_CONFIG_PATH`). What it sets beyond the pages of `voila_config.voila_config`:

* the course's kernel manager (`ServerApp.kernel_manager_class`: Voila's
  `multi_kernel_manager_class` is read by standalone Voila only);
* MathJax from Voila's own files: jupyter_server never puts `mathjax_url` in its tornado
  settings, and Voila's page then asks a CDN for MathJax (present-but-None picks the copy Voila
  bundles);
* `?template=` and `?theme=` in a URL ignored;
* kernels on Unix sockets where they fit (the kernel manager falls back to TCP per kernel).

The learner profile comes from `COURSE_HUB_PROFILE` (docs/DEPLOY.md):

* ``dashboards`` (the default): Voila's pages only. No JupyterLab, classic notebook or
  terminals; the page's kernel websocket forwards only what standalone Voila forwards (the
  kernel manager's allow-list AND `VoilaOnlyWebsocketConnection`, two locks); the REST API is
  read-only (`DashboardsOnlyAuthorizer`: an uploaded notebook rendered by Voila would run code).
* ``lab``: JupyterLab too, learners open and run the notebooks; its internet features are off.
"""

from __future__ import annotations

import json
import os
from typing import Mapping, Optional

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.services.kernels.connection.base import deserialize_binary_message, deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from traitlets.config import Config

from neuropathy_massage import paths
from neuropathy_massage.course import Course
from neuropathy_massage.voila_config import ServeSettings, SettingError, voila_config

PROFILE_ENV = "COURSE_HUB_PROFILE"
#: The kernel cap of one learner's server (each open page holds a kernel).
KERNELS_PER_LEARNER = 12
PROFILES = ("dashboards", "lab")
DEFAULT_PROFILE = "dashboards"

#: What standalone Voila lets a browser send to a kernel (voila/app.py); the same list here.
VOILA_MESSAGE_TYPES = (
    "comm_open",
    "comm_close",
    "comm_msg",
    "comm_info_request",
    "kernel_info_request",
    "shutdown_request",
)

#: jupyter_server extensions a *dashboards only* server runs: Voila, and nothing a learner could
#: use to open or run code. (jupyterhub-singleuser adds its own extension on top.)
DASHBOARDS_EXTENSIONS = {
    "voila.server_extension": True,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "nbclassic": False,
}


def profile_from_env(environ: Optional[Mapping[str, str]] = None) -> str:
    """The learner profile `COURSE_HUB_PROFILE` names (default dashboards); anything else is an error."""
    value = (os.environ if environ is None else environ).get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE
    if value not in PROFILES:
        raise SettingError(f"{PROFILE_ENV} must be one of {', '.join(PROFILES)}, not {value!r}")
    return value


def server_extension_config(course: Course | None = None, profile: str | None = None) -> Config:
    """The configuration `config/jupyter_server_config.py` loads into a Jupyter server."""
    profile = profile or profile_from_env()
    if profile not in PROFILES:
        raise SettingError(f"the learner profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    standalone = voila_config(ServeSettings(notebooks=paths.notebooks_dir()), course)
    c = Config()
    # --- pages: exactly those of `serve` (template, no code, no tracebacks, navigation).
    c.VoilaConfiguration = standalone.VoilaConfiguration
    c.VoilaExecutor = standalone.VoilaExecutor
    # Pre-heating exists only in standalone Voila (docs/SERVING.md: each page starts its kernel).
    c.VoilaConfiguration.preheat_kernel = False
    # The theme and template are the course's, whatever a URL asks for.
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    # --- kernels: the course's manager, its culling, grace, cap (a learner's own server: a few
    # pages at once) and memory release; a killed kernel reported dead, never silently replaced.
    c.ServerApp.kernel_manager_class = standalone.VoilaConfiguration.multi_kernel_manager_class
    c.MappingKernelManager = standalone.MappingKernelManager
    c.CourseKernelManager = standalone.CourseKernelManager
    c.CourseKernelManager.max_kernels = KERNELS_PER_LEARNER
    c.KernelRestarter = standalone.KernelRestarter
    if os.name == "posix":
        c.KernelManager.transport = "ipc"  # the kernel manager keeps a kernel on TCP if the path is too long
    # --- no CDN: Voila's bundled MathJax (keys present, values None, as standalone Voila has them);
    # the same bounded websockets as `serve`.
    c.ServerApp.tornado_settings = {**standalone.Voila.tornado_settings, "mathjax_url": None, "mathjax_config": None}
    c.ServerApp.terminals_enabled = False
    if profile == "dashboards":
        c.ServerApp.jpserver_extensions = dict(DASHBOARDS_EXTENSIONS)
        c.MappingKernelManager.allowed_message_types = list(VOILA_MESSAGE_TYPES)
        c.ServerApp.kernel_websocket_connection_class = f"{__name__}.VoilaOnlyWebsocketConnection"
        c.ServerApp.authorizer_class = f"{__name__}.DashboardsOnlyAuthorizer"
    else:
        # JupyterLab without the internet: no news, no update check, no extension search.
        c.LabApp.news_url = None
        c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
        c.LabApp.extension_manager = "readonly"
        settings = paths.voila_data_dir() / "lab" / "settings"
        if (settings / "overrides.json").is_file():
            c.LabApp.app_settings_dir = str(settings)  # answers "get Jupyter news?" with no
    return c


# --------------------------------------------------------------------------- the two locks


def incoming_msg_type(ws_msg, subprotocol: Optional[str], session) -> Optional[str]:
    """The msg_type of a browser-to-kernel websocket message, or None if it cannot be read."""
    try:
        if subprotocol == "v1.kernel.websocket.jupyter.org":
            _channel, msg_list = deserialize_msg_from_ws_v1(ws_msg)
            header = session.unpack(msg_list[0])
        elif isinstance(ws_msg, bytes):
            header = deserialize_binary_message(ws_msg)["header"]
        else:
            header = json.loads(ws_msg)["header"]
        return header.get("msg_type")
    except Exception:
        return None


class VoilaOnlyWebsocketConnection(ZMQChannelsWebsocketConnection):
    """A kernel websocket that forwards from the browser only what standalone Voila forwards
    (widget comms, kernel info, shutdown); anything else, an `execute_request` first of all, is
    dropped and logged. Independent of `MappingKernelManager.allowed_message_types`, so one
    mistake in configuration does not open code execution."""

    def handle_incoming_message(self, incoming_msg) -> None:
        msg_type = incoming_msg_type(incoming_msg, self.subprotocol, self.session)
        if msg_type not in VOILA_MESSAGE_TYPES:
            self.log.warning("course: dropped a %r message from the browser (dashboards only)", msg_type)
            return
        super().handle_incoming_message(incoming_msg)


class DashboardsOnlyAuthorizer(Authorizer):
    """A read-only server: pages, and the page's own kernel over its filtered websocket. Every
    write (contents, kernels, sessions, config), kernel or session creation through the REST API
    and every terminal is refused (403). Voila starts its kernels itself, not through the API.
    On JupyterHub the hub's own check (this learner, this server) comes first."""

    ALLOWED = frozenset({
        ("read", "contents"),     # /voila/render, /voila/tree, /files
        ("read", "kernels"),      # GET /api/kernels/<id>
        ("execute", "kernels"),   # the page's kernel websocket (filtered above)
        ("read", "kernelspecs"),
        ("read", "api"),          # /api/status
        ("read", "config"),
        ("read", "csp"),
        ("read", "events"),
    })

    def is_authorized(self, handler, user, action, resource) -> bool:
        allowed = (action, resource) in self.ALLOWED
        if not allowed:
            self.log.warning("course: refused %s on %s (%s %s)", action, resource,
                             handler.request.method, handler.request.path)
        return allowed
