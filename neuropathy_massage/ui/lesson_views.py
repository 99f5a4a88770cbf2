"""Views of the knowledge that lessons show: symptoms, mechanisms, techniques, pressure, conditions.

Each function renders records of the knowledge (and, for the try-its, the advisor's plans)
through a template and returns a `Fragment` carrying the ids of the sources behind what it shows.
Lessons call them through `ui.lesson.LessonPage`, which cites those sources in the footer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Optional

from neuropathy_massage import wording
from neuropathy_massage.advisor import Plan, plan
from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import KINDS, URGENCIES, Precaution, Selection
from neuropathy_massage.ui.plan_views import body_map
from neuropathy_massage.ui.views import Fragment, figure, kb_or_default, render, scale_names

SETTING_LABEL = {"therapist": "therapist technique", "self": "self-care routine"}
#: Precaution groups shown under "When to stop and seek a health professional" in a try-it.
STOP_GROUPS = ("when_to_stop", "before")


def _sources(records) -> list[str]:
    return [s for r in records for s in r.sources]


def region_names(region_ids: Iterable[str], kb: Knowledge) -> list[str]:
    """Region names in the order of regions.yaml."""
    wanted = set(region_ids)
    return [r.name for rid, r in kb.regions.items() if rid in wanted]


def lesson_map(course: Course, include_home: bool = False) -> Fragment:
    """Every lesson (after the home page) with its link, summary, time, prerequisites and objectives."""
    shown = [lesson for lesson in course.lessons if include_home or lesson.kind != "home"]
    lessons = [{"lesson": lesson, "number": course.number(lesson.id),
                "builds_on": [course.lesson(b) for b in lesson.builds_on]} for lesson in shown]
    html = render("lesson_map.html.j2", lessons=lessons, total=sum(lesson.minutes for lesson in shown))
    return Fragment(html, (), "lesson map")


def symptoms_table(kb: Knowledge | None = None) -> Fragment:
    kb = kb_or_default(kb)
    rows = [(s.name, s.description, ", ".join(region_names(s.typical_regions, kb))) for s in kb.symptoms.values()]
    return Fragment(render("symptoms.html.j2", rows=rows), _sources(kb.symptoms.values()), "symptoms table")


def symptom_marks(symptom_ids: Iterable[str], kb: Knowledge | None = None) -> dict[str, str]:
    """Body-map marks: every region where any of these symptoms usually shows is 'selected'."""
    kb = kb_or_default(kb)
    wanted = set()
    for sid in symptom_ids:
        wanted.update(kb.symptoms[sid].typical_regions)
    return {rid: "selected" for rid in kb.regions if rid in wanted}


def symptom_details(symptom_ids: Iterable[str], kb: Knowledge | None = None) -> Fragment:
    """Each chosen symptom described, where it usually shows, and the body map with those regions marked."""
    kb = kb_or_default(kb)
    wanted = set(symptom_ids)
    chosen = [s for sid, s in kb.symptoms.items() if sid in wanted]
    html = render("symptom_details.html.j2", chosen=chosen,
                  region_names={s.id: region_names(s.typical_regions, kb) for s in chosen},
                  body_map=body_map(symptom_marks([s.id for s in chosen], kb), kb))
    return Fragment(html, _sources(chosen), "symptom details")


def mechanism(mechanism_id: str, kb: Knowledge | None = None) -> Fragment:
    """One mechanism: its name, summary and how it works, beside its figure."""
    kb = kb_or_default(kb)
    m = kb.mechanisms[mechanism_id]
    fig = figure(m.figure, kb) if m.figure else None
    return Fragment(render("mechanism.html.j2", m=m, figure=fig), m.sources, f"mechanism: {m.name}")


def mechanism_matrix(kb: Knowledge | None = None) -> Fragment:
    """Which technique or routine uses which mechanism, as a table ('uses' in words, not colour)."""
    kb = kb_or_default(kb)
    mechs = list(kb.mechanisms.values())
    rows = [(f"{t.name} ({SETTING_LABEL[t.setting]})", *("✔ uses" if m.id in t.mechanisms else "—" for m in mechs))
            for t in kb.techniques.values()]
    html = render("mechanism_matrix.html.j2", mechanism_names=[m.name for m in mechs], rows=rows)
    return Fragment(html, _sources(mechs), "mechanism table")


def mechanism_links(technique_id: str, kb: Knowledge | None = None, course: Course | None = None) -> Fragment:
    """The mechanisms one technique or routine uses, each with its figure folded away (a click
    shows it at full size: a thumbnail could not hold legible text), and those it does not use."""
    kb, course = kb_or_default(kb), course or load_course()
    t = kb.techniques[technique_id]
    used = [kb.mechanisms[m] for m in t.mechanisms]
    unused = [m for mid, m in kb.mechanisms.items() if mid not in t.mechanisms]
    lesson = course.teaching(technique_id)
    figures = {m.id: figure(m.figure, kb) if m.figure else None for m in used}
    html = render("mechanism_links.html.j2", t=t, setting_label=SETTING_LABEL[t.setting], lesson=lesson,
                  lesson_number=course.number(lesson.id) if lesson else None, used=used, unused=unused,
                  total=len(kb.mechanisms), figures=figures)
    return Fragment(html, _sources(used), f"mechanisms of {t.name}")


def technique_card(technique_id: str, kb: Knowledge | None = None, *, title: bool = False) -> Fragment:
    """A technique's or routine's card (purpose, mechanisms, pressure, direction, duration, steps)
    beside its figures."""
    kb = kb_or_default(kb)
    t = kb.techniques[technique_id]
    card = render("technique.html.j2", t=t, mechanisms=[kb.mechanisms[m] for m in t.mechanisms], scale=scale_names(kb),
                  touches=wording.touches_text(kb, technique_id))
    figures = [figure(f, kb) for f in t.figures]
    html = render("technique_card.html.j2", t=t, card=card, figures=figures, title=title)
    return Fragment(html, t.sources, f"card: {t.name}")


def pressure_range(technique_id: str, kb: Knowledge | None = None) -> Fragment:
    """The 1-5 pressure scale with this technique's range marked in words (not only by colour)."""
    kb = kb_or_default(kb)
    t = kb.techniques[technique_id]
    rows, highlight = [], []
    for i, (lvl, p) in enumerate(kb.pressure_levels.items()):
        inside = t.pressure_min <= lvl <= t.pressure_max
        rows.append((f"{lvl} · {p.name}", p.hand, p.client_feels, "✔ in range" if inside else "— outside"))
        if inside:
            highlight.append(i)
    html = render("pressure_range.html.j2", t=t, scale=scale_names(kb), rows=rows, highlight=highlight)
    return Fragment(html, _sources(kb.pressure_levels.values()), f"pressure range of {t.name}")


