"""The author's command, `python -m neuropathy_massage check`: says what it checked and exits 0 on
the course as it is; one line per problem (file, record, field) and exit 2 on a broken copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from neuropathy_massage.check import MIN_QUIZ_ITEMS, check, notebook_problems
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge

KB = load_knowledge()
COURSE = load_course()


def run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuropathy_massage", "check", *args],
                          capture_output=True, text=True, timeout=120)


def test_check_passes_on_the_course_and_says_what_it_checked():
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert f"{len(KB.symptoms)} symptoms" in out and f"{len(KB.quiz)} quiz items" in out
    assert f"course: {len(COURSE.lessons)} lessons" in out
    assert f"notebooks: {len(COURSE.lessons)} in " in out


def test_check_catches_a_quiz_item_naming_an_unknown_lesson(assets_copy):
    path = assets_copy / "knowledge" / "quiz.yaml"
    item = next(iter(KB.quiz))
    text = path.read_text(encoding="utf-8")
    lesson = KB.quiz[item].lesson
    path.write_text(text.replace(f"id: {item}\n    lesson: {lesson}\n", f"id: {item}\n    lesson: {lesson}_typo\n", 1),
                    encoding="utf-8")
    result = run_check("--data", str(assets_copy))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: quiz.yaml: record '{item}': field 'lesson': unknown lesson '{lesson}_typo'"), lines
    assert lines[-1] == "1 problem(s) found."
    assert "Traceback" not in result.stderr


def test_check_reports_every_problem_of_the_knowledge_and_the_notebooks(assets_copy, notebooks_copy):
    path = assets_copy / "knowledge" / "symptoms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("pressure_cap: 3", "pressure_cap: 9", 1), encoding="utf-8")
    victim = COURSE.lessons[1].file
    nb = json.loads((notebooks_copy / victim).read_text(encoding="utf-8"))
    next(c for c in nb["cells"] if c["cell_type"] == "code")["execution_count"] = None
    (notebooks_copy / victim).write_text(json.dumps(nb), encoding="utf-8")
    (notebooks_copy / "stray.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    report = check(assets_copy, notebooks_copy)
    # The knowledge problem stops the later checks that depend on it; fix it and look again.
    assert len(report.problems) == 1 and "pressure level 9 is outside the scale" in report.problems[0]
    path.write_text(path.read_text(encoding="utf-8").replace("pressure_cap: 9", "pressure_cap: 3", 1), encoding="utf-8")
    report = check(assets_copy, notebooks_copy)
    assert sorted(report.problems) == sorted([
        f"notebooks/{victim}: code cell 1 is not executed: store the notebook executed (make notebooks)",
        "notebooks/stray.ipynb: not a lesson of course.yaml (add it there, or remove it)",
    ])


def test_a_missing_notebook_is_named(assets_copy, notebooks_copy):
    (notebooks_copy / COURSE.lessons[-1].file).unlink()
    assert check(assets_copy, notebooks_copy).problems == [
        f"notebooks/{COURSE.lessons[-1].file}: missing (course.yaml names it)"]


def test_a_lesson_needs_its_questions(assets_copy):
    path = assets_copy / "knowledge" / "quiz.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    lesson = COURSE.lessons[1].id
    data["items"] = [i for i in data["items"] if i["lesson"] != lesson]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    problems = check(assets_copy).problems
    assert problems == [f"quiz.yaml: lesson '{lesson}' has 0 item(s); a lesson asks at least {MIN_QUIZ_ITEMS} questions"]


def test_an_error_output_is_a_problem(tmp_path):
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "1/0",
                     "outputs": [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                                  "traceback": []}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert notebook_problems(path) == ["notebooks/x.ipynb: code cell 1 stored an error: ZeroDivisionError: division by zero"]
    (tmp_path / "y.ipynb").write_text("{not json", encoding="utf-8")
    assert notebook_problems(tmp_path / "y.ipynb")[0].startswith("notebooks/y.ipynb: not a readable notebook")
    assert notebook_problems(Path(tmp_path / "z.ipynb")) == ["notebooks/z.ipynb: missing (course.yaml names it)"]
