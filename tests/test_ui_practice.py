"""The practice widgets of lessons 06-09, driven in plain Python as a learner would use them.

`Button.click()` fires the click handlers and setting `.value` fires the observers (ipywidgets 8
uses a dummy comm without a kernel); every view writes into HTML/Label values, which we read.
Also: every case study is a valid advisor selection, and its right answer agrees with the plan.
"""

from __future__ import annotations

import re
from html import escape, unescape

import pytest

from neuropathy_massage import wording
from neuropathy_massage.advisor import PlacedCondition
from neuropathy_massage.check import MIN_QUIZ_ITEMS
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.lesson_views import technique_card
from neuropathy_massage.ui.pickers import WHOLE_SESSION
from neuropathy_massage.ui.practice import (
    CaseStudyView,
    ConditionPlacer,
    RoutineStepper,
    SelfCarePlanner,
    case_plan,
    routine_regions,
)

KB = load_knowledge()
COURSE = load_course()
LESSONS = [lesson.id for lesson in COURSE.of_kind("foundation", "routine", "practice")]


def text(html: str) -> str:
    """What a reader sees: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def place(w: ConditionPlacer, condition: str, where: str) -> None:
    w.conditions.condition.value = condition
    w.conditions.where.value = where
    w.conditions.add_button.click()


# --- ConditionPlacer (lesson 06) --------------------------------------------------------------


def test_placer_starts_with_every_region_suitable():
    w = ConditionPlacer()
    assert "No area is avoided" in w.status.value
    assert "None yet" in w.placed_view.value
    assert "AVOID" not in text(w.plan_view.value)


def test_open_wound_on_a_sole_avoids_that_region_only():
    w = ConditionPlacer()
    place(w, "open_wound", "left_foot_sole")
    plan = text(w.plan_view.value)
    assert "AVOID Left sole of foot" in plan
    assert "AVOID Right sole of foot" not in plan
    assert "STOP" not in plan
    assert "Left sole of foot: AVOID" in text(w.body_map.value)  # the map's text list, not colour alone
    assert "Right sole of foot: suitable" in text(w.body_map.value)
    assert "1 area to AVOID: Left sole of foot" in text(w.status.value)
    assert "Open wound, cut, blister or ulcer — at Left sole of foot" in text(w.placed_view.value)


def test_a_suspected_clot_for_the_whole_session_stops_and_refers():
    w = ConditionPlacer()
    place(w, "suspected_clot", WHOLE_SESSION)
    assert "STOP" in w.status.value
    assert "STOP — do not massage" in w.plan_view.value
    assert "suitable" not in text(w.body_map.value)
    assert "Suitable techniques" not in w.plan_view.value


def test_remove_takes_a_condition_back_off():
    w = ConditionPlacer()
    place(w, "suspected_clot", WHOLE_SESSION)
    c = w.conditions
    assert "STOP" in w.status.value and len(c.recorded.children) == 1
    c.untick("suspected_clot")
    assert "STOP" not in w.status.value and "Removed" in c.message.value and c.recorded.children == ()


def test_adding_twice_keeps_one():
    w = ConditionPlacer()
    place(w, "bruise", "right_forearm")
    w.conditions.add_button.click()
    assert w.conditions.value == (PlacedCondition(id="bruise", region="right_forearm"),)
    assert "already recorded" in w.conditions.message.value


def test_where_offers_only_the_scopes_a_condition_has():
    w = ConditionPlacer()
    for cid, cond in KB.conditions.items():
        w.conditions.condition.value = cid
        values = [v for _, v in w.conditions.where.options]
        assert (WHOLE_SESSION in values) == (cond.whole_session is not None), cid
        assert (len(values) > 1 or (values and values[0] != WHOLE_SESSION)) == (cond.at_region is not None), cid


def test_every_condition_at_every_scope_gives_the_right_marks():
    """Every condition at each scope it has: a stop stops, an avoid marks every area it reaches
    (its spread from where it is placed) and no other, anything else avoids nothing."""
    for cid, cond in KB.conditions.items():
        region = cond.regions[0] if cond.regions else "left_toes"
        for where, response in ((WHOLE_SESSION, cond.whole_session), (region, cond.at_region)):
            if response is None:
                continue
            w = ConditionPlacer()
            place(w, cid, where)
            marks = text(w.body_map.value)
            if response.action == "stop_and_refer":
                assert "STOP" in w.status.value, (cid, where)
            elif response.action == "avoid":
                reached = set(KB.footprint(region, cond.spread))
                for rid, r in KB.regions.items():
                    assert f"{r.name}: {'AVOID' if rid in reached else 'suitable'}" in marks, (cid, where, rid)
            else:
                assert "AVOID" not in marks, (cid, where)


def test_symptoms_change_the_pressure_limit():
    w = ConditionPlacer(symptoms=["tingling"])
    assert "pressure limit: level 3 of 5" in w.plan_view.value
    w.symptoms.value = ("touch_hypersensitivity",)
    assert "pressure limit: level 1 of 5" in w.plan_view.value


def test_every_control_has_a_label():
    w = ConditionPlacer()
    c = w.conditions
    place(w, "suspected_clot", WHOLE_SESSION)
    assert all(x.description for x in (c.condition, c.where, c.add_button, *c.recorded.children,
                                       *w.symptoms.boxes.values()))


@pytest.fixture(scope="module")
def evil_kb(tmp_path_factory):
    """The course data with markup in a condition name, a routine step and a case story."""
    import shutil

    from neuropathy_massage import paths
    from neuropathy_massage.knowledge import read_knowledge

    assets = tmp_path_factory.mktemp("evil") / "assets"
    shutil.copytree(paths.package_assets(), assets)
    d = assets / "knowledge"
    for name, old, new in (
        ("conditions.yaml", "name: Bruise", "name: Bruise <script>x</script>"),
        ("routines.yaml", "- If your feet have lost feeling", "- <b>If</b> your feet have lost feeling"),
        ("case_studies.yaml", "Maria, 62,", "Maria <img src=x>, 62,"),
    ):
        f = d / name
        f.write_text(f.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return read_knowledge(d)


def test_text_from_the_data_is_escaped(evil_kb):
    w = ConditionPlacer(kb=evil_kb)
    place(w, "bruise", "left_toes")
    for html in (w.placed_view.value, w.conditions.message.value, w.status.value, w.plan_view.value, w.body_map.value):
        assert "<script>" not in html
    assert "&lt;script&gt;" in w.placed_view.value
    s = RoutineStepper("foot_roller", kb=evil_kb)
    assert "<b>" not in s.step.value and "&lt;b&gt;" in s.step.value
    c = CaseStudyView("burning_soles_blister", kb=evil_kb)
    assert "<img src=x>" not in c.story.value and "&lt;img" in c.story.value


# --- RoutineStepper (lessons 07 and 08) -------------------------------------------------------


@pytest.mark.parametrize("routine_id", ["foot_roller", "marble_foot_tub", "hand_circles", "finger_strokes"])
def test_stepper_walks_the_steps_and_disables_at_the_ends(routine_id):
    steps = KB.techniques[routine_id].steps
    w = RoutineStepper(routine_id)
    assert w.position.value == f"Step 1 of {len(steps)}"
    assert w.back.disabled and not w.next.disabled
    assert text(w.step.value) == steps[0]
    for n in range(2, len(steps) + 1):
        w.next.click()
        assert w.position.value == f"Step {n} of {len(steps)}"
        assert text(w.step.value) == steps[n - 1]
    assert w.next.disabled and not w.back.disabled
    w.next.click()  # a click at the end stays at the end
    assert w.position.value == f"Step {len(steps)} of {len(steps)}"
    w.back.click()
    assert w.position.value == f"Step {len(steps) - 1} of {len(steps)}"
    assert not w.next.disabled
    for _ in steps:
        w.back.click()
    assert w.position.value == f"Step 1 of {len(steps)}" and w.back.disabled


# --- SelfCarePlanner (lessons 07 and 08) ------------------------------------------------------


def test_foot_planner_offers_the_foot_routines_and_the_checks():
    w = SelfCarePlanner("foot")
    assert set(w.regions) == {"left_foot_sole", "right_foot_sole", "left_toes", "right_toes"}
    view = text(w.plan_view.value)
    assert KB.techniques["foot_roller"].name in view and KB.techniques["marble_foot_tub"].name in view
    assert KB.precautions["check_temperature"].name in view  # the marble tub uses warm water
    # the precautions for every session are shown once on the page, not with the planner's plan
    assert KB.precautions["stop_if_pain"].name not in view and wording.GENERAL_NOTE in view
    assert KB.precautions["inspect_skin"].name not in view
    reduced = w.conditions.quick["reduced_sensation"]
    reduced.value = True
    view = text(w.plan_view.value)
    assert KB.precautions["inspect_skin"].name in view
    assert KB.precautions["reduced_sensation_caution"].name in view
    reduced.value = False
    assert KB.precautions["inspect_skin"].name not in text(w.plan_view.value)


def test_numbness_alone_brings_the_skin_and_temperature_checks():
    w = SelfCarePlanner("hand")
    assert KB.precautions["check_temperature"].name not in text(w.plan_view.value)  # no warm water
    w.symptoms.value = ("numbness",)
    view = text(w.plan_view.value)
    assert KB.precautions["check_temperature"].name in view
    assert KB.precautions["inspect_skin"].name in view


def test_hand_planner_caps_pressure_for_sensitive_hands():
    w = SelfCarePlanner("hand")
    assert set(w.regions) == set(routine_regions("hand"))
    w.symptoms.value = ("touch_hypersensitivity",)
    view = text(w.plan_view.value)
    assert KB.techniques["hand_circles"].name in view
    assert "up to level 2" not in view and "up to level 1" in view
    assert KB.techniques["foot_roller"].name not in view


def test_unknown_limb_is_refused():
    with pytest.raises(ValueError):
        SelfCarePlanner("elbow")


# --- Case studies (lesson 09) -----------------------------------------------------------------

def disagreements(case, plan) -> list[str]:
    """Where the advisor's plan for a case differs from the case's `expect` block (empty: it agrees)."""
    e, found = case.expect, []

    def differs(what, want, got):
        if want != got:
            found.append(f"{what}: the case expects {want!r}, the plan shows {got!r}")

    differs("stop and refer", e.stop, plan.stop_and_refer)
    differs("reduced sensation", e.reduced_sensation, plan.reduced_sensation)
    if not plan.stop_and_refer:
        differs("regions avoided", set(e.avoid), {r.region for r in plan.regions if r.status == "avoid"})
        differs("pressure limits", dict(e.pressure), {r.region: r.pressure_cap for r in plan.regions if r.status == "ok"})
        differs("offered", set(e.offered), {t.id for r in plan.regions for t in r.techniques})
        differs("left out", set(e.left_out), {x.technique for r in plan.regions for x in r.left_out})
    missing = set(e.precautions) - {x.id for x in plan.precautions}
    if missing:
        found.append(f"precautions the case expects and the plan does not show: {sorted(missing)}")
    return found


def test_there_are_at_least_five_cases():
    assert len(KB.case_studies) >= 5


@pytest.mark.parametrize("case_id", sorted(KB.case_studies))
def test_case_is_valid_and_its_right_choice_agrees_with_the_plan(case_id):
    case = KB.case_studies[case_id]
    plan = case_plan(case)  # raises SelectionError if the selection is not valid
    assert disagreements(case, plan) == [], case_id
    right = next(o for o in case.choices if o.correct)
    assert case.expect.right_choice_says.lower() in right.text.lower()
    # "do not massage" is in the right choice exactly when the advisor stops and refers
    assert ("do not massage" in right.text.lower()) == plan.stop_and_refer
    assert all(o.explanation for o in case.choices)


def test_a_case_that_disagrees_with_the_advisor_is_caught():
    """The check can fail: each field of `expect`, changed, is reported."""
    stopping = next(c for c in KB.case_studies.values() if c.expect.stop)
    working = next(c for c in KB.case_studies.values() if not c.expect.stop and c.expect.pressure)
    region, level = next(iter(working.expect.pressure.items()))
    changes = [
        (stopping, {"stop": False}),
        (working, {"stop": True}),
        (working, {"reduced_sensation": not working.expect.reduced_sensation}),
        (working, {"pressure": {**working.expect.pressure, region: level % 5 + 1}}),
        (working, {"avoid": (region,), "pressure": {r: v for r, v in working.expect.pressure.items() if r != region}}),
        (working, {"offered": working.expect.offered[1:]}),
        (working, {"left_out": working.expect.left_out + ("no_such_technique",)}),
        (working, {"precautions": ("no_such_precaution",)}),
    ]
    for case, change in changes:
        wrong = case.model_copy(update={"expect": case.expect.model_copy(update=change)})
        assert disagreements(wrong, case_plan(case)), (case.id, change)


def test_case_view_reveals_explanation_points_and_plan():
    case = KB.case_studies["tingling_feet_hot_calf"]
    w = CaseStudyView(case.id)
    assert case.title in w.story.value and w.reveal.disabled
    w.reveal.click()  # nothing chosen yet
    assert "Pick what you would do first" in w.feedback.value and w.plan_view.value == ""
    wrong = next(i for i, o in enumerate(case.choices) if not o.correct)
    w.choice.value = wrong
    assert not w.reveal.disabled
    w.reveal.click()
    feedback = text(w.feedback.value)
    assert "Not the best choice" in feedback
    assert text(case.choices[wrong].explanation) in feedback
    assert text(next(o for o in case.choices if o.correct).explanation) in feedback
    assert all(text(t) in feedback for t in case.teaching_points)
    assert "STOP — do not massage" in w.plan_view.value
    right = next(i for i, o in enumerate(case.choices) if o.correct)
    w.choice.value = right  # a new choice hides the old answer until revealed again
    assert w.feedback.value == "" and w.plan_view.value == ""
    w.reveal.click()
    assert "✔ Right." in w.feedback.value


@pytest.mark.parametrize("case_id", sorted(KB.case_studies))
def test_every_case_view_renders(case_id):
    w = CaseStudyView(case_id)
    w.choice.value = 0
    w.reveal.click()
    assert w.plan_view.value and "Teaching points" in w.feedback.value
    assert w.choice.description and w.reveal.description


# --- HTML from the data, and the quiz bank ----------------------------------------------------


def test_every_routine_has_its_figure_and_card():
    for rid, t in KB.techniques.items():
        if t.setting != "self":
            continue
        assert t.figures, rid
        html = str(technique_card(rid))
        assert "data:image/svg+xml;base64," in html and 'alt="' in html
        assert all(escape(step) in html for step in t.steps)


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_has_its_quiz_items_with_sources_and_explanations(lesson):
    items = KB.quiz_for(lesson)
    assert len(items) >= MIN_QUIZ_ITEMS
    for q in items:
        assert q.sources and all(o.explanation for o in q.options)


#: Lessons whose quiz items are written to the fair-bank rules (the rest of the bank is being
#: rewritten to them as a whole).
FAIR_BANK_LESSONS = ("safety_in_practice",)


@pytest.mark.parametrize("lesson", FAIR_BANK_LESSONS)
def test_a_fair_bank_lesson_keeps_to_the_rules(lesson):
    items = KB.quiz_for(lesson)
    assert len(items) >= 4
    positions = []
    for q in items:
        assert len(q.options) == 4, q.id
        right = next(i for i, o in enumerate(q.options) if o.correct)
        positions.append(right)
        lengths = [len(o.text) for o in q.options]
        assert lengths[right] < max(lengths), f"{q.id}: the right answer is the longest option"
        for o in q.options:
            assert not re.match(r"(right|correct|no|not so|wrong)\b", o.explanation, flags=re.I), (
                f"{q.id}: an explanation opens with a verdict; the quiz already says right or not")
    assert max(positions.count(p) for p in set(positions)) <= 0.4 * len(items), positions
    assert len(set(positions)) >= 3, positions


def test_no_citation_has_a_doubled_full_stop():
    from neuropathy_massage.ui.views import sources

    html = text(str(sources(KB.sources)))
    assert ".." not in html.replace("...", "")
    assert "et al.." not in html
