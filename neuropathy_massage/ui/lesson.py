"""A lesson page: what a lesson notebook calls, in one object that knows the lesson.

    page = LessonPage("effleurage")
    page.header()            # title, summary, objectives, before you start: from course.yaml
    page.technique_card()    # the lesson's technique, from its `teaches`
    ...
    page.quiz()
    page.footer()            # the sources of everything shown above, and the next lesson

Every method returns what the notebook displays (a `Fragment` or a widget) and records the
sources behind it, so the footer cites exactly what the lesson showed: no notebook types a list
of source ids, precaution ids or the next lesson's name.
"""

from __future__ import annotations

import functools
from typing import Iterable, Optional

import ipywidgets as W

from neuropathy_massage.advisor import plan
from neuropathy_massage.course import LESSON_SHAPED, Course, Lesson, load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import Selection
from neuropathy_massage.ui import lesson_views as lv
from neuropathy_massage.ui import cards, practice, search, tryits
from neuropathy_massage.ui.models import share_models
from neuropathy_massage.ui.plan_views import body_map, general_html, general_precautions, plan_html, plan_marks
from neuropathy_massage.ui.progress import ProgressStore, ProgressView, track
from neuropathy_massage.ui.quiz import Quiz
from neuropathy_massage.ui.record import CompletionRecord, record_example
from neuropathy_massage.ui.trainer import trainer_details, trainer_guide
from neuropathy_massage.ui.views import Fragment, figure, kb_or_default, notes, render, scripts, sources, styles

KICKER = {"home": "Course home", "dashboard": "Dashboard", "reference": "Reference", "record": "Your record"}


