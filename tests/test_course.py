"""The course model (assets/course.yaml): it loads, it is the one source of order and titles, and
every reference it makes, or that the knowledge makes to a lesson, is checked with one line per
problem naming file, record and field."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest
import yaml

from neuropathy_massage.check import MIN_QUIZ_ITEMS
from neuropathy_massage.course import LESSON_SHAPED, load_course, read_course
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge

COURSE = load_course()
KB = load_knowledge()


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, _data):
            return True

    path.write_text(yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _lesson(data: dict, lesson_id: str) -> dict:
    return next(item for item in data["lessons"] if item["id"] == lesson_id)


def _problems(assets: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        read_course(assets)
    assert all("\n" not in p for p in info.value.problems)
    return info.value.problems


# --- the course as it is ---------------------------------------------------------------------------


def test_the_course_starts_at_home_and_ids_are_unique():
    ids = [lesson.id for lesson in COURSE.lessons]
    assert COURSE.home.kind == "home" and ids[0] == COURSE.home.id
    assert len(ids) == len(set(ids))
    assert all(lesson.file == f"{lesson.id}.ipynb" for lesson in COURSE.lessons)


def test_every_technique_and_routine_is_taught_by_exactly_one_lesson():
    for tid in KB.techniques:
        teachers = [lesson.id for lesson in COURSE.lessons
                    if tid in lesson.teaches.techniques + lesson.teaches.routines]
        assert len(teachers) == 1, (tid, teachers)
        assert COURSE.teaching(tid).id == teachers[0]


def test_prerequisites_come_earlier():
    for i, lesson in enumerate(COURSE.lessons):
        for b in lesson.builds_on:
            assert COURSE.number(b) < i, (lesson.id, b)


def test_every_lesson_shaped_lesson_has_a_quiz():
    for lesson in COURSE.of_kind(*LESSON_SHAPED):
        assert len(KB.quiz_for(lesson.id)) >= MIN_QUIZ_ITEMS, lesson.id


def test_previous_and_next_follow_the_order():
    ids = [lesson.id for lesson in COURSE.lessons]
    for i, lid in enumerate(ids):
        assert (COURSE.previous(lid).id if COURSE.previous(lid) else None) == (ids[i - 1] if i else None)
        assert (COURSE.next(lid).id if COURSE.next(lid) else None) == (ids[i + 1] if i + 1 < len(ids) else None)


def test_the_model_is_frozen():
    with pytest.raises(pydantic.ValidationError):
        COURSE.lessons[0].title = "Changed"


def test_load_course_is_cached():
    assert load_course() is COURSE


# --- broken copies: one line each, file, record and field -----------------------------------------


def test_a_quiz_item_naming_an_unknown_lesson_is_caught(assets_copy):
    item = next(iter(KB.quiz))
    _edit(assets_copy / "knowledge" / "quiz.yaml",
          lambda d: next(i for i in d["items"] if i["id"] == item).update(lesson="no_such_lesson"))
    problems = _problems(assets_copy)
    assert problems == [problems[0]]
    assert problems[0].startswith(f"quiz.yaml: record '{item}': field 'lesson': unknown lesson 'no_such_lesson'")


def test_a_case_study_naming_an_unknown_lesson_is_caught(assets_copy):
    case = next(iter(KB.case_studies))
    _edit(assets_copy / "knowledge" / "case_studies.yaml",
          lambda d: next(c for c in d["cases"] if c["id"] == case).update(lesson="nowhere"))
    assert _problems(assets_copy)[0].startswith(f"case_studies.yaml: record '{case}': field 'lesson': unknown lesson")


@pytest.mark.parametrize("change, expected", [
    (lambda d: _lesson(d, "effleurage").update(builds_on=["case_studies"]),
     "course.yaml: lesson 'effleurage': field 'builds_on': 'case_studies' comes later"),
    (lambda d: _lesson(d, "effleurage").update(builds_on=["no_such"]),
     "course.yaml: lesson 'effleurage': field 'builds_on': unknown lesson 'no_such'"),
    (lambda d: _lesson(d, "petrissage")["teaches"].update(techniques=["petrissage", "telepathy"]),
     "course.yaml: lesson 'petrissage': field 'teaches.techniques': unknown technique 'telepathy'"),
    (lambda d: _lesson(d, "precautions")["teaches"].update(conditions=["bad_luck"]),
     "course.yaml: lesson 'precautions': field 'teaches.conditions': unknown condition 'bad_luck'"),
    (lambda d: _lesson(d, "effleurage").update(minutes=0),
     "course.yaml: lesson 'effleurage': field 'minutes': "),
    (lambda d: _lesson(d, "effleurage").update(id="Effleurage Lesson"),
     "course.yaml: lesson 'Effleurage Lesson': field 'id': "),
    (lambda d: _lesson(d, "effleurage").update(colour="blue"),
     "course.yaml: lesson 'effleurage': field 'colour': Extra inputs are not permitted"),
    (lambda d: d["lessons"].insert(0, d["lessons"].pop(3)),
     "course.yaml: lesson 'effleurage': field 'kind': the first lesson must be the course home"),
], ids=["builds-on-later", "builds-on-unknown", "unknown-technique", "unknown-condition", "minutes-0",
        "not-a-slug", "unknown-field", "home-not-first"])
def test_course_problems_name_the_lesson_and_field(assets_copy, change, expected):
    _edit(assets_copy / "course.yaml", change)
    problems = _problems(assets_copy)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_technique_no_lesson_teaches_is_caught(assets_copy):
    _edit(assets_copy / "course.yaml", lambda d: _lesson(d, "petrissage")["teaches"].update(techniques=[]))
    problems = _problems(assets_copy)
    assert any(p.startswith("course.yaml: lesson 'petrissage': field 'teaches.techniques': a technique lesson")
               for p in problems), problems
    assert any(p.startswith("techniques.yaml: record 'petrissage': is taught by no lesson") for p in problems), problems


def test_an_untouched_copy_loads(assets_copy):
    assert [lesson.id for lesson in read_course(assets_copy).lessons] == [lesson.id for lesson in COURSE.lessons]
