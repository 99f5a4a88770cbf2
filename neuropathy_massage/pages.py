"""Voila's page-config hook: every page's title and its Home / Previous / Next links, from the course model.

Voila calls the hook for each page it renders (`VoilaConfiguration.page_config_hook`) with the
page's notebook path; `CoursePages` adds `page_config["course"]`, which the `course` template
turns into the `<title>`, the navigation and the contents page. Nothing is read from the
notebooks: titles and order come from `assets/course.yaml` only.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Optional
from urllib.parse import quote

from tornado.web import HTTPError

from neuropathy_massage.course import Course, Lesson

#: The title of a page the course does not list (a scratch or benchmark notebook).
UNLISTED_TITLE = "Course page"
#: A path part that makes a page private: hidden files and `_` drafts are never rendered.
PRIVATE_PART = re.compile(r"^[._]")


def is_private(path: str) -> bool:
    """Whether any part of a path starts with '.' or '_' (hidden files, drafts)."""
    return any(PRIVATE_PART.match(part) for part in str(path).replace("\\", "/").split("/") if part)


def render_url(base_url: str, notebook: str) -> str:
    """URL of a notebook's page under a server's base URL (`http://host:port/` or `/user/x/`)."""
    return base_url.rstrip("/") + "/voila/render/" + quote(notebook)


def course_navigation(course: Course, notebook_path: str, base_url: str = "/") -> dict[str, Any]:
    """Title and Home / Previous / Next links of a page, for the `course` template.

    `notebook_path` is relative to Voila's root folder; for the contents page (Voila's tree) it is
    a folder path, possibly "". Lessons are linked in the folder of the page."""
    is_notebook = notebook_path.endswith(".ipynb")
    folder = posixpath.dirname(notebook_path) if is_notebook else notebook_path.strip("/")

    def link(lesson: Optional[Lesson]) -> Optional[dict[str, Any]]:
        if lesson is None:
            return None
        path = posixpath.join(folder, lesson.file) if folder else lesson.file
        return {"id": lesson.id, "name": lesson.file, "href": render_url(base_url, path),
                "title": lesson.title, "number": course.number(lesson.id), "kind": lesson.kind}

    nav: dict[str, Any] = {
        "courseTitle": course.title,
        "home": link(course.home),
        "previous": None,
        "next": None,
        "isHome": False,
        "listed": True,
        "lessons": [link(item) for item in course.lessons],
    }
    if not is_notebook:
        nav["pageTitle"] = "Contents"
        return nav
    lesson = course.by_file(posixpath.basename(notebook_path))
    if lesson is None:
        nav.update(pageTitle=UNLISTED_TITLE, listed=False)
        return nav
    nav.update(pageTitle=lesson.title, isHome=lesson.id == course.home.id,
               previous=link(course.previous(lesson.id)), next=link(course.next(lesson.id)))
    return nav


class CoursePages:
    """The hook Voila calls (see `VoilaConfiguration.page_config_hook`) before it starts a page's
    kernel. A private path (hidden, or a `_` draft) is a 404, for notebook and folder pages alike;
    otherwise it never raises: a page without navigation is better than no page."""

    def __init__(self, course: Course, slow_page_seconds: int):
        self.course = course
        self.slow_page_seconds = int(slow_page_seconds)

    def __call__(self, page_config: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if is_private(kwargs.get("notebook_path") or ""):
            raise HTTPError(404)
        try:
            notebook_path = (kwargs.get("notebook_path") or "").lstrip("/")
            course = course_navigation(self.course, notebook_path, kwargs.get("base_url") or "/")
            course["slowPageSeconds"] = self.slow_page_seconds
            page_config["course"] = course
        except Exception:  # pragma: no cover - defensive: the page still renders
            log = kwargs.get("log")
            if log is not None:
                log.exception("course navigation could not be built")
        return page_config
