"""The words of the course's safety messages and of the advisor's reasons: each written once.

The advisor returns its reasons as data (`advisor.Limit`, `Avoided`, `LeftOut`, `StopReason`,
referral condition ids); the functions here turn them into sentences, for the JSON door
(`plan_dict`) and, as Jinja2 globals, for every HTML view (`neuropathy_massage.ui.views`). No
code decides anything by reading these sentences back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuropathy_massage.knowledge import Knowledge

if TYPE_CHECKING:  # for annotations only: the advisor imports this module
    from neuropathy_massage.advisor import Avoided, LeftOut, Limit, Plan, RegionPlan, StopReason

#: The stop sentence: shown first, wherever a plan stops.
STOP = "STOP — do not massage. Refer to a health professional."
#: Why a region of a stopped plan is avoided.
STOPPED_REGION = "Stop and refer: no massage in this session."
#: The one rule above all others (course home, handout, lessons).
RED_FLAG_RULE = "A red flag always wins: stop, do not massage, and seek a health professional."
#: What the course is and is not (course home, handout).
NOT_ADVICE = ("This course supports a massage therapist and a client; it does not diagnose or "
              "prescribe.")
#: When the advice cannot be worked out (an error, a lost connection): none is shown.
NOT_COMPUTED = ("The advice could not be worked out, so none is shown. Reload the page; if it happens "
                "again, please tell your course leader.")
NO_TECHNIQUE = {
    "therapist": "The course has no therapist technique for this area.",
    "self": "The course has no self-care routine for this area.",
}


def _where(kb: Knowledge, region: str | None) -> str:
    return "" if region is None else f" ({kb.regions[region].name})"


def limit_reason(limit: "Limit", kb: Knowledge) -> str:
    """Why the pressure limit is this level: the symptom's or the condition's own reason."""
    if limit.symptom is not None:
        s = kb.symptoms[limit.symptom]
        return f"{s.name}: {s.cap_reason}"
    c = kb.conditions[limit.condition]
    response = c.whole_session if limit.at is None else c.at_region
    return f"{c.name}{_where(kb, limit.at)}: {response.reason}"


def avoid_reason(avoided: "Avoided", kb: Knowledge) -> str:
    c = kb.conditions[avoided.condition]
    return f"{c.name}: {c.at_region.reason}"


def left_out_reason(left: "LeftOut", kb: Knowledge) -> str:
    name = kb.techniques[left.technique].name
    return (f"{name} is left out: it needs at least pressure level {left.needs}, "
            f"and the limit here is {left.limit}.")


def stop_reason(stop: "StopReason", kb: Knowledge) -> str:
    c = kb.conditions[stop.condition]
    response = c.whole_session if stop.at is None else c.at_region
    return f"{c.name}{_where(kb, stop.at)}: {response.reason}"


def referral(condition_id: str, kb: Knowledge) -> str:
    return kb.conditions[condition_id].referral or ""


def region_reasons(r: "RegionPlan", kb: Knowledge, setting: str = "therapist") -> list[str]:
    """Every reason about one region, in words: why it is avoided, why its limit, what is left out."""
    if r.stopped:
        return [STOPPED_REGION]
    if r.avoided:
        return [avoid_reason(a, kb) for a in r.avoided]
    reasons = [limit_reason(lim, kb) for lim in r.limits]
    reasons += [left_out_reason(x, kb) for x in r.left_out]
    if r.no_technique:
        reasons.append(NO_TECHNIQUE.get(setting, NO_TECHNIQUE["therapist"]))
    return reasons


def referral_reasons(p: "Plan", kb: Knowledge) -> list[str]:
    """Why to stop (one line per stopping condition), then where to refer (each referral once)."""
    return [stop_reason(s, kb) for s in p.stop_reasons] + [referral(c, kb) for c in p.referrals]


def plan_dict(p: "Plan", kb: Knowledge) -> dict:
    """The plan in the documented JSON shape (docs/CLI.md): the sentences of earlier versions,
    plus the structured fields they are written from."""
    setting = p.selection.setting
    return {
        "stop_and_refer": p.stop_and_refer,
        "referral_reasons": referral_reasons(p, kb),
        "stop_reasons": [{"condition": s.condition, "region": s.at, "reason": stop_reason(s, kb)}
                         for s in p.stop_reasons],
        "referrals": [{"condition": c, "text": referral(c, kb)} for c in p.referrals],
        "red_flags": [kb.conditions[c].name for c in p.red_flags],
        "red_flag_ids": list(p.red_flags),
        "reduced_sensation": p.reduced_sensation,
        "regions": [
            {
                "region": r.region,
                "status": r.status,
                "pressure_cap": r.pressure_cap,
                "techniques": [
                    {"id": t.id, "name": t.name, "max_pressure": t.max_pressure,
                     "adaptations": list(t.adaptations), "own_maximum": t.own_maximum}
                    for t in r.techniques
                ],
                "reasons": region_reasons(r, kb, setting),
                "limits": [{"level": lim.level, "symptom": lim.symptom, "condition": lim.condition,
                            "region": lim.at} for lim in r.limits],
                "avoided_because": [{"condition": a.condition, "region": a.at} for a in r.avoided],
                "left_out": [{"technique": x.technique, "needs": x.needs, "limit": x.limit} for x in r.left_out],
                "stopped": r.stopped,
            }
            for r in p.regions
        ],
        "precautions": [{"id": x.id, "name": x.name, "text": x.text} for x in p.precautions],
        "sources": list(p.sources),
    }
