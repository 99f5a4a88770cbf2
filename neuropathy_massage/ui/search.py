"""Search the reference: one box that finds condition cards, techniques and routines, and lessons
by word.

`SearchBox` is a small anywidget (front end `search.js`, beside this file): a labelled search
field and a status line screen readers announce ("3 condition cards, 1 technique or routine and
2 lessons match ..."). The kernel does the searching (`search()`, plain Python, so tests drive
it), and `ReferenceSearch` writes the matches into an HTML widget: the matching cards in full,
each technique with a link to the lesson that teaches it, each lesson with its link. The query is
bounded (`MAX_QUERY` characters, `MAX_WORDS` words) and only ever shown as escaped text.

A match needs every word of the query (case does not matter) somewhere in what the item says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import anywidget
import ipywidgets as W
import traitlets

from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.cards import cards, condition_cards
from neuropathy_massage.ui.views import Fragment, kb_or_default, render

_HERE = Path(__file__).resolve().parent
MAX_QUERY = 80
MAX_WORDS = 8


def words(query: str) -> list[str]:
    """The words of a query, lower case, at most MAX_WORDS (from at most MAX_QUERY characters)."""
    return re.findall(r"[\w'’-]+", (query or "")[:MAX_QUERY].lower())[:MAX_WORDS]


@dataclass
class Matches:
    query: str
    cards: list[str] = field(default_factory=list)  # condition ids
    techniques: list[dict] = field(default_factory=list)
    lessons: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cards) + len(self.techniques) + len(self.lessons)


def _found(text: str, wanted: list[str]) -> bool:
    text = text.lower()
    return bool(wanted) and all(w in text for w in wanted)


def search(query: str, kb: Optional[Knowledge] = None, course: Optional[Course] = None) -> Matches:
    """Every card, technique or routine, and lesson whose text holds every word of the query."""
    kb, course = kb_or_default(kb), course or load_course()
    wanted, found = words(query), Matches(" ".join(words(query)))
    found.cards = [c.id for c in cards(kb) if _found(c.text(), wanted)]
    for tid, t in kb.techniques.items():
        text = " ".join([t.name, t.purpose, t.direction, *t.steps, *t.not_when, *t.adaptations.values()])
        lesson = course.teaching(tid)
        if _found(text, wanted) and lesson is not None:
            found.techniques.append({"name": t.name, "purpose": t.purpose, "file": lesson.file, "lesson": lesson.title})
    for lesson in course.lessons:
        if _found(" ".join([lesson.title, lesson.summary, *lesson.objectives]), wanted):
            found.lessons.append({"title": lesson.title, "summary": lesson.summary, "file": lesson.file,
                                  "number": course.number(lesson.id)})
    return found


def status_text(found: Matches) -> str:
    """The sentence screen readers announce after each search."""
    if not found.query:
        return "Type a word to search the condition cards, the techniques and the lessons."
    if not found.count:
        return f"Nothing matches “{found.query}”. Try another word, or a shorter one."

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    parts = [n(len(found.cards), "condition card", "condition cards"),
             n(len(found.techniques), "technique or routine", "techniques or routines"),
             n(len(found.lessons), "lesson", "lessons")]
    return f"{parts[0]}, {parts[1]} and {parts[2]} match “{found.query}”."


def results_html(found: Matches, kb: Optional[Knowledge] = None, prefix: str = "found-") -> Fragment:
    kb = kb_or_default(kb)
    shown = condition_cards(kb, found.cards, key=False, level=4, prefix=prefix) if found.cards else ""
    html = render("search_results.html.j2", found=found, cards=shown)
    return Fragment(html, getattr(shown, "sources", ()), f"search results for {found.query!r}")


class SearchBox(anywidget.AnyWidget):
    _esm = _HERE / "search.js"
    _css = _HERE / "search.css"
    query = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Search").tag(sync=True)
    help = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    max_length = traitlets.Int(MAX_QUERY).tag(sync=True)

    @traitlets.validate("query")
    def _bounded(self, proposal):
        return str(proposal["value"])[:MAX_QUERY]


class ReferenceSearch(W.VBox):
    """The search box and what it finds; `box.query` is the state."""

    def __init__(self, kb: Optional[Knowledge] = None, course: Optional[Course] = None):
        self.kb, self.course = kb_or_default(kb), course or load_course()
        self.box = SearchBox(label="Search the cards, techniques and lessons",
                             help="One or more words, for example: clot, numb, wound, kneading. Results follow as you type.")
        self.results = W.HTML()
        self.box.observe(lambda _c: self._search(), names="query")
        self._search()
        super().__init__([self.box, self.results])
        self.add_class("nm-reference-search")

    def _search(self) -> None:
        found = search(self.box.query, self.kb, self.course)
        self.box.status = status_text(found)
        self.results.value = str(results_html(found, self.kb))
