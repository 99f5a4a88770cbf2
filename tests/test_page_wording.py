"""Page-level wording rules that can regress (issue 13, item 5): read from the stored notebooks
(what a learner's page shows, in order) and from the views a lesson page builds.

* no heading is followed straight away by another heading with the same words ("Sources",
  then "Sources");
* no lead-in sentence ending in a colon is followed by another lead-in ("On this page you will
  learn to:" then "By the end you will be able to:");
* each precaution is set out in full at most once per page: worked examples and try-its that
  would repeat one the page already sets out say so in one line instead.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from neuropathy_massage.advisor import plan
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.records import Selection
from neuropathy_massage.ui import lesson_views as lv
from neuropathy_massage.ui.lesson import LessonPage

ROOT = Path(__file__).resolve().parents[1]
COURSE = load_course()
KB = load_knowledge()
NOTEBOOKS = [ROOT / "notebooks" / lesson.file for lesson in COURSE.lessons]
ELSEWHERE = "The general precautions set out on this page apply here too."


class _Blocks(HTMLParser):
    """An HTML output as blocks in reading order: ("h", text) for headings, ("t", text) for the
    text of any other block."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__()
        self.blocks: list[tuple[str, str]] = []
        self._heading: list[str] | None = None
        self._text: list[str] = []
        self._skip = 0

    def _flush_text(self):
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(("t", text))
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag in self.HEADINGS:
            self._flush_text()
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in self.HEADINGS and self._heading is not None:
            self.blocks.append(("h", " ".join("".join(self._heading).split())))
            self._heading = None
        elif tag in ("p", "li", "div", "ul", "ol", "table", "details", "summary"):
            self._flush_text()

    def handle_data(self, data):
        if self._skip:
            return
        (self._heading if self._heading is not None else self._text).append(data)

    def close(self):
        super().close()
        self._flush_text()


def html_blocks(html: str) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def markdown_blocks(source: str) -> list[tuple[str, str]]:
    blocks = []
    for para in re.split(r"\n\s*\n", source.strip()):
        para = para.strip()
        if not para:
            continue
        for line in para.splitlines() if para.startswith("#") else [para]:
            m = re.match(r"^(#{1,6})\s+(.*)$", line.strip())
            blocks.append(("h", m.group(2).strip()) if m else ("t", " ".join(line.split())))
    return blocks


def output_html(cell) -> str:
    html = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/html" in data:
            value = data["text/html"]
            html.append("".join(value) if isinstance(value, list) else value)
    return "".join(html)


