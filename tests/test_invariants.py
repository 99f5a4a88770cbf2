"""The advisor's safety promises, proved over the selection space.

`check_invariants(selection, plan, kb)` states every promise from the DATA (the records of
assets/knowledge), never from the advisor's code, and is asserted on every plan:

(a) no technique on a region reached by a condition whose `at_region` action is `avoid` (placed
    there, or placed where its `spread` covers it: the whole hand or foot, arm or leg);
(b) a condition whose response at its scope is `stop_and_refer` (every red flag is one) means
    `stop_and_refer` and no technique anywhere (and no stop without such a condition);
(c) every offered technique's max pressure lies between its own `pressure_min` and the lowest
    of: its `pressure_max`, every chosen symptom's `pressure_cap`, every whole-session
    `cap_pressure` and every `cap_pressure` reaching that region (in self-massage, the
    `self_pressure_cap` of a symptom or response where it has one);
(d) reduced sensation (a chosen symptom or condition with `reduces_sensation`) brings every
    precaution triggered by `when.reduced_sensation` in this setting (and those include
    check_temperature, inspect_skin and reduced_sensation_caution); balance (`affects_balance`)
    brings every precaution triggered by `when.affects_balance`;
(e) only techniques of the chosen setting (therapist / self), each on a region it works on;
(f) every chosen region appears exactly once, no other; every source id cited exists;
(g) a stop names every condition that stops it, most urgent first, and the plan's urgency is the
    most urgent of the recorded conditions' (an emergency exactly when one of them is);
(h) footprints: no technique is offered on a region whose footprint (`touches` from there: the
    region, the whole hand or foot, or the whole arm or leg) reaches a region to avoid, nor a
    warm-water routine where its footprint reaches a region kept from heat (`no_heat`, or
    no heat for the whole session); each technique so ruled out is recorded on that region
    with a region and a condition that truly rule it out, and its reason is in words.

Every exhaustive plan selects all regions, so a condition on one region meets every technique
whose footprint reaches it. Run with `-rA` or look at the "selections checked" section for the
number of plans checked.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import threading
import typing
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neuropathy_massage.advisor as advisor
from neuropathy_massage import wording
from neuropathy_massage.advisor import PlacedCondition, Selection, plan
from neuropathy_massage.knowledge import Knowledge, load_knowledge
from neuropathy_massage.records import URGENCIES, Setting

KB = load_knowledge()
SETTINGS = typing.get_args(Setting)  # from the data model: ("therapist", "self")
SYMPTOMS = tuple(KB.symptoms)
REGIONS = tuple(KB.regions)
ALL_REGIONS = frozenset(REGIONS)
REDUCED_SENSATION_PRECAUTIONS = {"check_temperature", "inspect_skin", "reduced_sensation_caution"}


def placements(kb: Knowledge) -> tuple[PlacedCondition, ...]:
    """Every way the data allows a condition to be placed: whole session and/or each region."""
    out = []
    for cid, cond in kb.conditions.items():
        if cond.whole_session is not None:
            out.append(PlacedCondition(id=cid))
        if cond.at_region is not None:
            out.extend(PlacedCondition(id=cid, region=rid) for rid in (cond.regions or kb.regions))
    return tuple(out)


PLACEMENTS = placements(KB)


@lru_cache(maxsize=None)
def reaches(kb: Knowledge, region: str, reach: str) -> frozenset[str]:
    """The regions `reach` covers from `region`, worked out here from the regions' own fields
    (side, limb, segment), not by the advisor or the loader."""
    if reach == "region":
        return frozenset((region,))
    here = kb.regions[region]
    same = "limb" if reach == "limb" else "segment"
    return frozenset(rid for rid, r in kb.regions.items()
                     if r.side == here.side and getattr(r, same) == getattr(here, same))


@lru_cache(maxsize=None)
def _required(kb: Knowledge, trigger: str, setting: str) -> frozenset[str]:
    return frozenset(pid for pid, p in kb.precautions.items()
                     if getattr(p.when, trigger) and (not p.when.only_in or setting in p.when.only_in))


def _rank(kb: Knowledge, condition_id: str) -> int:
    u = kb.conditions[condition_id].urgency
    return URGENCIES.index(u) if u else len(URGENCIES)


def check_invariants(selection: Selection, plan: advisor.Plan, kb: Knowledge) -> None:
    """Assert the safety invariants (a)-(h) of this module's docstring on one plan."""
    self_care = selection.setting == "self"
    symptoms = [kb.symptoms[s] for s in selection.symptoms]
    must_stop = False
    session_caps: list[int] = []
    avoid: dict[str, str] = {}  # region -> a condition whose avoid response reaches it
    no_heat: set[str] = set()  # regions kept from heat ("*": the whole session)
    local_caps: dict[str, list[int]] = {}
    reduced = any(s.reduces_sensation for s in symptoms)
    balance = any(s.affects_balance for s in symptoms)
    ranks = []
    for placed in selection.conditions:
        cond = kb.conditions[placed.id]
        response = cond.whole_session if placed.region is None else cond.at_region
        assert response is not None, f"{placed} is not a placement the data allows"
        reduced = reduced or cond.reduces_sensation
        balance = balance or cond.affects_balance
        if cond.urgency:
            ranks.append(URGENCIES.index(cond.urgency))
        reach = reaches(kb, placed.region, cond.spread) if placed.region is not None else frozenset()
        cap = response.self_pressure_cap if self_care and response.self_pressure_cap is not None else response.pressure_cap
        if response.action == "stop_and_refer" or cond.kind == "red_flag":
            must_stop = True
        elif response.action == "avoid":
            for rid in reach:
                avoid.setdefault(rid, cond.id)
        elif response.action == "cap_pressure" and placed.region is None:
            session_caps.append(cap)
        elif response.action == "cap_pressure":
            for rid in reach:
                local_caps.setdefault(rid, []).append(cap)
        if response.no_heat:
            no_heat.update(reach or {"*"})
    caps_of_symptoms = [s.self_pressure_cap if self_care and s.self_pressure_cap is not None else s.pressure_cap
                        for s in symptoms]
    common_cap = min(caps_of_symptoms + session_caps, default=None)

    # (b) stop and refer: and (g) with a reason, most urgent first.
    assert plan.stop_and_refer == must_stop, f"(b) stop_and_refer should be {must_stop}"
    if must_stop:
        assert plan.stop_reasons, "(g) a stop must say which condition stops it"
        stopping = {(placed.id, placed.region) for placed in selection.conditions
                    if (kb.conditions[placed.id].whole_session if placed.region is None
                        else kb.conditions[placed.id].at_region).action == "stop_and_refer"}
        assert {(s.condition, s.at) for s in plan.stop_reasons} == stopping, "(g) every stopping condition is named"
        order = [_rank(kb, s.condition) for s in plan.stop_reasons]
        assert order == sorted(order), "(g) the most urgent stop comes first"
    expected = URGENCIES[min(ranks)] if ranks else None
    assert plan.urgency == expected, f"(g) the plan's urgency should be {expected}"
    assert plan.emergency == (expected == "emergency"), "(g) an emergency exactly when a condition needs one"

    # (f) every chosen region exactly once, no other.
    shown = [r.region for r in plan.regions]
    assert len(shown) == len(set(shown)) and set(shown) == set(selection.regions), "(f) regions"

    for rp in plan.regions:
        if must_stop:
            assert not rp.techniques, f"(b) technique offered on {rp.region} despite a stop"
        if rp.region in avoid:
            assert not rp.techniques, f"(a) technique offered on {rp.region}, which must be avoided"
        caps = [c for c in (common_cap,) if c is not None] + local_caps.get(rp.region, [])
        for advice in rp.techniques:
            tech = kb.techniques.get(advice.id)
            assert tech is not None, f"(e) unknown technique {advice.id}"
            assert tech.setting == selection.setting, f"(e) {advice.id} is not a {selection.setting} technique"
            assert rp.region in tech.regions, f"(e) {advice.id} does not work on {rp.region}"
            bound = min([tech.pressure_max] + caps)
            assert tech.pressure_min <= advice.max_pressure <= bound, (
                f"(c) {advice.id} on {rp.region} at {advice.max_pressure}, allowed "
                f"{tech.pressure_min}-{bound}"
            )
            touched = reaches(kb, rp.region, tech.touches)
            blocked = sorted(touched & set(avoid))
            assert not blocked, (f"(h) {advice.id} offered on {rp.region}, but it touches {blocked}, "
                                 f"which must be avoided ({avoid[blocked[0]]})")
            if tech.uses_warm_water:
                assert not (touched | {"*"}) & no_heat, f"(h) warm water offered on {rp.region}, kept from heat"
            assert all(s in kb.sources for s in advice.sources), "(f) unknown source id"
        for out in rp.footprint_out:
            tech = kb.techniques[out.technique]
            touched = reaches(kb, rp.region, tech.touches)
            if out.because == "avoid":
                assert out.blocked in touched and out.blocked in avoid, f"(h) {out} does not rule out {out.technique}"
            else:
                assert tech.uses_warm_water and (out.blocked or "*") in no_heat, f"(h) {out} is not kept from heat"
                assert out.blocked is None or out.blocked in touched, f"(h) {out} is outside the footprint"
            assert tech.name in wording.footprint_reason(out, kb, rp.region), "(h) the reason names the technique"

    # (d) reduced sensation and balance bring their precautions.
    shown_precautions = {p.id for p in plan.precautions}
    assert plan.reduced_sensation == reduced, f"(d) reduced_sensation should be {reduced}"
    if reduced:
        required = _required(kb, "reduced_sensation", selection.setting)
        assert REDUCED_SENSATION_PRECAUTIONS <= required, (
            "(d) the data no longer triggers "
            f"{sorted(REDUCED_SENSATION_PRECAUTIONS - required)} on reduced sensation"
        )
        assert required <= shown_precautions, f"(d) missing {sorted(required - shown_precautions)}"
    assert plan.affects_balance == balance, f"(d) affects_balance should be {balance}"
    if balance:
        missing = _required(kb, "affects_balance", selection.setting) - shown_precautions
        assert not missing, f"(d) missing the falls precautions {sorted(missing)}"

    # (f) sources.
    assert all(s in kb.sources for s in plan.sources), "(f) unknown source id in the plan"


