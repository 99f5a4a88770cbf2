"""The rooms of the package and what each may import (docs/ARCHITECTURE.md), and the house rules
that keep them small: modules of one job under 400 lines, HTML only from templates.

Every module of the package must be listed in ROOMS, so a new module is a decision recorded here
and in the architecture document, not an accident.
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "neuropathy_massage"
DOC = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
MAX_LINES = 400

UI = {"knowledge", "records", "course", "advisor", "wording", "ui"}
# module (path relative to the package, without .py; "ui/*" for every ui module) -> package
# modules it may import
ROOMS = {
    "paths": set(),
    "yamlio": set(),
    "records": set(),
    "knowledge": {"paths", "records", "yamlio"},
    "course": {"paths", "knowledge", "records", "yamlio"},
    "wording": {"knowledge"},
    "advisor": {"knowledge", "records", "wording"},
    "check": {"paths", "course", "knowledge"},
    "cli": {"advisor", "knowledge", "records", "check", "launch", "hub"},
    "kernels": set(),
    "admission": {"kernels"},
    "pages": {"course"},
    "voila_config": {"paths", "course", "kernels", "pages"},
    "voila_app": {"pages"},
    "launch": {"paths", "course", "knowledge", "pages", "voila_config", "voila_app"},
    # Serving beyond one laptop (never ui): Voila as a server extension, JupyterHub.
    "server_extension": {"paths", "course", "voila_config"},
    "hub": {"paths", "course", "knowledge", "server_extension", "voila_config"},
    "hub_process": {"hub", "launch", "server_extension"},
    "__init__": set(),
    "__main__": {"cli"},
    "ui/*": UI,
}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def room(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return "ui/*" if rel.parts[0] == "ui" else rel.as_posix()


def imported_modules(path: Path) -> set[str]:
    """Package modules a file imports at run time (imports under `if TYPE_CHECKING:` are for
    annotations only and do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(node)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "neuropathy_massage":
                names.update(f"neuropathy_massage.{a.name}" for a in node.names)
    return {n.split(".")[1] for n in names if n.startswith("neuropathy_massage.")}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path):
    where = room(path)
    assert where in ROOMS, f"{path.name} is in no room: add it to ROOMS and to docs/ARCHITECTURE.md"
    bad = imported_modules(path) - ROOMS[where] - {where.split("/")[0]}
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {sorted(bad)}, against the one direction of flow"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{path.name} has {lines} lines: split it by job"


def test_every_room_is_in_the_architecture_document():
    for where in ROOMS:
        name = "ui/" if where == "ui/*" else f"{where}.py"
        if where in ("__init__", "__main__"):
            continue
        assert name in DOC, f"docs/ARCHITECTURE.md does not mention {name}"


@pytest.mark.parametrize("path", [p for p in sorted((PACKAGE / "ui").glob("*.py")) if p.name != "__init__.py"],
                         ids=lambda p: p.name)
def test_every_ui_module_is_in_the_architecture_document(path):
    assert f"`ui/{path.name}`" in DOC, f"docs/ARCHITECTURE.md's ui room does not list ui/{path.name}"


def test_the_advisor_never_imports_widgets():
    for name in ("advisor.py", "knowledge.py", "course.py", "wording.py"):
        source = (PACKAGE / name).read_text(encoding="utf-8")
        assert "ipywidgets" not in source and "IPython" not in source, name


UI_SOURCES = sorted((PACKAGE / "ui").glob("*.py"))


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda p: p.name)
def test_html_comes_only_from_templates(path):
    """No hand escaping, no HTML in Python strings, no inline styles: templates and CSS files only."""
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"(?<!re\.)\bescape\(", source), f"{path.name} escapes by hand: use a template"
    tree = ast.parse(source)
    skip = set()  # docstrings, and the patterns of `re` calls (figure files are edited, not views built)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
            skip.update(id(n) for arg in node.args for n in ast.walk(arg))
    strings = [n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]
    for s in strings:
        assert not re.search(r"<(p|div|ul|li|h[1-6]|span|table|strong|a|img|style)\b[^>]*>", s), (
            f"{path.name} builds HTML in a Python string: {s[:80]!r}")
        assert "style=" not in s, f"{path.name} builds an inline style: {s[:80]!r}"


def test_templates_mark_nothing_safe_but_stylesheets_and_scripts():
    """Only the files of ui/static (stylesheets as `css`, the views' script as `script`) are
    inlined unescaped; data never is."""
    for template in (PACKAGE / "ui" / "templates").glob("*.j2"):
        for match in re.finditer(r"\{\{[^}]*\|\s*safe\b[^}]*\}\}", template.read_text(encoding="utf-8")):
            assert re.fullmatch(r"\{\{\s*(css|script)\s*\|\s*safe\s*\}\}", match.group(0)), (
                f"{template.name}: {match.group(0)} marks data as safe")
