"""The "Try it" widgets of the foundation and technique lessons.

* `SymptomExplorer`: tick symptoms; see each described and its usual regions marked on the body map.
* `MechanismLinks`: choose a technique or self-care routine; see the mechanisms it uses.
* `TechniqueTryIt`: tick symptoms; see the advisor's pressure limit for one technique, its
  adaptations and the reasons, or that it is left out and why.

Thin: each is a `SymptomPicker` (or a dropdown) whose `value` drives one view of
`lesson_views`, written into an `HTML` value so plain-Python tests read what the learner sees.
"""

from __future__ import annotations

from typing import Iterable, Optional

import ipywidgets as W
import traitlets

from neuropathy_massage.course import Course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui import lesson_views as views
from neuropathy_massage.ui.pickers import SymptomPicker
from neuropathy_massage.ui.safety import guarded
from neuropathy_massage.ui.views import advice, kb_or_default, not_computed


class _PickAndView(W.VBox):
    """A symptom picker beside a view it drives."""

    symptoms = traitlets.Tuple(help="the ticked symptom ids (linked to the picker)")

    def __init__(self, kb: Knowledge, legend: str):
        self.kb = kb
        self.picker = SymptomPicker(kb, legend=legend, layout=W.Layout(flex="0 0 auto", min_width="260px"))
        self.view = advice(W.HTML(layout=W.Layout(flex="1 1 320px")))
        traitlets.link((self.picker, "value"), (self, "symptoms"))
        super().__init__([W.HBox([self.picker, self.view], layout=W.Layout(flex_flow="row wrap"))])
        self.add_class("nm-tryit")
        self.update()

    @traitlets.observe("symptoms")
    def _changed(self, _change):
        guarded(lambda: setattr(self.view, "value", not_computed()))(self.update)()

    def update(self) -> None:  # pragma: no cover - each subclass has its own
        raise NotImplementedError


class SymptomExplorer(_PickAndView):
    """Lesson "understanding neuropathy": tick symptoms; see each described and where it usually shows."""

    def __init__(self, kb: Optional[Knowledge] = None):
        super().__init__(kb_or_default(kb), "Symptoms to look at")

    def update(self) -> None:
        if hasattr(self, "view"):
            self.view.value = str(views.symptom_details(self.symptoms, self.kb))


class TechniqueTryIt(_PickAndView):
    """Technique lessons: tick symptoms; see the advisor's pressure limit and adaptations for one technique."""

    def __init__(self, technique_id: str, kb: Optional[Knowledge] = None, omit: Iterable[str] = ()):
        kb = kb_or_default(kb)
        if technique_id not in kb.techniques:
            raise KeyError(f"unknown technique {technique_id!r}")
        self.technique_id = technique_id
        self.omit = frozenset(omit)  # precautions the page sets out in full elsewhere
        super().__init__(kb, "Symptoms the client reports")

    def update(self) -> None:
        if hasattr(self, "view"):
            self.view.value = str(views.technique_try(self.technique_id, self.symptoms, self.kb, omit=self.omit))


class MechanismLinks(W.VBox):
    """Lesson "how massage helps": choose a technique or self-care routine; see the mechanisms it uses."""

    technique = traitlets.Unicode(help="the chosen technique or routine id")

    def __init__(self, kb: Optional[Knowledge] = None, value: Optional[str] = None, course: Course | None = None):
        self.kb = kb = kb_or_default(kb)
        self.course = course
        options = [(f"{t.name} ({views.SETTING_LABEL[t.setting]})", tid) for tid, t in kb.techniques.items()]
        self.choice = W.Dropdown(options=options, value=value or options[0][1], description="Technique or routine",
                                 style={"description_width": "initial"}, layout=W.Layout(width="auto", max_width="100%"))
        self.view = advice(W.HTML())
        traitlets.link((self.choice, "value"), (self, "technique"))
        super().__init__([self.choice, self.view])
        self.add_class("nm-tryit")
        self.update()

    @traitlets.observe("technique")
    def _changed(self, _change):
        if hasattr(self, "view"):
            guarded(lambda: setattr(self.view, "value", not_computed()))(self.update)()

    def update(self) -> None:
        if self.technique in self.kb.techniques:
            self.view.value = str(views.mechanism_links(self.technique, self.kb, self.course))
