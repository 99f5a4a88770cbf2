"""The Symptom Explorer: the course's dashboard (notebooks/symptom_explorer.ipynb).

Choose symptoms, the setting, body areas (regions, on a clickable, keyboard-operable body map) and any
conditions with where they apply; the plan, the map's marks and the downloadable session-plan
handout follow on every change.

Thin by design: the state is one `Selection` (a traitlet, `selection`) plus the handout's free
text; every change goes through `update()`, which calls the advisor and writes plain values into
widgets (HTML values, the map's marks), so a plain-Python test can drive the controls and read
the result. Every piece of HTML comes from a template.
"""

from __future__ import annotations

import ipywidgets as W
import traitlets

from neuropathy_massage.advisor import Plan, plan
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import Selection
from neuropathy_massage.ui.body_map import BodyMap
from neuropathy_massage.ui.notes import NOT_ASKED, SessionNotes
from neuropathy_massage.ui.handout import MAX_NAME, MAX_NOTES, SETTING_NAMES, download_link_html, handout_html
from neuropathy_massage.ui.intake import Intake
from neuropathy_massage.ui.pickers import ConditionPicker, SymptomPicker
from neuropathy_massage.ui.printing import PrintButton
from neuropathy_massage.ui.reveal import Reveal
from neuropathy_massage.ui.plan_views import general_html, plan_html, plan_marks
from neuropathy_massage.ui.safety import guarded
from neuropathy_massage.ui.verdict import VerdictBar
from neuropathy_massage.ui.views import advice, kb_or_default, not_computed, render, styles

#: The id of the explorer's plan (the verdict bar links to it).
PLAN_ANCHOR = "nm-plan"
MARK_WORDS = {"ok": "suitable (dots on the map)", "avoid": "AVOID (diagonal lines on the map)"}


def limited(widget: W.Widget, chars: int) -> W.Widget:
    """Mark a text widget with its length limit (the page sets maxlength on its input)."""
    widget.add_class(f"course-maxlength-{chars}")
    return widget


def _heading(text: str, help_text: str = "") -> W.HTML:
    return W.HTML(render("heading.html.j2", level=2, text=text, help=help_text))


