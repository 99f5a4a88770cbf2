"""The intake and consent step (assets/knowledge/intake.yaml, ui/intake.py, the explorer's first step).

The data: every question is loader-checked, and broken copies fail with one line naming the
file, the record and the field. The widget, driven in plain Python: a yes records exactly the
conditions its question names through the explorer's condition list and the plan changes as the
advisor says; no answer records nothing; the consent line, unticked, says consent is needed;
today's pain reaches the session note. Which question a test uses is chosen from the data by
what it records (blood thinners: a whole-session pressure limit; a wound: an area to avoid).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from neuropathy_massage.advisor import plan
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge, read_knowledge
from neuropathy_massage.records import PlacedCondition, Selection
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.checklist import Checklist
from neuropathy_massage.ui.intake import Intake, recorded_by, where_options
from neuropathy_massage.ui.models import hidden
from neuropathy_massage.ui.pickers import WHOLE_SESSION
from picks import text

KB = load_knowledge()
SOLE = "left_foot_sole"


def question_recording(cid: str) -> str:
    return next(qid for qid, q in KB.intake.items() if cid in q.records)


def local_question() -> str:
    """A question that asks where, for a condition that keeps the plan off its area."""
    return next(qid for qid, q in KB.intake.items()
                if q.where and KB.conditions[q.records[0]].at_region.action == "avoid"
                and SOLE in {v for _, v in where_options(KB, q)})


def _broken(tmp_path, change):
    target = tmp_path / "assets"
    import shutil
    from neuropathy_massage import paths
    shutil.copytree(paths.package_assets(), target)
    path = target / "knowledge" / "intake.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        read_knowledge(target / "knowledge")
    return exc.value.problems


@pytest.fixture
def ex() -> Explorer:
    explorer = Explorer()
    explorer.intake.reveal.toggle()  # the questions are folded under a button until opened
    return explorer


# --------------------------------------------------------------------------- the data


def test_the_intake_asks_what_the_brief_lists_and_each_yes_names_known_conditions():
    recorded = {cid for q in KB.intake.values() for cid in q.records}
    for cid in ("diabetes", "blood_thinners", "recent_surgery", "known_treated_clot", "open_wound",
                "medicated_patch_or_cream", "port_or_line", "lymph_nodes_removed"):
        assert cid in recorded, cid
    assert recorded <= set(KB.conditions)
    answers = [q.answer for q in KB.intake.values()]
    assert answers.count("consent") == 1 and answers.count("pain") == 1
    assert any(q.topic == "Chemotherapy" for q in KB.intake.values())
    # Falls: a yes records a condition that upsets balance, so the plan takes the falls precautions.
    falls = [q for q in KB.intake.values() if "fall" in q.question.lower()]
    assert falls and all(any(KB.conditions[c].affects_balance for c in q.records) for q in falls)


def test_a_question_for_a_local_condition_asks_where_on_the_areas_it_allows():
    for qid, q in KB.intake.items():
        for cid in q.records:
            cond = KB.conditions[cid]
            if cond.whole_session is None:
                assert q.where, qid
        if q.where:
            offered = [v for _, v in where_options(KB, q) if v != WHOLE_SESSION]
            assert offered and all(KB.conditions[q.records[0]].allows_region(r) for r in offered), qid


def test_the_consent_wording_says_stop_at_any_time_and_not_a_diagnosis():
    consent = next(q for q in KB.intake.values() if q.answer == "consent").question.lower()
    assert "agrees" in consent and "stop" in consent and "any time" in consent and "not a diagnosis" in consent


@pytest.mark.parametrize("change, where", [
    (lambda d: d["questions"][0].update(records=["no_such_condition"]), "intake.yaml: record 'diabetes': field 'records'"),
    (lambda d: next(q for q in d["questions"] if q.get("where")).pop("where"), "field 'where'"),
    (lambda d: next(q for q in d["questions"] if q.get("regions")).update(regions=["left_foot_sole"]), "field 'regions'"),
    (lambda d: d["questions"].append(copy.deepcopy(next(q for q in d["questions"] if q.get("answer") == "consent"))
                                     | {"id": "second_consent"}), "exactly one consent line"),
    (lambda d: next(q for q in d["questions"] if q.get("answer") == "pain").update(records=["diabetes"]), "pain"),
    (lambda d: d["questions"][0].update(records=[]), "record 'diabetes'"),
])
def test_broken_intake_data_is_refused_with_file_record_and_field(tmp_path, change, where):
    problems = _broken(tmp_path, change)
    assert len(problems) == 1 and where in problems[0] and problems[0].startswith("intake.yaml"), problems


def test_an_unknown_condition_is_named_with_the_known_ones(tmp_path):
    problems = _broken(tmp_path, lambda d: d["questions"][0].update(records=["no_such_condition"]))
    assert "unknown condition id 'no_such_condition'" in problems[0] and "blood_thinners" in problems[0]


# --------------------------------------------------------------------------- the widget


def test_unanswered_records_nothing(ex):
    assert ex.intake.answers == {} and ex.intake.recorded == ()
    assert ex.selection.conditions == frozenset()
    assert "Nothing recorded from the intake yet" in text(ex.intake.status.value)


def test_every_control_is_labelled_and_each_question_says_what_a_yes_does():
    intake = Intake(KB)
    for radio in intake.yes_no.values():
        assert radio.description.strip() and [label for label, _ in radio.options] == ["No", "Yes"]
        assert radio.value is None  # unanswered, not "no"
    assert intake.where == {}  # made on the first yes
    for qid in intake.where_box:
        where = intake.checklist(qid)
        assert where.legend.strip() and all(label.strip() for label, _ in where.options)
    assert intake.pain_box.description.strip() and intake.consent_box.description.strip()
    shown = text(" ".join(c.children[0].value for c in intake.questions.children if hasattr(c, "children") and c.children
                          and hasattr(c.children[0], "value") and isinstance(c.children[0].value, str)))
    for q in KB.intake.values():
        if q.records:
            assert all(KB.conditions[cid].name in shown for cid in q.records), q.id
    assert "not a diagnosis" in shown


def test_yes_to_blood_thinners_records_it_and_the_plan_changes(ex):
    cid = "blood_thinners"
    ex.body_map.selected = [SOLE]
    before = ex.plan.region(SOLE).pressure_cap
    ex.intake.answer(question_recording(cid), True)
    assert PlacedCondition(id=cid) in ex.selection.conditions
    assert PlacedCondition(id=cid) in ex.conditions.value  # the condition picker's own list
    expected = plan(Selection.of((), [SOLE], [cid]), KB).region(SOLE).pressure_cap
    assert ex.plan.region(SOLE).pressure_cap == expected < before
    assert KB.conditions[cid].name in text(ex.intake.status.value)
    ex.intake.answer(question_recording(cid), False)  # back to no: taken out again
    assert ex.selection.conditions == frozenset() and ex.plan.region(SOLE).pressure_cap == before


def test_a_local_yes_waits_for_where_then_keeps_the_plan_off_that_area(ex):
    qid = local_question()
    cid = KB.intake[qid].records[0]
    assert hidden(ex.intake.where_box[qid])
    ex.intake.answer(qid, True)
    assert ex.selection.conditions == frozenset()
    assert "choose where" in text(ex.intake.status.value)
    assert not hidden(ex.intake.where_box[qid])  # shown once the answer is yes
    assert isinstance(ex.intake.where[qid], Checklist)  # checkboxes: no Ctrl/Cmd-click for a second area
    ex.intake.answer(qid, True, [SOLE])
    assert ex.selection.conditions == {PlacedCondition(id=cid, region=SOLE)}
    assert SOLE in ex.body_map.selected and ex.plan.region(SOLE).status == "avoid"


def test_every_yes_records_exactly_what_its_question_names():
    answers = {qid: True for qid, q in KB.intake.items() if q.answer == "yes_no"}
    places = {qid: tuple(v for _, v in where_options(KB, q)) for qid, q in KB.intake.items() if q.where}
    got = set(recorded_by(KB, answers, places))
    want = {PlacedCondition(id=cid) for q in KB.intake.values() if not q.where for cid in q.records}
    want |= {PlacedCondition(id=q.records[0], region=None if v == WHOLE_SESSION else v)
             for qid, q in KB.intake.items() if q.where for v in places[qid]}
    assert got == want and got


def test_consent_unticked_says_it_is_needed_and_ticked_says_given(ex):
    status = text(ex.intake.status.value)
    assert "Consent needed" in status and "before you use this plan" in status
    ex.intake.consent_box.value = True
    assert ex.intake.consent is True
    assert "Consent given" in text(ex.intake.status.value) and "Consent needed" not in text(ex.intake.status.value)


def test_pain_today_fills_the_session_notes_pain_before(ex):
    ex.intake.pain_box.value = 6
    assert ex.intake.pain == 6 and ex.session_notes.pain_before.value == 6
    assert "6 out of 10" in text(ex.intake.status.value)
    ex.intake.pain_box.value = -1  # "not asked"
    assert ex.intake.pain is None and ex.session_notes.pain_before.value == -1


def test_crafted_state_is_bounded():
    intake = Intake(KB)
    qid = local_question()
    intake.answers = {"no_such_question": True, qid: "yes", question_recording("diabetes"): True}
    assert intake.answers == {question_recording("diabetes"): True}
    intake.places = {qid: ("no_such_region", SOLE), "no_such_question": (SOLE,), question_recording("diabetes"): (SOLE,)}
    assert intake.places == {qid: (SOLE,)}
    intake.pain = 11
    assert intake.pain is None
    intake.pain = 3
    assert intake.pain == 3


def test_user_text_in_the_data_is_escaped(tmp_path):
    target = tmp_path / "assets"
    import shutil
    from neuropathy_massage import paths
    shutil.copytree(paths.package_assets(), target)
    path = target / "knowledge" / "intake.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][0]["question"] = "<img src=x onerror=alert(1)>?"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    intake = Intake(read_knowledge(target / "knowledge"))
    html = " ".join(str(getattr(w, "value", "")) for item in intake.questions.children for w in getattr(item, "children", ()))
    assert "<img" not in html and "&lt;img" in html


def test_a_yes_to_a_red_flag_question_stops_the_plan(ex):
    qid = next(qid for qid, q in KB.intake.items()
               if not q.where and any(KB.conditions[c].kind == "red_flag" for c in q.records))
    ex.body_map.selected = [SOLE]
    assert not ex.plan.stop_and_refer
    ex.intake.answer(qid, True)
    assert ex.plan.stop_and_refer
    ex.intake.answer(qid, None)  # back to unanswered: recorded nothing again
    assert not ex.plan.stop_and_refer and ex.selection.conditions == frozenset()


def test_where_is_a_checklist_that_keeps_only_what_it_offers():
    intake = Intake(KB)
    qid = local_question()
    where = intake.checklist(qid)
    offered = [v for _, v in where.options]
    assert [list(p) for p in where_options(KB, KB.intake[qid])] == where.options
    where.value = [offered[-1], "not_a_region", offered[0]]  # a crafted state, out of order
    assert where.value == [offered[0], offered[-1]]
