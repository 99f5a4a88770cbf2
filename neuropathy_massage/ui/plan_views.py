"""Views of a plan: the plan itself, its marks on the body map, a plain-text summary.

Every word comes from a template (`plan.html.j2`, `body_map.html.j2`) or from
`neuropathy_massage.wording`; every fact from the plan or the knowledge.
"""

from __future__ import annotations

import re
from typing import Mapping

from neuropathy_massage import wording
from neuropathy_massage.advisor import Plan
from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.views import Fragment, figure_context, figure_svg, kb_or_default, render, scale_names, sources

#: Body-map marks: chosen, or marked by a plan.
MARKS = ("selected", "ok", "avoid")
MARK_WORDS = {"selected": "selected", "ok": "suitable", "avoid": "AVOID"}
#: The static body map's display size (views.FIGURE_WIDTHS): a tall figure, legible at 420 px.
BODY_MAP_SIZE = "medium"


def plan_marks(p: Plan) -> dict[str, str]:
    """Body-map marks for a plan: each chosen region is 'ok' or 'avoid'."""
    return {r.region: ("avoid" if r.status == "avoid" else "ok") for r in p.regions}


def lesson_links(course: Course | None = None) -> dict[str, str]:
    """Technique or routine id -> the notebook of the lesson that teaches it."""
    course = course or load_course()
    out = {}
    for lesson in course.lessons:
        for tid in lesson.teaches.techniques + lesson.teaches.routines:
            out[tid] = lesson.file
    return out


def plan_html(p: Plan, kb: Knowledge | None = None, *, show_sources: bool = True,
              link_lessons: bool = False, course: Course | None = None) -> Fragment:
    """A plan as HTML: stop-and-refer first, then regions to avoid, techniques, precautions, sources."""
    kb = kb_or_default(kb)
    cited = sources(p.sources, kb)
    html = render(
        "plan.html.j2", plan=p, kb=kb, scale=scale_names(kb), show_sources=show_sources, sources=cited,
        lesson_links=lesson_links(course) if link_lessons else {},
        referrals=[wording.referral(c, kb) for c in p.referrals],
        red_flags=[kb.conditions[c].name for c in p.red_flags],
    )
    return Fragment(html, p.sources, "plan")


def plan_text(p: Plan, kb: Knowledge | None = None) -> str:
    """A plain-text summary of a plan (for tests, screen readers and quick checks)."""
    kb = kb_or_default(kb)
    lines = []
    if p.stop_and_refer:
        lines.append(wording.STOP)
    lines += [f"Refer: {r}" for r in wording.referral_reasons(p, kb)]
    for r in p.regions:
        if r.status == "avoid":
            lines.append(f"AVOID {r.name}: {' '.join(wording.region_reasons(r, kb, p.selection.setting))}")
        else:
            techs = ", ".join(f"{t.name} (up to level {t.max_pressure})" for t in r.techniques) or "none"
            lines.append(f"{r.name}: {techs}")
    lines += [f"Precaution: {x.name}" for x in p.precautions]
    return "\n".join(lines)


def body_map_svg(marks: Mapping[str, str], kb: Knowledge | None = None) -> str:
    """The body map with regions marked: `marks` maps a region id to 'selected', 'ok' or 'avoid'."""
    svg = figure_svg("body_map", kb_or_default(kb))
    for region, mark in marks.items():
        if mark not in MARKS:
            raise ValueError(f"unknown mark {mark!r} for region {region!r}")
        svg, n = re.subn(rf'(id="region-{re.escape(region)}"[^>]*?class=")region(")', rf"\1region {mark}\2", svg)
        if n != 1:
            raise ValueError(f"body_map.svg has no region {region!r}")
    return svg


def body_map(marks: Mapping[str, str], kb: Knowledge | None = None) -> Fragment:
    """The body map as an image plus the same information as a text list (colour is never alone)."""
    kb = kb_or_default(kb)
    items = [(kb.regions[r].name, MARK_WORDS[m]) for r, m in marks.items()]
    context = figure_context("body_map", kb, BODY_MAP_SIZE, svg=body_map_svg(marks, kb))
    return Fragment(render("body_map.html.j2", items=items, **context), (), "body map")
