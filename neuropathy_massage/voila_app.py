"""The course's Voila application: Voila with a render handler of the course's own.

Voila 0.5.13 compares a page's `?template=` and `?theme=` with its pre-heated pool before it
looks at `allow_template_override` (voila/handler.py, `should_use_rendered_notebook`), so any such
query string bypassed the pool and started a fresh kernel; and it renders notebooks whose names
start with `_` (drafts, the course's own unlisted pages). `CourseRenderHandler` drops those query
arguments after authentication and answers 404 for a private path; `CourseVoila` uses it in place
of Voila's render handler and refuses to start on an error in any configuration file it still
reads (there should be none: `launch` passes the configuration itself). Any other path is a
course-styled 404 page (`CourseNotFoundHandler`, the template's 404.html), not tornado's bare one.

Imported only when the server starts (it imports Voila and tornado).
"""

from __future__ import annotations

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


class CourseVoila(Voila):
    raise_config_file_errors = True

    def init_handlers(self):
        handlers = []
        for spec in super().init_handlers():
            if len(spec) >= 2 and spec[1] is TornadoVoilaHandler:
                spec = (spec[0], CourseRenderHandler, *spec[2:])
            handlers.append(spec)
        handlers.append((url_path_join(self.server_url, r"/.*"), CourseNotFoundHandler,
                         {"voila_configuration": self.voila_configuration}))
        return handlers
