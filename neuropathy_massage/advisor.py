"""The advisor: a learner's selection in, a plan out. Pure, deterministic, driven by the data.

Rules, all read from the knowledge records (no rule here names a symptom or a condition):

1. A condition's response at its scope (`at_region` when placed on a region, `whole_session`
   otherwise) is one of `stop_and_refer`, `avoid` or `cap_pressure`. Any `stop_and_refer`
   anywhere wins over everything: the plan offers no technique at all and says why.
2. A region with an `avoid` response is "avoid", with the conditions that cause it.
3. Every other chosen region gets the techniques (or self-care routines, by setting) that work on
   it, each at a maximum pressure = the lowest of the technique's own maximum, every chosen
   symptom's cap, every whole-session cap and every cap placed on that region. A technique whose
   minimum pressure is above that maximum is left out, and the plan records why.
4. Precautions are shown when their trigger matches (always, the setting, reduced sensation,
   warm water, a symptom). Reduced sensation comes from any chosen symptom or condition marked
   `reduces_sensation`.
5. Every item carries the ids of its sources; the plan lists them all, in the order of
   sources.yaml.

The plan holds its reasons as data (which symptom or condition set a limit, which technique is
left out and why, which condition stops the session, which referrals apply). Words come from
`neuropathy_massage.wording`, the one place they are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from neuropathy_massage import wording
from neuropathy_massage.knowledge import Knowledge, load_knowledge
from neuropathy_massage.records import PRESSURE_MAX, SETTINGS, PlacedCondition, Selection

__all__ = ["Plan", "PlacedCondition", "Selection", "SelectionError", "plan", "validate"]


class SelectionError(ValueError):
    """A selection names something the course does not know; the message lists valid ids."""


@dataclass(frozen=True)
class Limit:
    """One source of a region's pressure limit: a chosen symptom, or a condition capping pressure
    (placed `at` a region, or for the whole session when `at` is None)."""

    level: int
    symptom: Optional[str] = None
    condition: Optional[str] = None
    at: Optional[str] = None


@dataclass(frozen=True)
class Avoided:
    """A condition placed on this region whose response there is `avoid`."""

    condition: str
    at: str


@dataclass(frozen=True)
class LeftOut:
    """A technique that works on the region but needs more pressure than the region's limit."""

    technique: str
    needs: int
    limit: int


@dataclass(frozen=True)
class StopReason:
    """A condition whose response is `stop_and_refer` (placed `at` a region, or whole session)."""

    condition: str
    at: Optional[str] = None


@dataclass(frozen=True)
class TechniqueAdvice:
    id: str
    name: str
    max_pressure: int
    adaptations: tuple[str, ...]
    sources: tuple[str, ...]
    #: True when the technique's own maximum, not the region's limit, sets `max_pressure`.
    own_maximum: bool = False


