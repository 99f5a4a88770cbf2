"""The quiz widget: multiple-choice items from assets/knowledge/quiz.yaml, with feedback and a score."""

from __future__ import annotations

from html import escape

import ipywidgets as W

from neuropathy_massage.knowledge import Knowledge, QuizItem, load_knowledge


class Question(W.VBox):
    """One item: the question, its options as radio buttons, and feedback once answered."""

    def __init__(self, item: QuizItem, number: int, on_answer=None):
        self.item = item
        self._on_answer = on_answer
        self.prompt = W.HTML(f"<p><strong>Question {number}.</strong> {escape(item.question)}</p>")
        self.choice = W.RadioButtons(
            options=[(o.text, i) for i, o in enumerate(item.options)],
            value=None,
            description=f"Answer {number}",
            layout=W.Layout(width="auto"),
            style={"description_width": "initial"},
        )
        self.feedback = W.HTML("", layout=W.Layout(min_height="1.5em"))
        self.choice.observe(self._answered, names="value")
        super().__init__([self.prompt, self.choice, self.feedback])

    @property
    def correct(self) -> bool | None:
        if self.choice.value is None:
            return None
        return self.item.options[self.choice.value].correct

    def _answered(self, change) -> None:
        option = self.item.options[change["new"]]
        verdict = "✔ Right." if option.correct else "✘ Not quite."
        right = next(o for o in self.item.options if o.correct)
        lines = [f"<p><strong>{verdict}</strong> {escape(option.explanation)}</p>"]
        if not option.correct:
            lines.append(f"<p>The right answer is “{escape(right.text)}”: {escape(right.explanation)}</p>")
        self.feedback.value = "".join(lines)
        if self._on_answer:
            self._on_answer()


class Quiz(W.VBox):
    """Every quiz item of one lesson, with a running score."""

    def __init__(self, lesson: str, kb: Knowledge | None = None):
        kb = kb or load_knowledge()
        items = kb.quiz_for(lesson)
        if not items:
            raise ValueError(f"quiz.yaml has no items for lesson {lesson!r}")
        self.questions = [Question(item, n, self._update) for n, item in enumerate(items, 1)]
        self.score = W.HTML()
        self._update()
        super().__init__([*self.questions, self.score])

    def _update(self) -> None:
        answered = [q for q in self.questions if q.correct is not None]
        right = sum(q.correct for q in answered)
        self.score.value = (
            f"<p><strong>Score: {right} of {len(self.questions)} right</strong> "
            f"({len(answered)} of {len(self.questions)} answered).</p>"
        )
