"""The quiz widget: the multiple-choice items of one lesson (assets/knowledge/quiz.yaml), where the
first answer counts.

A question's score is its first answer. Once it is given, the feedback explains every option
(why each is right or wrong); a later change shows the feedback for the new choice but leaves
the score alone. The quiz shows "n of m right, first attempts" and, with the course's pass mark
(`pass_mark` in assets/course.yaml), whether the lesson is passed.

State lives in traitlets: each `Question` has `answer` (the option chosen now) and `counted`
(whether its first answer was right, None before it); the `Quiz` has `results` (item id ->
first answer right), `right` and `passed` (True, False, or None while it can still go either
way). A first answer kept in the learner's browser from an earlier visit (ui/progress.py) is
restored with `Quiz.restore()` and counts in the same way.
"""

from __future__ import annotations

from typing import Mapping, Optional

import ipywidgets as W
import traitlets

from neuropathy_massage.course import load_course, needed_to_pass
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import QuizItem, QuizOption
from neuropathy_massage.ui.views import kb_or_default, render


#: How the list of every option marks the right one and the others (words and a symbol, not colour).
QUIZ_MARKS = ("✔ Right:", "✘ Wrong:")
CASE_MARKS = ("✔ Best choice:", "✘ Not the best:")


def feedback_html(chosen: QuizOption, options, *, wrong: str = "✘ Not quite.", best: str = "The right answer is",
                  marks: tuple[str, str] = QUIZ_MARKS, points=(), counted: Optional[bool] = None,
                  restored: bool = False) -> str:
    """The verdict on the chosen option, then every option with why it is right or wrong (and, for
    a quiz question answered again, which answer counts)."""
    right = next(o for o in options if o.correct)
    return render("feedback.html.j2", chosen=chosen, right=right, options=options, wrong_verdict=wrong, best=best,
                  marks=marks, points=points, counted=counted, restored=restored)


class Question(W.VBox):
    """One item: the question, its options as radio buttons, and feedback once answered."""

    answer = traitlets.Int(None, allow_none=True, help="index of the option chosen now, or None")
    counted = traitlets.Bool(None, allow_none=True, help="whether the first answer was right; None before it")

    def __init__(self, item: QuizItem, number: int):
        self.item = item
        self.restored = False  # the first answer came from an earlier visit (the learner's browser)
        self.prompt = W.HTML(render("question.html.j2", number=number, question=item.question))
        self.choice = W.RadioButtons(options=[(o.text, i) for i, o in enumerate(item.options)], value=None,
                                     description=f"Answer {number}", layout=W.Layout(width="auto"),
                                     style={"description_width": "initial"})
        self.feedback = W.HTML("", layout=W.Layout(min_height="1.5em"))
        self.choice.observe(self._chosen, names="value")
        super().__init__([self.prompt, self.choice, self.feedback])
        self.add_class("nm-question")

    @property
    def correct(self) -> Optional[bool]:
        """Whether the option chosen now is right (None before any answer)."""
        return None if self.answer is None else self.item.options[self.answer].correct

    def _chosen(self, change) -> None:
        index = change["new"]
        if index is None or not 0 <= index < len(self.item.options):
            return
        self.answer = index
        if self.counted is None:
            self.counted = self.item.options[index].correct
        self._show()

    def _show(self) -> None:
        if self.answer is None:
            if self.restored:
                self.feedback.value = render("counted.html.j2", counted=self.counted, restored=True, later=False)
            return
        self.feedback.value = feedback_html(self.item.options[self.answer], self.item.options,
                                            counted=self.counted, restored=self.restored)

    def restore(self, right: bool) -> None:
        """Count a first answer given on an earlier visit (kept in the learner's browser)."""
        if self.counted is None:
            self.restored = True
            self.counted = bool(right)
            self._show()


class Quiz(W.VBox):
    """Every quiz item of one lesson, with the first-attempt score and whether the lesson is passed."""

    results = traitlets.Dict(help="item id -> whether its first answer was right (answered items only)")
    right = traitlets.Int(0, help="questions right at the first attempt")
    passed = traitlets.Bool(None, allow_none=True, help="passed, not passed, or None while still open")

    def __init__(self, lesson: str, kb: Knowledge | None = None, pass_mark: Optional[float] = None):
        kb = kb_or_default(kb)
        items = kb.quiz_for(lesson)
        if not items:
            raise ValueError(f"quiz.yaml has no items for lesson {lesson!r}")
        self.lesson = lesson
        self.pass_mark = load_course().pass_mark if pass_mark is None else pass_mark
        if not 0 <= self.pass_mark <= 1:
            raise ValueError(f"a pass mark is a share from 0 to 1, not {self.pass_mark!r}")
        self.needed = needed_to_pass(self.pass_mark, len(items))
        self.questions = [Question(item, n) for n, item in enumerate(items, 1)]
        self.sources = tuple(s for item in items for s in item.sources)
        self.score = W.HTML()
        self.score.add_class("nm-score")
        for q in self.questions:
            q.observe(lambda _c: self._update(), names="counted")
        self._update()
        super().__init__([*self.questions, self.score])
        self.add_class("nm-quiz")

    def restore(self, first_answers: Mapping[str, bool]) -> None:
        """Count first answers kept from an earlier visit (item id -> right); answers already
        given on this page stay as they are."""
        for q in self.questions:
            if q.item.id in first_answers:
                q.restore(first_answers[q.item.id])

    def _update(self) -> None:
        self.results = {q.item.id: q.counted for q in self.questions if q.counted is not None}
        self.right = sum(self.results.values())
        total, answered = len(self.questions), len(self.results)
        if self.right >= self.needed:
            self.passed = True
        elif self.right + (total - answered) < self.needed:
            self.passed = False
        else:
            self.passed = None
        self.score.value = render("score.html.j2", right=self.right, total=total, answered=answered,
                                  needed=self.needed, pass_mark=round(self.pass_mark * 100), passed=self.passed)
