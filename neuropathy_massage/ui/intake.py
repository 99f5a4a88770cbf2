"""Intake and consent: the Symptom Explorer's first step (assets/knowledge/intake.yaml).

Plain-language health questions, today's pain (0-10) and the consent line, every word from the
data. A "yes" records the condition ids its question names, for the whole session or at each
area chosen under "where?" (the areas the question and the condition allow), into the explorer's
condition list (`attach`): the same selection the condition picker writes, so the plan changes
exactly as for a condition added by hand. A "no", or no answer, records nothing. Today's pain
goes into the session note's "pain before". The intake records what the client says and never
diagnoses: each question says what a yes records and that the plan adapts.

Consent (docs/DATA.md, "Intake"): the plan is shown whatever the consent box says, so a learner
can practise, but until the consent line is ticked the step says, in words and a sign, that
consent is needed before the plan is used for a session.

Thin by design: the state is in traitlets, `answers` (question id -> True or False; unanswered
questions absent), `places` (question id -> the "where?" values chosen), `pain` (0-10 or None),
`consent`, and `recorded`, the placed conditions the answers record (`recorded_by`). Every input
is bounded: an unknown question, a place a question does not offer or a pain rating outside 0-10
is dropped, never an error.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

import ipywidgets as W
import traitlets

from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import IntakeQuestion, PlacedCondition
from neuropathy_massage.ui.checklist import Checklist
from neuropathy_massage.ui.models import share_models, show
from neuropathy_massage.ui.notes import NOT_ASKED, PAIN
from neuropathy_massage.ui.reveal import Reveal
from neuropathy_massage.ui.pickers import WHOLE_SESSION
from neuropathy_massage.ui.views import kb_or_default, render, stylesheet


def where_options(kb: Knowledge, q: IntakeQuestion) -> list[tuple[str, str]]:
    """What "where?" offers: the whole session (when the question says so), then each area the
    question names (default: every area its condition may be placed on), in the order of regions.yaml."""
    if q.where is None:
        return []
    cond = kb.conditions[q.records[0]]
    whole = [(q.whole_session_option, WHOLE_SESSION)] if q.whole_session_option else []
    asked = set(q.regions or kb.regions)
    return whole + [(r.name, rid) for rid, r in kb.regions.items() if rid in asked and cond.allows_region(rid)]


def recorded_by(kb: Knowledge, answers: Mapping[str, bool], places: Mapping[str, Iterable[str]]) -> tuple:
    """The placed conditions the answers record: every condition of each question answered yes,
    for the whole session or at each place chosen (a question that asks where records nothing
    until a place is chosen)."""
    out = set()
    for qid, q in kb.intake.items():
        if answers.get(qid) is not True:
            continue
        if q.where is None:
            out |= {PlacedCondition(id=cid) for cid in q.records}
        else:
            out |= {PlacedCondition(id=q.records[0], region=None if p == WHOLE_SESSION else p)
                    for p in places.get(qid, ())}
    return tuple(sorted(out, key=lambda c: (c.id, c.region or "")))


class Intake(W.VBox):
    """The questions as labelled, keyboard-operable controls. Display it in the explorer (or on its
    own); `attach()` joins it to a condition picker and a "pain before" box."""

    answers = traitlets.Dict(help="question id -> True (yes) or False (no); unanswered questions absent")
    places = traitlets.Dict(help="question id -> tuple of the 'where?' values chosen")
    pain = traitlets.Int(None, allow_none=True, help="today's pain, 0-10, or None when not asked")
    consent = traitlets.Bool(False, help="the consent line is ticked")
    recorded = traitlets.Tuple(help="the PlacedConditions the answers record")

    def __init__(self, kb: Optional[Knowledge] = None, *, folded: bool = False, **kwargs):
        self.kb = kb = kb_or_default(kb)
        self.yes_no: dict[str, W.RadioButtons] = {}
        self.where: dict[str, Checklist] = {}  # a list of checkboxes each (no Ctrl/Cmd-click), made on first yes
        self.where_box: dict[str, W.VBox] = {}  # around each, hidden until the answer is yes
        self.pain_box: Optional[W.Dropdown] = None
        self.consent_box: Optional[W.Checkbox] = None
        self.status = W.HTML()
        self._made: Optional[W.VBox] = None
        self.folded = folded
        #: folded: the questions are made and drawn when the button opens them (or when code answers
        #: one); the status and the consent line stay in view
        asked = [q for q in kb.intake.values() if q.answer != "consent"]
        self.reveal = Reveal(make=self._questions, show_label=f"Ask the intake questions ({len(asked)})",
                             hide_label="Hide the intake questions") if folded else None
        styles = W.HTML(render("styles.html.j2", css=stylesheet("intake.css")))
        consent = [self._item(n, q) for n, q in enumerate(kb.intake.values(), start=1) if q.answer == "consent"]
        shown = [self.status, *consent, self.reveal] if folded else [self._questions(), self.status]
        super().__init__([styles, *shown], **kwargs)
        self.add_class("nm-intake")
        self._show()

    @property
    def questions(self) -> W.VBox:
        """The questions, one item each under its topic's heading (made now if not yet)."""
        return self.reveal.ensure() if self.reveal is not None else self._questions()

    def _questions(self) -> W.VBox:
        if self._made is None:
            children: list[W.Widget] = []
            topic = None
            for number, q in enumerate(self.kb.intake.values(), start=1):
                if self.folded and q.answer == "consent":
                    continue  # in view beside the status, not under the button
                if q.topic != topic:
                    topic = q.topic
                    children.append(W.HTML(render("heading.html.j2", level=3, text=topic, help="")))
                children.append(self._item(number, q))
            self._made = W.VBox(children)
        return self._made

    def _item(self, number: int, q: IntakeQuestion) -> W.VBox:
        names = [self.kb.conditions[cid].name for cid in q.records]
        prompt = W.HTML(render("intake_question.html.j2", number=number, question=q.question, records=names,
                               where=q.where is not None, note=q.note if q.answer == "yes_no" else None))
        if q.answer == "consent":
            box = self.consent_box = W.Checkbox(value=False, description=q.question, indent=False,
                                                layout=W.Layout(width="auto", max_width="100%"))
            box.add_class("nm-intake-consent-box")
            box.observe(lambda change: setattr(self, "consent", bool(change["new"])), names="value")
            controls: list[W.Widget] = [box]
        elif q.answer == "pain":
            box = self.pain_box = W.Dropdown(options=[("not asked", NOT_ASKED)] + [(str(n), n) for n in PAIN],
                                             value=NOT_ASKED, description=f"Pain today (0–10), question {number}",
                                             style={"description_width": "initial"}, layout=W.Layout(width="auto"))
            box.observe(lambda change: setattr(self, "pain", change["new"]), names="value")
            controls = [prompt, box]
        else:
            radio = self.yes_no[q.id] = W.RadioButtons(options=[("No", False), ("Yes", True)], value=self.answers.get(q.id),
                                                       description=f"Answer {number}", orientation="horizontal",
                                                       style={"description_width": "initial"},
                                                       layout=W.Layout(width="auto"))
            radio.observe(lambda change, qid=q.id: self._answered(qid, change["new"]), names="value")
            controls = [prompt, radio]
            if q.where is not None:
                # the list of areas is made when the answer is first yes (`checklist`): a page that
                # never needs it does not carry it; the box around it shows and hides it (anywidget
                # views do not follow class changes after they are drawn)
                holder = self.where_box[q.id] = W.VBox([])
                show(holder, False)
                controls.append(holder)
        item = W.VBox(controls)
        item.add_class("nm-intake-item")
        item.add_class(f"nm-intake-{q.id}")
        return item

    # ------------------------------------------------------------------ bounded state
    @traitlets.validate("answers")
    def _known_answers(self, proposal):
        asked = {qid for qid, q in self.kb.intake.items() if q.answer == "yes_no"}
        return {qid: value for qid, value in (proposal["value"] or {}).items()
                if qid in asked and isinstance(value, bool)}

    @traitlets.validate("places")
    def _offered_places(self, proposal):
        out = {}
        for qid, chosen in (proposal["value"] or {}).items():
            q = self.kb.intake.get(qid)
            offered = {v for _, v in where_options(self.kb, q)} if q is not None else set()
            kept = tuple(v for v in (chosen if isinstance(chosen, (list, tuple)) else ()) if v in offered)
            if kept:
                out[qid] = kept
        return out

    @traitlets.validate("pain")
    def _pain_on_the_scale(self, proposal):
        return proposal["value"] if proposal["value"] in PAIN else None

    @traitlets.observe("answers", "places", "pain", "consent")
    def _changed(self, _change):
        self.recorded = recorded_by(self.kb, self.answers, self.places)
        self._show()

    def _answered(self, qid: str, value) -> None:
        self.answers = {**{k: v for k, v in self.answers.items() if k != qid},
                        **({} if value is None else {qid: bool(value)})}
        if qid in self.where_box:
            if value is True:
                self.checklist(qid)
            show(self.where_box[qid], value is True)

    def checklist(self, qid: str) -> Checklist:
        """The "where?" list of a question that asks where, made on first need."""
        if qid not in self.where:
            q = self.kb.intake[qid]
            where = self.where[qid] = share_models(Checklist(where_options(self.kb, q), legend=q.where,
                                                             value=list(self.places.get(qid, ()))))
            where.observe(lambda change: self._placed(qid, change["new"]), names="value")
            self.where_box[qid].children = (where,)
        return self.where[qid]

    def _placed(self, qid: str, value) -> None:
        self.places = {**self.places, qid: tuple(value)}

    def _show(self) -> None:
        numbers = {qid: n for n, qid in enumerate(self.kb.intake, start=1)}
        waiting = [numbers[qid] for qid in self.where_box if self.answers.get(qid) is True and not self.places.get(qid)]
        noted = [q.note for qid, q in self.kb.intake.items()
                 if self.answers.get(qid) is True and not q.records and q.note]
        recorded = [self.kb.conditions[c.id].name + (" (for the whole session)" if c.region is None
                                                     else f" (at {self.kb.regions[c.region].name})")
                    for c in self.recorded]
        self.status.value = render("intake_status.html.j2", consent=self.consent, recorded=recorded,
                                   waiting=waiting, noted=noted, pain=self.pain)

    # ------------------------------------------------------------------ driving it
    def answer(self, question_id: str, yes: Optional[bool], where: Iterable[str] = ()) -> None:
        """Answer one question as a learner would (None: back to unanswered), and choose where."""
        _ = self.questions  # made now if folded and never opened
        self.yes_no[question_id].value = yes
        if question_id in self.where_box and (where or question_id in self.where):
            self.checklist(question_id).value = tuple(where)

    def attach(self, picker, pain_before: Optional[W.Dropdown] = None) -> None:
        """Record the answers into a ConditionPicker's `value` (the explorer's condition list):
        what the intake recorded before and no longer records is taken out, what it newly records
        is added; and copy today's pain into a "pain before" box."""
        def sync(change):
            gone, new = set(change["old"]) - set(change["new"]), set(change["new"]) - set(change["old"])
            picker.value = tuple(c for c in picker.value if c not in gone) + tuple(sorted(new, key=str))

        self.observe(sync, names="recorded")
        if pain_before is not None:
            self.observe(lambda change: setattr(pain_before, "value", NOT_ASKED if change["new"] is None
                                                else change["new"]), names="pain")
