"""Adding a technique lesson in the middle of the course touches only its data, its notebook and
course.yaml (the recipe of docs/DATA.md): on a copy of the course, add a technique, four quiz
items, a lesson after the first technique lesson, and its notebook; then the advisor offers the
technique, the lesson renders, the navigation puts it in order and `check` accepts it all."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.check import MIN_QUIZ_ITEMS
from neuropathy_massage.course import load_course, read_course
from neuropathy_massage.knowledge import read_knowledge
from neuropathy_massage.pages import course_navigation
from neuropathy_massage.ui.lesson import LessonPage

COURSE = load_course()
NEW = "resting_hold"
LESSON = "resting_holds"

TECHNIQUE = {
    "id": NEW, "name": "Resting hold (still hands)", "setting": "therapist",
    "purpose": "Both hands rest still on the area, giving warmth and calm contact without movement.",
    "steps": ["Agree the hold with the client.", "Rest both hands still on the area.", "Lift them away slowly."],
    "direction": "No movement.", "pressure_min": 1, "pressure_max": 1, "duration": "A minute or two.",
    "mechanisms": ["desensitisation"], "regions": ["left_foot_sole", "right_foot_sole"],
    "touches": "region", "touches_reason": "the hands rest on the {area} only",
    "sources": ["seed_article"],
}


def _dump(path, data) -> None:
    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, _data):
            return True

    path.write_text(yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _add_lesson(assets, notebooks) -> list[str]:
    """The recipe, on a copy: returns the files it touched (relative names)."""
    path = assets / "knowledge" / "techniques.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["techniques"].append(TECHNIQUE)
    _dump(path, data)
    path = assets / "knowledge" / "quiz.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for n in range(MIN_QUIZ_ITEMS):
        data["items"].append({
            "id": f"{LESSON}_{n}", "lesson": LESSON, "question": f"Question {n} about resting holds?",
            "options": [{"text": "Still hands", "correct": True, "explanation": "They stay still."},
                        {"text": "Kneading", "correct": False, "explanation": "That moves the muscle."}],
            "sources": ["seed_article"]})
    _dump(path, data)
    path = assets / "course.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first_technique = next(i for i, item in enumerate(data["lessons"]) if item["kind"] == "technique")
    data["lessons"].insert(first_technique + 1, {
        "id": LESSON, "kind": "technique", "title": "Resting holds", "summary": "Rest still hands on a sensitive area.",
        "objectives": ["Give a resting hold.", "Choose when a hold is better than a stroke.", "Stop when it hurts."],
        "minutes": 15, "builds_on": [data["lessons"][first_technique]["id"]],
        "teaches": {"techniques": [NEW], "precautions": ["stop_if_pain"]}})
    _dump(path, data)
    (notebooks / f"{LESSON}.ipynb").write_text(json.dumps(_notebook(assets)), encoding="utf-8")
    return ["knowledge/techniques.yaml", "knowledge/quiz.yaml", "course.yaml", f"notebooks/{LESSON}.ipynb"]


def _notebook(assets) -> dict:
    """The new lesson's notebook, stored with the outputs its cells give on this data."""
    kb = read_knowledge(assets / "knowledge")
    page = LessonPage(LESSON, kb, read_course(assets, kb))
    calls = [("page = LessonPage(...)\npage.header()", page.header()), ("page.technique_card()", page.technique_card()),
             ("page.footer()", page.footer())]
    cells = [{"cell_type": "code", "execution_count": n, "metadata": {}, "source": code,
              "outputs": [{"output_type": "execute_result", "execution_count": n, "metadata": {},
                           "data": {"text/html": out.html, "text/plain": repr(out)}}]}
             for n, (code, out) in enumerate(calls, 1)]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_a_technique_lesson_added_in_the_middle(assets_copy, notebooks_copy):
    touched = _add_lesson(assets_copy, notebooks_copy)
    assert len(touched) == 4
    kb = read_knowledge(assets_copy / "knowledge")
    course = read_course(assets_copy, kb)

    # the advisor offers it, within every limit
    p = plan(Selection.of([], TECHNIQUE["regions"]), kb)
    assert all(NEW in [t.id for t in r.techniques] for r in p.regions)

    # the lesson renders from the model: header, card, footer, and the lesson after it
    page = LessonPage(LESSON, kb, course)
    assert "<h1>Resting holds</h1>" in page.header().html
    assert TECHNIQUE["purpose"] in page.technique_card().html
    first_technique = next(item for item in COURSE.lessons if item.kind == "technique")
    after = COURSE.next(first_technique.id)
    assert f'href="{after.file}"' in page.footer().html

    # the navigation and numbering put it in order; the lessons after it move one on
    nav = course_navigation(course, f"{LESSON}.ipynb")
    assert nav["previous"]["id"] == first_technique.id and nav["next"]["id"] == after.id
    assert course.number(after.id) == COURSE.number(after.id) + 1
    assert course_navigation(course, first_technique.file)["next"]["id"] == LESSON
    assert course.teaching(NEW).id == LESSON

    # and the author's check accepts it all
    result = subprocess.run([sys.executable, "-m", "neuropathy_massage", "check", "--data", str(assets_copy),
                             "--notebooks", str(notebooks_copy)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"course: {len(COURSE.lessons) + 1} lessons" in result.stdout


def test_the_same_lesson_without_its_course_entry_is_refused(assets_copy, notebooks_copy):
    """The check is not a rubber stamp: a notebook and a technique the course does not name fail it."""
    _add_lesson(assets_copy, notebooks_copy)
    path = assets_copy / "course.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["lessons"] = [item for item in data["lessons"] if item["id"] != LESSON]
    _dump(path, data)
    result = subprocess.run([sys.executable, "-m", "neuropathy_massage", "check", "--data", str(assets_copy),
                             "--notebooks", str(notebooks_copy)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"techniques.yaml: record '{NEW}': is taught by no lesson" in result.stderr
    assert f"quiz.yaml: record '{LESSON}_0': field 'lesson': unknown lesson '{LESSON}'" in result.stderr
