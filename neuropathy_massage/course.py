"""The course's structure as typed data: lessons by slug, in order, with what each teaches.

`assets/course.yaml` is the one place the order of the lessons, their titles, one-line
summaries, objectives, minutes, kinds and prerequisites are written. Notebook headers and
footers, Voila's page titles and Home / Previous / Next links, the contents page, the lesson map,
the README's lesson table and the kernel-pool key of the explorer are all computed from it.

`load_course()` validates the file (pydantic, frozen) and cross-checks it against the
knowledge: every lesson a quiz item or case study names exists, every id a lesson says it
teaches exists, every technique and routine is taught by exactly one lesson, prerequisites come
earlier. Problems raise `KnowledgeError`, one line each naming file, record and field.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, ValidationError

from neuropathy_massage import paths
from neuropathy_massage.knowledge import Knowledge, KnowledgeError, load_knowledge, read_knowledge
from neuropathy_massage.records import Record, TrainerNote
from neuropathy_massage.yamlio import YamlProblem, read_yaml

COURSE_FILE = "course.yaml"

LessonKind = Literal["home", "foundation", "technique", "routine", "practice", "dashboard", "reference", "guide",
                     "record"]
#: Kinds that follow the full lesson shape (objectives, try it, quiz, key points...).
LESSON_SHAPED = ("foundation", "technique", "routine", "practice")
#: Pages that are not lessons: the explorer (dashboard), a look-up page such as the condition cards
#: (reference), the trainer's guide (guide) and the learner's completion record (record).
TRAINER_NOTES_FILE = "trainer_notes.yaml"

Slug = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)


class Teaches(Record):
    """The knowledge a lesson teaches, by id."""

    techniques: tuple[str, ...] = ()
    routines: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    precautions: tuple[str, ...] = ()


class Lesson(Record):
    id: str = Slug
    kind: LessonKind
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=300)
    objectives: tuple[str, ...] = Field(min_length=1, max_length=6)
    minutes: int = Field(ge=1, le=240)
    builds_on: tuple[str, ...] = ()
    teaches: Teaches = Teaches()

    @property
    def file(self) -> str:
        """The notebook's file name in the notebooks folder."""
        return f"{self.id}.ipynb"


class Course(Record):
    title: str = Field(min_length=1, max_length=120)
    #: The share of a lesson's questions to answer right at the first attempt to pass it (0-1).
    pass_mark: float = Field(ge=0, le=1)
    lessons: tuple[Lesson, ...] = Field(min_length=1)
    #: Read from knowledge/trainer_notes.yaml by the loader, never from course.yaml.
    trainer_notes: tuple[TrainerNote, ...] = ()

    def notes_for(self, lesson_id: str) -> Optional[TrainerNote]:
        """The trainer's notes on a lesson, or None."""
        return next((n for n in self.trainer_notes if n.lesson == lesson_id), None)

    def lesson(self, lesson_id: str) -> Lesson:
        for item in self.lessons:
            if item.id == lesson_id:
                return item
        raise KeyError(f"course.yaml has no lesson {lesson_id!r}")

    def by_file(self, name: str) -> Optional[Lesson]:
        """The lesson whose notebook is `name` (a file name), or None."""
        return next((item for item in self.lessons if item.file == name), None)

    def number(self, lesson_id: str) -> int:
        """Its place in the course order; the home page is 0."""
        return [item.id for item in self.lessons].index(lesson_id)

    def previous(self, lesson_id: str) -> Optional[Lesson]:
        i = self.number(lesson_id)
        return self.lessons[i - 1] if i > 0 else None

    def next(self, lesson_id: str) -> Optional[Lesson]:
        i = self.number(lesson_id)
        return self.lessons[i + 1] if i + 1 < len(self.lessons) else None

    @property
    def home(self) -> Lesson:
        return self.lessons[0]

    def of_kind(self, *kinds: str) -> tuple[Lesson, ...]:
        return tuple(item for item in self.lessons if item.kind in kinds)

    def needed_to_pass(self, questions: int) -> int:
        """How many of a lesson's questions must be right at the first attempt to pass it."""
        return needed_to_pass(self.pass_mark, questions)

    def teaching(self, technique_id: str) -> Optional[Lesson]:
        """The lesson that teaches this technique or routine."""
        for item in self.lessons:
            if technique_id in item.teaches.techniques or technique_id in item.teaches.routines:
                return item
        return None


