"""Progress kept in the learner's own browser: lessons visited and first answers to the quizzes.

`ProgressStore` is a small anywidget (its front end is `progress.js`, beside this file) that
keeps one record in the browser's `localStorage`, under a key named after the course, so it works
offline, in Voila and in JupyterLab, and nothing is stored on the server. The record is

    {"version": 1, "visited": [lesson ids], "quiz": {lesson id: {item id: first answer right}}}

and it is bounded: only ids the course knows are kept (both in the browser and here), the stored
text never grows past 20,000 characters, and stored text that cannot be read (hand-edited,
truncated, another program's) is replaced by an empty record, which the learner is told about.

Synced state (traitlets): `key`, `known` (lesson id -> item ids that may be stored), `visit` (the
lesson this page marks as visited), `record` (what the browser holds, cleaned), `pending` (first
answers for the browser to keep: it keeps only those it has none for yet, so the first answer
counts across visits), `status` and `today` (the browser's own date, for the completion record).
`forget()` asks the browser to delete the record.

`track(quiz, store)` joins a lesson's quiz to a store; `ProgressView` is the course home's table
of progress per lesson.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Optional

import anywidget
import ipywidgets as W
import traitlets
from markupsafe import Markup

from neuropathy_massage.course import LESSON_SHAPED, Course, load_course, needed_to_pass
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.views import kb_or_default, render

_HERE = Path(__file__).resolve().parent
ESM_FILE = _HERE / "progress.js"
#: What the store says about the browser's storage (the templates word each).
STATUSES = ("waiting", "kept", "unavailable", "reset", "full", "forgotten")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def storage_key(course: Course) -> str:
    """The browser storage key: one per course (its title as a slug), so two courses never mix."""
    slug = re.sub(r"[^a-z0-9]+", "-", course.title.lower()).strip("-")[:60] or "course"
    return f"nm-course:{slug}:progress:v1"


def assessed(course: Course, kb: Knowledge) -> list:
    """The lessons with a quiz (every lesson of the full lesson shape, and any other with items), in order."""
    return [lesson for lesson in course.lessons if lesson.kind in LESSON_SHAPED or kb.quiz_for(lesson.id)]


def known_items(course: Course, kb: Knowledge) -> dict[str, list[str]]:
    """Lesson id -> its quiz item ids, for every lesson with a quiz."""
    return {lesson.id: [q.id for q in kb.quiz_for(lesson.id)] for lesson in assessed(course, kb)}


def clean_record(raw, known: Mapping[str, list[str]]) -> dict:
    """A stored record with everything the course does not know dropped (the browser does the same)."""
    record = {"visited": [], "quiz": {}}
    if not isinstance(raw, Mapping):
        return record
    visited = raw.get("visited")
    if isinstance(visited, (list, tuple)):
        record["visited"] = [v for v in dict.fromkeys(x for x in visited if isinstance(x, str)) if v in known]
    quiz = raw.get("quiz")
    if isinstance(quiz, Mapping):
        for lesson, items in quiz.items():
            if lesson in known and isinstance(items, Mapping):
                kept = {i: r for i, r in items.items() if i in known[lesson] and isinstance(r, bool)}
                if kept:
                    record["quiz"][lesson] = kept
    return record


class ProgressStore(anywidget.AnyWidget):
    """The learner's progress, kept in this browser (see the module's docstring)."""

    _esm = ESM_FILE
    key = traitlets.Unicode("").tag(sync=True)
    known = traitlets.Dict().tag(sync=True)
    visit = traitlets.Unicode("").tag(sync=True)
    record = traitlets.Dict().tag(sync=True)
    pending = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("waiting").tag(sync=True)
    today = traitlets.Unicode("").tag(sync=True)

    def __init__(self, course: Optional[Course] = None, kb: Optional[Knowledge] = None, visit: str = "", **kwargs):
        self.course = course or load_course()
        self.kb = kb_or_default(kb)
        known = known_items(self.course, self.kb)
        if visit and visit not in known:
            raise ValueError(f"only a lesson with a quiz is marked visited, not {visit!r}")
        super().__init__(key=storage_key(self.course), known=known, visit=visit, **kwargs)

    @traitlets.validate("record")
    def _clean(self, proposal):
        return clean_record(proposal["value"], self.known)

    @traitlets.validate("status")
    def _known_status(self, proposal):
        return proposal["value"] if proposal["value"] in STATUSES else "waiting"

    @traitlets.validate("today")
    def _a_date(self, proposal):
        value = str(proposal["value"])[:10]
        try:
            return value if _DATE.match(value) and date.fromisoformat(value) else ""
        except ValueError:
            return ""

    def keep(self, lesson: str, results: Mapping[str, bool]) -> None:
        """Ask the browser to keep these first answers (those it has none for yet)."""
        self.pending = clean_record({"quiz": {lesson: dict(results)}}, self.known)["quiz"]

    def forget(self) -> None:
        """Ask the browser to delete the record (the confirmation step is the caller's)."""
        self.send({"do": "forget"})
        self.record = {}

    def first_answers(self, lesson: str) -> dict[str, bool]:
        return dict(self.record.get("quiz", {}).get(lesson, {}))

    def date(self) -> str:
        """The browser's date (yyyy-mm-dd), else this machine's."""
        return self.today or date.today().isoformat()


def status_note(store: ProgressStore) -> W.HTML:
    """One line saying where progress is kept (and when it could not be), following the store."""
    note = W.HTML()
    note.add_class("nm-progress-status")

    def show(_change=None):
        note.value = render("progress_status.html.j2", status=store.status)

    store.observe(show, names="status")
    show()
    return note


def track(quiz, store: ProgressStore) -> W.HTML:
    """Join a lesson's quiz to the store: its first answers go to the browser, and first answers the
    browser kept from an earlier visit count on the page. Returns the status line to show."""

    def send(_change=None):
        if quiz.results:
            store.keep(quiz.lesson, quiz.results)

    quiz.observe(send, names="results")
    store.observe(lambda _c: quiz.restore(store.first_answers(quiz.lesson)), names="record")
    return status_note(store)


@dataclass(frozen=True)
class LessonProgress:
    number: int
    title: str
    file: str
    visited: bool
    answered: int
    right: int
    total: int
    needed: int

    @property
    def passed(self) -> Optional[bool]:
        """True once enough first answers are right, False once a pass is out of reach, else None."""
        if self.right >= self.needed:
            return True
        if self.right + self.total - self.answered < self.needed:
            return False
        return None


def lesson_progress(record: Mapping, course: Course, kb: Knowledge) -> list[LessonProgress]:
    """Every lesson with a quiz, in course order, with what the record says of it."""
    record = clean_record(record, known_items(course, kb))
    rows = []
    for lesson in assessed(course, kb):
        total = len(kb.quiz_for(lesson.id))
        answers = record["quiz"].get(lesson.id, {})
        rows.append(LessonProgress(course.number(lesson.id), lesson.title, lesson.file, lesson.id in record["visited"],
                                   len(answers), sum(answers.values()), total, needed_to_pass(course.pass_mark, total)))
    return rows


def progress_table(record: Mapping, course: Course, kb: Knowledge, *, links: bool = True) -> Markup:
    return render("progress.html.j2", rows=lesson_progress(record, course, kb), links=links,
                  pass_mark=round(course.pass_mark * 100))


class ProgressView(W.VBox):
    """The course home's view of the learner's progress per lesson (from this browser's record)."""

    def __init__(self, course: Optional[Course] = None, kb: Optional[Knowledge] = None):
        self.course, self.kb = course or load_course(), kb_or_default(kb)
        self.store = ProgressStore(self.course, self.kb)
        self.table = W.HTML()
        self.store.observe(lambda _c: self._show(), names="record")
        self._show()
        super().__init__([self.store, status_note(self.store), self.table])
        self.add_class("nm-progress")

    def _show(self) -> None:
        self.table.value = progress_table(self.store.record, self.course, self.kb)
