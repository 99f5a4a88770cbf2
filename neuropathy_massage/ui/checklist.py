"""A list of checkboxes in one widget: a `<fieldset>` with a legend and one native checkbox per
option (an anywidget; front end `checklist.js`, styles `checklist.css`, beside this file).

It replaces a multi-select list, which needs Ctrl/Cmd-click for a second choice: every option is
a checkbox of its own, ticked with a click, a tap or Space, reached with Tab, at least 24 px high.
One widget model for the whole list, where a box of ipywidgets checkboxes would be one per option.

Synced state: `legend`, `options` (pairs of label and value, in order) and `value` (the ticked
values, in the order of `options`; anything else, such as a crafted state, is dropped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import anywidget
import traitlets

_HERE = Path(__file__).resolve().parent
#: Bounds on what the list carries (a crafted state cannot make it carry more).
MAX_OPTIONS = 64
MAX_LABEL = 120


class Checklist(anywidget.AnyWidget):
    _esm = _HERE / "checklist.js"
    _css = _HERE / "checklist.css"
    legend = traitlets.Unicode("").tag(sync=True)
    options = traitlets.List(help="[label, value] pairs").tag(sync=True)
    value = traitlets.List(traitlets.Unicode(), help="the ticked values, in the order of options").tag(sync=True)

    def __init__(self, options: Iterable[tuple[str, str]] = (), legend: str = "", **kwargs):
        super().__init__(options=[[str(label), str(value)] for label, value in options], legend=legend, **kwargs)

    @traitlets.validate("options")
    def _bounded(self, proposal):
        pairs = [p for p in proposal["value"] if isinstance(p, (list, tuple)) and len(p) == 2][:MAX_OPTIONS]
        return [[str(label)[:MAX_LABEL], str(value)[:MAX_LABEL]] for label, value in pairs]

    @traitlets.validate("value")
    def _offered_only(self, proposal):
        wanted = set(proposal["value"] or ())
        return [v for _label, v in self.options if v in wanted]