def _check(selection: Selection) -> None:
    check_invariants(selection, plan(selection, KB), KB)


# --- exhaustive ---------------------------------------------------------------------------
# About 250,000 plans: the chunks are spread over the machine's cores (with fork, where
# available), which keeps this file near a minute and a half on two cores. A failure names its selection.


def _check_all(selections) -> int:
    count = 0
    for selection in selections:
        try:
            _check(selection)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n  for {selection}") from None
        count += 1
    return count


def _singles(symptoms: tuple[str, ...]) -> int:
    """Plans for one symptom subset: both settings x (no condition, or any one placement)."""
    return _check_all(
        Selection(symptoms=frozenset(symptoms), regions=ALL_REGIONS,
                  conditions=frozenset(() if placed is None else (placed,)), setting=setting)
        for setting in SETTINGS
        for placed in (None,) + PLACEMENTS
    )


def _pairs(first: int) -> int:
    """Plans pairing placement number `first` with every later one."""
    return _check_all(
        Selection(symptoms=symptoms, regions=ALL_REGIONS, conditions=frozenset((PLACEMENTS[first], other)),
                  setting=setting)
        for other in PLACEMENTS[first + 1:]
        for setting in SETTINGS
        for symptoms in (frozenset(), frozenset(SYMPTOMS))
    )


