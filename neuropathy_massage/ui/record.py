"""The completion record: the learner's name, the date, each lesson's first-attempt score and pass
state, from the progress kept in the learner's own browser (ui/progress.py), ready to print.

`CompletionRecord` is what the record page shows: a name box (bounded, shown only as escaped
text), the record, a print button (ui/printing.py) and "Forget my progress", which asks for a
confirmation (two keyboard-operable buttons; focus moves to them and back) before the browser
deletes the record. The record says plainly that it is a record of study, not a licence or a
certificate of competence. The name is never stored: not in the browser, not on the server.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping, Optional

import ipywidgets as W
from markupsafe import Markup

from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.models import hidden, show
from neuropathy_massage.ui.printing import PrintButton
from neuropathy_massage.ui.progress import ProgressStore, known_items, lesson_progress, progress_table, status_note
from neuropathy_massage.ui.views import Fragment, kb_or_default, render, stylesheet

#: The longest name the record takes (the box and the record both enforce it).
MAX_LEARNER_NAME = 80


def long_date(iso: str) -> str:
    """'2025-03-07' -> '7 March 2025' (the course's British order)."""
    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def record_html(record: Mapping, course: Course, kb: Knowledge, name: str = "", day: str = "", level: int = 3) -> Markup:
    """The record's content: name and date, the table of lessons, and what the record is not
    (its heading at `level`)."""
    rows = lesson_progress(record, course, kb)
    return (render("record.html.j2", level=level, course_title=course.title, name=(name or "").strip()[:MAX_LEARNER_NAME],
                      day=long_date(day or date.today().isoformat()), rows=rows,
                      passed=sum(r.passed is True for r in rows), pass_mark=round(course.pass_mark * 100),
                      table=progress_table(record, course, kb, links=False)))


def record_document(record: Mapping, course: Course, kb: Knowledge, name: str = "", day: str = "") -> str:
    """The record as a complete HTML page with print styles (one A4 page), for the print button."""
    name = (name or "").strip()[:MAX_LEARNER_NAME]
    return str(render("record_document.html.j2", css=stylesheet("paper.css"), course_title=course.title, name=name,
                      record=record_html(record, course, kb, name, day, level=2)))


def sample_record(course: Course, kb: Knowledge) -> dict:
    """A made-up record for the worked example: the first lesson passed, the second begun."""
    known = known_items(course, kb)
    lessons = list(known)
    first, second = lessons[0], lessons[1]
    quiz = {first: {item: True for item in known[first]},
            second: {item: i % 2 == 0 for i, item in enumerate(known[second][:3])}}
    return {"visited": [first, second], "quiz": quiz}


class CompletionRecord(W.VBox):
    """The completion record page's widget (see the module's docstring)."""

    def __init__(self, course: Optional[Course] = None, kb: Optional[Knowledge] = None):
        self.course, self.kb = course or load_course(), kb_or_default(kb)
        self.store = ProgressStore(self.course, self.kb)
        self.name = W.Text(description="Your name", placeholder="as it should appear on the record",
                           style={"description_width": "initial"}, layout=W.Layout(width="auto", max_width="100%"))
        self.view = W.HTML()
        self.printer = PrintButton(label="Print the record")
        self.forget_button = W.Button(description="Forget my progress…", tooltip="Delete the progress kept in this browser",
                                      layout=W.Layout(width="auto", align_self="flex-start"))
        self.question = W.HTML()
        self.yes = W.Button(description="Yes, forget my progress", button_style="danger", layout=W.Layout(width="auto"))
        self.no = W.Button(description="No, keep it", layout=W.Layout(width="auto"))
        self.confirm = W.VBox([self.question, W.HBox([self.yes, self.no])])
        show(self.confirm, False)
        self.forget_button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.answer(True))
        self.no.on_click(lambda _b: self.answer(False))
        self.name.observe(lambda _c: self._show(), names="value")
        self.store.observe(lambda _c: self._show(), names=["record", "today"])
        self._show()
        super().__init__([self.store, status_note(self.store), self.name, self.view, self.printer,
                          self.forget_button, self.confirm])
        self.add_class("nm-record-page")

    @property
    def asking(self) -> bool:
        return not hidden(self.confirm)

    def ask(self) -> None:
        """Show the confirmation step, with the keyboard focus on its first button."""
        self.question.value = render("confirm.html.j2", question="Forget your progress in this browser?",
                                     detail="Every lesson's visits and first answers are deleted, and this cannot be undone.")
        show(self.confirm, True)
        self.yes.focus()

    def answer(self, forget: bool) -> None:
        show(self.confirm, False)
        self.question.value = ""
        if forget:
            self.store.forget()
        self.forget_button.focus()

    def _show(self) -> None:
        if len(self.name.value) > MAX_LEARNER_NAME:
            self.name.value = self.name.value[:MAX_LEARNER_NAME]  # observed: comes back here, shortened
            return
        day = self.store.date()
        self.view.value = record_html(self.store.record, self.course, self.kb, self.name.value, day)
        self.printer.document = record_document(self.store.record, self.course, self.kb, self.name.value, day)


def record_example(course: Optional[Course] = None, kb: Optional[Knowledge] = None) -> Fragment:
    """What a printed record looks like, for a made-up learner on a fixed date (a worked example)."""
    course, kb = course or load_course(), kb_or_default(kb)
    html = record_html(sample_record(course, kb), course, kb, "Sam Example", "2025-01-15")
    return Fragment(html, (), "an example completion record")
