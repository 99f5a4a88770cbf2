"""The advisor: a learner's selection in, a plan out. Pure, deterministic, driven by the data.

Rules, all read from the knowledge records (no rule here names a symptom or a condition):

1. A condition's response at its scope (`at_region` when placed on a region, `whole_session`
   otherwise) is one of `stop_and_refer`, `avoid`, `cap_pressure` or `adapt`. A placed
   condition reaches the regions of its `spread` from where it is placed (the region itself, the
   whole hand or foot, or the whole arm or leg of that side). Any `stop_and_refer` anywhere wins
   over everything: the plan offers no technique at all and says why, most urgent first.
2. A region reached by an `avoid` response is "avoid", with the conditions that cause it.
3. Every other chosen region gets the techniques (or self-care routines, by setting) that work on
   it, unless the technique's footprint (what it touches when used there: `touches`) reaches a
   region to avoid, or, for a routine with warm water, a region kept from heat: then it is left
   out there, and the plan records which region and condition rule it out. The others are offered
   at a maximum pressure = the lowest of the technique's own maximum, every chosen symptom's cap,
   every whole-session cap and every cap reaching that region (in self-massage, a symptom's or a
   condition's `self_pressure_cap` where it has one). A technique whose minimum pressure is above
   that maximum is left out, and the plan records why.
4. `adapt` responses, gentle joint movement, and the doctor's agreement first
   (`requires_clearance`) are listed for the whole plan.
5. Precautions are shown when their trigger matches (always, the setting, reduced sensation,
   balance, warm water, a symptom, a condition; `only_in` keeps one to its settings).
6. Every item carries the ids of its sources; the plan lists them all, in the order of
   sources.yaml.

The plan holds its reasons as data (which symptom or condition set a limit, which technique is
left out and why, which condition stops the session and how urgently, which referrals apply).
Words come from `neuropathy_massage.wording`, the one place they are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from neuropathy_massage import wording
from neuropathy_massage.knowledge import Knowledge, load_knowledge
from neuropathy_massage.records import PRESSURE_MAX, SETTINGS, URGENCIES, PlacedCondition, Selection

__all__ = ["Plan", "PlacedCondition", "Selection", "SelectionError", "plan", "validate"]


class SelectionError(ValueError):
    """A selection names something the course does not know; the message lists valid ids."""


@dataclass(frozen=True)
class Limit:
    """One source of a region's pressure limit: a chosen symptom, or a condition capping pressure
    (placed `at` a region, from where its spread reaches this one, or for the whole session when
    `at` is None)."""

    level: int
    symptom: Optional[str] = None
    condition: Optional[str] = None
    at: Optional[str] = None


@dataclass(frozen=True)
class Avoided:
    """A condition whose `avoid` response reaches this region: placed `at` it, or at a region
    whose spread covers it."""

    condition: str
    at: str


@dataclass(frozen=True)
class LeftOut:
    """A technique that works on the region but needs more pressure than the region's limit."""

    technique: str
    needs: int
    limit: int


@dataclass(frozen=True)
class FootprintOut:
    """A technique that works on the region but is left out there because its footprint reaches
    `blocked`, a region to avoid (`because` "avoid") or one kept from heat (`because` "no_heat",
    for a routine with warm water; `blocked` None when no heat is for the whole session), because
    of `condition` placed `at`."""

    technique: str
    blocked: Optional[str]
    condition: str
    at: Optional[str]
    because: str


@dataclass(frozen=True)
class Noted:
    """A condition the plan lists as a whole: an `adapt` response, gentle joint movement, or the
    doctor's agreement first (placed `at` a region, or for the whole session when None)."""

    condition: str
    at: Optional[str] = None


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
    footprint_out: tuple[FootprintOut, ...] = ()
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
    #: The most urgent help any recorded condition needs (records.URGENCIES), or None.
    urgency: Optional[str] = None
    care: tuple[Noted, ...] = ()  # `adapt` responses
    gentle_joints: tuple[Noted, ...] = ()  # responses that limit joint movement
    clearance: tuple[str, ...] = ()  # conditions that need the doctor's agreement first
    affects_balance: bool = False

    @property
    def emergency(self) -> bool:
        """A recorded condition needs the emergency number now (its banner comes first)."""
        return self.urgency == "emergency"

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


def footprint(kb: Knowledge, region: str, reach: str) -> tuple[str, ...]:
    """The regions `reach` covers from `region` (a technique's footprint, a condition's spread)."""
    return kb.footprint(region, reach)


def spread(kb: Knowledge, placed: PlacedCondition) -> tuple[str, ...]:
    """The regions a condition placed on a region reaches (its `spread` from there)."""
    return footprint(kb, placed.region, kb.conditions[placed.id].spread)


def _rank(kb: Knowledge, condition_id: str) -> int:
    urgency = kb.conditions[condition_id].urgency
    return URGENCIES.index(urgency) if urgency else len(URGENCIES)


