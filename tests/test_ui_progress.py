"""Progress kept in the learner's browser, and the completion record, driven in plain Python.

The browser side (localStorage, a reload, a corrupt stored value, "forget") is exercised in
Chromium by tests/browser/test_progress.py; here the kernel side: what the store accepts from the
browser (only what the course knows), what it sends (first answers), what the course home and the
completion record show from a record, and the confirmation before forgetting.
"""

from __future__ import annotations

from html import escape

import pytest
from picks import text

from neuropathy_massage.course import LESSON_SHAPED, load_course
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.lesson import LessonPage
from neuropathy_massage.ui.progress import (
    ProgressStore,
    ProgressView,
    clean_record,
    known_items,
    lesson_progress,
    storage_key,
)
from neuropathy_massage.ui.record import MAX_LEARNER_NAME, CompletionRecord, long_date, record_example

KB = load_knowledge()
COURSE = load_course()
KNOWN = known_items(COURSE, KB)
LESSONS = [lesson.id for lesson in COURSE.lessons if lesson.kind in LESSON_SHAPED or KB.quiz_for(lesson.id)]
FIRST = LESSONS[0]
XSS = "<img src=x onerror=alert(1)>"


def all_right(lesson: str) -> dict:
    return {item: True for item in KNOWN[lesson]}


def test_the_key_is_named_after_the_course():
    key = storage_key(COURSE)
    assert key.startswith("nm-course:") and key.endswith(":progress:v1")
    other = COURSE.model_copy(update={"title": "Another course"})
    assert storage_key(other) != key


def test_known_items_are_the_quiz_items_of_every_lesson_with_a_quiz():
    assert list(KNOWN) == LESSONS and set(LESSONS) >= {lesson.id for lesson in COURSE.of_kind(*LESSON_SHAPED)}
    assert all(KNOWN[lesson] == [q.id for q in KB.quiz_for(lesson)] for lesson in LESSONS)


@pytest.mark.parametrize("raw", [None, "text", 3, [], {"visited": "home"}, {"quiz": []}, {"quiz": {FIRST: []}},
                                 {"visited": [1, None, {"a": 1}], "quiz": {FIRST: {"no_such_item": True}}}])
def test_a_record_that_is_not_one_is_read_as_empty(raw):
    assert clean_record(raw, KNOWN) == {"visited": [], "quiz": {}}


def test_only_what_the_course_knows_is_kept():
    item = KNOWN[FIRST][0]
    raw = {"visited": [FIRST, FIRST, "no_lesson", "home"], "quiz": {FIRST: {item: True, "x": True, KNOWN[FIRST][1]: "yes"},
                                                                     "no_lesson": {item: True}}, "extra": "ignored"}
    assert clean_record(raw, KNOWN) == {"visited": [FIRST], "quiz": {FIRST: {item: True}}}


def test_the_store_cleans_what_the_browser_sends():
    store = ProgressStore()
    store.record = {"visited": [FIRST, "evil<script>"], "quiz": {FIRST: {KNOWN[FIRST][0]: False}}}
    assert store.record == {"visited": [FIRST], "quiz": {FIRST: {KNOWN[FIRST][0]: False}}}
    store.status = "something else"
    assert store.status == "waiting"
    store.today = "2025-02-30"  # not a date
    assert store.today == ""
    store.today = "2025-03-07"
    assert store.date() == "2025-03-07"
    with pytest.raises(ValueError):
        ProgressStore(visit=next(lesson.id for lesson in COURSE.lessons if lesson.id not in KNOWN))


def test_a_lesson_quiz_sends_its_first_answers_and_counts_those_kept():
    quiz = LessonPage(FIRST).quiz()
    store = quiz.store
    assert store.visit == FIRST and store in quiz.children
    q0, q1 = quiz.questions[0], quiz.questions[1]
    wrong = next(i for i, o in enumerate(q0.item.options) if not o.correct)
    q0.choice.value = wrong
    assert store.pending == {FIRST: {q0.item.id: False}}
    store.record = {"visited": [FIRST], "quiz": {FIRST: {q0.item.id: False, q1.item.id: True}}}  # from the browser
    assert q1.counted is True and quiz.right == 1
    assert "given on an earlier visit" in text(q1.feedback.value)


def test_forget_asks_the_browser_and_empties_the_record(monkeypatch):
    store = ProgressStore()
    sent = []
    monkeypatch.setattr(store, "send", sent.append)
    store.record = {"visited": [FIRST], "quiz": {}}
    store.forget()
    assert sent == [{"do": "forget"}] and store.record == {"visited": [], "quiz": {}}


def test_the_course_home_shows_progress_per_lesson():
    view = ProgressView()
    assert all(COURSE.lesson(lesson).title in text(view.table.value) for lesson in LESSONS)
    assert "Not started" in text(view.table.value)
    view.store.record = {"visited": [FIRST], "quiz": {FIRST: all_right(FIRST)}}
    row = next(r for r in lesson_progress(view.store.record, COURSE, KB) if r.file == COURSE.lesson(FIRST).file)
    assert row.visited and row.passed is True and row.right == row.total
    shown = text(view.table.value)
    assert f"{row.total} of {row.total} right" in shown and "✔ Passed" in shown
    assert f'href="{COURSE.lesson(FIRST).file}"' in view.table.value


def test_the_record_names_the_learner_the_date_and_each_lesson(monkeypatch):
    rec = CompletionRecord()
    rec.store.today = "2025-03-07"
    rec.store.record = {"visited": [FIRST], "quiz": {FIRST: all_right(FIRST)}}
    rec.name.value = XSS
    for html in (rec.view.value, rec.printer.document):
        assert XSS not in html and escape(XSS) in html
        shown = text(html)
        assert "7 March 2025" in shown and f"1 of {len(LESSONS)}" in shown
        assert "not a licence" in shown and "certificate of competence" in shown
        assert all(COURSE.lesson(lesson).title in shown for lesson in LESSONS)
    rec.name.value = "n" * (MAX_LEARNER_NAME + 10)
    assert len(rec.name.value) == MAX_LEARNER_NAME


def test_forgetting_needs_a_confirmation_and_moves_the_focus(monkeypatch):
    rec = CompletionRecord()
    focused, sent = [], []
    for button in (rec.yes, rec.no, rec.forget_button):
        monkeypatch.setattr(button, "focus", lambda b=button: focused.append(b.description))
    monkeypatch.setattr(rec.store, "send", sent.append)
    rec.store.record = {"visited": [FIRST], "quiz": {FIRST: all_right(FIRST)}}
    rec.forget_button.click()
    assert rec.asking and "cannot be undone" in text(rec.question.value) and focused[-1] == rec.yes.description
    rec.no.click()
    assert not rec.asking and sent == [] and rec.store.record["visited"] == [FIRST]
    assert focused[-1] == rec.forget_button.description
    rec.forget_button.click()
    rec.yes.click()
    assert sent == [{"do": "forget"}] and rec.store.record == {"visited": [], "quiz": {}} and not rec.asking
    assert "Not started" in text(rec.view.value)


def test_every_control_is_labelled():
    rec = CompletionRecord()
    assert rec.name.description and rec.printer.label
    assert all(b.description for b in (rec.forget_button, rec.yes, rec.no))


def test_the_example_record_is_fixed():
    first, second = str(record_example()), str(record_example())
    assert first == second and "15 January 2025" in text(first) and "Sam Example" in first
    assert long_date("2024-11-02") == "2 November 2024"
