"""The shape of every notebook in notebooks/ (stored as files, read as JSON; no kernel is started).

Checked for every `notebooks/NN_*.ipynb` and every lesson listed in assets/course.yaml:

* the notebook exists for each lesson of the course, and is stored executed (every code cell has
  an execution count; a cell that ends in an expression has outputs), with no error outputs, the
  `python3` kernel and no stored widget state;
* the headings: one `# Title`, no skipped levels, and the required `##` sections (lessons 01-09
  the lesson shape of NOTEBOOK_STYLE.md, 00 the course-home sections; 10, the explorer, only has
  to link home);
* it links the next notebook in course order, and that notebook exists;
* every `<img>` in stored outputs or markdown has non-empty alt text; every `figure_html("id")`
  names a figure of assets/figures/figures.yaml; no `http://` or `https://` anywhere;
* a lesson's quiz is the lesson's own (`Quiz("<its stem>")`);
* every fact of tests/data/seed_facts.yaml is taught: one of its `terms` appears (any case) in
  the markdown or stored outputs of some lesson (00-09).
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COURSE = yaml.safe_load((ROOT / "assets" / "course.yaml").read_text(encoding="utf-8"))
COURSE_STEMS = [lesson["stem"] for lesson in COURSE["lessons"]]
FIGURES = {f["id"] for f in yaml.safe_load((ROOT / "assets" / "figures" / "figures.yaml")
                                           .read_text(encoding="utf-8"))["figures"]}
SEED_FACTS = yaml.safe_load((ROOT / "tests" / "data" / "seed_facts.yaml").read_text(encoding="utf-8"))["facts"]

HOME = "00_course_home"
EXPLORER = "10_symptom_explorer"
HOME_SECTIONS = ["About this course", "Who it is for", "How to use it", "Lesson map", "Safety", "Next lesson"]
LESSON_SECTIONS = ["Objectives", "Before you start", "Try it", "Check your understanding", "Key points",
                   "Sources", "Next lesson"]

FOUND = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ALL_STEMS = sorted(set(FOUND) | set(COURSE_STEMS))


def load(stem: str) -> dict:
    path = NOTEBOOKS / f"{stem}.ipynb"
    assert path.exists(), f"notebooks/{stem}.ipynb is missing (listed in assets/course.yaml)"
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def markdown(nb: dict) -> str:
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def headings(nb: dict) -> list[tuple[int, str]]:
    """(level, text) of every markdown heading, in order (fenced code blocks skipped)."""
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fenced = False
        for line in source(cell).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            m = None if fenced else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if m:
                out.append((len(m.group(1)), m.group(2)))
    return out


def output_texts(nb: dict) -> list[str]:
    """The text/html, text/markdown and text/plain of every stored output (widget views left out)."""
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


def html_outputs(nb: dict) -> str:
    return "\n".join(
        source({"source": out["data"]["text/html"]})
        for cell in nb["cells"] for out in cell.get("outputs", []) if "text/html" in out.get("data", {})
    )


def ends_in_expression(code: str) -> bool:
    """True when a code cell's last statement is an expression whose value Jupyter displays."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    code = "\n".join(lines).rstrip()
    if not code or code.endswith(";"):
        return False
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr)


# --------------------------------------------------------------------------- every notebook


