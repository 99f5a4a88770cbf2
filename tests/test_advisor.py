"""The advisor, example by example, on the small fixed course of tests/fixtures/assets: golden
cases whose answers are pinned exactly and do not move when the course's own data grows. (The
promises that hold for the real data over every selection are in test_invariants.py.)"""

from __future__ import annotations

import pydantic
import pytest

from neuropathy_massage import wording
from neuropathy_massage.advisor import (Avoided, FootprintOut, LeftOut, Limit, Noted, PlacedCondition, Selection,
                                        SelectionError, StopReason, plan)
from neuropathy_massage.knowledge import read_knowledge

from conftest import FIXTURE_ASSETS

KB = read_knowledge(FIXTURE_ASSETS / "knowledge")
ALL = tuple(KB.regions)


def advise(symptoms=(), regions=ALL, conditions=(), setting="therapist"):
    return plan(Selection.of(symptoms, regions, conditions, setting), KB)


def ids(region_plan):
    return [t.id for t in region_plan.techniques]


def precautions(p):
    return [x.id for x in p.precautions]


# --- a wound ----------------------------------------------------------------------------------


def test_a_wound_avoids_its_region_and_asks_for_a_look():
    p = advise(["burning"], conditions=[("wound", "left_sole")])
    sole = p.region("left_sole")
    assert (sole.status, sole.techniques, sole.pressure_cap) == ("avoid", (), None)
    assert sole.avoided == (Avoided("wound", "left_sole"),)
    assert wording.region_reasons(sole, KB) == ["Wound: Broken skin is not massaged."]
    assert not p.stop_and_refer and p.referrals == ("wound",)
    assert wording.referral_reasons(p, KB) == [f"{wording.URGENCY['prompt']}: Have the wound looked at."]


def test_the_other_regions_keep_the_burning_limit_with_its_reason():
    p = advise(["burning"], conditions=[("wound", "left_sole")])
    for rid in ("left_palm", "left_toes", "right_sole", "left_calf"):
        r = p.region(rid)
        assert r.status == "ok" and r.pressure_cap == 2
        assert r.limits == (Limit(2, symptom="burning"),)
        assert {t.max_pressure for t in r.techniques} == {2}
    assert ids(p.region("left_toes")) == ["glide"]  # knead does not work on the toes
    assert ids(p.region("right_sole")) == ["glide", "knead"]
    assert p.region("right_sole").techniques[0].adaptations == ("Glide slowly.",)


# --- stopping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", [None, "left_sole"])
def test_a_clot_stops_everything_wherever_it_is_placed(where):
    p = advise(["burning"], conditions=[PlacedCondition(id="clot", region=where)])
    assert p.stop_and_refer and p.stop_reasons == (StopReason("clot", where),)
    assert all(r.status == "avoid" and r.stopped and r.techniques == () for r in p.regions)
    assert wording.region_reasons(p.regions[0], KB) == [wording.STOPPED_REGION]
    where_words = "" if where is None else ", at the left sole"
    assert wording.referral_reasons(p, KB) == [f"Clot{where_words}: A clot can move.",
                                               f"{wording.URGENCY['urgent']}: See a doctor urgently."]


def test_a_red_flag_is_named_and_stops_the_session():
    p = advise([], ["left_palm"], [("calf_signs", "left_calf")])
    assert p.stop_and_refer and p.red_flags == ("calf_signs",)
    assert p.region("left_palm").techniques == ()
    assert p.to_dict(KB)["red_flags"] == ["Red flag: calf signs"]


# --- limits ----------------------------------------------------------------------------------------


def test_allodynia_leaves_out_what_needs_more_pressure_and_says_why():
    palm = advise(["allodynia"], ["left_palm"]).region("left_palm")
    assert palm.pressure_cap == 1 and ids(palm) == ["glide"] and palm.techniques[0].max_pressure == 1
    assert palm.left_out == (LeftOut("knead", needs=2, limit=1),)
    assert wording.region_reasons(palm, KB) == [
        "Allodynia: Even light touch can hurt.",
        "Knead is left out: it needs at least pressure level 2, and the limit here is 1.",
    ]


def test_the_lowest_limit_wins_and_both_sources_at_that_level_are_named():
    sole = advise(["burning"], ["right_sole"], ["weak_bones"]).region("right_sole")
    assert sole.pressure_cap == 2
    assert sole.limits == (Limit(2, symptom="burning"), Limit(2, condition="weak_bones"))


