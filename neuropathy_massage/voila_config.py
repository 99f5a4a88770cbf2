"""The one Voila configuration of the course, built in Python from checked settings.

`voila_config(settings)` returns a traitlets `Config` that `serve` hands to Voila when it starts
it in-process (`neuropathy_massage.launch`): no configuration file is executed, so a mistake in
a setting is an error of ours, raised before Voila starts, never a server that quietly runs
without the course's configuration. Every value and its reason: docs/SERVING.md.
"""

from __future__ import annotations

import os
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
#: Bounds of the settings a trainer may give on the command line.
CLASS_SIZE_RANGE = (1, 200)
SLOW_PAGE_RANGE = (1, 3600)


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

    def __post_init__(self):
        _bounded("--port", self.port, (1, 65535))
        if self.class_size is not None:
            _bounded("--class-size", self.class_size, CLASS_SIZE_RANGE)
        _bounded("--slow-page-seconds", self.slow_page_seconds, SLOW_PAGE_RANGE)
        if not Path(self.notebooks).is_dir():
            raise SettingError(f"notebook folder not found: {self.notebooks}")

    @property
    def explorer_pool(self) -> int:
        return self.class_size if self.class_size is not None else DEFAULT_EXPLORER_POOL


def _kernel_pools(course: Course, explorer_pool: int) -> dict:
    pools: dict = {"default": {"pool_size": 1}}
    for dashboard in course.of_kind("dashboard"):
        pools[dashboard.file] = {"pool_size": explorer_pool}
    return pools


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
    # --- kernels: pre-heated (the dashboard as many as the class), culled when their page is gone.
    c.VoilaConfiguration.preheat_kernel = True
    c.VoilaConfiguration.default_pool_size = 1
    c.VoilaKernelManager.kernel_pools_config = _kernel_pools(course, settings.explorer_pool)
    c.VoilaKernelManager.fill_delay = 120 if settings.class_size is not None else 1
    c.MappingKernelManager.cull_idle_timeout = 120
    c.MappingKernelManager.cull_interval = 30
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    c.VoilaExecutor.iopub_timeout = 60
    c.VoilaConfiguration.multi_kernel_manager_class = "neuropathy_massage.kernels.HandOutGraceKernelManager"
    c.HandOutGraceKernelManager.hand_out_grace = 120
    c.HandOutGraceKernelManager.release_memory_after = 5
    if ipc_transport_fits(os.path.join(tempfile.gettempdir(), "voila_xxxxxxxx")):
        c.KernelManager.transport = "ipc"
    # --- server: no configuration file is read (this is the configuration), no browser.
    c.Voila.config_file_paths = []
    c.Voila.open_browser = False
    c.Voila.ip = settings.host
    c.Voila.port = settings.port
    c.Voila.port_retries = 0
    return c