def test_course_lists_every_notebook():
    """Every numbered notebook is in assets/course.yaml (the lesson map and the order come from there)."""
    unlisted = sorted(set(FOUND) - set(COURSE_STEMS))
    assert not unlisted, f"notebooks not listed in assets/course.yaml: {unlisted}"
    assert COURSE_STEMS[0] == HOME and COURSE_STEMS == sorted(COURSE_STEMS)


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_stored_executed(stem):
    nb = load(stem)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "kernel spec name must be python3"
    assert "widgets" not in nb["metadata"], "drop metadata.widgets (execute with store_widget_state=False)"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells, "a lesson has code cells"
    for i, cell in enumerate(code_cells, 1):
        where = f"code cell {i} ({source(cell)[:60]!r})"
        assert cell.get("execution_count") is not None, f"{where} is not executed: store the notebook executed"
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{where} stored an error: {errors[0].get('ename')}: {errors[0].get('evalue')}"
        if ends_in_expression(source(cell)):
            assert cell.get("outputs"), f"{where} displays something but has no stored output"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_headings(stem):
    heads = headings(load(stem))
    assert heads and heads[0][0] == 1, "the notebook opens with a '# Title'"
    assert [lvl for lvl, _ in heads].count(1) == 1, "exactly one '# Title'"
    for (prev, _), (level, text) in zip(heads, heads[1:]):
        assert level <= prev + 1, f"heading {text!r} skips a level (h{prev} -> h{level})"
    sections = [text for level, text in heads if level == 2]
    if stem == EXPLORER:
        return
    required = HOME_SECTIONS if stem == HOME else LESSON_SECTIONS
    missing = [s for s in required if s not in sections]
    assert not missing, f"missing '## ' sections: {missing} (has {sections})"
    if stem != HOME:
        order = [sections.index(s) for s in required]
        assert order == sorted(order), f"sections out of order: {sections}"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_links_next_notebook(stem):
    nb = load(stem)
    links = set(re.findall(r"\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)", markdown(nb)))
    if stem == COURSE_STEMS[-1]:
        assert f"{HOME}.ipynb" in links, "the last notebook links back to the course home"
        return
    nxt = COURSE_STEMS[COURSE_STEMS.index(stem) + 1] if stem in COURSE_STEMS else None
    assert nxt, f"{stem} is not in assets/course.yaml"
    assert f"{nxt}.ipynb" in links, f"no markdown link to the next notebook {nxt}.ipynb"
    assert (NOTEBOOKS / f"{nxt}.ipynb").exists(), f"the next notebook {nxt}.ipynb does not exist"
    if stem != HOME:
        next_cells = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "## Next lesson" in source(c)]
        assert next_cells and f"{nxt}.ipynb" in source(next_cells[-1]), "the link is in '## Next lesson'"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_relative_links_exist(stem):
    for target in re.findall(r"\]\(([^)\s#:]+\.ipynb)", markdown(load(stem))):
        assert (NOTEBOOKS / target).exists(), f"link to missing notebook {target}"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_images_have_alt_text(stem):
    nb = load(stem)
    text = html_outputs(nb) + "\n" + markdown(nb)
    for img in re.findall(r"<img\b[^>]*>", text, flags=re.I):
        m = re.search(r'\balt\s*=\s*(["\'])(.*?)\1', img, flags=re.I | re.S)
        assert m and m.group(2).strip(), f"image without alt text: {img[:120]}"
    assert "![](" not in markdown(nb), "markdown image without alt text"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_figures_exist(stem):
    code = "\n".join(source(c) for c in load(stem)["cells"] if c["cell_type"] == "code")
    for fig in re.findall(r"figure_html\(\s*[\"']([^\"']+)[\"']", code):
        assert fig in FIGURES, f"figure_html({fig!r}): no such figure in assets/figures/figures.yaml"


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_no_web_urls(stem):
    path = NOTEBOOKS / f"{stem}.ipynb"
    assert path.exists(), f"notebooks/{stem}.ipynb is missing"
    raw = path.read_text(encoding="utf-8")
    found = re.findall(r"https?://[^\s\"'<>)]*", raw)
    assert not found, f"web address in the notebook (everything must work offline): {found[:3]}"


def quiz_lessons(nb: dict) -> list[str]:
    """The lesson named by every `Quiz(...)` call: a string literal, or a name assigned one."""
    code = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "code")
    names = dict(re.findall(r"^\s*([A-Za-z_]\w*)\s*=\s*[\"']([^\"']+)[\"']\s*$", code, flags=re.M))
    out = []
    for arg in re.findall(r"\bQuiz\(\s*([^),]+?)\s*[,)]", code):
        literal = re.fullmatch(r"[\"']([^\"']+)[\"']", arg)
        out.append(literal.group(1) if literal else names.get(arg, f"<unresolved {arg}>"))
    return out


@pytest.mark.parametrize("stem", [s for s in ALL_STEMS if s != EXPLORER])
def test_quiz_is_the_lessons_own(stem):
    calls = quiz_lessons(load(stem))
    if stem == HOME and not calls:
        return
    assert calls == [stem], f"expected one Quiz({stem!r}) in 'Check your understanding', found {calls}"


# --------------------------------------------------------------------------- the seed article is taught


def _visible_text(text: str) -> str:
    text = re.sub(r"data:[^\"'\s)]+", " ", text)  # inline images: base64 would match anything
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text).lower()


def _lesson_texts() -> dict[str, str]:
    out = {}
    for stem in FOUND:
        if stem == EXPLORER:
            continue
        nb = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))
        out[stem] = _visible_text(markdown(nb) + "\n" + "\n".join(output_texts(nb)))
    return out


LESSON_TEXTS = _lesson_texts()


@pytest.mark.parametrize("fact", SEED_FACTS, ids=[f["id"] for f in SEED_FACTS])
def test_seed_fact_is_taught(fact):
    terms = [str(t).lower() for t in fact["terms"]]
    where = [stem for stem, text in LESSON_TEXTS.items() if any(t in text for t in terms)]
    assert where, (f"seed fact {fact['id']!r} ({fact['fact']}) is taught in no lesson: none of {terms} "
                   f"appears in the markdown or stored outputs of {sorted(LESSON_TEXTS)}")
