"""The Symptom Explorer: the course's front door (notebooks/10_symptom_explorer.ipynb).

Choose symptoms, the setting, body regions (on a clickable, keyboard-operable body map) and any
conditions with where they apply; the plan, the map's marks and the downloadable session-plan
handout follow on every change.

Thin by design: the only state is one `Selection` (plus the handout's free text); every change
goes through `update()`, which calls the advisor and writes plain values into widgets (HTML
values, the map's marks), so a plain-Python test can drive the controls and read the result.
Everything shown as HTML is escaped (Jinja2 autoescape or `html.escape`).
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

import ipywidgets as W
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_string import HTMLStyle

from neuropathy_massage.advisor import ConditionAt, Plan, Selection, plan
from neuropathy_massage.knowledge import Knowledge, load_knowledge
from neuropathy_massage.ui.body_map import BodyMap
from neuropathy_massage.ui.export import SETTING_NAMES, download_link_html, handout_html
from neuropathy_massage.ui.render import plan_html, plan_marks

WHOLE_SESSION = ""  # the "Where" dropdown's value for "the whole session"
REDUCED_SENSATION = ConditionAt("reduced_sensation", None)
MARK_WORDS = {"ok": "suitable (dots on the map)", "avoid": "AVOID (diagonal lines on the map)"}

_CSS = """<style>
.nm-explorer { gap: 0 2rem; }
.nm-explorer h2 { margin: 1.2em 0 0.3em; font-size: 1.3em; }
.nm-explorer .nm-step-help { margin: 0 0 0.5em; }
.nm-symptom { margin: 0 0 0.6em; }
.nm-symptom .nm-desc { margin: -0.2em 0 0 1.9em; font-size: 0.92em; color: #333; line-height: 1.35; }
.nm-results { position: sticky; top: 0; align-self: flex-start; }
.nm-results .nm-stop { border: 4px double #000; padding: 0.4em 0.8em; background: #fff3f2; }
.nm-results .nm-refer { border: 2px solid #000; padding: 0.4em 0.8em; background: #fffbe6; }
.nm-marks-list ul { margin: 0.2em 0 0.5em; }
.nm-download:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
</style>"""


class _Shared:
    """Layout and style models shared by many widgets: each widget would otherwise bring its own
    (the explorer went from 138 widget models to 68), and every model costs the kernel
    and the browser time at first render."""

    def __init__(self):
        self.plain = W.Layout()
        self.auto = W.Layout(width="auto")
        self.wide = W.Layout(width="auto", max_width="100%")
        self.html_style = HTMLStyle()
        self.checkbox_style = CheckboxStyle()

    def html(self, value: str = "") -> W.HTML:
        return W.HTML(value, layout=self.plain, style=self.html_style)

    def checkbox(self, description: str) -> W.Checkbox:
        return W.Checkbox(value=False, description=description, indent=False, layout=self.auto,
                          style=self.checkbox_style)

    def heading(self, text: str, help_text: str = "") -> W.HTML:
        more = f'<p class="nm-step-help">{escape(help_text)}</p>' if help_text else ""
        return self.html(f"<h2>{escape(text)}</h2>{more}")

    def labelled(self, **kw) -> dict:
        return {"style": {"description_width": "initial"}, "layout": self.wide, **kw}


class Explorer(W.VBox):
    """Display it (`Explorer()`) in a notebook; drive it from Python in tests."""

    def __init__(self, kb: Knowledge | None = None):
        self.kb = kb = kb or load_knowledge()
        self.selection = Selection()
        self.plan: Plan | None = None
        self._busy = False
        ui = _Shared()

        # 1. Symptoms: a checkbox labelled with the name, the description right under it.
        self.symptom_boxes: dict[str, W.Checkbox] = {}
        symptom_rows = []
        for sid, s in kb.symptoms.items():
            box = ui.checkbox(s.name)
            box.observe(self._on_symptoms, names="value")
            self.symptom_boxes[sid] = box
            row = W.VBox([box, ui.html(f'<p class="nm-desc">{escape(s.description)}</p>')], layout=ui.plain)
            row.add_class("nm-symptom")
            symptom_rows.append(row)

        # 2. Setting.
        self.setting = W.RadioButtons(
            options=[(SETTING_NAMES["therapist"], "therapist"), (SETTING_NAMES["self"], "self")],
            value="therapist", description="Setting", **ui.labelled(),
        )
        self.setting.observe(self._on_setting, names="value")

        # 3. Body regions: the map, a text list of what is chosen, a clear button.
        self.body_map = BodyMap(kb)
        self.body_map.observe(self._on_regions, names="selected")
        self.regions_list = ui.html()
        self.regions_list.add_class("nm-marks-list")
        self.clear_regions = W.Button(description="Clear all regions", tooltip="Clear every chosen region",
                                      layout=ui.auto)
        self.clear_regions.on_click(lambda _: setattr(self.body_map, "selected", []))

        # 4. Conditions: reduced sensation (whole session), then any condition at a place.
        self.reduced = ui.checkbox("Reduced sensation (the client cannot feel accurately): whole session")
        self.reduced.observe(self._on_reduced, names="value")
        self.condition = W.Dropdown(options=[(c.name, cid) for cid, c in kb.conditions.items()],
                                    description="Condition", **ui.labelled())
        self.where = W.Dropdown(description="Where it applies", **ui.labelled())
        self.condition.observe(lambda _: self._refresh_where(), names="value")
        self.add_condition = W.Button(description="Add condition", button_style="", layout=ui.auto)
        self.add_condition.on_click(lambda _: self.add(self.condition.value, self.where.value or None))
        self.placed = W.Select(options=[], rows=4, description="Conditions added", **ui.labelled())
        self.remove_condition = W.Button(description="Remove chosen condition", layout=ui.auto)
        self.remove_condition.on_click(lambda _: self._remove_chosen())
        self.conditions_note = ui.html()
        self._refresh_where()

        # The result and the handout.
        self.result = ui.html()
        self.client_name = W.Text(description="Client name", placeholder="optional", **ui.labelled())
        self.notes = W.Textarea(description="Notes for the handout", placeholder="optional",
                                rows=3, **ui.labelled())
        for w in (self.client_name, self.notes):
            w.observe(lambda _: self.update(), names="value")
        self.handout_for = ui.html()
        self.download = ui.html()

        inputs = W.VBox([
            ui.html(_CSS),
            ui.heading("1. Symptoms", "Tick each symptom the client reports."),
            *symptom_rows,
            ui.heading("2. Setting"),
            self.setting,
            ui.heading("3. Body regions", "Choose where the symptoms are, on the map."),
            self.body_map,
            self.regions_list,
            self.clear_regions,
            ui.heading("4. Conditions and red flags",
                     "Record anything that changes the plan, for the whole session or at one region."),
            self.reduced,
            self.condition, self.where, self.add_condition,
            self.placed, self.remove_condition, self.conditions_note,
        ], layout=W.Layout(flex="1 1 520px", min_width="280px"))
        results = W.VBox([
            ui.heading("Your plan", "Updated on every change. Red flags and \"stop and refer\" always come first."),
            self.result,
            ui.heading("Session plan handout",
                     "A print-ready page with the choices, the plan, precautions and sources."),
            self.client_name, self.notes, self.handout_for, self.download,
        ], layout=W.Layout(flex="1 1 420px", min_width="280px"))
        results.add_class("nm-results")
        super().__init__([inputs, results], layout=W.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.add_class("nm-explorer")
        self.update()

    # ------------------------------------------------------------------ state changes
    def _set(self, **changes) -> None:
        new = replace(self.selection, **changes)
        if new != self.selection:
            self.selection = new
            self.update()

    def _on_symptoms(self, _=None) -> None:
        self._set(symptoms=frozenset(sid for sid, b in self.symptom_boxes.items() if b.value))

    def _on_setting(self, change) -> None:
        self._set(setting=change["new"])

    def _on_regions(self, change) -> None:
        self._set(regions=frozenset(change["new"]))

    def _on_reduced(self, change) -> None:
        if self._busy:
            return
        placed = set(self.selection.conditions)
        (placed.add if change["new"] else placed.discard)(REDUCED_SENSATION)
        self._set(conditions=frozenset(placed))

    def add(self, condition_id: str, region: str | None = None) -> None:
        """Place a condition for the whole session (`region=None`) or at one region; a region
        that was not chosen yet is chosen, so the plan shows what the condition does there."""
        at = ConditionAt(condition_id, region or None)
        if region and region not in self.selection.regions:
            self.selection = replace(self.selection, conditions=self.selection.conditions | {at})
            self.body_map.selected = list(self.body_map.selected) + [region]  # -> _on_regions -> update
            note = f"Added. {self.kb.regions[region].name} is now chosen on the map."
        else:
            self._set(conditions=self.selection.conditions | {at})
            note = "Added."
        self.conditions_note.value = f"<p>{escape(note)}</p>"

    def remove(self, condition_id: str, region: str | None = None) -> None:
        self._set(conditions=self.selection.conditions - {ConditionAt(condition_id, region or None)})
        self.conditions_note.value = "<p>Removed.</p>"

    def _remove_chosen(self) -> None:
        if self.placed.value is None:
            self.conditions_note.value = "<p>Choose a condition in the list first, then remove it.</p>"
            return
        cid, _, region = self.placed.value.partition("@")
        self.remove(cid, region or None)

    def _refresh_where(self) -> None:
        cond = self.kb.conditions[self.condition.value]
        options = []
        if cond.whole_session is not None:
            options.append(("Whole session", WHOLE_SESSION))
        allowed = [(r.name, rid) for rid, r in self.kb.regions.items() if cond.allows_region(rid)]
        options += [o for o in allowed if o[1] in self.selection.regions]
        options += [o for o in allowed if o[1] not in self.selection.regions]
        # Keep the learner's choice while it is still sensible; otherwise the whole session, or
        # else the first chosen region.
        keep = self.where.value
        self.where.options = options
        values = [v for _, v in options]
        if keep not in values or (keep != WHOLE_SESSION and keep not in self.selection.regions):
            keep = values[0]
        self.where.value = keep

    # ------------------------------------------------------------------ the one update
    def _condition_text(self, c: ConditionAt) -> str:
        where = "whole session" if c.region is None else f"at {self.kb.regions[c.region].name}"
        return f"{self.kb.conditions[c.id].name} — {where}"

    def update(self) -> None:
        """Recompute the plan from the selection and write every view from it."""
        sel = self.selection
        self.plan = p = plan(sel, self.kb)
        self.result.value = plan_html(p, self.kb, link_lessons=True)

        marks = plan_marks(p)
        self.body_map.marks = marks
        if sel.regions:
            items = "".join(
                f"<li>{escape(r.name)}: {escape(MARK_WORDS[marks[rid]])}</li>"
                for rid, r in self.kb.regions.items() if rid in sel.regions
            )
            self.regions_list.value = f"<p><strong>Chosen regions ({len(sel.regions)}):</strong></p><ul>{items}</ul>"
        else:
            self.regions_list.value = "<p><strong>Chosen regions:</strong> none yet.</p>"

        placed = sorted(sel.conditions, key=lambda c: (c.id, c.region or ""))
        self.placed.options = [(self._condition_text(c), f"{c.id}@{c.region or ''}") for c in placed]
        self._busy = True
        try:
            self.reduced.value = REDUCED_SENSATION in sel.conditions
        finally:
            self._busy = False
        self._refresh_where()

        name = self.client_name.value.strip()
        self.handout_for.value = (
            f"<p>The handout will name the client: <strong>{escape(name)}</strong></p>" if name
            else "<p>The handout leaves the client's name blank.</p>"
        )
        self.download.value = download_link_html(self.handout())

    def handout(self) -> str:
        """The current session plan as a print-ready HTML document."""
        return handout_html(self.plan, self.client_name.value, self.notes.value, self.kb)
