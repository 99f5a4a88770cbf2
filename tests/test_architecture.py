"""One direction of flow: knowledge <- advisor <- ui; serving and kernels stand apart (docs/ARCHITECTURE.md)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "neuropathy_massage"

# module -> package modules it must never import
FORBIDDEN = {
    "knowledge": {"advisor", "ui", "cli", "serving"},
    "advisor": {"ui", "cli", "serving"},
    "ui": {"cli", "serving", "kernels"},
    "serving": {"knowledge", "advisor", "ui", "cli", "kernels"},
    "kernels": {"knowledge", "advisor", "ui", "cli", "serving"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {n.split(".")[1] for n in names if n.startswith("neuropathy_massage.")}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_flow_one_way(layer):
    files = [PACKAGE / f"{layer}.py"] if (PACKAGE / f"{layer}.py").exists() else sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no module found for layer {layer}"
    for f in files:
        bad = imported_modules(f) & FORBIDDEN[layer]
        assert not bad, f"{f.relative_to(PACKAGE.parent)} imports {sorted(bad)}, against the one direction of flow"


def test_advisor_never_imports_widgets():
    source = (PACKAGE / "advisor.py").read_text(encoding="utf-8")
    assert "ipywidgets" not in source and "IPython" not in source
