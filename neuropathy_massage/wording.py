"""The words of the course's safety messages and of the advisor's reasons: each written once.

The advisor returns its reasons as data (`advisor.Limit`, `Avoided`, `LeftOut`, `FootprintOut`,
`Noted`, `StopReason`, referral condition ids, the plan's urgency); the functions here turn them
into sentences, for the JSON door (`plan_dict`) and, as Jinja2 globals, for every HTML view
(`neuropathy_massage.ui.views`). No code decides anything by reading these sentences back. The
labels of the kinds of condition and of urgency live here too, so a lay reader meets the same
words everywhere (docs/STYLE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from neuropathy_massage.knowledge import Knowledge

if TYPE_CHECKING:  # for annotations only: the advisor imports this module
    from neuropathy_massage.advisor import Avoided, FootprintOut, LeftOut, Limit, Noted, Plan, RegionPlan, StopReason

#: The stop sentence: shown first, wherever a plan stops (after the emergency banner, if any).
STOP = "STOP — do not massage. Refer to a health professional."
#: The emergency sentence: shown before everything else when a recorded condition needs it.
EMERGENCY = ("EMERGENCY — call the emergency number now: 999 in the UK, 112 in the EU, 911 in North "
             "America. Stay with the person.")
#: Why an area of a stopped plan is avoided.
STOPPED_REGION = "Stop: no massage in this session."
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
#: The plan in a few words, for the status bar and the announcement after each change.
SUMMARY_STOP = "STOP — do not massage and refer"
SUMMARY_EMERGENCY = "EMERGENCY — call the emergency number now"
SUMMARY_NONE = "No areas chosen yet"
#: How the plan marks what changed since the last change: a word and a shape, not only colour.
CHANGE_MARKS = {"new": "✚ New", "changed": "◆ Changed"}
#: The heading of the precautions that hold in every session (shown once on a page).
GENERAL_HEADING = "In every session"
#: Beside a plan that stops, which shows only the precautions of an emergency (plan_views.STOPPED_GROUPS).
STOPPED_PRECAUTIONS = "The other precautions are for a session with massage, and this session has none."
#: Beside a plan shown without them.
GENERAL_NOTE = "The precautions that hold in every session are shown once on this page, not with each plan."
#: The plain label of each kind of condition (records.KINDS), and what it asks of the reader.
KIND_LABEL = {
    "red_flag": "Stop and get help",
    "contraindication": "Do not massage here",
    "caution": "Adapt with care",
}
KIND_MEANING = {
    "red_flag": "Something may be seriously wrong: no massage in this session, and help as soon as the "
                "card says.",
    "contraindication": "Leave that area alone, with no contact at all; where the card says so, no massage "
                        "at all until a health professional agrees.",
    "caution": "Massage can go ahead, changed: lighter pressure, gentler movement, a shorter session or "
               "extra checks.",
}
#: How soon help is needed (records.URGENCIES).
URGENCY = {
    "emergency": "Call the emergency number now (999 in the UK, 112 in the EU, 911 in North America)",
    "urgent": "Medical care today",
    "prompt": "See a doctor, nurse or foot-care professional soon",
    "routine": "Mention it at the next appointment",
}
URGENCY_MEANING = {
    "emergency": "Phone for an ambulance straight away, then stay with the person and follow the call "
                 "handler's advice.",
    "urgent": "The client is seen today: an urgent GP appointment, NHS 111, an urgent treatment centre or "
              "their specialist team's urgent line. No massage until then.",
    "prompt": "Within days, not weeks: a doctor, nurse or podiatrist has a look. Other areas may still be "
              "massaged where the card allows.",
    "routine": "Not urgent: the client's health professional should know, or agree first where the card says so.",
}
#: What each response does, for the conditions table ("{cap}" is its pressure limit).
ACTION_WORDS = {
    "avoid": "do not massage here: no contact",
    "cap_pressure": "lighter pressure only: level {cap} at most",
    "stop_and_refer": "stop: no massage today, and get help",
    "adapt": "adapt with care: the pressure limit is unchanged",
}
SELF_CAP = "level {cap} at most in self-massage"
JOINTS_GENTLE = "Joint movement gentle only, within an easy range: no stretching, pulling or forcing a joint"
NO_HEAT = "no heat or warm water"
CLEARANCE = "Only once the client's doctor has agreed that massage is safe"
#: The names of a footprint or spread of one side: the whole hand or foot, arm or leg.
LIMB_NAMES = {"hand": "hand", "foot": "foot", "forearm": "forearm", "lower_leg": "lower leg"}
SEGMENT_NAMES = {"arm": "arm", "leg": "leg"}


def _lower(name: str) -> str:
    """A name mid-sentence ("Left sole of foot" -> "left sole of foot")."""
    return name[:1].lower() + name[1:]


def _lower_name(name: str) -> str:
    """A condition's name mid-sentence: lower-cased unless it starts with an abbreviation ("DVT")."""
    return name if name[:2].isupper() else _lower(name)