class Explorer(W.VBox):
    """Display it (`Explorer()`) in a notebook; drive it from Python in tests."""

    selection = traitlets.Instance(Selection, help="everything the learner chose")

    def __init__(self, kb: Knowledge | None = None):
        self.kb = kb = kb_or_default(kb)
        self.plan: Plan | None = None
        self.symptoms = SymptomPicker(kb, legend="", describe=True)  # under the step's heading "1. Symptoms"
        self.setting = W.RadioButtons(options=[(SETTING_NAMES[s], s) for s in ("therapist", "self")], value="therapist",
                                      description="Setting", style={"description_width": "initial"},
                                      layout=W.Layout(width="auto"))
        self.body_map = BodyMap(kb)
        self.regions_list = W.HTML()
        self.regions_list.add_class("nm-marks-list")
        self.clear_regions = W.Button(description="Clear all areas", tooltip="Clear every chosen area",
                                      layout=W.Layout(width="auto"))
        self.clear_regions.on_click(lambda _b: setattr(self.body_map, "selected", []))
        self.conditions = ConditionPicker(kb)
        self.result = W.HTML()
        self.verdict = VerdictBar(target=PLAN_ANCHOR)  # the plan in a few words, in view and announced
        self.general = W.HTML(str(general_html(kb)))  # once on the page, not with every plan
        self.client_name = W.Text(description="Client name", placeholder="optional", style={"description_width": "initial"},
                                  layout=W.Layout(width="auto", max_width="100%"))
        self.notes = W.Textarea(description="Notes for the handout", placeholder="optional", rows=3,
                                style={"description_width": "initial"}, layout=W.Layout(width="auto", max_width="100%"))
        limited(self.client_name, MAX_NAME)
        limited(self.notes, MAX_NOTES)
        self.prepare = W.Button(description="Prepare the handout", tooltip="Make the handout of the plan as it is now",
                                layout=W.Layout(width="auto"))
        self.prepare.on_click(lambda _b: self.prepare_handout())
        self.handout_for = W.HTML()
        # the plan as it is now, printed alone on A4 (the handout's document, with the body map)
        self.print_plan = PrintButton(label="Print the plan")
        self.download = W.HTML()
        # step 5 is made when first opened (or used by code): `session_notes`
        self._notes: SessionNotes | None = None
        self.paperwork = Reveal(make=lambda: self.session_notes, show_label="Write the session note or referral letter",
                                hide_label="Hide the session note and letter")
        for widget in (self.verdict, self.result, self.general, self.print_plan, self.regions_list, self.body_map,
                       self.handout_for, self.download):
            advice(widget)  # withdrawn from view and from the accessibility tree when the connection is lost
        # its answers go into the conditions list and the note's "pain before"; its questions are
        # under a button (its status, consent included, always in view)
        self.intake = Intake(kb, folded=True)
        self.intake.attach(self.conditions)
        self.intake.observe(lambda _c: self._pain_to_note(), names="pain")

        inputs = W.VBox([
            W.HTML(styles()),
            _heading("Before you start: intake and consent",
                     "Before a session, ask the client each question; a yes records a condition below and the "
                     "plan adapts."), self.intake,
            _heading("1. Symptoms", "Tick each symptom the client reports."), self.symptoms,
            _heading("2. Setting"), self.setting,
            _heading("3. Body areas", "Choose where the symptoms are, on the map."),
            self.body_map, self.regions_list, self.clear_regions,
            _heading("4. Conditions and red flags",
                     "Record anything that changes the plan: for the whole session, or on one area."),
            self.conditions,
        ], layout=W.Layout(flex="1 1 520px", min_width="280px"))
        results = W.VBox([
            self.verdict,
            _heading("Your plan", 'Updated on every change. An emergency, then "stop and get help", always come first.'),
            self.result, self.general, self.print_plan,
            _heading("Session plan handout", "A print-ready page with the choices, the plan, precautions and sources."),
            self.client_name, self.notes, self.prepare, self.handout_for, self.download,
        ], layout=W.Layout(flex="1 1 420px", min_width="280px"))
        results.add_class("nm-results")
        paperwork = W.VBox([
            _heading("5. Session note and referral letter",
                     "After the session: a note of it (SOAP) and, when the plan refers, a letter to the client's doctor."),
            self.paperwork,
        ], layout=W.Layout(flex="1 1 100%", min_width="280px"))
        super().__init__([inputs, results, paperwork], layout=W.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.add_class("nm-explorer")
        for widget, name in ((self.symptoms, "value"), (self.setting, "value"), (self.body_map, "selected"),
                             (self.conditions, "value")):
            widget.observe(lambda _c: self._collect(), names=name)
        for widget in (self.client_name, self.notes):
            widget.observe(lambda _c: self._text_changed(), names="value")
        self._collect()

    @property
    def session_notes(self) -> SessionNotes:
        """Step 5, the session note and referral letter: made on first need, then following the plan
        (its "pain before" starts from the intake's pain today)."""
        if self._notes is None:
            self._notes = advice(SessionNotes(self.kb, client_name=self.client_name))
            self._pain_to_note()
            self._notes.show(self.plan)
        return self._notes

    def _pain_to_note(self) -> None:
        if self._notes is not None:
            self._notes.pain_before.value = NOT_ASKED if self.intake.pain is None else self.intake.pain

    # ------------------------------------------------------------------ state changes
    def _collect(self) -> None:
        """Read every control into one selection (a condition placed on a region that is not chosen
        yet chooses it, so the plan shows what the condition does there)."""
        missing = [c.region for c in self.conditions.value if c.region and c.region not in self.body_map.selected]
        if missing:
            self.body_map.selected = list(self.body_map.selected) + missing  # observed: comes back here
            return
        self.conditions.chosen_regions = tuple(self.body_map.selected)
        self.selection = Selection.of(self.symptoms.value, self.body_map.selected, self.conditions.value,
                                      self.setting.value)

    @traitlets.observe("selection")
    def _selection_changed(self, _change):
        self.update()

    def add(self, condition_id: str, region: str | None = None) -> None:
        """Place a condition for the whole session (`region=None`) or at one region."""
        self.conditions.add(condition_id, region)

    def remove(self, condition_id: str, region: str | None = None) -> None:
        self.conditions.remove(condition_id, region)

    # ------------------------------------------------------------------ the one update
    def _failed(self) -> None:
        """The plan could not be worked out: withdraw every piece of advice and say so."""
        self.plan = None
        self.verdict.show(None)
        self.result.value = not_computed()
        self.body_map.marks = {}
        self.regions_list.value = ""
        self.download.value = ""
        self.handout_for.value = ""
        self.print_plan.document = ""
        if self._notes is not None:
            self._notes.show(None)

    def update(self) -> None:
        """Recompute the plan from the selection and write every view from it (on any error the
        advice is withdrawn, never left as it was: `_failed`)."""
        guarded(self._failed)(self._update)()

    def _update(self) -> None:
        previous, self.plan = self.plan, plan(self.selection, self.kb)
        p = self.plan
        self.result.value = str(plan_html(p, self.kb, link_lessons=True, general=False, previous=previous,
                                          anchor=PLAN_ANCHOR))
        self.verdict.show(p)
        marks = plan_marks(p)
        self.body_map.marks = marks
        self.regions_list.value = render("explorer_regions.html.j2", regions=[
            (r.name, MARK_WORDS[marks[rid]]) for rid, r in self.kb.regions.items() if rid in self.selection.regions])
        self._withdraw_handout()
        if self._notes is not None:
            self._notes.show(p)

    def _text_changed(self) -> None:
        for widget, limit in ((self.client_name, MAX_NAME), (self.notes, MAX_NOTES)):
            if len(widget.value) > limit:
                widget.value = widget.value[:limit]  # observed: comes back here, shortened
                return
        self._withdraw_handout()

    def _withdraw_handout(self) -> None:
        """A handout made before a change is no longer the plan: take its link away (the print
        button always carries the plan as it is now: a few milliseconds to render)."""
        if self.plan is not None:
            self.print_plan.document = self.handout()
        stale = bool(self.download.value)
        self.download.value = ""
        self.handout_for.value = render("handout_note.html.j2", prepared=False, changed=stale,
                                        name=self.client_name.value.strip())

    def prepare_handout(self) -> None:
        """Make the handout of the plan as it is now (on request: nothing is rebuilt per keystroke)."""
        if self.plan is None:
            return
        self.handout_for.value = render("handout_note.html.j2", prepared=True, changed=False,
                                        name=self.client_name.value.strip())
        self.download.value = download_link_html(self.handout())

    def handout(self) -> str:
        """The current session plan as a print-ready HTML document."""
        return handout_html(self.plan, self.client_name.value, self.notes.value, self.kb)
