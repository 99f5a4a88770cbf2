"""The course on JupyterHub for a school server: `python -m neuropathy_massage hub` (`make hub`).

`main()` checks the trainer's settings, builds the hub's configuration in Python (`hub_config`;
no `jupyterhub_config.py` is read) and runs JupyterHub in this process. Each learner logs in
with the class password (`COURSE_HUB_PASSWORD`), gets a Jupyter server of their own started
by the hub, and lands on the course home, served by Voila as a server extension with the
course's configuration (`config/jupyter_server_config.py`, `server_extension`). Idle servers are
stopped by jupyterhub-idle-culler, a service of the hub. `hub_process.HubProcess` starts the same
command in the background on free ports (the hub tests and `make bench`). See docs/DEPLOY.md.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shutil
import signal
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from traitlets.config import Config

from neuropathy_massage import paths
from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import KnowledgeError
from neuropathy_massage.server_extension import DEFAULT_PROFILE, PROFILE_ENV, PROFILES
from neuropathy_massage.voila_config import SettingError

PASSWORD_ENV = "COURSE_HUB_PASSWORD"
PROXY_ENV = "COURSE_HUB_PROXY"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: JupyterHub's own defaults for its internal API and the proxy's API (both on 127.0.0.1).
DEFAULT_API_PORT = 8081
DEFAULT_PROXY_API_PORT = 8001
#: SharedPasswordAuthenticator refuses a shorter class password.
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256
DEFAULT_CULL_TIMEOUT_S = 1800
CULL_TIMEOUT_RANGE = (60, 86400)
#: Per learner, from the measured figures (docs/DEPLOY.md: a learner's server ~150 MB plus one
#: open page's kernel ~70 MB; the limit leaves room for a second page). The local spawner only
#: passes them on (MEM_GUARANTEE / MEM_LIMIT); Kubernetes enforces the same figures.
MEMORY_GUARANTEE = "256M"
MEMORY_LIMIT = "512M"
CULLER = "jupyterhub-idle-culler"
#: Seconds a learner's server may take to start and to answer (a class logging in at once on
#: two cores took up to 38 s to spawn in the measurements).
SPAWN_TIMEOUT_S = 180
#: Where `make hub` installs configurable-http-proxy with npm (deploy/hub/package.json).
PROXY_IN_CHECKOUT = Path("deploy") / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_state_dir() -> Path:
    """Where the hub keeps its database, cookie secret and the learners' home folders."""
    root = paths.checkout_root()
    if root is not None:
        return root / ".hub"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "neuropathy-massage" / "hub"


def find_proxy(explicit: Optional[str] = None) -> Optional[str]:
    """configurable-http-proxy: --proxy, $COURSE_HUB_PROXY, the checkout's npm install, or PATH."""
    for candidate in (explicit, os.environ.get(PROXY_ENV)):
        if candidate:
            return candidate
    root = paths.checkout_root()
    if root is not None and (root / PROXY_IN_CHECKOUT).exists():
        return str(root / PROXY_IN_CHECKOUT)
    return shutil.which("configurable-http-proxy")


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise SettingError(f"{name} must be between {low} and {high}, not {value}")
    return value


