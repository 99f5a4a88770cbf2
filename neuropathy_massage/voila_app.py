"""The course's Voila application: Voila with a render handler of the course's own.

Voila 0.5.13 compares a page's `?template=` and `?theme=` with its pre-heated pool before it
looks at `allow_template_override` (voila/handler.py, `should_use_rendered_notebook`), so any such
query string bypassed the pool and started a fresh kernel; and it renders notebooks whose names
start with `_` (drafts, the course's own unlisted pages). `CourseRenderHandler` drops those query
arguments after authentication and answers 404 for a private path; `CourseVoila` uses it in place
of Voila's render handler and refuses to start on an error in any configuration file it still
reads (there should be none: `launch` passes the configuration itself). Any other path is a
course-styled 404 page (`CourseNotFoundHandler`, the template's 404.html), not tornado's bare one.
The course's own notebooks are trusted when the server starts (`trust_course_notebooks`: signed
in the server's in-memory notary, voila_config), so the contents manager does not log "Notebook …
is not trusted" for each of them (a newcomer took that for an error); a notebook edited while the
server runs is no longer trusted and says so. `QuietStart` keeps Voila's routine start-up and
pre-heating lines (connection files, static files, its own URL, every kernel started and pool
filled, the culling settings) out of the trainer's terminal: `serve` prints the course URL
itself, and warnings and errors still show; with `serve -- --debug` everything does.

Imported only when the server starts (it imports Voila and tornado).
"""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat
import tornado.web
from jupyter_server.utils import url_path_join
from voila.app import Voila
from voila.handler import BaseVoilaHandler
from voila.tornado.handler import TornadoVoilaHandler

from neuropathy_massage.pages import is_private

#: Query arguments a page may not set (the template and theme are the course's).
DROPPED_ARGUMENTS = ("template", "theme")


class CourseRenderHandler(TornadoVoilaHandler):
    async def prepare(self):
        result = await super().prepare()  # authentication first: nothing is probed without the token
        if self._finished:
            return result
        if is_private(self.path_args[0] if self.path_args else ""):
            raise tornado.web.HTTPError(404)
        for name in DROPPED_ARGUMENTS:
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        return result


class CourseNotFoundHandler(BaseVoilaHandler):
    """Every path no other handler takes: the course's 404 page (after authentication)."""

    async def prepare(self):
        await super().prepare()
        raise tornado.web.HTTPError(404)


#: Beginnings of Voila's and jupyter_server's routine INFO messages (their format strings).
ROUTINE_MESSAGES = (
    "Using ", "Storing connection files in ", "Serving static files from ", "Voilà is running at:",
    "Kernel started: ", "Kernel pool of ", "Culling kernels with idle durations",
)


class QuietStart(logging.Filter):
    """Drops Voila's routine INFO lines (ROUTINE_MESSAGES) from a handler that prints INFO and
    above; a handler set to DEBUG (`--debug`, `--Voila.log_level=DEBUG`) prints them all."""

    def __init__(self, handler: logging.Handler):
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or self.handler.level <= logging.DEBUG:
            return True
        return not str(record.msg).startswith(ROUTINE_MESSAGES)


def trust_course_notebooks(contents_manager, root: Path) -> list[str]:
    """Sign every notebook the course serves from `root` (none hidden or private) in the contents
    manager's notary; returns their paths relative to `root`."""
    signed = []
    for path in sorted(Path(root).glob("*.ipynb")):
        rel = path.name
        if is_private(rel):
            continue
        contents_manager.notary.sign(nbformat.read(path, as_version=nbformat.NO_CONVERT))
        signed.append(rel)
    return signed


class CourseVoila(Voila):
    raise_config_file_errors = True

    def initialize(self, argv=None):
        super().initialize(argv)
        self._quiet()

    def _quiet(self) -> None:
        """The filter on the handlers that print the log (it sees every record they print)."""
        for handler in self.log.handlers or logging.getLogger().handlers:
            if not any(isinstance(f, QuietStart) for f in handler.filters):
                handler.addFilter(QuietStart(handler))

    def init_settings(self):
        self._quiet()
        settings = super().init_settings()
        trust_course_notebooks(self.contents_manager, Path(self.root_dir))
        return settings

    def init_handlers(self):
        handlers = []
        for spec in super().init_handlers():
            if len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
                spec = (spec[0], CourseRenderHandler, *spec[2:])
            handlers.append(spec)
        handlers.append((url_path_join(self.server_url, r"/.*"), CourseNotFoundHandler,
                         {"voila_configuration": self.voila_configuration}))
        return handlers
