"""The session note (SOAP) and the referral letter, from the explorer's plan, driven in plain
Python: what each says comes from the advisor's plan (compared with the plan itself), free text is
escaped and bounded in the widgets and in the documents, and a letter exists exactly when the plan
refers. That each prints on one A4 page is measured in Chromium (tests/browser/test_paperwork.py).
"""

from __future__ import annotations

from html import escape

import pytest
from picks import condition, symptom_capping_at, text

from neuropathy_massage import wording
from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.handout import MAX_NAME
from neuropathy_massage.ui.notes import (
    MAX_FIELD,
    SessionInputs,
    SessionNotes,
    referral_letter_html,
    referral_reasons,
    session_note_html,
)

KB = load_knowledge()
XSS = "<img src=x onerror=alert(1)>"
SOLE, OTHER_SOLE, TOES = "left_foot_sole", "right_foot_sole", "left_toes"
AVOIDING = condition(KB, at_region="avoid")
STOPPING = condition(KB, kind="red_flag", whole_session="stop_and_refer")


def typical_plan():
    """Two symptoms, three regions, one condition that keeps off one region."""
    return plan(Selection.of([symptom_capping_at(KB, 2), symptom_capping_at(KB, 3)], [SOLE, OTHER_SOLE, TOES],
                             [(AVOIDING, SOLE)]))


def test_the_note_follows_soap_and_the_plan():
    p = typical_plan()
    note = text(session_note_html(p, SessionInputs(reports="Soles burn at night.", pain_before=6, pain_after=3,
                                                   seen="Skin intact.", home_care="Look at the feet daily.")))
    heads = ["S · What the client reports", "O · What was seen and recorded",
             "A · What was done, where, at which pressure", "P · After the session"]
    assert [note.index(h) for h in heads] == sorted(note.index(h) for h in heads)
    assert "Soles burn at night." in note and "Pain before the session: 6 of 10" in note
    assert "Pain after the session: 3 of 10" in note and "Look at the feet daily." in note
    for r in p.regions:
        assert r.name in note
        for t in r.techniques:
            assert f"{t.name}, up to level {t.max_pressure}" in note
    assert f"Avoided: {wording.avoid_reason(p.region(SOLE).avoided[0], KB)}" in note
    assert all(KB.symptoms[s].name in note for s in p.selection.symptoms)


def test_a_stopping_plan_notes_no_massage_and_its_referral():
    p = plan(Selection.of(["tingling"], [SOLE], [STOPPING]))
    note = text(session_note_html(p, SessionInputs(pain_after=2)))
    assert "No massage in this session" in note and wording.STOP in note
    assert all(wording.stop_reason(s, KB) in note for s in p.stop_reasons)
    assert "no massage given" in note  # a pain rating after a session that did not happen is not printed
    letter = text(referral_letter_html(p))
    assert KB.conditions[STOPPING].name in letter and wording.referral(STOPPING, KB) in letter
    assert "I did not give a massage" in letter and "I do not diagnose" in letter


def test_the_letter_names_every_referral_with_where_it_was_recorded():
    referring = [cid for cid, c in KB.conditions.items() if c.referral and c.at_region and c.at_region.action != "stop_and_refer"]
    cid = referring[0]
    p = plan(Selection.of([], [SOLE, OTHER_SOLE], [(cid, SOLE)]))
    reasons = referral_reasons(p, KB)
    assert [r["name"] for r in reasons] == [KB.conditions[c].name for c in p.referrals]
    assert reasons[0]["where"] == [KB.regions[SOLE].name] and reasons[0]["why"] == [KB.conditions[cid].at_region.reason]
    letter = text(referral_letter_html(p))
    assert KB.conditions[cid].name in letter and KB.regions[SOLE].name in letter


def test_no_referral_no_letter():
    p = plan(Selection.of(["tingling"], [SOLE]))
    assert p.referrals == () and referral_letter_html(p) == ""
    w = SessionNotes()
    w.show(p)
    assert w.letter_print.document == "" and "no referral letter" in text(w.letter_status.value)
    assert w.note_print.document


def test_free_text_is_escaped_and_bounded():
    p = plan(Selection.of([], [SOLE], [STOPPING]))
    long = "x" * (MAX_FIELD + 50)
    inputs = SessionInputs(client_name=XSS, reports=XSS + long, doctor=XSS, therapist=XSS, pain_before=42)
    for html in (session_note_html(p, inputs), referral_letter_html(p, inputs)):
        assert XSS not in html and escape(XSS) in html
    assert "x" * (MAX_FIELD + 1) not in session_note_html(p, inputs)
    assert "42 of 10" not in session_note_html(p, inputs)
    w = SessionNotes()
    w.show(p)
    w.reports.value = long
    w.doctor.value = "d" * (MAX_NAME + 5)
    assert len(w.reports.value) == MAX_FIELD and len(w.doctor.value) == MAX_NAME


def test_every_control_is_labelled():
    w = SessionNotes()
    for control in (w.reports, w.pain_before, w.seen, w.done, w.pain_after, w.home_care, w.doctor, w.therapist):
        assert control.description
    assert w.note_print.label and w.letter_print.label


def test_the_explorer_keeps_the_note_and_letter_on_its_plan():
    ex = Explorer()
    notes = ex.session_notes
    ex.body_map.selected = [SOLE]
    ex.symptoms.value = (symptom_capping_at(KB, 2),)
    assert notes.plan is ex.plan and notes.letter_print.document == ""
    assert KB.regions[SOLE].name in text(notes.note_print.document)
    ex.add(STOPPING)
    assert "No massage in this session" in text(notes.note_print.document)
    assert KB.conditions[STOPPING].name in text(notes.letter_print.document)
    ex.client_name.value = XSS  # the explorer's one name box names the client everywhere
    assert escape(XSS) in notes.note_print.document and XSS not in notes.letter_print.document


@pytest.mark.parametrize("setting", ["therapist", "self"])
def test_the_note_shows_the_setting(setting):
    p = plan(Selection.of([], [SOLE], [], setting))
    assert ("Self-massage" in text(session_note_html(p))) == (setting == "self")


def test_pain_not_asked_is_left_out_and_a_rating_is_printed():
    w = SessionNotes()
    w.show(plan(Selection.of([], [SOLE])))
    assert w.inputs().pain_before is None and "not asked" in text(w.note_print.document)
    w.pain_before.value = 7
    assert w.inputs().pain_before == 7 and "Pain before the session: 7 of 10" in text(w.note_print.document)
