"""The practice widgets: place conditions on the body, step through a self-care routine, ask the
advisor about self-care, and work through client case studies.

Thin views: every decision comes from `advisor.plan`, every fact from the knowledge data, every
bit of HTML from a template. Results are written into `HTML`/`Label` values (never
`with Output()`), so plain pytest can drive the widgets with `Button.click()` and `.value = ...`.
"""

from __future__ import annotations

from typing import Iterable

import ipywidgets as W
import traitlets

from neuropathy_massage.advisor import Plan, plan
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import CaseStudy, Selection
from neuropathy_massage.ui.pickers import ConditionPicker, SymptomPicker
from neuropathy_massage.ui.lesson_views import precautions_elsewhere, without_precautions
from neuropathy_massage.ui.plan_views import body_map, plan_html, plan_marks
from neuropathy_massage.ui.quiz import CASE_MARKS, feedback_html
from neuropathy_massage.ui.safety import guarded
from neuropathy_massage.ui.views import advice, kb_or_default, not_computed, render


class ConditionPlacer(W.VBox):
    """Choose the client's symptoms and place conditions (whole session or one region); see the
    body map and the plan for a session on every region of the course (or on `regions`), in one
    setting (a therapist session, or self-massage)."""

    selection = traitlets.Instance(Selection, help="the selection the plan is made for")

    def __init__(self, regions: Iterable[str] | None = None, symptoms: Iterable[str] = (),
                 kb: Knowledge | None = None, setting: str = "therapist", omit: Iterable[str] = ()):
        self.kb = kb = kb_or_default(kb)
        self.setting = setting
        self.omit = frozenset(omit)  # precautions the page sets out in full elsewhere
        self.regions = tuple(regions) if regions is not None else tuple(kb.regions)
        self.symptoms = SymptomPicker(kb, value=symptoms)
        self.conditions = ConditionPicker(kb, regions=self.regions)
        self.placed_view = W.HTML()
        self.status = advice(W.HTML())
        self.body_map = advice(W.HTML())
        self.plan_view = advice(W.HTML())
        for picker in (self.symptoms, self.conditions):
            picker.observe(lambda _c: guarded(self._failed)(self._refresh)(), names="value")
        super().__init__([self.symptoms, self.conditions, self.placed_view, self.status, self.body_map, self.plan_view])
        self.add_class("nm-practice")
        self._refresh()

    def current_plan(self) -> Plan:
        return plan(self.selection, self.kb)

    def _failed(self) -> None:
        self.status.value, self.body_map.value, self.plan_view.value = not_computed(), "", ""

    def _refresh(self) -> None:
        self.selection = Selection.of(self.symptoms.value, self.regions, self.conditions.value, self.setting)
        p = self.current_plan()
        self.placed_view.value = render("placed.html.j2", heading="Conditions placed:",
                                        lines=[self.conditions.label(c) for c in self.conditions.value])
        self.status.value = render("placer_status.html.j2", plan=p,
                                   avoided=[r.name for r in p.regions if r.status == "avoid"])
        self.body_map.value = str(body_map(plan_marks(p), self.kb))
        shown, elsewhere = without_precautions(p, self.omit)
        self.plan_view.value = str(plan_html(shown, self.kb, show_sources=False)
                                   + (precautions_elsewhere() if elsewhere else ""))


class RoutineStepper(W.VBox):
    """One step of a self-care routine at a time, with Back and Next."""

    index = traitlets.Int(0, help="the step shown (0-based)")

    def __init__(self, routine_id: str, kb: Knowledge | None = None):
        self.kb = kb_or_default(kb)
        self.routine = self.kb.techniques[routine_id]
        self.steps = self.routine.steps
        self.title = W.HTML(render("message.html.j2", text=self.routine.name, strong=True, status=False))
        self.back = W.Button(description="Back", tooltip=f"Previous step of: {self.routine.name}", icon="arrow-left")
        self.next = W.Button(description="Next", tooltip=f"Next step of: {self.routine.name}", icon="arrow-right")
        self.position = W.Label()
        self.step = W.HTML()
        self.back.on_click(lambda _b: self.go(self.index - 1))
        self.next.on_click(lambda _b: self.go(self.index + 1))
        super().__init__([self.title, W.HBox([self.back, self.position, self.next]), self.step])
        self.add_class("nm-stepper")
        self._show()

    @traitlets.validate("index")
    def _within(self, proposal):
        return max(0, min(proposal["value"], len(self.steps) - 1))

    @traitlets.observe("index")
    def _moved(self, _change):
        if hasattr(self, "step"):
            self._show()

    def go(self, index: int) -> None:
        self.index = index

    def _show(self) -> None:
        self.position.value = f"Step {self.index + 1} of {len(self.steps)}"
        self.step.value = render("step.html.j2", text=self.steps[self.index])
        self.back.disabled = self.index == 0
        self.next.disabled = self.index == len(self.steps) - 1