def needed_to_pass(pass_mark: float, questions: int) -> int:
    """Right first answers needed out of `questions` for a pass mark (a share, 0-1): 80 % of 7 is 6."""
    return min(questions, math.ceil(round(pass_mark * questions, 9)))


def _where(index: int, raw) -> str:
    name = raw.get("id") if isinstance(raw, dict) else None
    return f"{COURSE_FILE}: lesson '{name}'" if name else f"{COURSE_FILE}: lesson #{index + 1}"


def _parse(data, problems: list[str]) -> Optional[Course]:
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), list):
        problems.append(f"{COURSE_FILE}: expected a top-level 'title' and a list of 'lessons'")
        return None
    if "trainer_notes" in data:
        problems.append(f"{COURSE_FILE}: field 'trainer_notes': trainer notes live in knowledge/{TRAINER_NOTES_FILE}")
        return None
    lessons = []
    for index, raw in enumerate(data["lessons"]):
        try:
            lessons.append(Lesson.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(record)"
                problems.append(f"{_where(index, raw)}: field '{field}': {err['msg']}")
    try:
        return Course.model_validate({**data, "lessons": lessons})
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(f"{COURSE_FILE}: field '{'.'.join(map(str, err['loc']))}': {err['msg']}")
        return None


def check_course(course: Course, kb: Knowledge) -> list[str]:
    """Every problem of the course model against the knowledge, one line each."""
    problems: list[str] = []
    ids = [item.id for item in course.lessons]
    known = ", ".join(ids)

    def fail(lesson_id: str, field: str, msg: str) -> None:
        problems.append(f"{COURSE_FILE}: lesson '{lesson_id}': field '{field}': {msg}")

    seen: set[str] = set()
    for item in course.lessons:
        if item.id in seen:
            fail(item.id, "id", "is used by two lessons")
        seen.add(item.id)
    if course.lessons[0].kind != "home":
        fail(course.lessons[0].id, "kind", "the first lesson must be the course home (kind: home)")
    for item in course.lessons[1:]:
        if item.kind == "home":
            fail(item.id, "kind", "only the first lesson can be the course home")
    for i, item in enumerate(course.lessons):
        for b in item.builds_on:
            if b not in ids:
                fail(item.id, "builds_on", f"unknown lesson {b!r} (known: {known})")
            elif ids.index(b) >= i:
                fail(item.id, "builds_on", f"{b!r} comes later in the course; a lesson builds on earlier ones")
        t = item.teaches
        for field, values, table, setting in (
            ("teaches.techniques", t.techniques, kb.techniques, "therapist"),
            ("teaches.routines", t.routines, kb.techniques, "self"),
        ):
            for v in values:
                if v not in table or table[v].setting != setting:
                    valid = ", ".join(k for k, x in table.items() if x.setting == setting)
                    fail(item.id, field, f"unknown {'technique' if setting == 'therapist' else 'routine'} {v!r} (known: {valid})")
        for field, values, table, what in (("teaches.conditions", t.conditions, kb.conditions, "condition"),
                                           ("teaches.precautions", t.precautions, kb.precautions, "precaution")):
            for v in values:
                if v not in table:
                    fail(item.id, field, f"unknown {what} {v!r} (known: {', '.join(table)})")
        if item.kind == "technique" and not t.techniques:
            fail(item.id, "teaches.techniques", "a technique lesson names the technique it teaches")
        if item.kind == "routine" and not t.routines:
            fail(item.id, "teaches.routines", "a routine lesson names the routines it teaches")
    for tid, tech in kb.techniques.items():
        file = "techniques.yaml" if tech.setting == "therapist" else "routines.yaml"
        teachers = [item.id for item in course.lessons if tid in item.teaches.techniques + item.teaches.routines]
        if len(teachers) != 1:
            what = "no lesson" if not teachers else f"{len(teachers)} lessons ({', '.join(teachers)})"
            problems.append(f"{file}: record '{tid}': is taught by {what}; name it in the teaches of exactly "
                            f"one lesson of {COURSE_FILE}")
    for file, records in (("quiz.yaml", kb.quiz), ("case_studies.yaml", kb.case_studies)):
        for rid, rec in records.items():
            if rec.lesson not in ids:
                problems.append(f"{file}: record '{rid}': field 'lesson': unknown lesson {rec.lesson!r} (known: {known})")
    return problems


def read_trainer_notes(path: Path, course: Course, kb: Knowledge, problems: list[str]) -> tuple[TrainerNote, ...]:
    """The trainer's notes (optional file: none when it is missing), each checked against the
    course and the knowledge: a lesson that exists, once; its own case studies; known sources."""
    if not path.is_file():
        return ()
    try:
        data = read_yaml(path)
    except YamlProblem as exc:
        problems.append(str(exc))
        return ()
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        problems.append(f"{TRAINER_NOTES_FILE}: expected a top-level key 'notes' holding a list of records")
        return ()
    ids, notes = [item.id for item in course.lessons], []
    for index, raw in enumerate(data["notes"]):
        name = raw.get("lesson") if isinstance(raw, dict) else None
        where = f"{TRAINER_NOTES_FILE}: record '{name}'" if name else f"{TRAINER_NOTES_FILE}: record #{index + 1}"
        try:
            note = TrainerNote.model_validate(raw)
        except ValidationError as exc:
            problems += [f"{where}: field '{'.'.join(map(str, e['loc'])) or '(record)'}': {e['msg']}" for e in exc.errors()]
            continue
        bad = []
        if note.lesson not in ids:
            bad.append(("lesson", f"unknown lesson {note.lesson!r} (known: {', '.join(ids)})"))
        elif any(n.lesson == note.lesson for n in notes):
            bad.append(("lesson", "has notes twice"))
        for c in note.cases:
            if c.case not in kb.case_studies or kb.case_studies[c.case].lesson != note.lesson:
                bad.append(("cases.case", f"{c.case!r} is not a case study of lesson {note.lesson!r}"))
        unknown = sorted(set(note.sources) - set(kb.sources))
        if unknown:
            bad.append(("sources", f"unknown source ids {unknown}"))
        problems += [f"{where}: field '{field}': {msg}" for field, msg in bad]
        if not bad:
            notes.append(note)
    return tuple(notes)


def read_course(assets: Path | str, kb: Knowledge | None = None) -> Course:
    """Read and check `course.yaml` of an assets folder against its knowledge (read afresh unless
    given: no cache)."""
    assets = Path(assets)
    problems: list[str] = []
    if kb is None:
        try:
            kb = read_knowledge(paths.knowledge_dir(assets), paths.figures_dir(assets))
        except KnowledgeError as exc:
            problems += exc.problems
    try:
        course = _parse(read_yaml(paths.course_file(assets)), problems)
    except YamlProblem as exc:
        problems.append(str(exc))
        course = None
    if course is not None and kb is not None:
        problems += check_course(course, kb)
        notes = read_trainer_notes(paths.knowledge_dir(assets) / TRAINER_NOTES_FILE, course, kb, problems)
        course = course.model_copy(update={"trainer_notes": notes})
    if problems:
        raise KnowledgeError(problems)
    return course


@lru_cache(maxsize=4)
def _load(assets: Path) -> Course:
    return read_course(assets, load_knowledge(paths.knowledge_dir(assets)))


def load_course(assets: Path | str | None = None) -> Course:
    """The course model, loaded once per assets folder (default: `NEUROPATHY_COURSE_DATA` when
    set, else the course's own `assets/`)."""
    return _load(Path(assets).resolve() if assets is not None else paths.assets_dir())
