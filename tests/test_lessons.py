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
* every fact of tests/data/seed_facts.yaml is taught: one of its `terms` appears in the markdown
  or stored outputs of some lesson.
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
    assert "widgets" not in nb["metadata"], "drop metadata.widgets (execute with store_widget_state=False)"


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


@pytest.mark.parametrize("lesson_id", IDS)
def test_no_web_urls(lesson_id):
    raw = (NOTEBOOKS / f"{lesson_id}.ipynb").read_text(encoding="utf-8")
    found = re.findall(r"https?://[^\s\"'<>)]*", raw)
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


def _visible_text(text: str) -> str:
    text = re.sub(r"data:[^\"'\s)]+", " ", text)  # inline images: base64 would match anything
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text).lower()


LESSON_TEXTS = {lesson.id: _visible_text(markdown(load(lesson.id)) + "\n" + "\n".join(output_texts(load(lesson.id))))
                for lesson in COURSE.lessons if lesson.kind != "dashboard"}


@pytest.mark.parametrize("fact", SEED_FACTS, ids=[f["id"] for f in SEED_FACTS])
def test_seed_fact_is_taught(fact):
    terms = [str(t).lower() for t in fact["terms"]]
    where = [lid for lid, text in LESSON_TEXTS.items() if any(t in text for t in terms)]
    assert where, (f"seed fact {fact['id']!r} ({fact['fact']}) is taught in no lesson: none of {terms} "
                   f"appears in the markdown or stored outputs of {sorted(LESSON_TEXTS)}")