def area_name(kb: Knowledge, region: str, reach: str) -> str:
    """What `reach` covers from a region, in words: "left sole of foot", "left foot", "left arm"."""
    r = kb.regions[region]
    if reach == "limb":
        return f"{r.side} {LIMB_NAMES[r.limb]}"
    if reach == "segment":
        return f"{r.side} {SEGMENT_NAMES[r.segment]}"
    return _lower(r.name)


def areas_name(kb: Knowledge, regions) -> str:
    """Several areas with the same advice in one name: "Left and right sole of foot, toes; left palm"
    (each side's own name without its side word, both sides together where both are chosen)."""
    chosen = [r for r in kb.regions if r in set(regions)]
    sides: dict[str, set[str]] = {}
    bare = {}
    for rid in chosen:
        r = kb.regions[rid]
        word = r.side.capitalize() + " "
        bare[r.area] = _lower(r.name[len(word):]) if r.name.startswith(word) else _lower(r.name)
        sides.setdefault(r.area, set()).add(r.side)
    groups: dict[str, list[str]] = {}
    for area, on in sides.items():
        groups.setdefault(" and ".join(s for s in ("left", "right") if s in on), []).append(bare[area])
    text = "; ".join(f"{side} {', '.join(names)}" for side, names in groups.items())
    return text[:1].upper() + text[1:]


def touches_text(kb: Knowledge, technique_id: str) -> str:
    """What a technique touches, in general words, for its card ("The tub puts the whole foot in
    water...")."""
    t = kb.techniques[technique_id]
    first = kb.regions[t.regions[0]]
    area = {"limb": LIMB_NAMES[first.limb], "segment": SEGMENT_NAMES[first.segment]}.get(t.touches, "area chosen")
    text = t.touches_reason.format(area=area)
    return text[:1].upper() + text[1:]


def condition_title(kb: Knowledge, condition_id: str) -> str:
    """A condition's name as a chooser offers it: red flags carry their label first."""
    c = kb.conditions[condition_id]
    return f"{KIND_LABEL['red_flag']}: {c.name}" if c.kind == "red_flag" else c.name


def response_words(r) -> str:
    """A response in words for the conditions table: the action, then any other limit."""
    words = ACTION_WORDS[r.action].format(cap=r.pressure_cap)
    if r.self_pressure_cap is not None:
        words += f" ({SELF_CAP.format(cap=r.self_pressure_cap)})"
    if r.joint_movement:
        words += f"; {_lower(JOINTS_GENTLE)}"
    if r.no_heat:
        words += f"; {NO_HEAT}"
    return words


def spread_words(kb: Knowledge, condition_id: str) -> str:
    """How far a placed condition reaches, for the conditions table ("" when only its area)."""
    c = kb.conditions[condition_id]
    return "" if c.spread == "region" else f"the whole {('hand or foot', 'arm or leg')[c.spread == 'segment']} of that side"


