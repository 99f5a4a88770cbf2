"""The case studies as a fair set (assets/knowledge/case_studies.yaml): the right choice's
position and length, computed from the data so the rules hold as cases are added, and printed.

Rules (the quiz bank's, docs/DATA.md "Add a quiz item"): no position holds the right choice in
more than 40 % of cases, the right choice is the longest (ties count) in at most 35 %, and each
case has four choices.
"""

from __future__ import annotations

from collections import Counter

from neuropathy_massage.knowledge import load_knowledge

KB = load_knowledge()
POSITION_MAX, LONGEST_MAX = 0.40, 0.35


def figures() -> tuple[int, Counter, int]:
    positions, longest = Counter(), 0
    for case in KB.case_studies.values():
        texts = [c.text for c in case.choices]
        right = next(i for i, c in enumerate(case.choices) if c.correct)
        positions[right + 1] += 1
        longest += len(texts[right]) == max(map(len, texts))
    return len(KB.case_studies), positions, longest


def test_the_right_choice_is_neither_in_one_place_nor_the_longest():
    n, positions, longest = figures()
    print(f"\ncase studies: {n}; right choice's position: "
          + ", ".join(f"{p}: {c} ({c / n:.0%})" for p, c in sorted(positions.items()))
          + f"; the longest choice: {longest} ({longest / n:.0%})")
    assert n >= 10
    assert all(c / n <= POSITION_MAX for c in positions.values()), positions
    assert longest / n <= LONGEST_MAX, longest


def test_every_case_has_four_choices_each_explained():
    for case in KB.case_studies.values():
        assert len(case.choices) == 4 and all(c.explanation for c in case.choices), case.id