def _widget(method):
    """A method that returns a widget: its tree gets the shared layouts and styles (ui/models.py)."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        return share_models(method(*args, **kwargs))
    return wrapper


class LessonPage:
    def __init__(self, lesson_id: str, kb: Optional[Knowledge] = None, course: Optional[Course] = None):
        self.kb = kb_or_default(kb)
        self.course = course or load_course()
        self.lesson: Lesson = self.course.lesson(lesson_id)
        self.cited: dict[str, None] = {}
        #: Precautions a view set out in full (each once per page), and whether a view left the
        #: precautions for every session out (the footer then sets out those not shown yet).
        self.precautions_shown: dict[str, None] = {}
        self.general_owed = False

    # --------------------------------------------------------------- bookkeeping
    def _cite(self, shown, ids: Iterable[str] = ()):
        for sid in tuple(getattr(shown, "sources", ())) + tuple(ids):
            self.cited.setdefault(sid, None)
        return shown

    def _set_out(self, shown):
        """Record the precautions a view set out in full (each general precaution once per page)."""
        for pid in getattr(shown, "precautions", ()):
            self.precautions_shown.setdefault(pid, None)
        return shown

    def set_out_elsewhere(self) -> frozenset[str]:
        """Precautions the page sets out in full in another place: the ones this lesson teaches
        (its own precautions section shows them) and any a view above already showed. Worked
        examples and try-its name them once, by a line, instead of repeating them."""
        return frozenset(self.lesson.teaches.precautions) | frozenset(self.precautions_shown)

    def _taught(self, kind: str, item_id: Optional[str]) -> str:
        taught = getattr(self.lesson.teaches, kind)
        if item_id is None:
            if len(taught) != 1:
                raise ValueError(f"lesson {self.lesson.id!r} teaches {len(taught)} {kind}: name one")
            return taught[0]
        if item_id not in taught:
            raise ValueError(f"lesson {self.lesson.id!r} does not teach {item_id!r} (course.yaml, teaches.{kind})")
        return item_id

    def _technique(self, technique_id: Optional[str]) -> str:
        kind = "routines" if self.lesson.teaches.routines and not self.lesson.teaches.techniques else "techniques"
        return self._taught(kind, technique_id)

    # --------------------------------------------------------------- frame
    def header(self) -> Fragment:
        lesson, course = self.lesson, self.course
        number = course.number(lesson.id)
        kicker = KICKER.get(lesson.kind, f"Lesson {number} of {len(course.of_kind(*LESSON_SHAPED))}")
        builds_on = [{"file": course.lesson(b).file, "title": course.lesson(b).title, "number": course.number(b)}
                     for b in lesson.builds_on]
        html = render("lesson_header.html.j2", styles=styles(), scripts=scripts(), lesson=lesson, kicker=kicker, builds_on=builds_on,
                      shaped=lesson.kind in LESSON_SHAPED)
        return Fragment(html, (), f"{lesson.title}: header")

    def footer(self) -> Fragment:
        """The lesson's "For trainers" notes (collapsed), the sources of everything the page
        showed, and the next lesson."""
        trainers = trainer_details(self.lesson.id, self.course)
        if trainers is not None:
            self._cite(trainers)
        nxt = self.course.next(self.lesson.id)
        general = ""
        if self.general_owed and any(x.id not in self.precautions_shown for x in general_precautions(self.kb)):
            general = self._cite(general_html(self.kb, exclude=set(self.precautions_shown)))
        html = render("lesson_footer.html.j2", trainers=trainers or "", general=general,
                      sources=sources(self.cited, self.kb, heading=False) if self.cited else "",
                      next=nxt, next_number=self.course.number(nxt.id) if nxt else None,
                      home=self.course.home, is_home=self.lesson.id == self.course.home.id)
        return Fragment(html, (), f"{self.lesson.title}: sources and next lesson")

    def objectives(self) -> Fragment:
        """The lesson's objectives as a list (the course home shows them in its own section)."""
        return Fragment(render("objectives.html.j2", objectives=self.lesson.objectives), (), "objectives")

    # --------------------------------------------------------------- course-wide views
    def lesson_map(self) -> Fragment:
        return lv.lesson_map(self.course)

    def precautions(self, *groups: str) -> Fragment:
        """The precautions this lesson teaches (course.yaml) that belong to these groups."""
        taught = set(self.lesson.teaches.precautions)
        shown = [p for p in self.kb.precautions_in(*groups) if p.id in taught]
        if not shown:
            raise ValueError(f"lesson {self.lesson.id!r} teaches no precaution of the groups {groups}")
        return self._set_out(self._cite(lv.precautions(shown)))

    def red_flags(self) -> Fragment:
        return self._cite(lv.red_flags(self.kb))

    def conditions_table(self, *condition_ids: str) -> Fragment:
        """Every condition, or these ones (which the lesson must teach), with what each does."""
        for cid in condition_ids:
            self._taught("conditions", cid)
        return self._cite(lv.conditions_table(self.kb, condition_ids))

    def kinds(self) -> Fragment:
        """The plain labels of the kinds of condition and of urgency."""
        return lv.kinds_legend()

    def notes(self, *source_ids: str) -> Fragment:
        return self._cite(notes(source_ids, self.kb))

    def figure(self, figure_id: str, size: str = "large") -> Fragment:
        return figure(figure_id, self.kb, size=size)

    # --------------------------------------------------------------- symptoms and mechanisms
    def symptoms_table(self) -> Fragment:
        return self._cite(lv.symptoms_table(self.kb))

    def symptom_map(self, *symptom_ids: str) -> Fragment:
        self._cite(None, [s for sid in symptom_ids for s in self.kb.symptoms[sid].sources])
        return body_map(lv.symptom_marks(symptom_ids, self.kb), self.kb)

    def symptom_details(self, *symptom_ids: str) -> Fragment:
        return self._cite(lv.symptom_details(symptom_ids, self.kb))

    @_widget
    def symptom_explorer(self) -> tryits.SymptomExplorer:
        return self._cite(tryits.SymptomExplorer(self.kb), [s for x in self.kb.symptoms.values() for s in x.sources])

    def mechanisms(self) -> Fragment:
        shown = [lv.mechanism(mid, self.kb) for mid in self.kb.mechanisms]
        whole = Fragment("".join(str(f) for f in shown), [s for f in shown for s in f.sources], "the four mechanisms")
        return self._cite(whole)

    def mechanism_matrix(self) -> Fragment:
        return self._cite(lv.mechanism_matrix(self.kb))

    def mechanism_links(self, technique_id: Optional[str] = None) -> Fragment:
        tid = technique_id if self.lesson.kind not in ("technique", "routine") else self._technique(technique_id)
        return self._cite(lv.mechanism_links(tid, self.kb, self.course))

    @_widget
    def mechanism_explorer(self) -> tryits.MechanismLinks:
        return self._cite(tryits.MechanismLinks(self.kb, course=self.course),
                          [s for m in self.kb.mechanisms.values() for s in m.sources])

    # --------------------------------------------------------------- techniques and routines
    def technique_card(self, technique_id: Optional[str] = None) -> Fragment:
        tid = self._technique(technique_id)
        return self._cite(lv.technique_card(tid, self.kb, title=self.kb.techniques[tid].setting == "self"))

    def pressure_range(self, technique_id: Optional[str] = None) -> Fragment:
        return self._cite(lv.pressure_range(self._technique(technique_id), self.kb))

    def adaptations(self, technique_id: Optional[str] = None) -> Fragment:
        return self._cite(lv.adaptations(self._technique(technique_id), self.kb))

    @_widget
    def try_it(self, technique_id: Optional[str] = None) -> tryits.TechniqueTryIt:
        tid = self._technique(technique_id)
        return self._cite(tryits.TechniqueTryIt(tid, self.kb, omit=self.set_out_elsewhere()), self.kb.techniques[tid].sources)

    def example(self, *symptom_ids: str, technique_id: Optional[str] = None) -> Fragment:
        """What the try-it shows for these symptoms (a worked example nbval compares)."""
        tid = self._technique(technique_id)
        return self._set_out(self._cite(lv.technique_try(tid, symptom_ids, self.kb, omit=self.set_out_elsewhere())))

    @_widget
    def stepper(self, routine_id: str) -> practice.RoutineStepper:
        return practice.RoutineStepper(self._taught("routines", routine_id), self.kb)

    @_widget
    def self_care_planner(self, limb: str) -> practice.SelfCarePlanner:
        self.general_owed = True
        return practice.SelfCarePlanner(limb, self.kb)

    # --------------------------------------------------------------- practice
    def example_plan(self, symptoms: Iterable[str] = (), regions: Iterable[str] = (),
                     conditions: Iterable = (), setting: str = "therapist") -> Fragment:
        """A worked example: the advisor's plan for a selection, with the body map."""
        p = plan(Selection.of(symptoms, regions, conditions, setting), self.kb)
        shown, elsewhere = lv.without_precautions(p, self.set_out_elsewhere())
        view = body_map(plan_marks(p), self.kb) + plan_html(shown, self.kb, show_sources=False)
        if elsewhere:
            view = view + lv.precautions_elsewhere()
        self._cite(view)
        return self._set_out(Fragment(str(view), view.sources, view.label, [x.id for x in shown.precautions]))

    @_widget
    def condition_placer(self, symptoms: Iterable[str] = (), setting: str = "therapist",
                         regions: Optional[Iterable[str]] = None) -> practice.ConditionPlacer:
        return self._cite(practice.ConditionPlacer(regions=regions, symptoms=symptoms, kb=self.kb, setting=setting,
                                                   omit=self.set_out_elsewhere()),
                          [s for c in self.kb.conditions.values() for s in c.sources])

    @_widget
    def cases(self) -> W.VBox:
        """Every case study of this lesson (case_studies.yaml, `lesson`), one after the other."""
        self.general_owed = True
        views = [self._cite(practice.CaseStudyView(c.id, self.kb), c.sources) for c in self.kb.cases_for(self.lesson.id)]
        if not views:
            raise ValueError(f"case_studies.yaml has no case for lesson {self.lesson.id!r}")
        box = W.VBox(views)
        box.add_class("nm-cases")
        return box

    @_widget
    def quiz(self) -> Quiz:
        """The lesson's questions; the first answers, and the visit, are kept in the learner's
        browser (ui/progress.py), and first answers kept from an earlier visit count here."""
        quiz = Quiz(self.lesson.id, self.kb, pass_mark=self.course.pass_mark)
        store = ProgressStore(self.course, self.kb, visit=self.lesson.id)
        quiz.store = store
        quiz.children = (*quiz.children, store, track(quiz, store))
        return self._cite(quiz, quiz.sources)

    # --------------------------------------------------------------- reference and the trainer's guide
    def condition_cards(self) -> Fragment:
        """One card per condition of the knowledge, with the key to the status markers."""
        return self._cite(cards.condition_cards(self.kb, level=3))

    @_widget
    def reference_search(self) -> search.ReferenceSearch:
        return search.ReferenceSearch(self.kb, self.course)

    def search_example(self, query: str) -> Fragment:
        """What the search shows for a word (a worked example nbval compares)."""
        found = search.search(query, self.kb, self.course)
        return self._cite(Fragment(render("search_example.html.j2", status=search.status_text(found),
                                          results=search.results_html(found, self.kb, prefix="example-")),
                                   [s for c in found.cards for s in self.kb.conditions[c].sources],
                                   "search example"))

    def trainer_guide(self) -> Fragment:
        return self._cite(trainer_guide(self.course, self.kb))

    # --------------------------------------------------------------- progress and the record
    @_widget
    def progress(self) -> ProgressView:
        """The learner's progress per lesson, from their own browser (the course home)."""
        return ProgressView(self.course, self.kb)

    @_widget
    def completion_record(self) -> CompletionRecord:
        return CompletionRecord(self.course, self.kb)

    def record_example(self) -> Fragment:
        return record_example(self.course, self.kb)

    @_widget
    def explorer(self):
        from neuropathy_massage.ui.explorer import Explorer

        return Explorer(self.kb)
