"""Practice views of lessons 06-09: place conditions on the body, step through a self-care routine,
ask the advisor about self-care, and work through client case studies.

Thin views: every decision comes from `advisor.plan`, every fact from the knowledge data, every
bit of HTML from the shared render functions or built here with `html.escape`. Results are
written into `HTML`/`Label` values (never `with Output()`), so plain pytest can drive the widgets
with `Button.click()` and `.value = ...` and read what the learner would see.
"""

from __future__ import annotations

from html import escape
from typing import Iterable, Optional

import ipywidgets as W

from neuropathy_massage.advisor import Plan, Selection, plan
from neuropathy_massage.knowledge import CaseStudy, Condition, Knowledge
from neuropathy_massage.ui.render import body_map_html, figure_html, plan_html, plan_marks, technique_html
from neuropathy_massage.ui.render import kb_or_default as _kb

#: The "where" value meaning "the whole session" (any other value is a region id).
WHOLE_SESSION = "whole_session"

_WIDE = {"description_width": "initial"}


# --- HTML built from the data --------------------------------------------------------------

#: The figure (assets/figures/figures.yaml) that shows each self-care routine.
ROUTINE_FIGURES = {
    "foot_roller": "selfcare_foot_roller",
    "marble_foot_tub": "selfcare_marble_tub",
    "hand_circles": "selfcare_hand_circles",
    "finger_strokes": "selfcare_finger_strokes",
}


def routine_card_html(routine_id: str, kb: Knowledge | None = None) -> str:
    """A self-care routine's card (purpose, pressure, direction, duration, numbered steps) beside
    its figure."""
    kb = _kb(kb)
    t = kb.techniques[routine_id]
    if t.setting != "self":
        raise ValueError(f"{routine_id!r} is a therapist technique, not a self-care routine")
    figure = figure_html(ROUTINE_FIGURES[routine_id], max_width="420px") if routine_id in ROUTINE_FIGURES else ""
    return ('<div class="nm-side-by-side" style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start">'
            f'<div style="flex:1 1 340px"><p><strong>{escape(t.name)}</strong></p>{technique_html(routine_id, kb)}</div>'
            f'<div style="flex:1 1 340px">{figure}</div></div>')


# --- Lesson 06: place conditions and watch the plan ----------------------------------------


