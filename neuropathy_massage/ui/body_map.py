"""The clickable body map: an anywidget that inlines assets/figures/body_map.svg.

Each of the 16 region shapes (`id="region-<region id>"` in the SVG) becomes a checkbox for
assistive technology and the keyboard: `tabindex=0`, `role="checkbox"`, `aria-checked`,
`aria-label` = the region's name. A click, Space or Enter toggles it; the arrow keys (and
Home / End) move the focus between regions; focus is drawn as a thick black outline.

Synced state (traitlets):

* `selected`: the chosen region ids (in the order of regions.yaml),
* `marks`: region id -> "ok" | "avoid", to show the plan on the map. The SVG draws "avoid" as
  diagonal hatching and "ok" as dots (patterns, not colour alone); the explorer also lists the
  same information as text.

Offline by construction: the front end is an ES module string with no imports, the SVG is
passed as a synced string, and anywidget's own front end ships with the Python package.
Why anywidget (and not ipyevents or a grid of ToggleButtons): see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import anywidget
import traitlets

from neuropathy_massage.knowledge import Knowledge, load_knowledge

BODY_MAP_FILE = Path(__file__).resolve().parents[2] / "assets" / "figures" / "body_map.svg"
SCOPE = "nm-bodymap"
MARKS = ("ok", "avoid")

# Styles added to the figure's own: pointer, hover and a focus outline that does not rely on
# colour (a thick black stroke plus an outline box).
_EXTRA_CSS = f"""
.{SCOPE} {{ max-width: 640px; }}
.{SCOPE} svg {{ width: 100%; height: auto; display: block; }}
.{SCOPE} .region {{ cursor: pointer; }}
.{SCOPE} .region:hover {{ stroke: #1f4e79; stroke-width: 3; }}
.{SCOPE} .region:focus {{ outline: none; }}
.{SCOPE} .region:focus-visible, .{SCOPE} .region.nm-focus {{
  stroke: #000 !important; stroke-width: 5 !important; stroke-dasharray: 6 3;
  outline: 3px solid #1a5fb4 !important; outline-offset: 2px;
}}
.{SCOPE} .nm-bodymap-help {{ font-size: 0.9em; margin: 0.25em 0 0; }}
"""


def _scope_css(css: str) -> str:
    """Prefix every rule of the figure's <style> with `.nm-bodymap ` so it cannot leak into
    the page (the figure uses short class names such as `.s` and `.b`)."""

    def prefix(match: re.Match) -> str:
        selectors = ", ".join(f".{SCOPE} {s.strip()}" for s in match.group(1).split(","))
        return selectors + "{"

    return re.sub(r"([^{}]+)\{", prefix, css)


@lru_cache(maxsize=1)
def inline_svg() -> str:
    """body_map.svg ready to inline in a page: styles scoped, a group (not an image) for
    assistive technology, its text labels hidden from it (each region carries its own name)."""
    svg = BODY_MAP_FILE.read_text(encoding="utf-8")
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<style>(.*?)</style>", lambda m: f"<style>{_scope_css(m.group(1))}{_EXTRA_CSS}</style>",
                 svg, count=1, flags=re.S)
    svg = svg.replace('role="img"', 'role="group"', 1)
    svg = re.sub(r"<text\b", '<text aria-hidden="true"', svg)
    return svg


_ESM = r"""
let VIEWS = 0;

function render({ model, el }) {
  const prefix = "nmbm" + (++VIEWS) + "-";
  // Unique ids per view, so two views of one model never share an id.
  let svg = model.get("svg");
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    svg = svg
      .replace(new RegExp('id="' + esc + '"', "g"), 'id="' + prefix + id + '"')
      .replace(new RegExp("url\\(#" + esc + "\\)", "g"), "url(#" + prefix + id + ")");
  }
  svg = svg.replace(/aria-labelledby="([^"]+)"/, (m, list) =>
    'aria-labelledby="' + list.split(/\s+/).map((t) => prefix + t).join(" ") + '"');

  const box = document.createElement("div");
  box.className = "nm-bodymap";
  box.innerHTML = svg;
  const help = document.createElement("p");
  help.className = "nm-bodymap-help";
  help.textContent = "Click a region, or move to it with Tab or the arrow keys and press Space or Enter, to choose it or clear it.";
  box.appendChild(help);
  el.appendChild(box);

  const names = model.get("names");
  const order = model.get("order");
  const shapes = [];
  for (const rid of order) {
    const node = box.querySelector('[id="' + prefix + "region-" + rid + '"]');
    if (!node) continue;
    node.dataset.region = rid;
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "checkbox");
    node.setAttribute("focusable", "true");
    node.setAttribute("aria-label", names[rid] || rid);
    shapes.push(node);
  }
  // Arrow keys follow the document order, as Tab does: each arm (forearm, palm, fingers, back of
  // hand), left then right, then each leg (lower leg, top of foot, toes, sole), left then right.
  shapes.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));

  function toggle(rid) {
    const now = new Set(model.get("selected"));
    if (now.has(rid)) now.delete(rid); else now.add(rid);
    model.set("selected", order.filter((r) => now.has(r)));
    model.save_changes();
  }

  function sync() {
    const chosen = new Set(model.get("selected"));
    const marks = model.get("marks") || {};
    for (const node of shapes) {
      const rid = node.dataset.region;
      const on = chosen.has(rid);
      node.classList.toggle("selected", on);
      node.classList.toggle("ok", marks[rid] === "ok");
      node.classList.toggle("avoid", marks[rid] === "avoid");
      node.setAttribute("aria-checked", on ? "true" : "false");
      const status = marks[rid] === "avoid" ? ", avoid" : marks[rid] === "ok" ? ", suitable" : "";
      node.setAttribute("aria-label", (names[rid] || rid) + status);
    }
  }

  shapes.forEach((node, i) => {
    node.addEventListener("click", (e) => { e.preventDefault(); toggle(node.dataset.region); });
    node.addEventListener("keydown", (e) => {
      let next = null;
      if (e.key === " " || e.key === "Spacebar" || e.key === "Enter") {
        e.preventDefault();
        toggle(node.dataset.region);
        return;
      } else if (e.key === "ArrowRight" || e.key === "ArrowDown") {
        next = shapes[(i + 1) % shapes.length];
      } else if (e.key === "ArrowLeft" || e.key === "ArrowUp") {
        next = shapes[(i - 1 + shapes.length) % shapes.length];
      } else if (e.key === "Home") {
        next = shapes[0];
      } else if (e.key === "End") {
        next = shapes[shapes.length - 1];
      }
      if (next) { e.preventDefault(); next.focus(); }
    });
    // A class as well as :focus-visible, so the focus ring shows for keyboard users in every
    // browser (SVG focus styling differs between engines).
    node.addEventListener("focus", () => node.classList.add("nm-focus"));
    node.addEventListener("blur", () => node.classList.remove("nm-focus"));
    node.addEventListener("mousedown", () => setTimeout(() => node.classList.remove("nm-focus"), 0));
  });

  model.on("change:selected", sync);
  model.on("change:marks", sync);
  sync();
  return () => {
    model.off("change:selected", sync);
    model.off("change:marks", sync);
  };
}

export default { render };
"""


class BodyMap(anywidget.AnyWidget):
    """Both hands, forearms, feet and lower legs; click or press Space/Enter on a region to choose it."""

    _esm = _ESM
    svg = traitlets.Unicode("").tag(sync=True)
    names = traitlets.Dict().tag(sync=True)  # region id -> name
    order = traitlets.List(traitlets.Unicode()).tag(sync=True)  # region ids, regions.yaml order
    selected = traitlets.List(traitlets.Unicode()).tag(sync=True)
    marks = traitlets.Dict().tag(sync=True)  # region id -> "ok" | "avoid"

    def __init__(self, kb: Knowledge | None = None, **kwargs):
        kb = kb or load_knowledge()
        super().__init__(
            svg=inline_svg(),
            names={rid: r.name for rid, r in kb.regions.items()},
            order=list(kb.regions),
            **kwargs,
        )

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        # Known ids only, each once, in the order of regions.yaml (a stable value to compare).
        wanted = set(proposal["value"])
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
