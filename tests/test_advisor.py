"""The advisor, example by example: each test is a small teaching situation with a clear answer."""

from __future__ import annotations

import pytest

from neuropathy_massage.advisor import ConditionAt, Selection, SelectionError, plan
from neuropathy_massage.knowledge import load_knowledge

KB = load_knowledge()
ALL_REGIONS = tuple(KB.regions)


def technique_ids(region_plan):
    return [t.id for t in region_plan.techniques]


def all_techniques(p):
    return [t for r in p.regions for t in r.techniques]


def precaution_ids(p):
    return {x.id for x in p.precautions}


# --- a wound on the sole -------------------------------------------------------------------


@pytest.fixture(scope="module")
def foot_wound():
    return plan(Selection.of(["burning_pain"], ALL_REGIONS, [("open_wound", "left_foot_sole")]))


def test_foot_wound_the_sole_itself_is_avoided(foot_wound):
    sole = foot_wound.region("left_foot_sole")
    assert sole.status == "avoid"
    assert sole.techniques == ()
    assert sole.pressure_cap is None
    assert any("Broken skin" in r for r in sole.reasons)


def test_foot_wound_other_regions_are_worked_at_burning_pain_level(foot_wound):
    others = [r for r in foot_wound.regions if r.region != "left_foot_sole"]
    assert len(others) == len(ALL_REGIONS) - 1
    for r in others:
        assert r.status == "ok"
        assert r.pressure_cap == 2  # burning pain caps at level 2
        assert r.techniques, r.region
        assert all(t.max_pressure == 2 for t in r.techniques)


def test_foot_wound_is_not_a_stop_but_asks_for_foot_care(foot_wound):
    assert not foot_wound.stop_and_refer
    assert foot_wound.red_flags == ()
    assert any("wound" in reason for reason in foot_wound.referral_reasons)


def test_foot_wound_adapts_each_technique_to_burning_pain(foot_wound):
    effleurage = foot_wound.region("right_foot_sole").techniques[0]
    assert effleurage.id == "effleurage"
    assert effleurage.adaptations == (KB.techniques["effleurage"].adaptations["burning_pain"],)


def test_a_wound_on_a_region_not_chosen_changes_nothing_there():
    p = plan(Selection.of([], ["left_hand_palm"], [("open_wound", "left_foot_sole")]))
    assert [r.region for r in p.regions] == ["left_hand_palm"]
    assert p.region("left_hand_palm").status == "ok"


# --- a suspected clot stops everything -------------------------------------------------------


@pytest.mark.parametrize("where", [None, "left_lower_leg", "right_lower_leg"])
def test_suspected_clot_stops_and_refers(where):
    p = plan(Selection.of(["chronic_pain"], ALL_REGIONS, [ConditionAt("blood_clot", where)]))
    assert p.stop_and_refer
    assert all_techniques(p) == []
    assert all(r.status == "avoid" for r in p.regions)
    assert any("clot" in reason.lower() for reason in p.referral_reasons)


def test_a_red_flag_is_named_and_stops_the_session():
    p = plan(Selection.of([], ALL_REGIONS, [("dvt_signs", "left_lower_leg")]))
    assert p.stop_and_refer
    assert p.red_flags == (KB.conditions["dvt_signs"].name,)
    assert all_techniques(p) == []


def test_a_stop_on_one_foot_also_stops_the_hands():
    """No massage in this session at all: the stop is not limited to the region."""
    p = plan(Selection.of([], ["left_hand_palm"], [("hot_swollen_foot", "right_foot_sole")]))
    assert p.stop_and_refer
    assert p.region("left_hand_palm").techniques == ()


# --- pressure caps -------------------------------------------------------------------------


def test_touch_hypersensitivity_leaves_out_techniques_that_need_more_pressure():
    p = plan(Selection.of(["touch_hypersensitivity"], ["left_hand_palm"]))
    palm = p.region("left_hand_palm")
    assert palm.pressure_cap == 1
    assert technique_ids(palm) == ["effleurage"]
    assert palm.techniques[0].max_pressure == 1
    for left_out in ("petrissage", "myofascial_release"):
        name = KB.techniques[left_out].name
        assert KB.techniques[left_out].pressure_min == 2
        assert any(name in r and "left out" in r for r in palm.reasons), left_out


def test_the_lowest_cap_wins():
    """Tingling allows 3, weakened bones (whole session) 2: the plan uses 2."""
    p = plan(Selection.of(["tingling"], ["left_lower_leg"], ["weakened_bones"]))
    leg = p.region("left_lower_leg")
    assert leg.pressure_cap == 2
    assert {t.max_pressure for t in leg.techniques} == {2}


def test_a_local_cap_applies_only_where_it_is_placed():
    p = plan(Selection.of([], ["left_foot_sole", "right_foot_sole"],
                          [("severe_sensory_impairment", "left_foot_sole")]))
    assert p.region("left_foot_sole").pressure_cap == 2
    assert p.region("right_foot_sole").pressure_cap == 5
    # ... but the technique never goes above its own maximum
    assert {t.max_pressure for t in p.region("right_foot_sole").techniques} == {3}


def test_no_symptom_no_condition_uses_each_technique_own_range():
    p = plan(Selection.of([], ["left_lower_leg"]))
    for t in p.region("left_lower_leg").techniques:
        assert t.max_pressure == KB.techniques[t.id].pressure_max


