"""The shape of every notebook in notebooks/ (stored as files, read as JSON; no kernel is started).

The lessons are exactly those of assets/course.yaml, each `notebooks/<id>.ipynb`, and for each:

* it is stored executed (`check.notebook_problems`: every code cell run, no error output), with
  the `python3` kernel and no stored widget state;
* its first cell opens the lesson's own page (`LessonPage("<id>")` and `page.header()`) and its
  last cell is `page.footer()`: title, objectives, before you start, sources and next lesson are
  computed from the course model, never typed;
* its headings, from the markdown and from the stored header and footer outputs together: one
  title, no skipped levels, and the sections of its kind (the lesson shape of NOTEBOOK_STYLE.md,
  the course-home sections, or the dashboard's);
* no lesson is named by number or file stem in the prose: links go to `<id>.ipynb` of a lesson
  that exists (numbers are computed, so inserting a lesson never leaves a stale one);
* every `<img>` has alt text; every `page.figure("id")` names a figure; no web address;
* a lesson-shaped lesson asks its own quiz (`page.quiz()`), whose items belong to it;
* every fact of tests/data/seed_facts.yaml is taught: all of its `taught` terms (or `terms`)
  appear together in one paragraph, list item or table cell of one lesson's markdown or stored
  output (visible text only: no ids, attributes or inline images), and the terms are distinctive.
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from neuropathy_massage import paths
from neuropathy_massage.check import notebook_problems
from neuropathy_massage.course import LESSON_SHAPED, load_course
from neuropathy_massage.knowledge import load_knowledge

NOTEBOOKS = paths.notebooks_dir()
COURSE = load_course()
KB = load_knowledge()
IDS = [lesson.id for lesson in COURSE.lessons]
SEED_FACTS = yaml.safe_load((Path(__file__).parent / "data" / "seed_facts.yaml").read_text(encoding="utf-8"))["facts"]

SECTIONS = {
    "home": ["About this course", "Who it is for", "How to use it", "Lesson map", "Your progress", "Safety",
             "Next lesson"],
    "dashboard": [],
    "reference": ["How to use the cards", "Search", "Every condition"],
    "record": ["Your record", "What a printed record looks like", "Forgetting your progress"],
    "guide": ["Before the first class"],
}
LESSON_SECTIONS = ["Objectives", "Before you start", "Try it", "Check your understanding", "Key points",
                   "Sources", "Next lesson"]


def load(lesson_id: str) -> dict:
    return json.loads((NOTEBOOKS / f"{lesson_id}.ipynb").read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def markdown(nb: dict) -> str:
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def cell_html(cell: dict) -> str:
    return "\n".join(source({"source": o["data"]["text/html"]}) for o in cell.get("outputs", [])
                     if "text/html" in o.get("data", {}))


def headings(nb: dict) -> list[tuple[int, str]]:
    """(level, text) of every heading in reading order: markdown headings (fenced code skipped)
    and <h1>-<h6> of stored HTML outputs."""
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            fenced = False
            for line in source(cell).splitlines():
                if line.lstrip().startswith("```"):
                    fenced = not fenced
                m = None if fenced else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
                if m:
                    out.append((len(m.group(1)), m.group(2)))
        else:
            for m in re.finditer(r"<h([1-6])\b[^>]*>(.*?)</h\1>", cell_html(cell), flags=re.S):
                out.append((int(m.group(1)), html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()))
    return out


def output_texts(nb: dict) -> list[str]:
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(source({"source": out.get("text", "")}))
            for mime in ("text/html", "text/markdown", "text/plain"):
                value = out.get("data", {}).get(mime)
                if value is not None:
                    texts.append(source({"source": value}))
    return texts


# --------------------------------------------------------------------------- every notebook


def test_the_notebooks_are_exactly_the_lessons_of_the_course():
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(IDS), "notebooks/ and course.yaml disagree"


@pytest.mark.parametrize("lesson_id", IDS)
def test_stored_executed(lesson_id):
    assert notebook_problems(NOTEBOOKS / f"{lesson_id}.ipynb") == []
    nb = load(lesson_id)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "kernel spec name must be python3"
    assert_shown_widget_state(nb, lesson_id)


STATE_MIME = "application/vnd.jupyter.widget-state+json"


def assert_shown_widget_state(nb: dict, name: str) -> None:
    """The stored widget state (tools/execute_notebooks.py) draws every widget the notebook shows,
    before any cell runs: each displayed model and every model it refers to is in the state, and
    nothing else is (no model the page does not show)."""
    shown = [out["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in nb["cells"] for out in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in out.get("data", {})]
    if not shown:
        assert "widgets" not in nb["metadata"], f"{name}: widget state stored but no widget shown"
        return
    state = nb["metadata"].get("widgets", {}).get(STATE_MIME, {}).get("state")
    assert state, f"{name}: no widget state in metadata.widgets (run tools/execute_notebooks.py)"
    reached, todo = set(), list(shown)
    while todo:
        mid = todo.pop()
        if mid in reached:
            continue
        assert mid in state, f"{name}: widget model {mid} is shown or referred to but has no stored state"
        reached.add(mid)
        todo += [v[len("IPY_MODEL_"):] for v in _strings(state[mid]["state"]) if v.startswith("IPY_MODEL_")]
    assert set(state) == reached, f"{name}: {len(set(state) - reached)} stored widget models are not shown"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("lesson_id", IDS)
def test_header_and_footer_are_computed(lesson_id):
    cells = code_cells(load(lesson_id))
    first, last = source(cells[0]), source(cells[-1])
    assert f'LessonPage("{lesson_id}")' in first and first.rstrip().endswith("page.header()"), first
    assert last.strip() == "page.footer()", last
    assert f"<h1>{html.escape(COURSE.lesson(lesson_id).title, quote=False)}</h1>" in cell_html(cells[0]).replace("&#39;", "'")


@pytest.mark.parametrize("lesson_id", IDS)
def test_headings(lesson_id):
    heads = headings(load(lesson_id))
    assert heads and heads[0] == (1, COURSE.lesson(lesson_id).title), heads[:2]
    assert [lvl for lvl, _ in heads].count(1) == 1, "exactly one title"
    for (prev, _), (level, text) in zip(heads, heads[1:]):
        assert level <= prev + 1, f"heading {text!r} skips a level (h{prev} -> h{level})"
    sections = [text for level, text in heads if level == 2]
    kind = COURSE.lesson(lesson_id).kind
    required = SECTIONS.get(kind, LESSON_SECTIONS)
    required = required + ["Next lesson" if COURSE.next(lesson_id) else "Where next"]  # the footer's
    missing = [s for s in required if s not in sections]
    assert not missing, f"missing sections: {missing} (has {sections})"
    if kind in LESSON_SHAPED:
        order = [sections.index(s) for s in required]
        assert order == sorted(order), f"sections out of order: {sections}"


@pytest.mark.parametrize("lesson_id", IDS)
def test_prose_links_lessons_by_id_never_by_number(lesson_id):
    text = markdown(load(lesson_id))
    for target in re.findall(r"\]\(([^)\s#:]+\.ipynb)", text):
        assert target[:-len(".ipynb")] in IDS, f"link to {target}, which is not a lesson of course.yaml"
    assert not re.search(r"\]\(\d\d_", text), "a link by numbered file stem"
    assert not re.search(r"\blessons? \d", text, flags=re.I), "a lesson named by number (numbers are computed)"


@pytest.mark.parametrize("lesson_id", IDS)
def test_images_have_alt_text(lesson_id):
    nb = load(lesson_id)
    text = "\n".join(cell_html(c) for c in code_cells(nb)) + "\n" + markdown(nb)
    for img in re.findall(r"<img\b[^>]*>", text, flags=re.I):
        m = re.search(r'\balt\s*=\s*(["\'])(.*?)\1', img, flags=re.I | re.S)
        assert m and m.group(2).strip(), f"image without alt text: {img[:120]}"
    assert "![](" not in markdown(nb), "markdown image without alt text"


@pytest.mark.parametrize("lesson_id", IDS)
def test_figures_exist(lesson_id):
    code = "\n".join(source(c) for c in code_cells(load(lesson_id)))
    for fig in re.findall(r"\.figure\(\s*[\"']([^\"']+)[\"']", code):
        assert fig in KB.figures, f"page.figure({fig!r}): no such figure in assets/figures/figures.yaml"


XML_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml"}


@pytest.mark.parametrize("lesson_id", IDS)
def test_no_web_urls(lesson_id):
    raw = (NOTEBOOKS / f"{lesson_id}.ipynb").read_text(encoding="utf-8")
    # XML namespace names (an inline SVG in a stored widget state) are identifiers, never fetched.
    found = [u for u in re.findall(r"https?://[^\s\"'<>)]*", raw) if u.rstrip("\\") not in XML_NAMESPACES]
    assert not found, f"web address in the notebook (everything must work offline): {found[:3]}"


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in COURSE.of_kind(*LESSON_SHAPED)])
def test_a_lesson_asks_its_own_quiz(lesson_id):
    code = [source(c).strip() for c in code_cells(load(lesson_id))]
    assert code.count("page.quiz()") == 1
    assert KB.quiz_for(lesson_id), f"quiz.yaml has no items for {lesson_id}"


@pytest.mark.parametrize("lesson_id", IDS)
def test_code_cells_are_short_calls(lesson_id):
    """A notebook tells; the package computes: every code cell is a few lines of calls."""
    for cell in code_cells(load(lesson_id)):
        code = source(cell)
        assert len(code.splitlines()) <= 5, code
        ast.parse(code)
        assert "def " not in code and "class " not in code and "import " not in code.replace(
            "from neuropathy_massage.ui.lesson import LessonPage", ""), code


# --------------------------------------------------------------------------- the seed article is taught

from test_seed_coverage import weak_terms  # noqa: E402  (the same rule for distinctive terms)

#: Block-level elements: the text of each is one chunk (a paragraph, an item, a cell).
BLOCKS = r"</?(?:p|li|td|th|h[1-6]|caption|div|dt|dd|ul|ol|table|tr|br)\b[^>]*>"


def _chunks_of_html(text: str) -> list[str]:
    """The visible text of rendered output, one chunk per paragraph, list item or table cell:
    inline images (base64), styles, scripts, tags and their attributes never count."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
    pieces = re.split(BLOCKS, text, flags=re.I)
    return [html.unescape(re.sub(r"<[^>]*>", " ", piece)) for piece in pieces]