class _Conditions:
    """What the placed conditions say, region by region (step 1 of the rules)."""

    def __init__(self, kb: Knowledge, conditions: list[PlacedCondition], self_care: bool, limits: list):
        self.stops: list[StopReason] = []
        self.referrals: list[str] = []
        self.red_flags: list[str] = []
        self.limits = limits  # the whole-session ones, after the symptoms'
        self.local: dict[str, list[Limit]] = {}
        self.avoided: dict[str, list[Avoided]] = {}
        self.no_heat: dict[str, list[tuple[str, Optional[str]]]] = {}
        self.care: list[Noted] = []
        self.joints: list[Noted] = []
        self.clearance: list[str] = []
        self.sources: set[str] = set()
        for c in conditions:
            cond, resp = response(kb, c)
            self.sources.update(cond.sources)
            reach = spread(kb, c) if c.region is not None else ()
            if cond.kind == "red_flag" and cond.id not in self.red_flags:
                self.red_flags.append(cond.id)
            cap = resp.self_pressure_cap if self_care and resp.self_pressure_cap is not None else resp.pressure_cap
            if resp.action == "stop_and_refer":
                self.stops.append(StopReason(cond.id, c.region))
            elif resp.action == "avoid":
                for rid in reach:
                    self.avoided.setdefault(rid, []).append(Avoided(cond.id, c.region))
            elif resp.action == "adapt":
                self.care.append(Noted(cond.id, c.region))
            elif c.region is None:
                self.limits.append(Limit(cap, condition=cond.id))
            else:
                for rid in reach:
                    self.local.setdefault(rid, []).append(Limit(cap, condition=cond.id, at=c.region))
            if resp.joint_movement:
                self.joints.append(Noted(cond.id, c.region))
            if resp.no_heat:
                for rid in (reach if c.region is not None else ("*",)):
                    self.no_heat.setdefault(rid, []).append((cond.id, c.region))
            if cond.referral and cond.id not in self.referrals:
                self.referrals.append(cond.id)
            if cond.requires_clearance and cond.id not in self.clearance:
                self.clearance.append(cond.id)
        order = list(kb.conditions)
        self.stops.sort(key=lambda x: (_rank(kb, x.condition), order.index(x.condition), x.at or ""))
        self.referrals.sort(key=lambda cid: (_rank(kb, cid), order.index(cid)))

    def blocked(self, kb: Knowledge, tech, region: str) -> Optional[FootprintOut]:
        """Why the technique's footprint from `region` rules it out there, or None."""
        if not self.avoided and not (tech.uses_warm_water and self.no_heat):
            return None
        touched = footprint(kb, region, tech.touches)
        for rid in touched:
            if rid != region and rid in self.avoided:
                a = self.avoided[rid][0]
                return FootprintOut(tech.id, rid, a.condition, a.at, "avoid")
        if tech.uses_warm_water:
            for rid in ("*", region) + tuple(r for r in touched if r != region):  # its own area first
                if rid in self.no_heat:
                    cid, at = self.no_heat[rid][0]
                    return FootprintOut(tech.id, None if rid == "*" else rid, cid, at, "no_heat")
        return None


def plan(selection: Selection, kb: Knowledge | None = None) -> Plan:
    """Turn a selection into a plan. Pure: the same selection always gives the same plan."""
    kb = kb or load_knowledge()
    validate(selection, kb)
    self_care = selection.setting == "self"
    conditions = sorted(selection.conditions, key=lambda c: (c.id, c.region or ""))
    symptoms = [kb.symptoms[s] for s in sorted(selection.symptoms)]
    limits = [Limit(s.self_pressure_cap if self_care and s.self_pressure_cap is not None else s.pressure_cap,
                    symptom=s.id) for s in symptoms]
    said = _Conditions(kb, conditions, self_care, limits)
    sources = set(said.sources)
    for s in symptoms:
        sources.update(s.sources)
    stop = bool(said.stops)
    placed = [kb.conditions[c.id] for c in conditions]
    reduced = any(s.reduces_sensation for s in symptoms) or any(c.reduces_sensation for c in placed)
    balance = any(s.affects_balance for s in symptoms) or any(c.affects_balance for c in placed)

    # 2-3. Each chosen region, in the order of regions.yaml.
    offered = kb.techniques_for(selection.setting)
    region_plans = []
    warm_water = False
    for rid, region in kb.regions.items():
        if rid not in selection.regions:
            continue
        if stop:
            region_plans.append(RegionPlan(rid, region.name, "avoid", stopped=True))
            continue
        if rid in said.avoided:
            region_plans.append(RegionPlan(rid, region.name, "avoid", avoided=tuple(said.avoided[rid])))
            continue
        here = said.limits + said.local.get(rid, [])
        cap = min([PRESSURE_MAX] + [lim.level for lim in here])
        techniques, left_out, footprint_out = [], [], []
        for tech in offered:
            if rid not in tech.regions:
                continue
            out = said.blocked(kb, tech, rid)
            if out is not None:
                footprint_out.append(out)
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
            left_out=tuple(left_out), footprint_out=tuple(footprint_out),
            no_technique=not techniques and not left_out and not footprint_out,
        ))

    # 5. Precautions whose trigger matches.
    placed_ids = {c.id for c in conditions}
    precautions = []
    for p in kb.precautions.values():
        w = p.when
        fired = (w.always or selection.setting in w.settings or (w.reduced_sensation and reduced)
                 or (w.affects_balance and balance) or (w.warm_water and warm_water)
                 or not selection.symptoms.isdisjoint(w.symptoms) or not placed_ids.isdisjoint(w.conditions))
        if fired and (not w.only_in or selection.setting in w.only_in):
            precautions.append(PrecautionItem(p.id, p.name, p.text))
            sources.update(p.sources)

    urgencies = [kb.conditions[c].urgency for c in said.referrals]
    return Plan(
        selection=selection,
        stop_and_refer=stop,
        stop_reasons=tuple(said.stops),
        referrals=tuple(said.referrals),
        regions=tuple(region_plans),
        precautions=tuple(precautions),
        sources=tuple(s.id for s in kb.cite(sources)),
        reduced_sensation=reduced,
        red_flags=tuple(said.red_flags),
        urgency=min(urgencies, key=URGENCIES.index) if urgencies else None,
        care=tuple(said.care),
        gentle_joints=tuple(said.joints),
        clearance=tuple(said.clearance),
        affects_balance=balance,
    )