def _where(kb: Knowledge, condition_id: str, at: Optional[str]) -> str:
    """Where a condition was recorded, and how far it reaches when that is more than one area (no
    brackets: a condition's own name may hold some, and brackets in brackets read badly)."""
    if at is None:
        return ""
    c = kb.conditions[condition_id]
    if c.spread == "region":
        return f", at the {_lower(kb.regions[at].name)}"
    return f", recorded at the {_lower(kb.regions[at].name)}, for the whole {area_name(kb, at, c.spread)}"


def _response(kb: Knowledge, condition_id: str, at: Optional[str]):
    c = kb.conditions[condition_id]
    return c.whole_session if at is None else c.at_region


def limit_reason(limit: "Limit", kb: Knowledge) -> str:
    """Why the pressure limit is this level: the symptom's or the condition's own reason."""
    if limit.symptom is not None:
        s = kb.symptoms[limit.symptom]
        return f"{s.name}: {s.cap_reason}"
    c = kb.conditions[limit.condition]
    return f"{c.name}{_where(kb, c.id, limit.at)}: {_response(kb, c.id, limit.at).reason}"


def avoid_reason(avoided: "Avoided", kb: Knowledge) -> str:
    c = kb.conditions[avoided.condition]
    return f"{c.name}{_where(kb, c.id, avoided.at) if c.spread != 'region' else ''}: {c.at_region.reason}"


def left_out_reason(left: "LeftOut", kb: Knowledge) -> str:
    name = kb.techniques[left.technique].name
    return (f"{name} is left out: it needs at least pressure level {left.needs}, "
            f"and the limit here is {left.limit}.")


def footprint_reason(out: "FootprintOut", kb: Knowledge, region: str) -> str:
    """Why a technique is left out on `region`: what it touches there, and what rules that out."""
    t = kb.techniques[out.technique]
    c = kb.conditions[out.condition]
    if out.blocked is None:
        return f"{t.name} is left out: {NO_HEAT} for the whole session, because of {_lower_name(c.name)}."
    touches = t.touches_reason.format(area=area_name(kb, region, t.touches))
    problem = "an area to leave alone" if out.because == "avoid" else "an area kept from heat and warm water"
    return (f"{t.name} is left out here: {touches}, so it would reach {problem}: the "
            f"{area_name(kb, out.blocked, 'region')}, because of {_lower_name(c.name)}.")


def stop_reason(stop: "StopReason", kb: Knowledge) -> str:
    c = kb.conditions[stop.condition]
    return f"{c.name}{_where(kb, c.id, stop.at)}: {_response(kb, c.id, stop.at).reason}"


def care_reason(note: "Noted", kb: Knowledge) -> str:
    """An `adapt` response in words: the condition and what to do."""
    c = kb.conditions[note.condition]
    return f"{c.name}{_where(kb, c.id, note.at)}: {_response(kb, c.id, note.at).reason}"


def joint_reason(note: "Noted", kb: Knowledge) -> str:
    return f"{kb.conditions[note.condition].name}: {_lower(JOINTS_GENTLE)}."


def clearance_reason(condition_id: str, kb: Knowledge) -> str:
    return f"{kb.conditions[condition_id].name}: {_lower(CLEARANCE)}."


def referral(condition_id: str, kb: Knowledge) -> str:
    """Where to go and how soon, then when it becomes an emergency."""
    c = kb.conditions[condition_id]
    if not c.referral:
        return ""
    text = f"{URGENCY[c.urgency]}: {c.referral}" if c.urgency else c.referral
    return f"{text} {c.escalation}" if c.escalation else text


