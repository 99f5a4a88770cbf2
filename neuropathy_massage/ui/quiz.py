"""The quiz widget: the multiple-choice items of one lesson (assets/knowledge/quiz.yaml), with
feedback and a score. Its state is a traitlet (`answers`: option index per item, or None)."""

from __future__ import annotations

from typing import Optional

import ipywidgets as W
import traitlets

from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import QuizItem, QuizOption
from neuropathy_massage.ui.views import kb_or_default, render


def feedback_html(chosen: QuizOption, options, *, wrong: str = "✘ Not quite.", best: str = "The right answer is",
                  points=()) -> str:
    right = next(o for o in options if o.correct)
    return render("feedback.html.j2", chosen=chosen, right=right, wrong_verdict=wrong, best=best, points=points)


class Question(W.VBox):
    """One item: the question, its options as radio buttons, and feedback once answered."""

    answer = traitlets.Int(None, allow_none=True, help="index of the chosen option, or None")

    def __init__(self, item: QuizItem, number: int):
        self.item = item
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
        return None if self.answer is None else self.item.options[self.answer].correct

    def _chosen(self, change) -> None:
        index = change["new"]
        if index is None or not 0 <= index < len(self.item.options):
            return
        self.answer = index
        self.feedback.value = feedback_html(self.item.options[index], self.item.options)


class Quiz(W.VBox):
    """Every quiz item of one lesson, with a running score."""

    def __init__(self, lesson: str, kb: Knowledge | None = None):
        kb = kb_or_default(kb)
        items = kb.quiz_for(lesson)
        if not items:
            raise ValueError(f"quiz.yaml has no items for lesson {lesson!r}")
        self.questions = [Question(item, n) for n, item in enumerate(items, 1)]
        self.sources = tuple(s for item in items for s in item.sources)
        self.score = W.HTML()
        for q in self.questions:
            q.observe(lambda _c: self._update(), names="answer")
        self._update()
        super().__init__([*self.questions, self.score])
        self.add_class("nm-quiz")

    def _update(self) -> None:
        answered = [q for q in self.questions if q.correct is not None]
        self.score.value = render("score.html.j2", right=sum(q.correct for q in answered), total=len(self.questions),
                                  answered=len(answered))