class ConditionPlacer(W.VBox):
    """Choose the client's symptoms, then a condition and where it applies (the whole session or
    one region); add or remove it, and see the body map and the plan for a session on every
    region of the course (or on `regions`)."""

    def __init__(self, regions: Iterable[str] | None = None, symptoms: Iterable[str] = (),
                 kb: Knowledge | None = None):
        self.kb = _kb(kb)
        self.regions = tuple(regions) if regions is not None else tuple(self.kb.regions)
        self.placed: list[tuple[str, Optional[str]]] = []
        self.symptoms = W.SelectMultiple(
            options=[(s.name, sid) for sid, s in self.kb.symptoms.items()], value=tuple(symptoms),
            rows=min(8, len(self.kb.symptoms)), description="Symptoms", style=_WIDE,
        )
        self.condition = W.Dropdown(
            options=[(c.name, cid) for cid, c in self.kb.conditions.items()],
            description="Condition", style=_WIDE, layout=W.Layout(width="auto"),
        )
        self.where = W.Dropdown(description="Where", style=_WIDE, layout=W.Layout(width="auto"))
        self.add = W.Button(description="Add", tooltip="Add this condition here", icon="plus")
        self.remove = W.Button(description="Remove", tooltip="Remove this condition from here", icon="minus")
        self.placed_view = W.HTML()
        self.message = W.HTML()
        self.status = W.HTML()
        self.body_map = W.HTML()
        self.plan_view = W.HTML()
        self.condition.observe(self._condition_changed, names="value")
        self.symptoms.observe(lambda _change: self._refresh(), names="value")
        self.add.on_click(self._add)
        self.remove.on_click(self._remove)
        self._condition_changed()
        self._refresh()
        super().__init__([
            self.symptoms, self.condition, self.where, W.HBox([self.add, self.remove]), self.message,
            self.placed_view, self.status, self.body_map, self.plan_view,
        ])

    def _where_options(self, cond: Condition) -> list[tuple[str, str]]:
        options = []
        if cond.whole_session is not None:
            options.append(("Whole session", WHOLE_SESSION))
        options += [(self.kb.regions[r].name, r) for r in self.regions if cond.allows_region(r)]
        return options

    def _condition_changed(self, change=None) -> None:
        previous = self.where.value
        options = self._where_options(self.kb.conditions[self.condition.value])
        self.where.options = options
        values = [v for _, v in options]
        self.where.value = previous if previous in values else values[0]

    def _current(self) -> tuple[str, Optional[str]]:
        where = self.where.value
        return self.condition.value, (None if where == WHOLE_SESSION else where)

    def _label(self, item: tuple[str, Optional[str]]) -> str:
        cid, region = item
        return f"{self.kb.conditions[cid].name} — {'whole session' if region is None else self.kb.regions[region].name}"

    def _add(self, _button=None) -> None:
        item = self._current()
        if item in self.placed:
            self.message.value = f"<p>{escape(self._label(item))} is already placed.</p>"
            return
        self.placed.append(item)
        self.message.value = f"<p>Added: {escape(self._label(item))}.</p>"
        self._refresh()

    def _remove(self, _button=None) -> None:
        item = self._current()
        if item not in self.placed:
            self.message.value = f"<p>{escape(self._label(item))} is not placed, so there is nothing to remove.</p>"
            return
        self.placed.remove(item)
        self.message.value = f"<p>Removed: {escape(self._label(item))}.</p>"
        self._refresh()

    def current_plan(self) -> Plan:
        return plan(Selection.of(self.symptoms.value, self.regions, self.placed, "therapist"), self.kb)

    def _refresh(self) -> None:
        p = self.current_plan()
        items = "".join(f"<li>{escape(self._label(i))}</li>" for i in self.placed) or "<li>None yet.</li>"
        self.placed_view.value = f"<p><strong>Conditions placed:</strong></p><ul>{items}</ul>"
        avoided = [r.name for r in p.regions if r.status == "avoid"]
        if p.stop_and_refer:
            verdict = "STOP — the whole session is off: do not massage, refer to a health professional."
        elif avoided:
            n = len(avoided)
            verdict = (f"{n} region{'s' if n > 1 else ''} to AVOID: {', '.join(avoided)}. "
                       "The other regions are suitable, within their pressure limits.")
        else:
            verdict = "No region is avoided: every region is suitable, within its pressure limit."
        self.status.value = f'<p role="status"><strong>{escape(verdict)}</strong></p>'
        self.body_map.value = body_map_html(plan_marks(p), self.kb)
        self.plan_view.value = plan_html(p, self.kb, show_sources=False)


# --- Lessons 07 and 08: a routine step by step, and the advisor's plan for self-care -------


class RoutineStepper(W.VBox):
    """One step of a self-care routine at a time, with Back and Next."""

    def __init__(self, routine_id: str, kb: Knowledge | None = None):
        self.kb = _kb(kb)
        self.routine = self.kb.techniques[routine_id]
        self.steps = self.routine.steps
        self.index = 0
        name = escape(self.routine.name)
        self.title = W.HTML(f"<p><strong>{name}</strong></p>")
        self.back = W.Button(description="Back", tooltip=f"Previous step of: {self.routine.name}", icon="arrow-left")
        self.next = W.Button(description="Next", tooltip=f"Next step of: {self.routine.name}", icon="arrow-right")
        self.position = W.Label()
        self.step = W.HTML()
        self.back.on_click(lambda _b: self.go(self.index - 1))
        self.next.on_click(lambda _b: self.go(self.index + 1))
        self.go(0)
        super().__init__([self.title, W.HBox([self.back, self.position, self.next]), self.step])

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.steps) - 1))
        self.position.value = f"Step {self.index + 1} of {len(self.steps)}"
        self.step.value = f'<p role="status">{escape(self.steps[self.index])}</p>'
        self.back.disabled = self.index == 0
        self.next.disabled = self.index == len(self.steps) - 1