def test_a_local_limit_applies_only_where_it_is_placed():
    p = advise([], ["left_sole", "right_sole"], [("low_feeling", "left_sole")])
    assert p.region("left_sole").pressure_cap == 2
    assert p.region("left_sole").limits == (Limit(2, condition="low_feeling", at="left_sole"),)
    assert wording.limit_reason(p.region("left_sole").limits[0], KB) == "Low feeling, at the left sole: Feedback cannot be trusted here."
    right = p.region("right_sole")
    assert right.pressure_cap == 5 and right.limits == ()
    assert [(t.id, t.max_pressure, t.own_maximum) for t in right.techniques] == [("glide", 3, True), ("knead", 4, True)]


def test_weak_bones_on_one_region_avoid_it_and_for_the_session_limit_all():
    p = advise([], ["left_palm", "left_calf"], [("weak_bones", "left_palm")])
    assert p.region("left_palm").status == "avoid" and p.region("left_calf").status == "ok"
    p = advise([], ["left_palm", "left_calf"], ["weak_bones"])
    assert {r.pressure_cap for r in p.regions} == {2}


# --- footprints and spread ------------------------------------------------------------------------


def test_a_wound_on_the_sole_takes_the_tub_off_the_whole_foot_with_the_reason():
    p = advise(["numb"], ["left_sole", "left_toes", "right_sole"], [("wound", "left_sole")], setting="self")
    toes = p.region("left_toes")
    assert toes.status == "ok" and toes.techniques == ()
    assert toes.footprint_out == (FootprintOut("tub", "left_sole", "wound", "left_sole", "avoid"),)
    assert wording.region_reasons(toes, KB, "self")[-1] == (
        "Tub is left out here: the tub puts the whole left foot in water, so it would reach an area to leave alone: "
        "the left sole, because of wound.")
    assert [t.id for t in p.region("right_sole").techniques] == ["tub"]  # the other foot keeps it
    assert p.to_dict(KB)["regions"][1]["footprint_out"] == [
        {"technique": "tub", "touches": "limb", "blocked_region": "left_sole", "condition": "wound",
         "condition_region": "left_sole", "because": "avoid"}]


def test_a_glide_stays_on_its_area_beside_a_wound():
    toes = advise([], ["left_toes"], [("wound", "left_sole")]).region("left_toes")
    assert [t.id for t in toes.techniques] == ["glide"] and toes.footprint_out == ()


def test_a_no_heat_condition_spreads_over_the_foot_and_takes_the_warm_water_out():
    p = advise([], ["left_sole", "left_toes", "right_sole"], [("cold_foot", "left_toes")], setting="self")
    for rid in ("left_sole", "left_toes"):
        r = p.region(rid)
        assert r.pressure_cap == 2 and r.limits == (Limit(2, condition="cold_foot", at="left_toes"),)
        assert r.footprint_out == (FootprintOut("tub", rid, "cold_foot", "left_toes", "no_heat"),)
    assert "recorded at the left toes, for the whole left foot" in wording.limit_reason(
        p.region("left_sole").limits[0], KB)
    assert p.region("right_sole").pressure_cap == 5 and [t.id for t in p.region("right_sole").techniques] == ["tub"]


def test_a_condition_that_spreads_avoids_every_area_it_reaches():
    palm = advise([], ["left_palm"], [("weak_arm", "left_palm")]).region("left_palm")
    assert palm.status == "avoid" and palm.avoided == (Avoided("weak_arm", "left_palm"),)


# --- urgency, and what concerns the whole session ----------------------------------------------


def test_the_most_urgent_stop_comes_first_and_an_emergency_is_flagged():
    p = advise([], ["left_palm"], [("calf_signs", "left_calf"), "sudden_change"])
    assert [s.condition for s in p.stop_reasons] == ["sudden_change", "calf_signs"]
    assert p.referrals == ("sudden_change", "calf_signs")
    assert p.urgency == "emergency" and p.emergency and p.to_dict(KB)["emergency"] is True
    assert wording.referral_reasons(p, KB)[2] == f"{wording.URGENCY['emergency']}: Seek care now."
    assert advise([], ["left_palm"], [("calf_signs", "left_calf")]).urgency == "urgent"
    assert advise().urgency is None and not advise().emergency


def test_adapt_gentle_joints_clearance_and_balance_are_for_the_whole_plan():
    p = advise([], ["left_palm"], ["sugar"])
    assert p.care == (Noted("sugar"),) and p.gentle_joints == (Noted("sugar"),) and p.clearance == ("sugar",)
    assert p.region("left_palm").pressure_cap == 5  # adapt leaves the limit alone
    assert p.affects_balance and {"steady", "sugar_ready"} <= set(precautions(p))
    assert wording.whole_plan_reasons(p, KB) == [
        f"Sugar: {wording.CLEARANCE[:1].lower()}{wording.CLEARANCE[1:]}.", f"Sugar: {wording.JOINTS_GENTLE[:1].lower()}{wording.JOINTS_GENTLE[1:]}.", "Sugar: Keep sugar to hand."]