def test_weakened_bones_at_one_region_avoid_it():
    p = plan(Selection.of([], ["left_forearm", "right_forearm"], [("weakened_bones", "left_forearm")]))
    assert p.region("left_forearm").status == "avoid"
    assert p.region("right_forearm").status == "ok"


# --- setting ---------------------------------------------------------------------------------


def test_self_setting_offers_only_routines():
    p = plan(Selection.of([], ALL_REGIONS, setting="self"))
    offered = all_techniques(p)
    assert offered
    assert {KB.techniques[t.id].setting for t in offered} == {"self"}
    assert {t.id for t in offered} == {t.id for t in KB.techniques_for("self")}
    assert "gentle_consistent" in precaution_ids(p)


def test_therapist_setting_offers_only_therapist_techniques():
    p = plan(Selection.of([], ALL_REGIONS))
    assert {KB.techniques[t.id].setting for t in all_techniques(p)} == {"therapist"}
    assert "disclose_symptoms" in precaution_ids(p)


def test_a_region_without_routine_says_so():
    p = plan(Selection.of([], ["left_forearm"], setting="self"))
    forearm = p.region("left_forearm")
    assert forearm.status == "ok" and forearm.techniques == ()
    assert forearm.reasons == ("The course has no self-care routine for this region.",)


# --- precautions ---------------------------------------------------------------------------


def test_numbness_brings_temperature_check_and_skin_inspection():
    p = plan(Selection.of(["numbness"], ["left_foot_sole"]))
    assert p.reduced_sensation
    assert {"check_temperature", "inspect_skin", "reduced_sensation_caution"} <= precaution_ids(p)


def test_without_reduced_sensation_no_skin_inspection_is_added():
    p = plan(Selection.of(["tingling"], ["left_hand_palm"]))
    assert not p.reduced_sensation
    assert "inspect_skin" not in precaution_ids(p)


def test_a_warm_water_routine_brings_the_temperature_check():
    p = plan(Selection.of([], ["left_foot_sole"], setting="self"))
    assert "marble_foot_tub" in technique_ids(p.region("left_foot_sole"))
    assert "check_temperature" in precaution_ids(p)


def test_some_precautions_always_show():
    p = plan(Selection.of([], []))
    assert {"consult_provider", "stop_if_pain"} <= precaution_ids(p)


def test_touch_hypersensitivity_asks_for_pressure_feedback():
    assert "pressure_feedback" in precaution_ids(plan(Selection.of(["touch_hypersensitivity"], [], setting="self")))


# --- regions order and sources ---------------------------------------------------------------


def test_regions_come_in_the_order_of_the_data():
    p = plan(Selection.of([], reversed(ALL_REGIONS)))
    assert [r.region for r in p.regions] == list(ALL_REGIONS)


def test_sources_are_cited_in_the_order_of_sources_yaml():
    p = plan(Selection.of(["numbness"], ALL_REGIONS, [("open_wound", "left_toes")]))
    order = list(KB.sources)
    assert list(p.sources) == sorted(p.sources, key=order.index)
    assert "seed_article" in p.sources


# --- pure and deterministic ------------------------------------------------------------------


def test_plan_is_deterministic():
    make = lambda: Selection.of(  # noqa: E731
        ["numbness", "burning_pain", "tingling"], ALL_REGIONS,
        [("open_wound", "left_foot_sole"), ("reduced_sensation", "right_toes"), "weakened_bones"])
    first, second = plan(make()), plan(make())
    assert first == second
    assert first.to_dict() == second.to_dict()


def test_plan_does_not_depend_on_the_order_of_the_input():
    a = plan(Selection.of(["numbness", "tingling"], ["left_toes", "right_toes"],
                          [("bruise", "left_toes"), "weakened_bones"]))
    b = plan(Selection.of(["tingling", "numbness"], ["right_toes", "left_toes"],
                          ["weakened_bones", ("bruise", "left_toes")]))
    assert a.to_dict() == b.to_dict()


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selection, kind, bad, valid",
    [
        (Selection.of(["telepathy"]), "symptom", "telepathy", KB.symptoms),
        (Selection.of([], ["left_ear"]), "region", "left_ear", KB.regions),
        (Selection.of([], [], ["bad_karma"]), "condition", "bad_karma", KB.conditions),
        (Selection.of([], [], [("bruise", "left_ear")]), "region", "left_ear", KB.regions),
        (Selection.of(setting="spa"), "setting", "spa", ("therapist", "self")),
    ],
    ids=["symptom", "region", "condition", "condition-region", "setting"],
)
def test_unknown_ids_are_named_and_the_valid_ones_listed(selection, kind, bad, valid):
    with pytest.raises(SelectionError) as info:
        plan(selection)
    message = str(info.value)
    assert "\n" not in message
    assert kind in message and repr(bad) in message
    for ident in valid:
        assert ident in message, ident


def test_a_region_only_condition_needs_a_region():
    assert KB.conditions["open_wound"].whole_session is None
    with pytest.raises(SelectionError, match="open_wound.*give it a region"):
        plan(Selection.of([], [], ["open_wound"]))


def test_a_whole_session_condition_takes_no_region():
    assert KB.conditions["sudden_weakness"].at_region is None
    with pytest.raises(SelectionError, match="sudden_weakness.*give it no region"):
        plan(Selection.of([], [], [("sudden_weakness", "left_hand_palm")]))