@dataclass(frozen=True)
class HubSettings:
    """What a trainer can choose for the hub (all checked in `__post_init__`)."""

    password: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    profile: str = DEFAULT_PROFILE
    state_dir: Path = field(default_factory=default_state_dir)
    cull_timeout: int = DEFAULT_CULL_TIMEOUT_S
    proxy: str = "configurable-http-proxy"
    api_port: int = DEFAULT_API_PORT
    proxy_api_port: int = DEFAULT_PROXY_API_PORT

    def __post_init__(self):
        for name, port in (("--port", self.port), ("--api-port", self.api_port),
                           ("--proxy-api-port", self.proxy_api_port)):
            _bounded(name, port, 1, 65535)
        if len({self.port, self.api_port, self.proxy_api_port}) != 3:
            raise SettingError("--port, --api-port and --proxy-api-port must be three different ports")
        _bounded("--cull-timeout", self.cull_timeout, *CULL_TIMEOUT_RANGE)
        if self.profile not in PROFILES:
            raise SettingError(f"--profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if not MIN_PASSWORD_CHARS <= len(self.password) <= MAX_PASSWORD_CHARS:
            raise SettingError(f"{PASSWORD_ENV} must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long, "
                               f"not {len(self.password)}")

    @property
    def cull_every(self) -> int:
        return max(10, min(300, self.cull_timeout // 2))


def runtime_dir_for(state_dir: Path):
    """A learner server's runtime folder, short enough for kernels' Unix sockets (103 bytes):
    one per hub (its state folder) and learner (the hub's user id)."""
    tag = f"{zlib.crc32(str(Path(state_dir).resolve()).encode()):08x}"

    def runtime_dir(spawner) -> str:
        return os.path.join(tempfile.gettempdir(), f"nm-hub-{tag}", str(spawner.user.id))

    return runtime_dir


def hub_config(settings: HubSettings, course: Course | None = None) -> Config:
    """The configuration `hub` starts JupyterHub with (docs/DEPLOY.md gives every reason)."""
    course = course or load_course()
    state = Path(settings.state_dir).resolve()
    homes = state / "homes"
    c = Config()
    # --- where it listens: learners reach the proxy only; the hub's API stays on 127.0.0.1.
    c.JupyterHub.ip = settings.host
    c.JupyterHub.port = settings.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = settings.api_port
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    c.ConfigurableHTTPProxy.command = [settings.proxy]
    c.ConfigurableHTTPProxy.should_start = True
    # --- state: in one folder, never the working directory (a second hub would take the
    # first one's proxy for stale through ./jupyterhub-proxy.pid and kill it).
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    # --- login: one class password, any learner name (JupyterHub 5+ lets nobody in by default).
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = settings.password
    c.Authenticator.allow_all = True
    # --- each learner's server: a process of this machine's user (no system accounts needed).
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
    c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.Spawner.args = ["--ServerApp.allow_root=True"]  # this machine and CI run as root
    c.Spawner.default_url = f"/voila/render/{course.home.file}"
    c.Spawner.disable_user_config = True  # nothing in a learner's home configures their server
    c.Spawner.http_timeout = SPAWN_TIMEOUT_S
    c.Spawner.start_timeout = SPAWN_TIMEOUT_S
    c.Spawner.mem_guarantee = MEMORY_GUARANTEE
    c.Spawner.mem_limit = MEMORY_LIMIT
    c.Spawner.environment = {
        "JUPYTER_PATH": str(paths.voila_data_dir()),
        "JUPYTER_CONFIG_PATH": str(paths.server_config_dir()),
        "JUPYTER_RUNTIME_DIR": runtime_dir_for(state),
        PROFILE_ENV: settings.profile,
    }
    notebooks = paths.notebooks_dir()
    if settings.profile == "dashboards":
        c.Spawner.notebook_dir = str(notebooks)  # one read-only folder for everyone
    else:
        c.Spawner.notebook_dir = "~/notebooks"  # each learner edits a copy of their own

        def copy_notebooks(spawner) -> None:
            target = homes / spawner.user.name / "notebooks"
            if not target.exists():
                shutil.copytree(notebooks, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

        c.Spawner.pre_spawn_hook = copy_notebooks
    # --- idle servers stopped by jupyterhub-idle-culler (the scopes its documentation lists).
    c.JupyterHub.load_roles = [{
        "name": f"{CULLER}-role",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": [CULLER],
    }]
    c.JupyterHub.services = [{
        "name": CULLER,
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={settings.cull_timeout}", f"--cull-every={settings.cull_every}"],
    }]
    return c


# --------------------------------------------------------------------------- the command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m neuropathy_massage hub",
        description=f"Serve the course to a class through JupyterHub (docs/DEPLOY.md). Learners log in with "
                    f"the class password in ${PASSWORD_ENV}.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address learners connect to (default {DEFAULT_HOST}: this computer only; 0.0.0.0 "
                             f"for a classroom network, which needs ${PASSWORD_ENV})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--profile", choices=PROFILES, default=os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE,
                        help=f"dashboards: the course pages only (default); lab: JupyterLab too, learners open "
                             f"and run the notebooks (${PROFILE_ENV} sets the default)")
    parser.add_argument("--state", metavar="DIR", default=None,
                        help="folder for the hub's database, cookie secret and learners' homes "
                             f"(default {default_state_dir()})")
    parser.add_argument("--cull-timeout", type=int, default=DEFAULT_CULL_TIMEOUT_S, metavar="S",
                        help=f"stop a learner's server after S seconds without activity (default "
                             f"{DEFAULT_CULL_TIMEOUT_S}, {CULL_TIMEOUT_RANGE[0]} to {CULL_TIMEOUT_RANGE[1]})")
    parser.add_argument("--proxy", metavar="PATH", default=None,
                        help=f"configurable-http-proxy to run (default ${PROXY_ENV}, the one `make hub` installs, "
                             "or the one on PATH)")
    parser.add_argument("--api-port", type=int, default=DEFAULT_API_PORT,
                        help=f"the hub's internal API port on 127.0.0.1 (default {DEFAULT_API_PORT})")
    parser.add_argument("--proxy-api-port", type=int, default=DEFAULT_PROXY_API_PORT,
                        help=f"the proxy's API port on 127.0.0.1 (default {DEFAULT_PROXY_API_PORT})")
    return parser


def settings_from_args(args: argparse.Namespace, environ=None) -> tuple[HubSettings, bool]:
    """The checked settings, and whether the class password was made up for this run (only
    on loopback: beyond it a missing password is an error)."""
    environ = os.environ if environ is None else environ
    password = environ.get(PASSWORD_ENV, "")
    made_up = False
    if not password:
        if not is_loopback(args.host):
            raise SettingError(f"{PASSWORD_ENV} is not set: a hub reachable beyond this computer ({args.host}) "
                               "needs a class password (8 characters or more)")
        password, made_up = secrets.token_urlsafe(9), True
    proxy = find_proxy(args.proxy)
    if proxy is None:
        raise SettingError(f"configurable-http-proxy not found: run `make hub` (it installs it with npm), "
                           f"or set {PROXY_ENV} or --proxy")
    settings = HubSettings(password=password, host=args.host, port=args.port, profile=args.profile,
                           state_dir=Path(args.state) if args.state else default_state_dir(),
                           cull_timeout=args.cull_timeout, proxy=proxy, api_port=args.api_port,
                           proxy_api_port=args.proxy_api_port)
    return settings, made_up


def hub_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        settings, made_up = settings_from_args(args)
        course = load_course()
        config = hub_config(settings, course)
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"error in the course data: {exc}", file=sys.stderr)
        return 2
    Path(settings.state_dir).mkdir(parents=True, exist_ok=True)
    print(f"The course on JupyterHub ({settings.profile} profile), state in {settings.state_dir}", flush=True)
    print(f"Learners open: {hub_url(settings.host, settings.port)} and log in with any name and the class password",
          flush=True)
    if made_up:
        print(f"Class password for this run: {settings.password}  (set {PASSWORD_ENV} to choose one)", flush=True)
    print("Stop with Ctrl+C.", flush=True)
    from jupyterhub.app import JupyterHub  # imported late: `hub --help` and setting errors stay fast

    class CourseHub(JupyterHub):
        def load_config_file(self, *args, **kwargs):
            """`hub_config()` is the configuration: no jupyterhub_config.py is read, from the working
            directory or anywhere else."""
            return None

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background (`cmd &`, nohup): SIGINT is ignored and the servers and the
        # culler would inherit that, so the hub's SIGINT would not stop them (30 s each to SIGTERM).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    CourseHub.instance(config=config)
    CourseHub.launch_instance([])
    return 0