def adaptations(technique_id: str, kb: Knowledge | None = None) -> Fragment:
    """For every symptom: its pressure limit and how this technique changes for it (or that it is left out)."""
    kb = kb_or_default(kb)
    t = kb.techniques[technique_id]
    names = scale_names(kb)
    rows = []
    for s in kb.symptoms.values():
        if s.pressure_cap < t.pressure_min:
            how = (f"Left out: it needs at least level {t.pressure_min}, and this symptom allows "
                   f"level {s.pressure_cap} at most.")
        else:
            how = t.adaptations.get(s.id, "No special change beyond the pressure limit.")
        rows.append((s.name, f"level {s.pressure_cap} ({names[s.pressure_cap]})", how))
    return Fragment(render("adaptations.html.j2", t=t, rows=rows), t.sources + tuple(_sources(kb.symptoms.values())),
                    f"adaptations of {t.name}")


def conditions_table(kb: Knowledge | None = None, condition_ids: Iterable[str] = (),
                     caption: str = "When not to massage, and what to do instead") -> Fragment:
    """Conditions (all of them, or these ids, in data order): their kind, what each does on one
    area and for the whole session, and how soon and who to see."""
    kb = kb_or_default(kb)
    wanted = set(condition_ids)
    conds = [c for c in kb.conditions.values() if not wanted or c.id in wanted]
    html = render("conditions.html.j2", conditions=conds, kb=kb, caption=caption)
    return Fragment(html, _sources(conds), "conditions table")


def red_flags(kb: Knowledge | None = None) -> Fragment:
    """Every red flag, always all of them, most urgent first: what to look for and what to do."""
    kb = kb_or_default(kb)
    flags = [c for c in kb.conditions.values() if c.kind == "red_flag"]
    groups = [(u, [c for c in flags if c.urgency == u]) for u in URGENCIES]
    return Fragment(render("red_flags.html.j2", groups=[g for g in groups if g[1]]), _sources(flags), "red flags")