def routine_regions(limb: str, kb: Knowledge | None = None) -> tuple[str, ...]:
    """The regions of one limb ('foot' or 'hand') that some self-care routine works on."""
    kb = kb_or_default(kb)
    covered = {r for t in kb.techniques_for("self") for r in t.regions}
    return tuple(r for r, reg in kb.regions.items() if reg.limb == limb and r in covered)


class SelfCarePlanner(W.VBox):
    """Choose symptoms (and whether feeling is reduced), record any condition, and see the
    advisor's self-care plan for the feet or the hands."""

    selection = traitlets.Instance(Selection, help="the selection the plan is made for")

    def __init__(self, limb: str, kb: Knowledge | None = None):
        self.kb = kb = kb_or_default(kb)
        self.regions = routine_regions(limb, kb)
        if not self.regions:
            raise ValueError(f"no self-care routine works on a {limb!r}")
        self.symptoms = SymptomPicker(kb, legend="Your symptoms")
        self.conditions = ConditionPicker(kb, regions=self.regions)
        self.plan_view = advice(W.HTML())
        for picker in (self.symptoms, self.conditions):
            picker.observe(lambda _c: guarded(lambda: setattr(self.plan_view, "value", not_computed()))(self._refresh)(),
                           names="value")
        super().__init__([self.symptoms, self.conditions, self.plan_view])
        self.add_class("nm-practice")
        self._refresh()

    def current_plan(self) -> Plan:
        return plan(self.selection, self.kb)

    def _refresh(self) -> None:
        self.selection = Selection.of(self.symptoms.value, self.regions, self.conditions.value, "self")
        self.plan_view.value = str(plan_html(self.current_plan(), self.kb, show_sources=False, general=False))


def case_plan(case: CaseStudy, kb: Knowledge | None = None) -> Plan:
    return plan(case.selection, kb_or_default(kb))


class CaseStudyView(W.VBox):
    """A client's story and a question; the learner picks an answer, then reveals the advisor's
    plan, the explanation of the chosen answer and the case's teaching points."""

    def __init__(self, case_id: str, kb: Knowledge | None = None):
        self.kb = kb_or_default(kb)
        self.case = c = self.kb.case_studies[case_id]
        self.story = W.HTML(render("case_story.html.j2", case=c))
        self.choice = W.RadioButtons(options=[(o.text, i) for i, o in enumerate(c.choices)], value=None,
                                     description="Your choice", style={"description_width": "initial"},
                                     layout=W.Layout(width="auto"))
        self.reveal = W.Button(description="Show the advisor's plan", disabled=True,
                               tooltip="Show the plan, the explanation and the teaching points",
                               layout=W.Layout(width="auto"))
        self.feedback = W.HTML()
        self.plan_view = advice(W.HTML())
        self.choice.observe(self._chosen, names="value")
        self.reveal.on_click(guarded(lambda: setattr(self.plan_view, "value", not_computed()))(self._reveal))
        super().__init__([self.story, self.choice, self.reveal, self.feedback, self.plan_view])
        self.add_class("nm-case")

    def _chosen(self, change=None) -> None:
        self.reveal.disabled = self.choice.value is None
        self.feedback.value = ""
        self.plan_view.value = ""

    def _reveal(self, _button=None) -> None:
        if self.choice.value is None:
            self.feedback.value = render("message.html.j2", text="Pick what you would do first.", strong=False, status=True)
            return
        self.feedback.value = feedback_html(self.case.choices[self.choice.value], self.case.choices,
                                            wrong="✘ Not the best choice.", best="The best choice is",
                                            marks=CASE_MARKS, points=self.case.teaching_points)
        self.plan_view.value = str(plan_html(case_plan(self.case, self.kb), self.kb, show_sources=False, general=False))
