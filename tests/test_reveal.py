"""Parts drawn when asked for (ui/reveal.py): the explorer's intake questions and session note."""

from __future__ import annotations

from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.reveal import OPEN_CLASS, Reveal

KB = load_knowledge()


def descendants(widget):
    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


def test_the_explorer_draws_the_intake_questions_and_the_note_only_when_asked():
    ex = Explorer(KB)
    drawn = descendants(ex)
    assert ex.intake.questions not in drawn and ex.session_notes not in drawn
    assert ex.intake.status in drawn and ex.intake.consent_box in drawn  # status and consent always in view
    assert ex.intake.consent_box not in descendants(ex.intake.questions)
    asked = sum(q.answer != "consent" for q in KB.intake.values())
    assert ex.intake.reveal.button.description == f"Ask the intake questions ({asked})"
    ex.intake.reveal.button.click()
    ex.paperwork.button.click()
    drawn = descendants(ex)
    assert ex.intake.questions in drawn and ex.session_notes in drawn
    assert ex.intake.reveal.button.description == "Hide the intake questions"


def test_answers_survive_hiding_and_count_while_hidden():
    ex = Explorer(KB)
    qid = next(q for q, item in KB.intake.items() if item.answer == "yes_no" and not item.where)
    ex.intake.reveal.toggle()
    ex.intake.answer(qid, True)
    ex.intake.reveal.toggle()  # hidden again
    assert ex.intake.answers == {qid: True}
    assert all(c in {x.id for x in ex.selection.conditions} for c in KB.intake[qid].records)


def test_a_reveal_swaps_its_content_in_and_out():
    from ipywidgets import HTML

    content = HTML("x")
    r = Reveal(content, show_label="Show it", hide_label="Hide it")
    assert r.children == (r.button,) and r.button.description == "Show it"
    assert OPEN_CLASS not in r._dom_classes  # the page's script: aria-expanded="false"
    r.button.click()
    assert r.children == (r.button, content) and r.button.description == "Hide it"
    assert OPEN_CLASS in r._dom_classes  # aria-expanded="true"
    r.button.click()
    assert r.children == (r.button,) and OPEN_CLASS not in r._dom_classes


def test_the_explorer_makes_the_folded_parts_only_when_needed():
    from ipywidgets.widgets.widget import _instances

    from neuropathy_massage.ui.lesson import LessonPage

    def models(open_all: bool) -> int:
        before = set(_instances)
        ex = LessonPage("symptom_explorer").explorer()
        if open_all:
            ex.intake.reveal.toggle()
            ex.paperwork.toggle()
        else:
            assert ex._notes is None and ex.intake._made is None
        return len(set(_instances) - before)

    folded, full = models(False), models(True)
    print(f"explorer widget models: {folded} when it opens, {full} with the intake and the note open")
    assert folded < full * 0.7


def test_the_note_made_late_starts_from_the_intake_and_the_plan():
    ex = Explorer(KB)
    ex.body_map.selected = ["left_foot_sole"]
    ex.intake.reveal.toggle()
    ex.intake.pain_box.value = 6
    assert ex._notes is None
    notes = ex.session_notes
    assert notes.pain_before.value == 6 and notes.plan is ex.plan
    ex.intake.pain_box.value = 3
    assert notes.pain_before.value == 3