def kinds_legend() -> Fragment:
    """The three kinds of condition and the four degrees of urgency, in the course's plain words."""
    return Fragment(render("kinds.html.j2", kinds=KINDS, urgencies=URGENCIES), (), "kinds of condition")


def precautions(items: Iterable[Precaution]) -> Fragment:
    items = list(items)
    return Fragment(render("precautions.html.j2", precautions=items), _sources(items), "precautions",
                    precautions=[x.id for x in items])


# --------------------------------------------------------------------------- one technique, asked of the advisor


@dataclass(frozen=True)
class TechniqueOutcome:
    """What the advisor says about one technique on a group of regions that get the same answer."""

    regions: tuple[str, ...]  # region names
    offered: bool
    max_pressure: Optional[int]
    adaptations: tuple[str, ...]
    limits: tuple[str, ...]  # why the limit is what it is, in words
    reasons: tuple[str, ...]  # why it is left out, in words
    region_cap: Optional[int] = None


def technique_outcomes(technique_id: str, symptoms: Iterable[str], kb: Knowledge | None = None
                       ) -> tuple[Plan, tuple[TechniqueOutcome, ...]]:
    """Ask the advisor about every region this technique works on, with these symptoms; group
    regions that get the same answer."""
    kb = kb_or_default(kb)
    tech = kb.techniques[technique_id]
    p = plan(Selection.of(symptoms=symptoms, regions=tech.regions, setting=tech.setting), kb)
    groups: dict[tuple, list[str]] = {}
    for r in p.regions:
        advice = next((t for t in r.techniques if t.id == technique_id), None)
        if r.status == "avoid":
            key = (False, None, (), (), tuple(wording.region_reasons(r, kb, tech.setting)), None)
        elif advice is not None:
            limits = tuple(wording.limit_reason(lim, kb) for lim in r.limits)
            key = (True, advice.max_pressure, advice.adaptations, limits, (), r.pressure_cap)
        else:
            mine = tuple(wording.left_out_reason(x, kb) for x in r.left_out if x.technique == technique_id)
            key = (False, None, (), (), mine, r.pressure_cap)
        groups.setdefault(key, []).append(r.name)
    return p, tuple(TechniqueOutcome(tuple(names), *key) for key, names in groups.items())


def without_precautions(p: Plan, omit: Iterable[str] = ()) -> tuple[Plan, bool]:
    """The plan as a page shows it when the page sets out some precautions in full elsewhere
    (each general precaution once per page): those left out of its list, and whether any was.
    Only the list shown changes: the stop banner, limits, referrals and sources stay as they are."""
    omit = frozenset(omit)
    kept = tuple(x for x in p.precautions if x.id not in omit)
    return (p, False) if len(kept) == len(p.precautions) else (replace(p, precautions=kept), True)


def precautions_elsewhere() -> Fragment:
    """The line that stands for precautions the page sets out in full elsewhere."""
    return Fragment(render("precautions_elsewhere.html.j2"), (), "precautions set out elsewhere")


def technique_try(technique_id: str, symptoms: Iterable[str], kb: Knowledge | None = None,
                  omit: Iterable[str] = ()) -> Fragment:
    """The advisor's answer for one technique and these symptoms, with the reasons and when to
    stop; precautions in `omit` (set out in full elsewhere on the page) are named once, by a line."""
    kb = kb_or_default(kb)
    tech = kb.techniques[technique_id]
    symptoms = tuple(symptoms)
    p, outcomes = technique_outcomes(technique_id, symptoms, kb)
    p, elsewhere = without_precautions(p, omit)
    shown = [kb.precautions[x.id] for x in p.precautions]
    html = render(
        "technique_try.html.j2", t=tech, plan=p, kb=kb, scale=scale_names(kb), outcomes=outcomes, elsewhere=elsewhere,
        chosen=[s.name for sid, s in kb.symptoms.items() if sid in symptoms],
        stop_precautions=[x for x in shown if x.group in STOP_GROUPS],
        other_precautions=[x for x in shown if x.group not in STOP_GROUPS],
    )
    return Fragment(html, p.sources, f"try it: {tech.name}", precautions=[x.id for x in shown])
