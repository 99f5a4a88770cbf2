"""The reference pages: condition cards rendered from the data (a new condition gets its card with
no other change), the search over cards, techniques and lessons, and the trainer's notes (checked
by the course loader, shown collapsed in each lesson and in full in the trainer's guide).
"""

from __future__ import annotations

import copy
from html import escape

import pytest
import yaml
from picks import text

from neuropathy_massage.course import LESSON_SHAPED, load_course, read_course
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge, read_knowledge
from neuropathy_massage.ui.cards import STATUS, ask_about, card, condition_cards
from neuropathy_massage.ui.lesson import LessonPage
from neuropathy_massage.ui.search import MAX_QUERY, ReferenceSearch, search, status_text, words
from neuropathy_massage.ui.trainer import trainer_details, trainer_guide

KB = load_knowledge()
COURSE = load_course()


def _edit(path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


# --------------------------------------------------------------------------- condition cards


@pytest.mark.parametrize("cid", list(KB.conditions))
def test_every_condition_has_a_card_in_one_layout(cid):
    c = KB.conditions[cid]
    html = str(condition_cards(KB, [cid]))
    shown = text(html)
    for label in ("What it is", "What to ask", "What to do", "Pressure limit", "Referral", "Sources"):
        assert label in shown, (cid, label)
    assert c.name in shown and c.description in shown
    assert all(KB.sources[s].title in shown for s in c.sources)
    for scope in ("at_region", "whole_session"):
        response = getattr(c, scope)
        if response is None:
            continue
        status, word = STATUS[response.action]
        assert f"nm-status--{status}" in html and word in shown  # a word and a shape, not colour alone
        assert response.reason in shown
        if response.pressure_cap:
            assert f"Level {response.pressure_cap} of 5 at most" in shown
    if c.referral:
        assert c.referral in shown


def test_the_cards_follow_the_data(assets_copy):
    """A new condition, with its own `ask`, has its card; another card asks from its name."""
    new = {"id": "sunburn", "name": "Sunburn", "kind": "contraindication", "description": "Skin burnt by the sun.",
           "ask": "Have you been in the sun this week?",
           "at_region": {"action": "avoid", "reason": "Burnt skin is not massaged."}, "sources": ["seed_article"]}
    unasked = {k: v for k, v in copy.deepcopy(new).items() if k != "ask"} | {"id": "windburn", "name": "Windburn"}
    _edit(assets_copy / "knowledge" / "conditions.yaml", lambda d: d["conditions"].extend([new, unasked]))
    kb = read_knowledge(assets_copy / "knowledge")
    shown = text(str(condition_cards(kb)))
    assert "Sunburn" in shown and "Have you been in the sun this week?" in shown
    assert card("sunburn", kb).scopes[0].word == STATUS["avoid"][1]
    other = kb.conditions["windburn"]  # every condition of the course has its own ask: one without
    assert ask_about(other).startswith("Ask at the start of every session")


def test_card_ids_are_unique_when_cards_appear_twice():
    page = str(condition_cards(KB)) + str(condition_cards(KB, prefix="found-"))
    ids = [part.split('"')[0] for part in page.split(' id="')[1:]]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- search


def test_search_finds_cards_techniques_and_lessons_by_every_word():
    cid, c = next(iter(KB.conditions.items()))
    word = max(words(c.description), key=len)
    assert cid in search(word.upper()).cards  # case does not matter
    assert search(f"{word} zzzznotaword").count == 0  # every word must be there
    tid, t = next(iter(KB.techniques.items()))
    found = search(t.name.split()[0])
    assert any(x["file"] == COURSE.teaching(tid).file for x in found.techniques)
    lesson = COURSE.lessons[1]
    assert any(x["file"] == lesson.file for x in search(lesson.title).lessons)


def test_the_status_says_what_matched():
    assert "Type a word" in status_text(search(""))
    assert status_text(search("zzzznotaword")).startswith("Nothing matches")
    found = search("wound")
    assert status_text(found).startswith(f"{len(found.cards)} condition card")


def test_the_query_is_bounded_and_shown_as_text():
    box = ReferenceSearch()
    box.box.query = "<b>wound</b>" + "x" * 200
    assert len(box.box.query) == MAX_QUERY
    assert "<b>" not in box.results.value and len(words("a " * 50)) <= 8
    box.box.query = "wound"
    assert box.box.status == status_text(search("wound"))
    assert all(KB.conditions[c].name in text(box.results.value) for c in search("wound").cards)
    assert box.box.label.strip()


def test_the_search_example_is_what_the_box_shows():
    page = LessonPage("condition_cards")
    example = text(str(page.search_example("wound")))
    assert status_text(search("wound")) in example


# --------------------------------------------------------------------------- trainer notes


def test_every_lesson_has_trainer_notes_and_every_case_its_reasoning():
    for lesson in COURSE.of_kind(*LESSON_SHAPED):
        note = COURSE.notes_for(lesson.id)
        assert note is not None, f"trainer_notes.yaml has no notes for {lesson.id}"
        assert len(note.questions) == 2
        reasoned = {c.case for c in note.cases}
        assert reasoned == {c.id for c in KB.cases_for(lesson.id)}, lesson.id


def test_a_lesson_shows_its_notes_collapsed():
    lesson = COURSE.of_kind(*LESSON_SHAPED)[0]
    foot = str(LessonPage(lesson.id).footer())
    assert '<details class="nm-trainer">' in foot and "<details open" not in foot
    assert "<summary>For trainers</summary>" in foot
    note = COURSE.notes_for(lesson.id)
    assert escape(note.demonstration, quote=True).replace("&#x27;", "&#39;") in foot
    guide = COURSE.of_kind("guide")[0]
    assert f'href="{guide.file}"' in foot
    assert trainer_details(COURSE.home.id + "_none", COURSE) is None


def test_the_guide_gives_every_note_and_each_case_reasoning():
    shown = text(str(trainer_guide(COURSE, KB)))
    for note in COURSE.trainer_notes:
        assert COURSE.lesson(note.lesson).title in shown and note.demonstration in shown
        for c in note.cases:
            case = KB.case_studies[c.case]
            assert case.title in shown and next(o.text for o in case.choices if o.correct) in shown
            assert all(step in shown for step in c.reasoning)


@pytest.mark.parametrize("change, field", [
    (lambda d: d["notes"][0].update(lesson="no_such_lesson"), "lesson"),
    (lambda d: d["notes"].append(copy.deepcopy(d["notes"][0])), "lesson"),
    (lambda d: d["notes"][0].update(questions=["Only one?"]), "questions"),
    (lambda d: next(n for n in d["notes"] if n.get("cases"))["cases"][0].update(case="no_such_case"), "cases.case"),
])
def test_broken_trainer_notes_are_one_line_each(assets_copy, change, field):
    _edit(assets_copy / "knowledge" / "trainer_notes.yaml", change)
    with pytest.raises(KnowledgeError) as info:
        read_course(assets_copy)
    problems = info.value.problems
    assert len(problems) == 1 and problems[0].startswith("trainer_notes.yaml: record '")
    assert f"field '{field}" in problems[0]


def test_trainer_notes_are_optional(assets_copy):
    (assets_copy / "knowledge" / "trainer_notes.yaml").unlink()
    assert read_course(assets_copy).trainer_notes == ()
