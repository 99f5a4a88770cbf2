"""The one Voila configuration of the course, built in Python from checked settings.

`voila_config(settings)` returns a traitlets `Config` that `serve` hands to Voila when it starts
it in-process (`neuropathy_massage.launch`): no configuration file is executed, so a mistake in
a setting is an error of ours, raised before Voila starts, never a server that quietly runs
without the course's configuration. Every value and its reason: docs/SERVING.md.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from traitlets.config import Config

from neuropathy_massage import paths
from neuropathy_massage.course import Course, load_course
from neuropathy_massage.kernels import ipc_transport_fits
from neuropathy_massage.pages import CoursePages

TEMPLATE_NAME = "course"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
DEFAULT_EXPLORER_POOL = 2
DEFAULT_SLOW_PAGE_S = 90
DEFAULT_CONNECT_GRACE_S = 30
#: Without --class-size, the kernel cap leaves room for a group of this size (2 pages each).
CAP_GROUP = 20
#: Bounds of the settings a trainer may give on the command line.
CLASS_SIZE_RANGE = (1, 200)
SLOW_PAGE_RANGE = (1, 3600)
MAX_KERNELS_RANGE = (1, 1000)
CONNECT_GRACE_RANGE = (5, 600)
#: Largest websocket message the server accepts from a page (tornado closes the socket, 1009).
MAX_WS_MESSAGE = 256 * 1024
#: jupyter_server's websocket ping (ms): a client that stops answering is dropped after the
#: timeout, which also frees what the server had queued for it.
WS_PING_INTERVAL_MS = 10_000
WS_PING_TIMEOUT_MS = 30_000
TRACEBACK_MESSAGE = "Sorry, something went wrong. Reload the page; if it happens again, tell your course leader."


class SettingError(ValueError):
    """A serving setting out of range; the message names the setting and its bounds."""


def _bounded(name: str, value: int, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not low <= value <= high:
        raise SettingError(f"{name} must be between {low} and {high}, not {value}")
    return value


@dataclass(frozen=True)
class ServeSettings:
    """What a trainer can choose when serving the course (all checked in `__post_init__`)."""

    notebooks: Path = field(default_factory=paths.notebooks_dir)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    class_size: Optional[int] = None  # explorer kernels to pre-heat; None: DEFAULT_EXPLORER_POOL
    slow_page_seconds: int = DEFAULT_SLOW_PAGE_S
    assets: Optional[Path] = None  # an author's copy of assets/; None: the course's own
    max_kernels: Optional[int] = None  # None: the pools plus two pages a learner (cap_for)
    connect_grace: int = DEFAULT_CONNECT_GRACE_S
    token: str = ""  # "" (loopback only): no token

    def __post_init__(self):
        _bounded("--port", self.port, (1, 65535))
        if self.class_size is not None:
            _bounded("--class-size", self.class_size, CLASS_SIZE_RANGE)
        _bounded("--slow-page-seconds", self.slow_page_seconds, SLOW_PAGE_RANGE)
        if self.max_kernels is not None:
            _bounded("--max-kernels", self.max_kernels, MAX_KERNELS_RANGE)
        _bounded("--connect-grace", self.connect_grace, CONNECT_GRACE_RANGE)
        if not Path(self.notebooks).is_dir():
            raise SettingError(f"notebook folder not found: {self.notebooks}")

    @property
    def explorer_pool(self) -> int:
        return self.class_size if self.class_size is not None else DEFAULT_EXPLORER_POOL


#: Seconds from a pooled kernel being taken to its replacement starting (a class pool: 120).
REFILL_DELAY_S = 8


def _kernel_pools(course: Course, explorer_pool: int) -> dict:
    pools: dict = {"default": {"pool_size": 1}}
    for dashboard in course.of_kind("dashboard"):
        pools[dashboard.file] = {"pool_size": explorer_pool}
    return pools


def cap_for(settings: ServeSettings, course: Course) -> int:
    """The kernel cap: as given, else every pre-heated kernel plus two pages a learner (the class
    size, or a group of CAP_GROUP when none is given)."""
    if settings.max_kernels is not None:
        return settings.max_kernels
    dashboards = len(course.of_kind("dashboard"))
    pools = len(course.lessons) - dashboards + dashboards * settings.explorer_pool
    return pools + 2 * max(settings.class_size or 0, CAP_GROUP)


def voila_config(settings: ServeSettings, course: Course | None = None) -> Config:
    """The configuration `serve` starts Voila with."""
    course = course or load_course(settings.assets)
    c = Config()
    # --- pages: our template, no code, no tracebacks, our contents page and navigation.
    c.VoilaConfiguration.template = TEMPLATE_NAME
    c.VoilaConfiguration.theme = "light"
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaExecutor.show_tracebacks = False
    c.VoilaExecutor.cell_error_instruction = (
        "This part of the page could not be shown. Reload the page; if it happens again, "
        "tell your course leader."
    )
    c.VoilaConfiguration.classic_tree = True
    c.VoilaConfiguration.page_config_hook = CoursePages(course, settings.slow_page_seconds)
    # A page cannot choose another template or theme (?template=lab dropped the course frame and
    # brought CDN links back; an unknown one hung the request with a kernel starting).
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    # Nothing of the course is served from /voila/files: figures are inline data: URLs.
    c.VoilaConfiguration.file_allowlist = []
    c.VoilaConfiguration.file_denylist = [r".*"]
    # --- kernels: pre-heated (the dashboard as many as the class), culled when their page is gone.
    c.VoilaConfiguration.preheat_kernel = True
    c.VoilaConfiguration.default_pool_size = 1
    c.VoilaKernelManager.kernel_pools_config = _kernel_pools(course, settings.explorer_pool)
    # The replacement for a taken pool kernel starts REFILL_DELAY_S later, not while the page that
    # took it is still loading: the refill runs the whole notebook (1-1.5 CPU-s), and on 2 cores it
    # slowed the very page being opened (docs/PERFORMANCE.md, "the pool refill").
    c.VoilaKernelManager.fill_delay = 120 if settings.class_size is not None else REFILL_DELAY_S
    # Hidden and `_` notebooks get no pre-heated kernel (they are never rendered either).
    c.VoilaKernelManager.preheat_denylist = [r"(.*/)?[._]"]
    c.MappingKernelManager.cull_idle_timeout = 120
    c.MappingKernelManager.cull_interval = 30
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    c.VoilaExecutor.iopub_timeout = 60
    c.VoilaConfiguration.multi_kernel_manager_class = "neuropathy_massage.admission.CourseKernelManager"
    c.CourseKernelManager.hand_out_grace = 120
    c.CourseKernelManager.release_memory_after = 5
    c.CourseKernelManager.max_kernels = cap_for(settings, course)
    c.CourseKernelManager.connect_grace = float(settings.connect_grace)
    # A killed kernel is reported dead to its page (which withdraws its advice), never replaced by
    # an empty kernel the page cannot tell from the real one (autorestart=False hides the death).
    c.KernelRestarter.restart_limit = 0
    # No traceback reaches a page (the kernel logs them on the server: ui/safety.py).
    c.MappingKernelManager.allow_tracebacks = False
    c.MappingKernelManager.traceback_replacement_message = TRACEBACK_MESSAGE
    if ipc_transport_fits(os.path.join(tempfile.gettempdir(), "voila_xxxxxxxx")):
        c.KernelManager.transport = "ipc"
    # --- server: bounded websockets, a token beyond loopback, no configuration file read.
    c.Voila.tornado_settings = {"websocket_max_message_size": MAX_WS_MESSAGE,
                                "ws_ping_interval": WS_PING_INTERVAL_MS, "ws_ping_timeout": WS_PING_TIMEOUT_MS}
    if settings.token:
        c.Voila.token = settings.token
    # The login page must not offer "set a new password" (anyone holding the token could replace it).
    c.PasswordIdentityProvider.allow_password_change = False
    c.Voila.config_file_paths = []
    # The course's notebooks are signed when the server starts (voila_app.trust_course_notebooks),
    # in memory with a secret of this run: nothing is written to the user's Jupyter data folder.
    c.NotebookNotary.db_file = ":memory:"
    c.NotebookNotary.secret = secrets.token_bytes(32)
    c.Voila.open_browser = False
    c.Voila.ip = settings.host
    c.Voila.port = settings.port
    c.Voila.port_retries = 0
    return c

