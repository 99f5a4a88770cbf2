"""The two choosers every lesson and the explorer share: symptoms, and conditions with where they apply.

Both keep their state in a traitlet (`value`), so a lesson widget or the explorer observes or
links it instead of reading checkboxes. Both accept only ids the knowledge knows: anything else
(an unknown id, a crafted widget state, `None`) is ignored with a message, never an error that
jams the page.
"""

from __future__ import annotations

from typing import Iterable, Optional

import ipywidgets as W
import traitlets

from neuropathy_massage import wording
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import PlacedCondition
from neuropathy_massage.ui.views import kb_or_default, render

#: The "where" value meaning "the whole session" (any other value is a region id).
WHOLE_SESSION = "whole_session"


def _html(value: str = "") -> W.HTML:
    return W.HTML(value)


class SymptomPicker(W.VBox):
    """One labelled checkbox per symptom (in the order of symptoms.yaml), with its description
    underneath when `describe` is true, under a heading `legend` (none when empty: the page's own
    step heading says it)."""

    value = traitlets.Tuple(help="ids of the ticked symptoms, in the order of symptoms.yaml")

    def __init__(self, kb: Optional[Knowledge] = None, *, legend: str = "Symptoms the client reports",
                 describe: bool = False, value: Iterable[str] = (), **kwargs):
        self.kb = kb_or_default(kb)
        self.boxes = {sid: W.Checkbox(value=False, description=s.name, indent=False,
                                      layout=W.Layout(width="auto"))
                      for sid, s in self.kb.symptoms.items()}
        rows = []
        for sid, box in self.boxes.items():
            box.observe(self._ticked, names="value")
            if describe:
                row = W.VBox([box, _html(render("symptom_description.html.j2", text=self.kb.symptoms[sid].description))])
                row.add_class("nm-symptom")
                rows.append(row)
            else:
                rows.append(box)
        self._syncing = False
        heading = [_html(render("heading.html.j2", level=3, text=legend, help="Tick any that apply."))] if legend else []
        super().__init__([*heading, *rows], **kwargs)
        self.add_class("nm-symptom-picker")
        self.value = tuple(value)

    @traitlets.validate("value")
    def _known_only(self, proposal):
        wanted = set(proposal["value"] or ())
        return tuple(sid for sid in self.kb.symptoms if sid in wanted)

    @traitlets.observe("value")
    def _to_boxes(self, change):
        self._syncing = True
        try:
            for sid, box in self.boxes.items():
                box.value = sid in change["new"]
        finally:
            self._syncing = False

    def _ticked(self, _change) -> None:
        if not self._syncing:
            self.value = tuple(sid for sid, box in self.boxes.items() if box.value)

    def set(self, *symptom_ids: str) -> None:
        """Tick exactly these symptoms (for tests and worked examples)."""
        unknown = [s for s in symptom_ids if s not in self.boxes]
        if unknown:
            raise KeyError(f"unknown symptoms {unknown}")
        self.value = symptom_ids


