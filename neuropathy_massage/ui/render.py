"""HTML rendering shared by every view: plans, sources, technique cards, figures, the body map.

Everything goes through Jinja2 with autoescaping on, so any text (the data's or a learner's) is
shown as text, never as markup. Figures are inlined as data URIs with their alt text, so they work
offline, in JupyterLab, under nbval and in Voila alike.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Iterable, Mapping

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from neuropathy_massage.advisor import Plan
from neuropathy_massage.knowledge import Knowledge, load_knowledge

FIGURES_DIR = Path(__file__).resolve().parents[2] / "assets" / "figures"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def template(name: str):
    return _env.get_template(name)


def kb_or_default(kb: Knowledge | None) -> Knowledge:
    """The knowledge given, else the course's own (loaded once)."""
    return kb or load_knowledge()


_kb = kb_or_default


def scale_names(kb: Knowledge | None = None) -> dict[int, str]:
    """Pressure level names for use mid-sentence ("rubbing lotion in", "ordinary Swedish pressure")."""
    return {lvl: p.name[:1].lower() + p.name[1:] for lvl, p in _kb(kb).pressure_levels.items()}


def plan_marks(p: Plan) -> dict[str, str]:
    """Body-map marks for a plan: each chosen region is 'ok' or 'avoid'."""
    return {r.region: ("avoid" if r.status == "avoid" else "ok") for r in p.regions}


def sources_html(ids: Iterable[str], kb: Knowledge | None = None) -> str:
    """The sources with these ids, as a numbered list (in the order of sources.yaml)."""
    return template("sources.html.j2").render(sources=_kb(kb).cite(ids))


def plan_html(plan: Plan, kb: Knowledge | None = None, *,
              show_sources: bool = True, link_lessons: bool = False) -> str:
    """A plan as HTML: stop-and-refer first, then regions to avoid, techniques, precautions, sources."""
    kb = _kb(kb)
    return template("plan.html.j2").render(
        plan=plan, scale=scale_names(kb), show_sources=show_sources,
        link_lessons=link_lessons, sources_html=Markup(sources_html(plan.sources, kb)),  # rendered (and escaped) already
    )


def plan_text(plan: Plan) -> str:
    """A plain-text summary of a plan (for tests, screen readers and quick checks)."""
    lines = []
    if plan.stop_and_refer:
        lines.append("STOP — do not massage. Refer to a health professional.")
    lines += [f"Refer: {r}" for r in plan.referral_reasons]
    for r in plan.regions:
        if r.status == "avoid":
            lines.append(f"AVOID {r.name}: {' '.join(r.reasons)}")
        else:
            techs = ", ".join(f"{t.name} (up to level {t.max_pressure})" for t in r.techniques) or "none"
            lines.append(f"{r.name}: {techs}")
    lines += [f"Precaution: {p.name}" for p in plan.precautions]
    return "\n".join(lines)


def technique_html(technique_id: str, kb: Knowledge | None = None) -> str:
    kb = _kb(kb)
    t = kb.techniques[technique_id]
    return template("technique.html.j2").render(
        t=t, mechanisms=[kb.mechanisms[m] for m in t.mechanisms], scale=scale_names(kb)
    )


@lru_cache(maxsize=1)
def figure_index() -> Mapping[str, dict]:
    data = yaml.safe_load((FIGURES_DIR / "figures.yaml").read_text(encoding="utf-8"))
    return {f["id"]: f for f in data["figures"]}


def figure_svg(figure_id: str) -> str:
    return (FIGURES_DIR / figure_index()[figure_id]["file"]).read_text(encoding="utf-8")


def svg_img(svg: str, alt: str, *, width: str = "100%", max_width: str = "520px") -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}" '
            f'style="width:{width};max-width:{max_width};height:auto">')


def figure_html(figure_id: str, *, caption: bool = True, max_width: str = "520px") -> str:
    """A course figure as an <img> with its alt text, and its title as a caption."""
    fig = figure_index()[figure_id]
    img = svg_img(figure_svg(figure_id), fig["alt"], max_width=max_width)
    if not caption:
        return img
    return f'<figure style="margin:0.5em 0">{img}<figcaption>{escape(fig["title"])}</figcaption></figure>'


def body_map_svg(marks: Mapping[str, str]) -> str:
    """The body map with regions marked: `marks` maps a region id to 'selected', 'ok' or 'avoid'."""
    svg = figure_svg("body_map")
    for region, mark in marks.items():
        if mark not in ("selected", "ok", "avoid"):
            raise ValueError(f"unknown mark {mark!r} for region {region!r}")
        svg, n = re.subn(rf'(id="region-{re.escape(region)}"[^>]*?class=")region(")', rf"\1region {mark}\2", svg)
        if n != 1:
            raise ValueError(f"body_map.svg has no region {region!r}")
    return svg


def body_map_html(marks: Mapping[str, str], kb: Knowledge | None = None, *, max_width: str = "560px") -> str:
    """The body map as an image plus the same information as a text list (colour is never alone)."""
    kb = _kb(kb)
    labels = {"selected": "selected", "ok": "suitable", "avoid": "AVOID"}
    items = [f"{kb.regions[r].name}: {labels[m]}" for r, m in marks.items()]
    alt = "Body map of both hands, forearms, feet and lower legs. " + (
        "Marked: " + "; ".join(items) + "." if items else "No region is marked."
    )
    text = "".join(f"<li>{escape(i)}</li>" for i in items) or "<li>No region marked.</li>"
    return svg_img(body_map_svg(marks), alt, max_width=max_width) + f'<ul class="nm-marks">{text}</ul>'
