"""Re-execute notebooks in place and store their outputs (run after changing data or views).

    python tools/execute_notebooks.py                 # every notebook in notebooks/
    python tools/execute_notebooks.py notebooks/03_effleurage.ipynb

Outputs are stored so nbval compares them (`make test`). Per-cell timing metadata is dropped
(it changes on every run). Widget state is stored (issue 13, item 7): `metadata.widgets`
holds `application/vnd.jupyter.widget-state+json` with the state of the widgets the notebook
shows, and only those (the models its widget outputs display and every model they refer to), so
JupyterLab and notebook viewers draw the widgets, static, before any cell runs instead of a
`VBox(children=...)` repr. Voila ignores it (the course template draws live widgets). nbval does
not compare metadata.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
MODEL_REF = "IPY_MODEL_"


def shown_models(nb) -> list[str]:
    """Model ids of the widget views the notebook's outputs display, in order."""
    ids = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(VIEW_MIME)
            if view and view.get("model_id"):
                ids.append(view["model_id"])
    return ids


def _refs(value: Any) -> Iterable[str]:
    """Model ids a widget's state refers to ("IPY_MODEL_<id>" strings, at any depth)."""
    if isinstance(value, str):
        if value.startswith(MODEL_REF):
            yield value[len(MODEL_REF):]
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _refs(v)


def shown_state(state: Mapping[str, Any], roots: Iterable[str]) -> dict[str, Any]:
    """The part of a widget state the shown views need: the roots and what they refer to."""
    keep: dict[str, Any] = {}
    todo = [r for r in roots]
    while todo:
        mid = todo.pop()
        if mid in keep or mid not in state:
            continue
        keep[mid] = state[mid]
        todo.extend(_refs(state[mid].get("state", {})))
    return {mid: keep[mid] for mid in state if mid in keep}  # the kernel's order: stable diffs


def store_shown_widgets(nb) -> None:
    """Replace metadata.widgets by the state of the shown widgets (none shown: no key)."""
    full = nb.metadata.get("widgets", {}).get(STATE_MIME, {})
    state = shown_state(full.get("state", {}), shown_models(nb))
    nb.metadata.pop("widgets", None)
    if state:
        nb.metadata["widgets"] = {STATE_MIME: {"state": state, "version_major": full.get("version_major", 2),
                                               "version_minor": full.get("version_minor", 0)}}


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=120, kernel_name="python3", store_widget_state=True).preprocess(
        nb, {"metadata": {"path": str(path.parent)}}
    )
    store_shown_widgets(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.name}", flush=True)
        execute(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