@dataclass(frozen=True)
class RegionPlan:
    region: str
    name: str
    status: str  # "ok" | "avoid"
    techniques: tuple[TechniqueAdvice, ...] = ()
    pressure_cap: Optional[int] = None  # None when the region is avoided
    limits: tuple[Limit, ...] = ()  # the sources of the limit (those at its level)
    avoided: tuple[Avoided, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    stopped: bool = False  # avoided because the whole session stops
    no_technique: bool = False  # the course has nothing for this region in this setting


@dataclass(frozen=True)
class PrecautionItem:
    id: str
    name: str
    text: str


@dataclass(frozen=True)
class Plan:
    selection: Selection
    stop_and_refer: bool
    stop_reasons: tuple[StopReason, ...]
    referrals: tuple[str, ...]  # ids of the conditions whose referral applies
    regions: tuple[RegionPlan, ...]
    precautions: tuple[PrecautionItem, ...]
    sources: tuple[str, ...]
    reduced_sensation: bool
    red_flags: tuple[str, ...] = ()  # condition ids

    def region(self, region_id: str) -> RegionPlan:
        for r in self.regions:
            if r.region == region_id:
                return r
        raise KeyError(region_id)

    def to_dict(self, kb: Knowledge | None = None) -> dict:
        """The plan in the JSON shape of `python -m neuropathy_massage plan` (docs/CLI.md)."""
        return wording.plan_dict(self, kb or load_knowledge())


def _check(kind: str, values: Iterable, known) -> None:
    unknown = sorted(str(v) for v in values if v not in known)
    if unknown:
        shown = ", ".join(repr(u[:60]) for u in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise SelectionError(f"unknown {kind} {shown}; valid {kind}s are: {', '.join(sorted(known))}")


def validate(selection: Selection, kb: Knowledge) -> None:
    """Raise SelectionError naming the first unknown id (and listing the valid ones)."""
    if selection.setting not in SETTINGS:
        raise SelectionError(f"unknown setting {selection.setting!r}; valid settings are: {', '.join(SETTINGS)}")
    _check("symptom", selection.symptoms, kb.symptoms)
    _check("region", selection.regions, kb.regions)
    _check("condition", [c.id for c in selection.conditions], kb.conditions)
    _check("region", [c.region for c in selection.conditions if c.region is not None], kb.regions)
    for c in sorted(selection.conditions, key=lambda c: (c.id, c.region or "")):
        cond = kb.conditions[c.id]
        if c.region is None and cond.whole_session is None:
            raise SelectionError(f"condition {c.id!r} applies to one region: give it a region")
        if c.region is not None and cond.at_region is None:
            raise SelectionError(f"condition {c.id!r} applies to the whole session: give it no region")
        if c.region is not None and not cond.allows_region(c.region):
            raise SelectionError(
                f"condition {c.id!r} cannot be placed on {c.region!r}; valid regions for it are: {', '.join(cond.regions)}"
            )


def response(kb: Knowledge, c: PlacedCondition):
    """The condition record and its response at the scope where it is placed."""
    cond = kb.conditions[c.id]
    return cond, (cond.whole_session if c.region is None else cond.at_region)


def plan(selection: Selection, kb: Knowledge | None = None) -> Plan:
    """Turn a selection into a plan. Pure: the same selection always gives the same plan."""
    kb = kb or load_knowledge()
    validate(selection, kb)
    sources: set[str] = set()
    conditions = sorted(selection.conditions, key=lambda c: (c.id, c.region or ""))
    symptoms = [kb.symptoms[s] for s in sorted(selection.symptoms)]
    for s in symptoms:
        sources.update(s.sources)

    # 1. What the conditions say, and who must refer.
    stops: list[StopReason] = []
    referrals: list[str] = []
    red_flags: list[str] = []
    limits: list[Limit] = [Limit(s.pressure_cap, symptom=s.id) for s in symptoms]
    local_limits: dict[str, list[Limit]] = {}
    avoided: dict[str, list[Avoided]] = {}
    for c in conditions:
        cond, resp = response(kb, c)
        sources.update(cond.sources)
        if cond.kind == "red_flag" and cond.id not in red_flags:
            red_flags.append(cond.id)
        if resp.action == "stop_and_refer":
            stops.append(StopReason(cond.id, c.region))
        elif resp.action == "avoid":
            avoided.setdefault(c.region, []).append(Avoided(cond.id, c.region))
        elif c.region is None:
            limits.append(Limit(resp.pressure_cap, condition=cond.id))
        else:
            local_limits.setdefault(c.region, []).append(Limit(resp.pressure_cap, condition=cond.id, at=c.region))
        if cond.referral and cond.id not in referrals:
            referrals.append(cond.id)
    stop = bool(stops)
    reduced = any(s.reduces_sensation for s in symptoms) or any(
        kb.conditions[c.id].reduces_sensation for c in conditions
    )

    # 2. Each chosen region, in the order of regions.yaml.
    offered = kb.techniques_for(selection.setting)
    region_plans = []
    warm_water = False
    for rid, region in kb.regions.items():
        if rid not in selection.regions:
            continue
        if stop:
            region_plans.append(RegionPlan(rid, region.name, "avoid", stopped=True))
            continue
        if rid in avoided:
            region_plans.append(RegionPlan(rid, region.name, "avoid", avoided=tuple(avoided[rid])))
            continue
        here = limits + local_limits.get(rid, [])
        cap = min([PRESSURE_MAX] + [lim.level for lim in here])
        techniques, left_out = [], []
        for tech in offered:
            if rid not in tech.regions:
                continue
            if tech.pressure_min > cap:
                left_out.append(LeftOut(tech.id, tech.pressure_min, cap))
                continue
            adaptations = tuple(tech.adaptations[s.id] for s in symptoms if s.id in tech.adaptations)
            techniques.append(TechniqueAdvice(tech.id, tech.name, min(cap, tech.pressure_max), adaptations,
                                              tech.sources, own_maximum=tech.pressure_max < cap))
            sources.update(tech.sources)
            warm_water = warm_water or tech.uses_warm_water
        region_plans.append(RegionPlan(
            rid, region.name, "ok", tuple(techniques), cap,
            limits=tuple(lim for lim in here if lim.level == cap),
            left_out=tuple(left_out), no_technique=not techniques and not left_out,
        ))

    # 3. Precautions whose trigger matches.
    precautions = []
    for p in kb.precautions.values():
        w = p.when
        if (w.always or selection.setting in w.settings or (w.reduced_sensation and reduced)
                or (w.warm_water and warm_water) or any(s in selection.symptoms for s in w.symptoms)):
            precautions.append(PrecautionItem(p.id, p.name, p.text))
            sources.update(p.sources)

    return Plan(
        selection=selection,
        stop_and_refer=stop,
        stop_reasons=tuple(stops),
        referrals=tuple(referrals),
        regions=tuple(region_plans),
        precautions=tuple(precautions),
        sources=tuple(s.id for s in kb.cite(sources)),
        reduced_sensation=reduced,
        red_flags=tuple(red_flags),
    )