def routine_regions(limb: str, kb: Knowledge | None = None) -> tuple[str, ...]:
    """The regions of one limb ('foot' or 'hand') that some self-care routine works on."""
    kb = _kb(kb)
    covered = {r for t in kb.techniques_for("self") for r in t.regions}
    return tuple(r for r, reg in kb.regions.items() if reg.limb == limb and r in covered)


class SelfCarePlanner(W.VBox):
    """Choose symptoms (and whether feeling is reduced) and see the advisor's self-care plan for
    the feet or the hands."""

    def __init__(self, limb: str, kb: Knowledge | None = None):
        self.kb = _kb(kb)
        self.regions = routine_regions(limb, self.kb)
        if not self.regions:
            raise ValueError(f"no self-care routine works on a {limb!r}")
        self.symptoms = W.SelectMultiple(
            options=[(s.name, sid) for sid, s in self.kb.symptoms.items()],
            rows=min(8, len(self.kb.symptoms)), description="Symptoms", style=_WIDE,
        )
        self.reduced = W.Checkbox(value=False, description="Reduced sensation (feeling is reduced)", style=_WIDE)
        self.plan_view = W.HTML()
        self.symptoms.observe(self._refresh, names="value")
        self.reduced.observe(self._refresh, names="value")
        self._refresh()
        super().__init__([self.symptoms, self.reduced, self.plan_view])

    def current_plan(self) -> Plan:
        conditions = [("reduced_sensation", None)] if self.reduced.value else []
        return plan(Selection.of(self.symptoms.value, self.regions, conditions, "self"), self.kb)

    def _refresh(self, change=None) -> None:
        self.plan_view.value = plan_html(self.current_plan(), self.kb, show_sources=False)


# --- Lesson 09: case studies ------------------------------------------------------------


def case_selection(case: CaseStudy) -> Selection:
    """The advisor selection a case study describes."""
    s = case.selection
    return Selection.of(s.symptoms, s.regions, [(c.id, c.region) for c in s.conditions], s.setting)


def case_plan(case: CaseStudy, kb: Knowledge | None = None) -> Plan:
    return plan(case_selection(case), _kb(kb))


class CaseStudyView(W.VBox):
    """A client's story and a question; the learner picks an answer, then reveals the advisor's
    plan, the explanation of the chosen answer and the case's teaching points."""

    def __init__(self, case_id: str, kb: Knowledge | None = None):
        self.kb = _kb(kb)
        self.case = self.kb.case_studies[case_id]
        c = self.case
        self.story = W.HTML(
            f"<h3>{escape(c.title)}</h3><p>{escape(c.story)}</p><p><strong>{escape(c.question)}</strong></p>"
        )
        self.choice = W.RadioButtons(
            options=[(o.text, i) for i, o in enumerate(c.choices)], value=None,
            description="Your choice", style=_WIDE, layout=W.Layout(width="auto"),
        )
        self.reveal = W.Button(description="Show the advisor's plan", disabled=True,
                               tooltip="Show the plan, the explanation and the teaching points",
                               layout=W.Layout(width="auto"))
        self.feedback = W.HTML()
        self.plan_view = W.HTML()
        self.choice.observe(self._chosen, names="value")
        self.reveal.on_click(self._reveal)
        super().__init__([self.story, self.choice, self.reveal, self.feedback, self.plan_view])

    def _chosen(self, change=None) -> None:
        self.reveal.disabled = self.choice.value is None
        self.feedback.value = ""
        self.plan_view.value = ""

    def _reveal(self, _button=None) -> None:
        if self.choice.value is None:
            self.feedback.value = "<p>Pick what you would do first.</p>"
            return
        option = self.case.choices[self.choice.value]
        right = next(o for o in self.case.choices if o.correct)
        verdict = "✔ Right." if option.correct else "✘ Not the best choice."
        parts = [f"<p><strong>{verdict}</strong> {escape(option.explanation)}</p>"]
        if not option.correct:
            parts.append(f"<p>The best choice is “{escape(right.text)}”: {escape(right.explanation)}</p>")
        points = "".join(f"<li>{escape(t)}</li>" for t in self.case.teaching_points)
        parts.append(f"<p><strong>Teaching points</strong></p><ul>{points}</ul>")
        self.feedback.value = "".join(parts)
        self.plan_view.value = plan_html(case_plan(self.case, self.kb), self.kb, show_sources=False)