class ConditionPicker(W.VBox):
    """Record conditions: quick whole-session checkboxes for the conditions that reduce sensation,
    and (unless `quick_only`) any condition placed for the whole session or at one area.

    "Where it applies" offers only the scopes the chosen condition allows (its `whole_session`
    response, its `regions`) and goes back to the first of them whenever the condition changes.
    Every recorded condition is a ticked checkbox (`recorded`): untick it to remove it, so no list
    needs Ctrl/Cmd-click and no separate Remove button.

    `regions` limits the areas offered; `chosen_regions` (set by the explorer) lists the areas
    already chosen first. `value` holds every placed condition."""

    value = traitlets.Tuple(help="the placed conditions (PlacedCondition), sorted by id and region")
    chosen_regions = traitlets.Tuple(help="region ids chosen elsewhere, offered first under 'Where it applies'")

    def __init__(self, kb: Optional[Knowledge] = None, *, regions: Optional[Iterable[str]] = None,
                 quick_only: bool = False, **kwargs):
        self.kb = kb = kb_or_default(kb)
        self.regions = tuple(regions) if regions is not None else tuple(kb.regions)
        self.quick = {cid: W.Checkbox(value=False, description=f"{c.name}: for the whole session", indent=False,
                                      layout=W.Layout(width="auto"))
                      for cid, c in kb.conditions.items() if c.reduces_sensation and c.whole_session is not None}
        for cid, box in self.quick.items():
            box.observe(lambda change, cid=cid: self._quick_ticked(cid, change["new"]), names="value")
        self.message = _html()
        self._syncing = False
        children: list[W.Widget] = list(self.quick.values())
        if not quick_only:
            self.condition = W.Dropdown(options=[(wording.condition_title(kb, cid), cid) for cid in kb.conditions],
                                        description="Condition", style={"description_width": "initial"},
                                        layout=W.Layout(width="auto", max_width="100%"))
            self.where = W.Dropdown(description="Where it applies", style={"description_width": "initial"},
                                    layout=W.Layout(width="auto", max_width="100%"))
            self.add_button = W.Button(description="Add condition", layout=W.Layout(width="auto"))
            self.recorded_heading = _html()
            self.recorded = W.VBox()
            self.recorded.add_class("nm-recorded")
            self.condition.observe(lambda _c: self._refresh_where(reset=True), names="value")
            self.add_button.on_click(lambda _b: self._add_current())
            self._refresh_where(reset=True)
            self._show_recorded(())
            children += [self.condition, self.where, self.add_button, self.recorded_heading, self.recorded]
        super().__init__([*children, self.message], **kwargs)
        self.add_class("nm-condition-picker")
        self.quick_only = quick_only

    # --- value -----------------------------------------------------------------------------
    @traitlets.validate("value")
    def _valid(self, proposal):
        out, dropped = set(), []
        for item in proposal["value"] or ():
            try:
                pc = item if isinstance(item, PlacedCondition) else PlacedCondition(id=item[0], region=item[1])
            except (TypeError, ValueError, IndexError):
                dropped.append(str(item)[:40])
                continue
            cond = self.kb.conditions.get(pc.id)
            fits = cond is not None and (cond.whole_session is not None if pc.region is None
                                         else pc.region in self.regions and cond.allows_region(pc.region))
            (out.add(pc) if fits else dropped.append(pc.id[:40]))
        if dropped:
            self.message.value = render("message.html.j2", text=f"Ignored, not a condition the course can place there: "
                                        f"{', '.join(dropped)}.", strong=False, status=True)
        return tuple(sorted(out, key=lambda c: (c.id, c.region or "")))

    @traitlets.observe("value")
    def _show(self, change):
        self._syncing = True
        try:
            for cid, box in self.quick.items():
                box.value = PlacedCondition(id=cid) in change["new"]
            if not self.quick_only:
                self._show_recorded(change["new"])
                self._refresh_where(reset=False)
        finally:
            self._syncing = False

    @traitlets.observe("chosen_regions")
    def _chosen_changed(self, _change):
        if not self.quick_only:
            self._refresh_where(reset=False)

    def label(self, c: PlacedCondition) -> str:
        where = "for the whole session" if c.region is None else f"at {self.kb.regions[c.region].name}"
        return f"{wording.condition_title(self.kb, c.id)} — {where}"

    def add(self, condition_id: str, region: Optional[str] = None) -> bool:
        """Place a condition for the whole session (`region` None) or at one area."""
        before = self.value
        self.value = before + (PlacedCondition(id=condition_id, region=region or None),)
        added = self.value != before
        if added:
            self.message.value = render("message.html.j2", text="Added.", strong=False, status=True)
        return added

    def remove(self, condition_id: str, region: Optional[str] = None) -> None:
        gone = PlacedCondition(id=condition_id, region=region or None)
        self.value = tuple(c for c in self.value if c != gone)
        self.message.value = render("message.html.j2", text="Removed.", strong=False, status=True)

    # --- controls ----------------------------------------------------------------------------
    def _quick_ticked(self, cid: str, on: bool) -> None:
        if self._syncing:
            return
        (self.add if on else self.remove)(cid, None)

    def _where_options(self) -> list[tuple[str, str]]:
        cond = self.kb.conditions.get(self.condition.value)
        if cond is None:
            return []
        options = [("For the whole session", WHOLE_SESSION)] if cond.whole_session is not None else []
        allowed = [(self.kb.regions[r].name, r) for r in self.regions if cond.allows_region(r)]
        chosen = set(self.chosen_regions)
        return options + [o for o in allowed if o[1] in chosen] + [o for o in allowed if o[1] not in chosen]

    def _refresh_where(self, reset: bool) -> None:
        options = self._where_options()
        keep = self.where.value
        values = [v for _, v in options]
        with self.where.hold_sync():  # options and choice reach the page together: no stale choice
            self.where.options = options
            if values:
                self.where.value = keep if (not reset and keep in values) else values[0]

    def _add_current(self) -> None:
        if self.condition.value is None or self.where.value is None:
            self.message.value = render("message.html.j2", text="Choose a condition and where it applies first.",
                                        strong=False, status=True)
            return
        where = self.where.value
        if not self.add(self.condition.value, None if where == WHOLE_SESSION else where):
            self.message.value = render("message.html.j2", text="That condition is already recorded there.",
                                        strong=False, status=True)

    def _show_recorded(self, placed) -> None:
        """One ticked checkbox per recorded condition; unticking one removes it."""
        boxes = []
        for c in placed:
            box = W.Checkbox(value=True, description=self.label(c), indent=False, layout=W.Layout(width="auto"),
                             tooltip="Untick to remove")
            box.observe(lambda change, c=c: None if change["new"] else self.remove(c.id, c.region), names="value")
            boxes.append(box)
        self.recorded.children = boxes
        self.recorded_heading.value = render("recorded_heading.html.j2", text="Conditions recorded (untick one to remove it):"
                                             if boxes else "Conditions recorded: none yet.")

    def recorded_labels(self) -> list[str]:
        """The labels of the recorded conditions' checkboxes, in order."""
        return [box.description for box in self.recorded.children] if not self.quick_only else []

    def untick(self, condition_id: str, region: Optional[str] = None) -> None:
        """Untick a recorded condition's checkbox, as a learner would (for tests)."""
        label = self.label(PlacedCondition(id=condition_id, region=region or None))
        next(b for b in self.recorded.children if b.description == label).value = False
