"""Trainer notes (assets/knowledge/trainer_notes.yaml, read and checked by the course loader):
the short "For trainers" section a lesson shows collapsed at its end, and the trainer's guide,
every lesson's notes with the reasoning behind each case study's right choice.

The section is a `<details>` element, closed until opened (its `<summary>` is a button for the
keyboard: Tab to it, Enter or Space to open), so a learner is not distracted by it.
"""

from __future__ import annotations

from typing import Optional

from neuropathy_massage.course import Course, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.views import Fragment, kb_or_default, render


def guide(course: Course):
    """The course's trainer's guide page (kind `guide`), or None."""
    return next(iter(course.of_kind("guide")), None)


def trainer_details(lesson_id: str, course: Optional[Course] = None) -> Optional[Fragment]:
    """A lesson's "For trainers" section, collapsed; None when the lesson has no notes."""
    course = course or load_course()
    note = course.notes_for(lesson_id)
    if note is None:
        return None
    page = guide(course)
    html = render("trainer_details.html.j2", note=note, guide=page if page and page.id != lesson_id else None)
    return Fragment(html, note.sources, "for trainers")


def trainer_guide(course: Optional[Course] = None, kb: Optional[Knowledge] = None) -> Fragment:
    """Every lesson's notes, in course order, with each case study's reasoning."""
    course, kb = course or load_course(), kb_or_default(kb)
    lessons = []
    for lesson in course.lessons:
        note = course.notes_for(lesson.id)
        if note is None:
            continue
        cases = [{"case": kb.case_studies[c.case], "reasoning": c.reasoning, "distractors": c.distractors,
                  "right": next(o.text for o in kb.case_studies[c.case].choices if o.correct)} for c in note.cases]
        lessons.append({"lesson": lesson, "number": course.number(lesson.id), "note": note, "cases": cases})
    html = render("trainer_guide.html.j2", lessons=lessons, total=sum(x["note"].minutes for x in lessons))
    return Fragment(html, [s for x in lessons for s in x["note"].sources], "the trainer's guide")
