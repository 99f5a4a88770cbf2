"""The clickable body map: an anywidget that inlines assets/figures/body_map.svg.

Its front end is `body_map.js` (an ES module) and `body_map.css`, beside this file (anywidget's
recommended layout).

Each of the 16 region shapes (`id="region-<region id>"` in the SVG) becomes a checkbox for
assistive technology and the keyboard: `tabindex=0`, `role="checkbox"`, `aria-checked`,
`aria-label` = the region's name. A click, Space or Enter toggles it; the arrow keys (and
Home / End) move the focus between regions; focus is drawn as a thick black outline.

Synced state (traitlets):

* `selected`: the chosen region ids (in the order of regions.yaml),
* `marks`: region id -> "ok" | "avoid", to show the plan on the map. The SVG draws "avoid" as
  diagonal hatching and "ok" as dots (patterns, not colour alone); the explorer also lists the
  same information as text.

Offline by construction: the front end is an ES module with no imports, the SVG is
passed as a synced string, and anywidget's own front end ships with the Python package.
Why anywidget (and not ipyevents or a grid of ToggleButtons): see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import anywidget
import traitlets

from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.views import figure_svg, kb_or_default

_HERE = Path(__file__).resolve().parent
ESM_FILE = _HERE / "body_map.js"
CSS_FILE = _HERE / "body_map.css"
SCOPE = "nm-bodymap"
MARKS = ("ok", "avoid")


def _scope_css(css: str) -> str:
    """Prefix every rule of the figure's <style> with `.nm-bodymap ` so it cannot leak into
    the page (the figure uses short class names such as `.s` and `.b`)."""

    def prefix(match: re.Match) -> str:
        selectors = ", ".join(f".{SCOPE} {s.strip()}" for s in match.group(1).split(","))
        return selectors + "{"

    return re.sub(r"([^{}]+)\{", prefix, css)


@lru_cache(maxsize=4)
def inline_svg(kb: Knowledge | None = None) -> str:
    """body_map.svg ready to inline in a page: styles scoped, a group (not an image) for
    assistive technology, its text labels hidden from it (each region carries its own name)."""
    svg = figure_svg("body_map", kb_or_default(kb))
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<style>(.*?)</style>", lambda m: f"<style>{_scope_css(m.group(1))}</style>",
                 svg, count=1, flags=re.S)
    svg = svg.replace('role="img"', 'role="group"', 1)
    svg = re.sub(r"<text\b", '<text aria-hidden="true"', svg)
    return svg


class BodyMap(anywidget.AnyWidget):
    """Both hands, forearms, feet and lower legs; click or press Space/Enter on a region to choose it."""

    _esm = ESM_FILE
    _css = CSS_FILE
    svg = traitlets.Unicode("").tag(sync=True)
    names = traitlets.Dict().tag(sync=True)  # region id -> name
    order = traitlets.List(traitlets.Unicode()).tag(sync=True)  # region ids, regions.yaml order
    selected = traitlets.List().tag(sync=True)  # any list: _valid_selected keeps the known region ids
    marks = traitlets.Dict().tag(sync=True)  # region id -> "ok" | "avoid"

    def __init__(self, kb: Knowledge | None = None, **kwargs):
        kb = kb_or_default(kb)
        super().__init__(
            svg=inline_svg(kb),
            names={rid: r.name for rid, r in kb.regions.items()},
            order=list(kb.regions),
            **kwargs,
        )

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        # Known ids only, each once, in the order of regions.yaml (a stable value to compare); a
        # page can send anything (null, numbers, nested lists): what is not a region id is dropped.
        wanted = {v for v in (proposal["value"] or ()) if isinstance(v, str)}
        return [r for r in self.order if r in wanted]

    @traitlets.validate("marks")
    def _valid_marks(self, proposal):
        marks = dict(proposal["value"])
        for region, mark in marks.items():
            if region not in self.names:
                raise traitlets.TraitError(f"unknown region {region!r}")
            if mark not in MARKS:
                raise traitlets.TraitError(f"unknown mark {mark!r} for region {region!r}")
        return marks

    def toggle(self, region: str) -> None:
        """Choose the region, or clear it if it is chosen (what a click does)."""
        now = set(self.selected)
        now.symmetric_difference_update({region})
        self.selected = [r for r in self.order if r in now]
