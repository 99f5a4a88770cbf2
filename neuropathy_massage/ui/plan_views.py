"""Views of a plan: the plan itself, its marks on the body map, a plain-text summary.

Every word comes from a template (`plan.html.j2`, `body_map.html.j2`) or from
`neuropathy_massage.wording`; every fact from the plan or the knowledge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from neuropathy_massage import wording
from neuropathy_massage.advisor import Plan, RegionPlan
from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import Precaution
from neuropathy_massage.ui.views import Fragment, figure_context, figure_svg, kb_or_default, render, scale_names, sources

#: Body-map marks: chosen, or marked by a plan.
MARKS = ("selected", "ok", "avoid")
MARK_WORDS = {"selected": "selected", "ok": "suitable", "avoid": "AVOID"}
#: The static body map's display size (views.FIGURE_WIDTHS): a tall figure, legible at 420 px.
BODY_MAP_SIZE = "medium"
#: The precaution groups (precautions.yaml `group`) a plan that stops still shows: no massage
#: happens, so only what to do if the client becomes unwell matters.
STOPPED_GROUPS = ("emergency",)


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


@dataclass(frozen=True)
class AreaGroup:
    """Chosen areas that get the same advice, shown once under one name."""

    name: str
    region: RegionPlan  # the first of them: its status, limit and techniques hold for all
    reasons: tuple[str, ...]
    #: What changed since the previous plan: "new", "changed" or "" (wording.CHANGE_MARKS).
    change: str = ""


def _advice(r: RegionPlan, kb: Knowledge, setting: str) -> tuple:
    """Everything a plan says about one region, to compare (same advice) and to diff (changed)."""
    return (r.status, r.pressure_cap, tuple((t.id, t.max_pressure, t.adaptations) for t in r.techniques),
            tuple(wording.region_reasons(r, kb, setting)))


def changes(p: Plan, previous: Plan | None, kb: Knowledge) -> dict[str, str]:
    """Region id -> "new" (not chosen before) or "changed" (other advice than before); none for
    the first plan of a page."""
    if previous is None:
        return {}
    before = {r.region: _advice(r, kb, previous.selection.setting) for r in previous.regions}
    out = {}
    for r in p.regions:
        if r.region not in before:
            out[r.region] = "new"
        elif before[r.region] != _advice(r, kb, p.selection.setting):
            out[r.region] = "changed"
    return out


def area_groups(p: Plan, kb: Knowledge, status: str, changed: Mapping[str, str] | None = None) -> list[AreaGroup]:
    """The plan's regions of this status, grouped where the advice is the same word for word
    (marked "new" when every area of a group is new, "changed" when any changed)."""
    setting = p.selection.setting
    changed = changed or {}
    groups: dict[tuple, list[RegionPlan]] = {}
    for r in p.regions:
        if r.status == status:
            groups.setdefault(_advice(r, kb, setting), []).append(r)
    out = []
    for key, rs in groups.items():
        marks = {changed.get(r.region, "") for r in rs}
        change = "new" if marks == {"new"} else ("changed" if marks - {""} else "")
        out.append(AreaGroup(wording.areas_name(kb, [r.region for r in rs]), rs[0], key[3], change))
    return out


def general_precautions(kb: Knowledge | None = None) -> tuple[Precaution, ...]:
    """The precautions that hold in every session (`general: true`): a page shows them once."""
    return tuple(x for x in kb_or_default(kb).precautions.values() if x.general)


def shown_sources(p: Plan, kb: Knowledge, precautions) -> tuple[str, ...]:
    """The sources of what a plan view shows: the recorded conditions, the chosen symptoms, the
    techniques offered and the precautions shown (a plan's own `sources` also hold those of the
    precautions a view leaves out)."""
    sel = p.selection
    ids = [s for c in sel.conditions for s in kb.conditions[c.id].sources]
    ids += [s for sid in sel.symptoms for s in kb.symptoms[sid].sources]
    ids += [s for r in p.regions for t in r.techniques for s in t.sources]
    ids += [s for x in precautions for s in kb.precautions[x.id].sources]
    return tuple(s.id for s in kb.cite(ids))


def plan_html(p: Plan, kb: Knowledge | None = None, *, show_sources: bool = True,
              link_lessons: bool = False, course: Course | None = None, general: bool = True,
              previous: Plan | None = None, anchor: str = "") -> Fragment:
    """A plan as HTML: stop-and-refer first, then regions to avoid, techniques, precautions, sources.

    With `general=False` the precautions that hold in every session are left out (the page shows
    them once, elsewhere) and a line says so. With `previous` (the plan before the last change),
    what changed is marked in a word and a shape. `anchor` gives the plan an id to link to."""
    kb = kb_or_default(kb)
    shown = [x for x in p.precautions if general or not kb.precautions[x.id].general]
    stopped_left_out = p.stop_and_refer and any(kb.precautions[x.id].group not in STOPPED_GROUPS for x in shown)
    if p.stop_and_refer:
        shown = [x for x in shown if kb.precautions[x.id].group in STOPPED_GROUPS]
    changed = changes(p, previous, kb)
    cited_ids = shown_sources(p, kb, shown)
    cited = sources(cited_ids, kb)
    html = render(
        "plan.html.j2", plan=p, kb=kb, scale=scale_names(kb), show_sources=show_sources, sources=cited,
        lesson_links=lesson_links(course) if link_lessons else {},
        referrals=[t for t in (wording.referral(c, kb) for c in p.referrals) if t],
        red_flags=[kb.conditions[c].name for c in p.red_flags],
        avoid=area_groups(p, kb, "avoid", changed), ok=area_groups(p, kb, "ok", changed), anchor=anchor,
        stop_is_new=previous is not None and p.stop_and_refer and not previous.stop_and_refer,
        precautions=shown, stopped_left_out=stopped_left_out,
        general_left_out=not general and any(kb.precautions[x.id].general for x in p.precautions),
    )
    return Fragment(html, cited_ids, "plan")


def general_html(kb: Knowledge | None = None, exclude=()) -> Fragment:
    """The precautions for every session, once (beside plans shown with `general=False`), but
    those in `exclude` (already shown on the page)."""
    shown = tuple(x for x in general_precautions(kb) if x.id not in set(exclude))
    return Fragment(render("general_precautions.html.j2", precautions=shown),
                    tuple(dict.fromkeys(s for x in shown for s in x.sources)), "precautions for every session")


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