def _run_spread(work, args) -> int:
    """sum(work(a) for a in args), spread over the CPU cores when there is more than one."""
    args = list(args)
    workers = min(os.cpu_count() or 1, 8)
    # fork only: the workers then share this module as imported by pytest (whatever its import
    # mode), and only while no other thread runs (forking a threaded process can deadlock).
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return sum(map(work, args))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return sum(pool.map(work, args, chunksize=max(1, len(args) // (workers * 4))))


def _symptom_subsets():
    for n in range(len(SYMPTOMS) + 1):
        yield from itertools.combinations(SYMPTOMS, n)


def test_placements_cover_every_scope_the_data_allows():
    for cid, cond in KB.conditions.items():
        here = [p for p in PLACEMENTS if p.id == cid]
        allowed = len(cond.regions) if cond.regions else len(REGIONS)
        expected = (cond.whole_session is not None) + allowed * (cond.at_region is not None)
        assert len(here) == expected


def test_every_symptom_subset_with_at_most_one_condition(record_selections):
    count = _run_spread(_singles, _symptom_subsets())
    record_selections("every symptom subset x setting x (no or one condition)", count)
    assert count == 2 ** len(KB.symptoms) * len(SETTINGS) * (1 + len(PLACEMENTS))


def test_every_pair_of_conditions(record_selections):
    count = _run_spread(_pairs, range(len(PLACEMENTS)))
    record_selections("every pair of conditions x setting x (no or all symptoms)", count)
    n = len(PLACEMENTS)
    assert count == n * (n - 1) // 2 * len(SETTINGS) * 2


# --- sampled: the whole space -------------------------------------------------------------

HYPOTHESIS_EXAMPLES = 3000

selections = st.builds(
    lambda symptoms, regions, conditions, setting: Selection(symptoms=symptoms, regions=regions,
                                                             conditions=conditions, setting=setting),
    st.frozensets(st.sampled_from(SYMPTOMS)),
    st.frozensets(st.sampled_from(REGIONS)),
    st.frozensets(st.sampled_from(PLACEMENTS), max_size=4),
    st.sampled_from(SETTINGS),
)


def test_random_selections_over_the_whole_space(record_selections):
    count = 0

    @settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(selections)
    def check(selection):
        nonlocal count
        _check(selection)
        count += 1

    check()
    record_selections("hypothesis: random symptoms, regions, <=4 conditions, setting", count)
    assert count >= HYPOTHESIS_EXAMPLES * 0.9


# --- the course's own case studies ---------------------------------------------------------


@pytest.mark.parametrize("case", list(KB.case_studies))
def test_case_study_selections_satisfy_the_invariants(case, record_selections):
    _check(KB.case_studies[case].selection)
    record_selections("case studies of case_studies.yaml", 1)


# --- the checker can fail: deliberately broken advisors -----------------------------------


def _cap_instead(response, cap=5):
    return response.model_copy(update={"action": "cap_pressure", "pressure_cap": cap})


def _ignore_local_avoid(monkeypatch):
    real = advisor.response

    def broken(kb, c):
        cond, resp = real(kb, c)
        return cond, (_cap_instead(resp) if resp.action == "avoid" else resp)

    monkeypatch.setattr(advisor, "response", broken)


def _ignore_stop(monkeypatch):
    real = advisor.response

    def broken(kb, c):
        cond, resp = real(kb, c)
        return cond, (_cap_instead(resp) if resp.action == "stop_and_refer" else resp)

    monkeypatch.setattr(advisor, "response", broken)


def _wrap_plan(monkeypatch, change):
    real = advisor.plan
    monkeypatch.setattr(advisor, "plan", lambda sel, kb=None: change(real(sel, kb)))


def _pressure_one_too_high(monkeypatch):
    def change(p):
        regions = tuple(
            dataclasses.replace(r, techniques=tuple(
                dataclasses.replace(t, max_pressure=t.max_pressure + 1) for t in r.techniques))
            for r in p.regions)
        return dataclasses.replace(p, regions=regions)

    _wrap_plan(monkeypatch, change)


def _drop_skin_inspection(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(
        p, precautions=tuple(x for x in p.precautions if x.id != "inspect_skin")))


def _ignore_setting(monkeypatch):
    real = advisor.plan
    monkeypatch.setattr(advisor, "plan", lambda sel, kb=None: dataclasses.replace(
        real(sel.model_copy(update={"setting": "therapist"}), kb), selection=sel))


def _drop_last_region(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(p, regions=p.regions[:-1]))


def _stop_without_reason(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(p, stop_reasons=p.stop_reasons[1:]))


def _ignore_footprints(monkeypatch):
    monkeypatch.setattr(advisor._Conditions, "blocked", lambda self, kb, tech, region: None)


def _ignore_spread(monkeypatch):
    monkeypatch.setattr(advisor, "spread", lambda kb, placed: (placed.region,))


def _stops_in_data_order(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(p, stop_reasons=tuple(reversed(p.stop_reasons))))


def _forget_the_emergency(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(p, urgency=None if p.urgency == "emergency" else p.urgency))


def _ignore_self_care_limits(monkeypatch):
    real = advisor.plan

    def broken(sel, kb=None):
        p = real(sel, kb)
        if sel.setting != "self":
            return p
        therapist = real(sel.model_copy(update={"setting": "therapist"}), kb)
        regions = tuple(dataclasses.replace(r, techniques=tuple(
            dataclasses.replace(t, max_pressure=min((kb or KB).techniques[t.id].pressure_max,
                                                    therapist.region(r.region).pressure_cap or 5))
            for t in r.techniques)) for r in p.regions)
        return dataclasses.replace(p, regions=regions)

    monkeypatch.setattr(advisor, "plan", broken)


def _forget_the_falls_precautions(monkeypatch):
    _wrap_plan(monkeypatch, lambda p: dataclasses.replace(
        p, precautions=tuple(x for x in p.precautions if not KB.precautions[x.id].when.affects_balance)))


MUTANTS = {
    "(a) ignores a local avoid": _ignore_local_avoid,
    "(a) ignores how far a condition spreads": _ignore_spread,
    "(h) ignores footprints": _ignore_footprints,
    "(g) puts the stops in the wrong order": _stops_in_data_order,
    "(g) forgets the emergency": _forget_the_emergency,
    "(c) ignores the self-massage limits": _ignore_self_care_limits,
    "(d) forgets the falls precautions": _forget_the_falls_precautions,
    "(b) ignores stop_and_refer": _ignore_stop,
    "(c) offers one pressure level too many": _pressure_one_too_high,
    "(d) forgets to inspect the skin": _drop_skin_inspection,
    "(e) ignores the setting": _ignore_setting,
    "(f) drops a region": _drop_last_region,
    "(g) stops without naming why": _stop_without_reason,
}


WHOLE_SESSION_STOPS = tuple(pc for pc in PLACEMENTS if pc.region is None
                            and KB.conditions[pc.id].whole_session.action == "stop_and_refer")


def _mutant_harness():
    """The selections the mutants are run over: every single placement (and none), and every pair
    of whole-session stops (so that an order of stops can be wrong), with no or all symptoms, in
    both settings."""
    for symptoms in (frozenset(), frozenset(SYMPTOMS)):
        for setting in SETTINGS:
            for placed in ((),) + tuple((p,) for p in PLACEMENTS) + tuple(itertools.combinations(WHOLE_SESSION_STOPS, 2)):
                yield Selection(symptoms=symptoms, regions=ALL_REGIONS, conditions=frozenset(placed), setting=setting)


@pytest.mark.parametrize("mutant", MUTANTS)
def test_check_invariants_catches_a_broken_advisor(mutant, monkeypatch):
    """Run the broken advisor over the harness: the checker must object."""
    MUTANTS[mutant](monkeypatch)
    caught = 0
    for selection in _mutant_harness():
        try:
            check_invariants(selection, advisor.plan(selection, KB), KB)
        except AssertionError:
            caught += 1
    assert caught, f"check_invariants did not notice an advisor that {mutant[4:]}"


def test_the_real_advisor_passes_the_mutant_harness(record_selections):
    """The same loop with the real advisor raises nothing (so the mutants' failures are theirs)."""
    count = _check_all(_mutant_harness())
    record_selections("the mutant harness (singles and pairs of stops)", count)
