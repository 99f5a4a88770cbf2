"""The author's check: `python -m neuropathy_massage check [--data DIR] [--notebooks DIR]`.

Validates the knowledge, the course model and the notebooks together, the way a course author
who has edited the YAML needs: every record and cross-reference (`knowledge`, `course`), every
notebook the course names exists and is stored executed with no error output, and no notebook
is served that the course does not name. Prints what it checked and exits 0, or prints one line
per problem (file, record, field) and exits 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from neuropathy_massage import paths
from neuropathy_massage.course import LESSON_SHAPED, Course, read_course
from neuropathy_massage.knowledge import Knowledge, KnowledgeError, read_knowledge


WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def widget_view_count(notebook) -> int:
    """How many widget displays a stored (executed) notebook shows: outputs with the widget-view
    mime. `notebook` is a path or the notebook's JSON already parsed (browser tests, benchmarks)."""
    if not isinstance(notebook, dict):
        notebook = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return sum(WIDGET_VIEW_MIME in (output.get("data") or {})
               for cell in notebook.get("cells", []) for output in cell.get("outputs", []) or [])


def notebook_problems(path: Path) -> list[str]:
    """Why a notebook cannot be served as a stored, executed lesson (empty when it can)."""
    name = path.name
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"notebooks/{name}: missing (course.yaml names it)"]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return [f"notebooks/{name}: not a readable notebook: {str(exc).splitlines()[0][:200]}"]
    problems = []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return [f"notebooks/{name}: not a notebook (no list of cells)"]
    for number, cell in enumerate((c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"), 1):
        if cell.get("execution_count") is None:
            problems.append(f"notebooks/{name}: code cell {number} is not executed: store the notebook "
                            "executed (make notebooks)")
            break
        for out in cell.get("outputs") or []:
            if out.get("output_type") == "error":
                problems.append(f"notebooks/{name}: code cell {number} stored an error: "
                                f"{out.get('ename')}: {str(out.get('evalue'))[:200]}")
    return problems


#: A lesson of the full lesson shape asks at least this many questions (quiz.yaml).
MIN_QUIZ_ITEMS = 4


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _knowledge_summary(kb: Knowledge) -> str:
    counts = [(len(kb.sources), "sources"), (len(kb.regions), "regions"), (len(kb.symptoms), "symptoms"),
              (len(kb.techniques_for("therapist")), "techniques"), (len(kb.techniques_for("self")), "routines"),
              (len(kb.conditions), "conditions"), (len(kb.precautions), "precautions"),
              (len(kb.quiz), "quiz items"), (len(kb.case_studies), "case studies"), (len(kb.figures), "figures")]
    return "knowledge: " + ", ".join(f"{n} {what}" for n, what in counts) + ", every cross-reference"


def check(assets: Path | None = None, notebooks: Path | None = None) -> Report:
    assets = Path(assets) if assets is not None else paths.assets_dir()
    notebooks = Path(notebooks) if notebooks is not None else paths.notebooks_dir()
    report = Report()
    kb: Knowledge | None = None
    course: Course | None = None
    try:
        kb = read_knowledge(paths.knowledge_dir(assets), paths.figures_dir(assets))
        report.checked.append(_knowledge_summary(kb))
    except KnowledgeError as exc:
        report.problems += exc.problems
    if kb is not None:
        try:
            course = read_course(assets, kb)
            report.checked.append(f"course: {len(course.lessons)} lessons in order, their prerequisites and "
                                  "everything they teach, every lesson a quiz item or case study names")
            for lesson in course.of_kind(*LESSON_SHAPED):
                n = len(kb.quiz_for(lesson.id))
                if n < MIN_QUIZ_ITEMS:
                    report.problems.append(f"quiz.yaml: lesson '{lesson.id}' has {n} item(s); a lesson asks at "
                                           f"least {MIN_QUIZ_ITEMS} questions")
        except KnowledgeError as exc:
            report.problems += exc.problems
    if course is not None:
        if not notebooks.is_dir():
            report.problems.append(f"{notebooks}: notebook folder not found")
            return report
        named = {lesson.file for lesson in course.lessons}
        for lesson in course.lessons:
            report.problems += notebook_problems(notebooks / lesson.file)
        for stray in sorted(p.name for p in notebooks.glob("*.ipynb")):
            if stray not in named and not stray.startswith((".", "_")):
                report.problems.append(f"notebooks/{stray}: not a lesson of course.yaml (add it there, or "
                                       "remove it)")
        report.checked.append(f"notebooks: {len(named)} in {notebooks}, each stored executed with no error output")
    return report