def region_reasons(r: "RegionPlan", kb: Knowledge, setting: str = "therapist") -> list[str]:
    """Every reason about one region, in words: why it is avoided, why its limit, what is left out."""
    if r.stopped:
        return [STOPPED_REGION]
    if r.avoided:
        return [avoid_reason(a, kb) for a in r.avoided]
    reasons = [limit_reason(lim, kb) for lim in r.limits]
    reasons += [footprint_reason(x, kb, r.region) for x in r.footprint_out]
    reasons += [left_out_reason(x, kb) for x in r.left_out]
    if r.no_technique:
        reasons.append(NO_TECHNIQUE.get(setting, NO_TECHNIQUE["therapist"]))
    return reasons


def referral_reasons(p: "Plan", kb: Knowledge) -> list[str]:
    """Why to stop (one line per stopping condition, most urgent first), then where to go and how
    soon (each referral once, most urgent first)."""
    return [stop_reason(s, kb) for s in p.stop_reasons] + [referral(c, kb) for c in p.referrals]


def whole_plan_reasons(p: "Plan", kb: Knowledge) -> list[str]:
    """What concerns the whole session besides the limits: the doctor's agreement first, gentle
    joint movement, and what to adapt."""
    return ([clearance_reason(c, kb) for c in p.clearance] + [joint_reason(n, kb) for n in p.gentle_joints]
            + [care_reason(n, kb) for n in p.care])


def plan_summary(p: "Plan") -> str:
    """The plan in a few words: "STOP — do not massage and refer", or "3 areas (1 to avoid),
    pressure limit 2 of 5"."""
    if p.stop_and_refer:
        return f"{SUMMARY_EMERGENCY}. {SUMMARY_STOP}" if p.emergency else SUMMARY_STOP
    if not p.regions:
        return SUMMARY_NONE
    n = len(p.regions)
    avoid = sum(r.status == "avoid" for r in p.regions)
    text = f"{n} area{'s' if n != 1 else ''}" + (f" ({avoid} to avoid)" if avoid else "")
    caps = [r.pressure_cap for r in p.regions if r.status == "ok" and r.pressure_cap is not None]
    if not caps:
        return text + ", no massage on them" if avoid == n else text
    low = min(caps)
    return text + (f", pressure limit {low} of 5" if low < 5 else ", no pressure limit from symptoms or conditions")


def plan_dict(p: "Plan", kb: Knowledge) -> dict:
    """The plan in the documented JSON shape (docs/CLI.md): the sentences of earlier versions,
    plus the structured fields they are written from."""
    setting = p.selection.setting
    return {
        "stop_and_refer": p.stop_and_refer,
        "emergency": p.emergency,
        "urgency": p.urgency,
        "referral_reasons": referral_reasons(p, kb),
        "stop_reasons": [{"condition": s.condition, "region": s.at, "urgency": kb.conditions[s.condition].urgency,
                          "reason": stop_reason(s, kb)} for s in p.stop_reasons],
        "referrals": [{"condition": c, "urgency": kb.conditions[c].urgency, "text": referral(c, kb)}
                      for c in p.referrals],
        "red_flags": [kb.conditions[c].name for c in p.red_flags],
        "red_flag_ids": list(p.red_flags),
        "reduced_sensation": p.reduced_sensation,
        "affects_balance": p.affects_balance,
        "whole_session": whole_plan_reasons(p, kb),
        "clearance": list(p.clearance),
        "gentle_joints": [{"condition": n.condition, "region": n.at} for n in p.gentle_joints],
        "care": [{"condition": n.condition, "region": n.at, "reason": care_reason(n, kb)} for n in p.care],
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
                "footprint_out": [{"technique": x.technique, "touches": kb.techniques[x.technique].touches,
                                   "blocked_region": x.blocked, "condition": x.condition, "condition_region": x.at,
                                   "because": x.because} for x in r.footprint_out],
                "stopped": r.stopped,
            }
            for r in p.regions
        ],
        "precautions": [{"id": x.id, "name": x.name, "text": x.text} for x in p.precautions],
        "sources": list(p.sources),
    }
