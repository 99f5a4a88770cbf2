"""The advisor: a learner's selection in, a plan out. Pure, deterministic, driven by the data.

Rules, all read from the knowledge records (no rule here names a symptom or a condition):

1. A condition's response at its scope (`at_region` when placed on a region, `whole_session`
   otherwise) is one of `stop_and_refer`, `avoid` or `cap_pressure`. Any `stop_and_refer`
   anywhere wins over everything: the plan offers no technique at all and says why.
2. A region with an `avoid` response is "avoid", with the reasons.
3. Every other chosen region gets the techniques (or self-care routines, by setting) that work on
   it, each at a maximum pressure = the lowest of the technique's own maximum, every chosen
   symptom's cap, every whole-session cap and every cap placed on that region. A technique whose
   minimum pressure is above that maximum is left out, with the reason.
4. Precautions are shown when their trigger matches (always, the setting, reduced sensation,
   warm water, a symptom). Reduced sensation comes from any chosen symptom or condition marked
   `reduces_sensation`.
5. Every item carries the ids of its sources; the plan lists them all, in the order of
   sources.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from neuropathy_massage.knowledge import PRESSURE_MAX, Knowledge, load_knowledge

SETTINGS = ("therapist", "self")


class SelectionError(ValueError):
    """A selection names something the course does not know; the message lists valid ids."""


@dataclass(frozen=True)
class ConditionAt:
    """A condition, either for the whole session (`region=None`) or at one region."""

    id: str
    region: Optional[str] = None


@dataclass(frozen=True)
class Selection:
    symptoms: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    conditions: frozenset[ConditionAt] = frozenset()
    setting: str = "therapist"

    @classmethod
    def of(cls, symptoms: Iterable[str] = (), regions: Iterable[str] = (),
           conditions: Iterable = (), setting: str = "therapist") -> "Selection":
        """Build a selection from plain values; a condition may be an id, an (id, region)
        pair, a mapping with `id` and `region`, or a ConditionAt."""
        for name, value in (("symptoms", symptoms), ("regions", regions), ("conditions", conditions)):
            if isinstance(value, str):
                raise SelectionError(f"{name} must be a list of ids, not the single string {value!r}")
        placed = []
        for c in conditions:
            if isinstance(c, ConditionAt):
                placed.append(c)
            elif isinstance(c, str):
                placed.append(ConditionAt(c))
            elif isinstance(c, dict):
                placed.append(ConditionAt(c.get("id"), c.get("region")))
            else:
                cid, region = c
                placed.append(ConditionAt(cid, region))
        return cls(frozenset(symptoms), frozenset(regions), frozenset(placed), setting)


@dataclass(frozen=True)
class TechniqueAdvice:
    id: str
    name: str
    lesson: str
    max_pressure: int
    adaptations: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RegionPlan:
    region: str
    name: str
    status: str  # "ok" | "avoid"
    techniques: tuple[TechniqueAdvice, ...] = ()
    reasons: tuple[str, ...] = ()
    pressure_cap: Optional[int] = None  # None when the region is avoided


@dataclass(frozen=True)
class PrecautionItem:
    id: str
    name: str
    text: str


@dataclass(frozen=True)
class Plan:
    selection: Selection
    stop_and_refer: bool
    referral_reasons: tuple[str, ...]
    regions: tuple[RegionPlan, ...]
    precautions: tuple[PrecautionItem, ...]
    sources: tuple[str, ...]
    reduced_sensation: bool
    red_flags: tuple[str, ...] = field(default=())

    def region(self, region_id: str) -> RegionPlan:
        for r in self.regions:
            if r.region == region_id:
                return r
        raise KeyError(region_id)

    def to_dict(self) -> dict:
        """The plan in the JSON shape of `python -m neuropathy_massage plan`."""
        return {
            "stop_and_refer": self.stop_and_refer,
            "referral_reasons": list(self.referral_reasons),
            "red_flags": list(self.red_flags),
            "reduced_sensation": self.reduced_sensation,
            "regions": [
                {
                    "region": r.region,
                    "status": r.status,
                    "pressure_cap": r.pressure_cap,
                    "techniques": [
                        {"id": t.id, "name": t.name, "max_pressure": t.max_pressure,
                         "adaptations": list(t.adaptations)}
                        for t in r.techniques
                    ],
                    "reasons": list(r.reasons),
                }
                for r in self.regions
            ],
            "precautions": [{"id": p.id, "name": p.name, "text": p.text} for p in self.precautions],
            "sources": list(self.sources),
        }


def _check(kind: str, values: Iterable, known) -> None:
    unknown = sorted(str(v) for v in values if v not in known)
    if unknown:
        raise SelectionError(
            f"unknown {kind} {', '.join(map(repr, unknown))}; valid {kind}s are: {', '.join(sorted(known))}"
        )


def validate(selection: Selection, kb: Knowledge) -> None:
    """Raise SelectionError naming the first unknown id (and listing the valid ones)."""
    if selection.setting not in SETTINGS:
        raise SelectionError(f"unknown setting {selection.setting!r}; valid settings are: {', '.join(SETTINGS)}")
    _check("symptom", selection.symptoms, kb.symptoms)
    _check("region", selection.regions, kb.regions)
    _check("condition", [c.id for c in selection.conditions], kb.conditions)
    _check("region", [c.region for c in selection.conditions if c.region is not None], kb.regions)
    for c in selection.conditions:
        cond = kb.conditions[c.id]
        if c.region is None and cond.whole_session is None:
            raise SelectionError(f"condition {c.id!r} applies to one region: give it a region")
        if c.region is not None and cond.at_region is None:
            raise SelectionError(f"condition {c.id!r} applies to the whole session: give it no region")
        if c.region is not None and not cond.allows_region(c.region):
            raise SelectionError(
                f"condition {c.id!r} cannot be placed on {c.region!r}; valid regions for it are: {', '.join(cond.regions)}"
            )


def _response(kb: Knowledge, c: ConditionAt):
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
    stop_reasons: list[str] = []
    referrals: list[str] = []
    red_flags: list[str] = []
    session_caps: list[tuple[int, str]] = []
    local: dict[str, list[tuple[str, Optional[int], str]]] = {}
    for c in conditions:
        cond, resp = _response(kb, c)
        sources.update(cond.sources)
        where = "" if c.region is None else f" ({kb.regions[c.region].name})"
        if cond.kind == "red_flag" and cond.name not in red_flags:
            red_flags.append(cond.name)
        if resp.action == "stop_and_refer":
            stop_reasons.append(f"{cond.name}{where}: {resp.reason}")
        elif c.region is None:
            session_caps.append((resp.pressure_cap, f"{cond.name}: {resp.reason}"))
        else:
            local.setdefault(c.region, []).append((resp.action, resp.pressure_cap, f"{cond.name}: {resp.reason}"))
        if cond.referral and cond.referral not in referrals:
            referrals.append(cond.referral)
    stop = bool(stop_reasons)
    reduced = any(s.reduces_sensation for s in symptoms) or any(
        kb.conditions[c.id].reduces_sensation for c in conditions
    )

    # 2. Each chosen region, in the order of regions.yaml.
    base_caps = [(s.pressure_cap, f"{s.name}: {s.cap_reason}") for s in symptoms] + session_caps
    offered = kb.techniques_for(selection.setting)
    region_plans = []
    warm_water = False
    for rid, region in kb.regions.items():
        if rid not in selection.regions:
            continue
        if stop:
            region_plans.append(RegionPlan(rid, region.name, "avoid",
                                           reasons=("Stop and refer: no massage in this session.",)))
            continue
        here = local.get(rid, [])
        avoid = [why for action, _, why in here if action == "avoid"]
        if avoid:
            region_plans.append(RegionPlan(rid, region.name, "avoid", reasons=tuple(avoid)))
            continue
        caps = base_caps + [(cap, why) for action, cap, why in here if action == "cap_pressure"]
        cap = min([PRESSURE_MAX] + [c for c, _ in caps])
        reasons = [why for c, why in caps if c == cap]
        techniques = []
        for tech in offered:
            if rid not in tech.regions:
                continue
            if tech.pressure_min > cap:
                reasons.append(
                    f"{tech.name} is left out: it needs at least pressure level {tech.pressure_min}, "
                    f"and the limit here is {cap}."
                )
                continue
            adaptations = tuple(tech.adaptations[s.id] for s in symptoms if s.id in tech.adaptations)
            techniques.append(TechniqueAdvice(tech.id, tech.name, tech.lesson,
                                              min(cap, tech.pressure_max), adaptations, tech.sources))
            sources.update(tech.sources)
            warm_water = warm_water or tech.uses_warm_water
        if not techniques and not any("left out" in r for r in reasons):
            reasons.append(
                "The course has no self-care routine for this region." if selection.setting == "self"
                else "The course has no therapist technique for this region."
            )
        region_plans.append(RegionPlan(rid, region.name, "ok", tuple(techniques), tuple(reasons), cap))

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
        referral_reasons=tuple(stop_reasons + referrals),
        regions=tuple(region_plans),
        precautions=tuple(precautions),
        sources=tuple(s.id for s in kb.cite(sources)),
        reduced_sensation=reduced,
        red_flags=tuple(red_flags),
    )
