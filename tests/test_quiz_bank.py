"""The question bank is fair: an item cannot be answered from where the right option sits or how
long it is, most items have four options, a third or more ask for judgement on a short scenario,
every lesson asks enough, and no explanation gives the verdict away ("Right. Right.").

Every figure is computed from the bank as it is (assets/knowledge/quiz.yaml and the course
model), so the rules hold as the bank grows; the figures are printed at the end of the run, in a
"quiz bank" section. The case studies' right choices follow the same rule on position.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pytest

from neuropathy_massage.course import LESSON_SHAPED, load_course
from neuropathy_massage.knowledge import load_knowledge

KB = load_knowledge()
COURSE = load_course()

FOUR_OPTIONS_MIN = 0.75
POSITION_MAX = 0.40
LONGEST_MAX = 0.35
SHORTEST_MAX = 0.35  # the cue turned round: a bank of short right answers is as guessable
JUDGEMENT_MIN = 1 / 3
PER_LESSON_MIN = 4
#: An explanation opening with a verdict repeats the widget's own ("✔ Right. Right. ...").
VERDICT = re.compile(r"^\s*(right|wrong|correct|incorrect)\b", re.IGNORECASE)
#: Words that give an item away when they stand on one side only (right option or wrong ones).
ABSOLUTES = re.compile(r"\b(always|never)\b", re.IGNORECASE)


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f} %" if d else "– %"


@dataclass
class Figures:
    items: int = 0
    four: int = 0
    positions: Counter = field(default_factory=Counter)
    longest: int = 0
    shortest: int = 0
    kinds: Counter = field(default_factory=Counter)
    per_lesson: dict = field(default_factory=dict)
    case_positions: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        n = self.items
        return [
            f"items: {n}",
            f"items with four options: {self.four} ({pct(self.four, n)}; rule: at least {FOUR_OPTIONS_MIN:.0%})",
            "right answer's position: " + ", ".join(f"{p}: {c} ({pct(c, n)})" for p, c in sorted(self.positions.items()))
            + f" (rule: none above {POSITION_MAX:.0%})",
            f"right answer is the longest option (ties count): {self.longest} ({pct(self.longest, n)}; "
            f"rule: at most {LONGEST_MAX:.0%})",
            f"right answer is the shortest option (ties count): {self.shortest} ({pct(self.shortest, n)}; "
            f"rule: at most {SHORTEST_MAX:.0%})",
            f"judgement items: {self.kinds['judgement']} ({pct(self.kinds['judgement'], n)}; rule: at least a third); "
            f"recall: {self.kinds['recall']}",
            "items per lesson (rule: at least %d in every lesson-shaped lesson): " % PER_LESSON_MIN
            + ", ".join(f"{lesson} {c}" for lesson, c in self.per_lesson.items()),
            "case studies, right choice's position: "
            + ", ".join(f"{p}: {c}" for p, c in sorted(self.case_positions.items())),
            f"sources named: {len({s for q in KB.quiz.values() for s in q.sources})}, every one in sources.yaml",
        ]


def bank_figures(kb, course) -> Figures:
    f = Figures(items=len(kb.quiz))
    for item in kb.quiz.values():
        texts = [o.text for o in item.options]
        right = next(i for i, o in enumerate(item.options) if o.correct)
        f.four += len(texts) == 4
        f.positions[right + 1] += 1
        f.longest += len(texts[right]) == max(map(len, texts))
        f.shortest += len(texts[right]) == min(map(len, texts))
        f.kinds[getattr(item, "kind", "recall")] += 1
    f.per_lesson = {lesson.id: len(kb.quiz_for(lesson.id)) for lesson in course.lessons
                    if lesson.kind in LESSON_SHAPED or kb.quiz_for(lesson.id)}
    for case in kb.case_studies.values():
        f.case_positions[next(i for i, o in enumerate(case.choices) if o.correct) + 1] += 1
    return f


FIGURES = bank_figures(KB, COURSE)


def test_print_the_bank_figures(report_figures):
    report_figures("quiz bank", FIGURES.lines())


def test_most_items_have_four_options():
    assert FIGURES.four / FIGURES.items >= FOUR_OPTIONS_MIN, FIGURES.lines()[1]


def test_no_position_holds_the_right_answer_too_often():
    for position, count in FIGURES.positions.items():
        assert count / FIGURES.items <= POSITION_MAX, f"position {position}: {pct(count, FIGURES.items)}"


def test_the_right_answer_is_not_given_away_by_its_length():
    assert FIGURES.longest / FIGURES.items <= LONGEST_MAX, FIGURES.lines()[3]
    assert FIGURES.shortest / FIGURES.items <= SHORTEST_MAX, FIGURES.lines()[4]


def test_a_third_of_the_items_ask_for_judgement():
    assert FIGURES.kinds["judgement"] / FIGURES.items >= JUDGEMENT_MIN, FIGURES.lines()[5]


def test_every_lesson_asks_enough():
    few = {lesson.id: FIGURES.per_lesson[lesson.id] for lesson in COURSE.of_kind(*LESSON_SHAPED)
           if FIGURES.per_lesson[lesson.id] < PER_LESSON_MIN}
    assert not few, f"lessons with fewer than {PER_LESSON_MIN} items: {few}"


def test_every_source_exists():
    for item in KB.quiz.values():
        assert set(item.sources) <= set(KB.sources), item.id


def test_no_explanation_opens_with_a_verdict():
    """The widget says whether an answer is right; an explanation that says it too reads "Right. Right."."""
    options = [(q.id, o) for q in KB.quiz.values() for o in q.options]
    options += [(c.id, o) for c in KB.case_studies.values() for o in c.choices]
    bad = [(ident, o.explanation[:40]) for ident, o in options if VERDICT.match(o.explanation)]
    assert not bad, bad


def test_always_and_never_do_not_point_at_one_side():
    """'always' or 'never' in the options only where both the right option and a wrong one use it."""
    for item in KB.quiz.values():
        marked = [bool(ABSOLUTES.search(o.text)) for o in item.options]
        right = [o.correct for o in item.options].index(True)
        if any(marked):
            assert marked[right] and any(m for i, m in enumerate(marked) if i != right), item.id


def test_case_studies_do_not_keep_the_right_choice_in_one_place():
    total = sum(FIGURES.case_positions.values())
    assert len(FIGURES.case_positions) > 1
    for position, count in FIGURES.case_positions.items():
        assert count / total <= max(POSITION_MAX, 1 / len(FIGURES.case_positions)), (position, count, total)


def test_the_figures_see_a_bad_bank():
    """The rules can fail: a bank whose right answer is always the first and longest option."""

    class Option:
        def __init__(self, text, correct):
            self.text, self.correct, self.explanation = text, correct, "Because."

    class Item:
        def __init__(self, n):
            self.id, self.lesson, self.kind, self.sources = f"q{n}", "x", "recall", ("seed_article",)
            self.options = (Option("the long right answer", True), Option("short", False), Option("brief", False))

    class Bank:
        quiz = {f"q{n}": Item(n) for n in range(10)}
        case_studies = {}

        def quiz_for(self, _lesson):
            return ()

    f = bank_figures(Bank(), COURSE)
    assert f.four == 0 and f.positions[1] == 10 and f.longest == 10 and f.kinds["judgement"] == 0