def page_blocks(path: Path) -> list[tuple[str, str]]:
    """What the page shows in order: markdown cells and the stored HTML outputs of code cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    blocks = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            blocks += markdown_blocks("".join(cell["source"]))
        elif cell["cell_type"] == "code":
            blocks += html_blocks(output_html(cell))
    return blocks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_heading_is_repeated_straight_away(path):
    blocks = page_blocks(path)
    repeats = [a[1] for a, b in zip(blocks, blocks[1:]) if a[0] == b[0] == "h" and a[1].lower() == b[1].lower()]
    assert not repeats, f"{path.name}: heading repeated straight away: {repeats}"


#: A lead-in to what the learner will be able to do ("you will learn to:", "you will be able to:").
OUTCOME_LEAD_IN = re.compile(r"\byou will (?:learn|be able)\b[^.:]*:$", re.IGNORECASE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_lead_in_is_followed_by_another(path):
    blocks = page_blocks(path)
    doubled = [(a[1][-60:], b[1][:60]) for a, b in zip(blocks, blocks[1:])
               if a[0] == b[0] == "t" and OUTCOME_LEAD_IN.search(a[1]) and OUTCOME_LEAD_IN.search(b[1])]
    assert not doubled, f"{path.name}: two lead-ins in a row: {doubled}"


def test_the_rules_can_fail():
    """The checks above see the two glitches the issue names."""
    assert markdown_blocks("## Sources") + html_blocks("<h2>Sources</h2><p>x</p>") == [
        ("h", "Sources"), ("h", "Sources"), ("t", "x")]
    lead = markdown_blocks("Text.\n\nOn this page you will learn to:") + html_blocks(
        "<p>By the end you will be able to:</p><ul><li>One</li></ul>")
    assert lead[1:3] == [("t", "On this page you will learn to:"), ("t", "By the end you will be able to:")]
    assert all(OUTCOME_LEAD_IN.search(text) for _, text in lead[1:3])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_precaution_is_set_out_at_most_once_per_page(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    html = "".join(output_html(c) for c in nb["cells"] if c["cell_type"] == "code")
    twice = {p.name: n for p in KB.precautions.values()
             if (n := html.count(f"<strong>{p.name}.</strong>")) > 1}
    assert not twice, f"{path.name}: precautions set out more than once: {twice}"


def _lessons_with_examples():
    found = []
    for lesson in COURSE.lessons:
        src = (ROOT / "notebooks" / lesson.file).read_text(encoding="utf-8")
        if "page.example(" in src and (lesson.teaches.techniques or lesson.teaches.routines):
            found.append(lesson.id)
    return found


@pytest.mark.parametrize("lesson_id", _lessons_with_examples())
def test_a_worked_example_names_the_pages_precautions_once(lesson_id):
    page = LessonPage(lesson_id, KB, COURSE)
    taught = set(page.lesson.teaches.precautions)
    symptoms = tuple(KB.symptoms)[:2]
    example = page.example(*symptoms)
    full = lv.technique_try(page._technique(None), symptoms, KB)
    in_full = [KB.precautions[x] for x in full.precautions]
    assert in_full, "the example must show precautions for this test to mean anything"
    for p in in_full:
        if p.id in taught:
            assert f"<strong>{p.name}.</strong>" not in str(example), p.id
        else:
            assert f"<strong>{p.name}.</strong>" in str(example), p.id
    assert (ELSEWHERE in str(example)) == any(p.id in taught for p in in_full)
    # a second example leaves out what the first set out, too
    again = page.example(*symptoms)
    assert not any(f"<strong>{p.name}.</strong>" in str(again) for p in in_full)


def test_a_plan_without_the_pages_precautions_keeps_everything_else():
    p = plan(Selection.of(["numbness"], ["left_foot_sole"], [], "therapist"), KB)
    assert p.precautions
    first = p.precautions[0].id
    shown, elsewhere = lv.without_precautions(p, {first})
    assert elsewhere and first not in [x.id for x in shown.precautions]
    assert shown.regions == p.regions and shown.sources == p.sources and shown.stop_and_refer == p.stop_and_refer
    same, none = lv.without_precautions(p, ())
    assert same is p and none is False


def test_the_condition_placer_leaves_out_what_the_page_sets_out():
    page = LessonPage("precautions", KB, COURSE)
    page.precautions("before")
    placer = page.condition_placer(symptoms=["tingling"])
    before = [p for p in KB.precautions.values() if p.group == "before" and p.id in page.lesson.teaches.precautions]
    assert before
    for p in before:
        assert f"<strong>{p.name}.</strong>" not in placer.plan_view.value
    assert ELSEWHERE in placer.plan_view.value


#: A label said twice ("Date   Date: ____"): a word, then the same word with a colon.
DOUBLED_LABEL = re.compile(r"\b([A-Z][a-z]+)\s+\1:")


def _text(html: str) -> str:
    return " ".join(text for _, text in html_blocks(html))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_label_is_said_twice(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = " ".join(_text(output_html(c)) for c in nb["cells"] if c["cell_type"] == "code")
    assert not DOUBLED_LABEL.findall(text), f"{path.name}: doubled label: {DOUBLED_LABEL.findall(text)}"


def test_the_record_document_says_each_label_once():
    from neuropathy_massage.ui.record import record_document

    text = _text(record_document({}, COURSE, KB, name="", day="2026-01-05"))
    assert "Date" in text and not DOUBLED_LABEL.search(text), text[:300]
    assert DOUBLED_LABEL.search("Date   Date: ____")


def widget_blocks(root) -> list[tuple[str, str]]:
    """What a widget tree shows in order (its HTML widgets' headings and text, depth first)."""
    import ipywidgets as W

    blocks, stack = [], [root]
    while stack:
        w = stack.pop()
        if isinstance(w, W.HTML):
            blocks += html_blocks(w.value)
        stack.extend(reversed(getattr(w, "children", ())))
    return blocks


def test_the_explorer_says_no_heading_twice_in_a_row():
    from neuropathy_massage.ui.lesson import LessonPage

    ex = LessonPage("symptom_explorer").explorer()
    ex.intake.reveal.toggle()
    ex.paperwork.toggle()
    heads = [text for kind, text in widget_blocks(ex) if kind == "h"]
    plain = [re.sub(r"^\d+\.\s*", "", h).lower() for h in heads]
    repeats = [a for a, b in zip(plain, plain[1:]) if a == b]
    assert heads and not repeats, f"explorer: heading repeated straight away: {repeats}"
