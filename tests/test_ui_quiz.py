"""The quiz widget, driven in plain Python as a learner would use it: the first answer counts,
feedback explains every option, the score reads "n of m right, first attempts", and the lesson is
passed with the course's pass mark (assets/course.yaml). Every expectation is computed from the
bank and the course model, so it holds as they change.
"""

from __future__ import annotations

import pytest
import yaml
from picks import text

from neuropathy_massage.course import LESSON_SHAPED, load_course, needed_to_pass, read_course
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge
from neuropathy_massage.ui.quiz import Quiz

KB = load_knowledge()
COURSE = load_course()
LESSON = max(COURSE.of_kind(*LESSON_SHAPED), key=lambda lesson: len(KB.quiz_for(lesson.id))).id


def right_index(question) -> int:
    return next(i for i, o in enumerate(question.item.options) if o.correct)


def wrong_index(question) -> int:
    return next(i for i, o in enumerate(question.item.options) if not o.correct)


def test_a_wrong_first_answer_counts_even_after_the_right_one():
    quiz = Quiz(LESSON)
    n = len(quiz.questions)
    assert f"0 of {n} right, first attempts" in text(quiz.score.value)
    q = quiz.questions[0]
    q.choice.value = wrong_index(q)
    q.choice.value = right_index(q)  # switching to the right answer scores nothing
    assert q.counted is False and quiz.right == 0 and quiz.results == {q.item.id: False}
    assert f"0 of {n} right, first attempts (1 of {n} answered)" in text(quiz.score.value)
    feedback = text(q.feedback.value)
    assert feedback.startswith("✔ Right.")  # the feedback follows the answer shown now...
    assert "Your first answer counts: it was wrong" in feedback  # ...the score the first one


def test_a_right_first_answer_stays_right():
    quiz = Quiz(LESSON)
    q = quiz.questions[1]
    q.choice.value = right_index(q)
    q.choice.value = wrong_index(q)
    assert q.counted is True and quiz.right == 1
    assert text(q.feedback.value).startswith("✘ Not quite.")
    assert "Your first answer counts: it was right" in text(q.feedback.value)


@pytest.mark.parametrize("item_id", sorted(KB.quiz))
def test_feedback_explains_every_option_and_never_says_right_twice(item_id):
    lesson = KB.quiz[item_id].lesson
    quiz = Quiz(lesson)
    q = next(x for x in quiz.questions if x.item.id == item_id)
    for index in range(len(q.item.options)):
        q.choice.value = index
        feedback = text(q.feedback.value)
        for option in q.item.options:
            assert text(option.text) in feedback and text(option.explanation) in feedback
        assert feedback.count("(your answer)") == 1
        assert "Right. Right" not in feedback and "Right: Right" not in feedback


def test_the_lesson_is_passed_at_the_pass_mark():
    quiz = Quiz(LESSON)
    n, needed = len(quiz.questions), needed_to_pass(COURSE.pass_mark, len(quiz.questions))
    assert quiz.needed == needed and f"{needed} of {n} right at the first attempt" in text(quiz.score.value)
    for q in quiz.questions[:n - needed]:  # as many wrong as a pass allows
        q.choice.value = wrong_index(q)
    assert quiz.passed is None and "Not decided yet" in text(quiz.score.value)
    for q in quiz.questions[n - needed:]:
        q.choice.value = right_index(q)
    assert quiz.passed is True and "Lesson passed" in text(quiz.score.value)


def test_the_lesson_is_not_passed_once_a_pass_cannot_be_reached():
    quiz = Quiz(LESSON)
    n, needed = len(quiz.questions), quiz.needed
    for q in quiz.questions[:n - needed + 1]:
        q.choice.value = wrong_index(q)
    assert quiz.passed is False and "Not passed this time" in text(quiz.score.value)
    for q in quiz.questions:
        q.choice.value = right_index(q)
    assert quiz.passed is False  # right answers afterwards do not change first attempts


@pytest.mark.parametrize("mark, questions, needed", [(0.8, 5, 4), (0.8, 7, 6), (0.8, 8, 7), (0.8, 10, 8),
                                                     (1.0, 6, 6), (0.0, 6, 0), (0.5, 5, 3)])
def test_needed_to_pass(mark, questions, needed):
    assert needed_to_pass(mark, questions) == needed


def test_first_answers_from_an_earlier_visit_count():
    quiz = Quiz(LESSON)
    first, second = quiz.questions[0], quiz.questions[1]
    second.choice.value = right_index(second)  # answered on this page already
    quiz.restore({first.item.id: False, second.item.id: False, "no_such_item": True})
    assert first.counted is False and second.counted is True
    assert "given on an earlier visit" in text(first.feedback.value)
    first.choice.value = right_index(first)
    assert quiz.results[first.item.id] is False and quiz.right == 1


def test_every_control_is_labelled():
    quiz = Quiz(LESSON)
    assert all(q.choice.description for q in quiz.questions)


def test_a_pass_mark_outside_0_1_is_refused(assets_copy):
    path = assets_copy / "course.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["pass_mark"] = 1.2
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        read_course(assets_copy)
    assert info.value.problems[0].startswith("course.yaml: field 'pass_mark': ")
    with pytest.raises(ValueError):
        Quiz(LESSON, pass_mark=2)