def _chunks_of_markdown(text: str) -> list[str]:
    """The markdown's paragraphs, and each list item on its own."""
    chunks = []
    for block in re.split(r"\n\s*\n", text):
        items = re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", block)
        chunks += [block] if len(items) == 1 else items
    return chunks


def taught_chunks(nb: dict) -> list[str]:
    chunks = _chunks_of_markdown(markdown(nb))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            value = out.get("data", {}).get("text/html")
            if value is not None:
                chunks += _chunks_of_html(source({"source": value}))
    return [re.sub(r"\s+", " ", c).lower() for c in chunks if c.strip()]


LESSON_CHUNKS = {lesson.id: taught_chunks(load(lesson.id)) for lesson in COURSE.lessons if lesson.kind != "dashboard"}


def where_taught(terms) -> list[str]:
    """The lessons with one chunk (paragraph, item, cell) that holds every one of the terms."""
    terms = [str(t).lower() for t in terms]
    return [lid for lid, chunks in LESSON_CHUNKS.items() if any(all(t in c for t in terms) for c in chunks)]


@pytest.mark.parametrize("fact", SEED_FACTS, ids=[f["id"] for f in SEED_FACTS])
def test_seed_fact_is_taught(fact):
    terms = fact.get("taught", fact["terms"])
    assert not weak_terms(terms), f"{fact['id']}: {weak_terms(terms)} are too common to show anything"
    assert where_taught(terms), (
        f"seed fact {fact['id']!r} ({fact['fact']}) is taught in no lesson: no paragraph, list item or "
        f"table cell of the markdown or stored outputs of {sorted(LESSON_CHUNKS)} holds all of {terms}")


def test_a_weak_match_is_not_teaching():
    """Terms spread over two paragraphs, or hidden in an attribute or an inline image, do not count."""
    spread = {"cells": [{"cell_type": "markdown", "source": "Swedish massage.\n\nIt is frequently suggested."}]}
    assert not any("swedish" in c and "frequently suggested" in c for c in taught_chunks(spread))
    hidden = '<p><img alt="frequently suggested Swedish" src="data:image/svg+xml;base64,U3dlZGlzaA=="></p>'
    assert not any("swedish" in c for c in _chunks_of_html(hidden))
    together = {"cells": [{"cell_type": "markdown", "source": "- Swedish massage is frequently suggested.\n- Other."}]}
    assert any("swedish" in c and "frequently suggested" in c for c in taught_chunks(together))