def test_self_massage_uses_the_lower_self_care_limit():
    assert advise(["numb"], ["left_sole"]).region("left_sole").pressure_cap == 3
    sole = advise(["numb"], ["left_sole"], setting="self").region("left_sole")
    assert sole.pressure_cap == 2 and sole.limits == (Limit(2, symptom="numb"),)


def test_only_in_keeps_a_precaution_to_its_setting():
    assert "ask_first_at_home" in precautions(advise(["numb"], ["left_sole"], setting="self"))
    assert "ask_first_at_home" not in precautions(advise(["numb"], ["left_sole"]))


# --- setting -------------------------------------------------------------------------------------


def test_self_care_offers_only_routines_and_says_where_it_has_none():
    p = advise([], setting="self")
    assert {t.id for r in p.regions for t in r.techniques} == {"tub"}
    palm = p.region("left_palm")
    assert palm.no_technique and wording.region_reasons(palm, KB, "self") == [wording.NO_TECHNIQUE["self"]]
    assert "therapists_talk" not in precautions(p)


def test_therapist_setting_offers_only_therapist_techniques():
    p = advise()
    assert {t.id for r in p.regions for t in r.techniques} == {"glide", "knead"}
    assert precautions(p) == ["always_ask", "therapists_talk"]


# --- precautions -----------------------------------------------------------------------------------


def test_reduced_feeling_brings_the_skin_check_and_with_warm_water_the_water_test():
    assert precautions(advise(["numb"], ["left_palm"])) == ["always_ask", "therapists_talk", "look_at_skin", "test_water"]
    assert precautions(advise([], ["left_sole"], setting="self")) == ["always_ask", "test_water"]
    p = advise([], ["left_palm"], ["low_feeling"])
    assert p.reduced_sensation and "look_at_skin" in precautions(p)


def test_a_symptom_can_bring_a_precaution():
    assert "feedback" in precautions(advise(["allodynia"], []))


# --- order, sources, purity ---------------------------------------------------------------------


def test_regions_come_in_the_order_of_the_data_and_sources_in_the_order_of_sources_yaml():
    p = advise(["numb"], reversed(ALL), [("wound", "left_toes")])
    assert [r.region for r in p.regions] == list(ALL)
    assert p.sources == ("fixture_a", "fixture_b")


def test_plan_is_pure_and_ignores_input_order():
    a = advise(["numb", "burning"], ["left_toes", "right_sole"], [("wound", "left_toes"), "weak_bones"])
    b = advise(["burning", "numb"], ["right_sole", "left_toes"], ["weak_bones", ("wound", "left_toes")])
    assert a == b and a.to_dict(KB) == b.to_dict(KB)


def test_the_json_shape_carries_words_and_data():
    out = advise(["allodynia"], ["left_palm"]).to_dict(KB)
    palm = out["regions"][0]
    assert palm["reasons"][1].startswith("Knead is left out")
    assert palm["left_out"] == [{"technique": "knead", "needs": 2, "limit": 1}]
    assert palm["limits"] == [{"level": 1, "symptom": "allodynia", "condition": None, "region": None}]


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("selection, kind, bad, valid", [
    (Selection.of(["telepathy"]), "symptom", "telepathy", KB.symptoms),
    (Selection.of([], ["left_ear"]), "region", "left_ear", KB.regions),
    (Selection.of([], [], ["bad_karma"]), "condition", "bad_karma", KB.conditions),
    (Selection.of([], [], [("wound", "left_ear")]), "region", "left_ear", KB.regions),
], ids=["symptom", "region", "condition", "condition-region"])
def test_unknown_ids_are_named_and_the_valid_ones_listed(selection, kind, bad, valid):
    with pytest.raises(SelectionError) as info:
        plan(selection, KB)
    message = str(info.value)
    assert "\n" not in message and kind in message and repr(bad) in message
    assert all(ident in message for ident in valid)


def test_a_setting_outside_the_model_is_refused_when_the_selection_is_made():
    with pytest.raises(pydantic.ValidationError):
        Selection.of(setting="spa")


@pytest.mark.parametrize("placed, message", [
    (["wound"], "wound.*give it a region"),
    ([("sudden_change", "left_palm")], "sudden_change.*give it no region"),
    ([("calf_signs", "left_palm")], "calf_signs.*cannot be placed on 'left_palm'.*left_calf"),
])
def test_a_condition_must_be_placed_where_the_data_allows(placed, message):
    with pytest.raises(SelectionError, match=message):
        advise([], [], placed)
