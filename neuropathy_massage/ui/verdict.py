"""The verdict always in view: a status bar with the plan in a few words, linking to the plan, and
one live region that announces it after each change (an anywidget; front end `verdict.js`,
styles `verdict.css`, beside this file).

The live region is created once and reused, so screen readers read each new summary: assertively
for a plan that stops (or an emergency), politely otherwise. On a wide screen the bar heads the
plan column (which stays in view: `static/plan.css`); below 700 px it is pinned to the bottom of
the screen, so the verdict is in view wherever the learner is on the page.

Synced state: `summary` (`wording.plan_summary`), `level` ("stop", "emergency", "ok" or "none"),
`target` (the id of the element the bar links to).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from neuropathy_massage import wording
from neuropathy_massage.advisor import Plan

_HERE = Path(__file__).resolve().parent
LEVELS = ("none", "ok", "stop", "emergency")
#: The longest summary the bar carries.
MAX_SUMMARY = 300


def level(p: Plan | None) -> str:
    if p is None or not p.regions and not p.stop_and_refer:
        return "none"
    if p.stop_and_refer:
        return "emergency" if p.emergency else "stop"
    return "ok"


class VerdictBar(anywidget.AnyWidget):
    _esm = _HERE / "verdict.js"
    _css = _HERE / "verdict.css"
    summary = traitlets.Unicode(wording.SUMMARY_NONE).tag(sync=True)
    level = traitlets.Enum(LEVELS, "none").tag(sync=True)
    target = traitlets.Unicode("nm-plan").tag(sync=True)
    link_text = traitlets.Unicode("See the plan").tag(sync=True)

    @traitlets.validate("summary")
    def _bounded(self, proposal):
        return proposal["value"][:MAX_SUMMARY]

    def show(self, p: Plan | None) -> None:
        """Show (and announce) this plan's summary; `None`: the advice could not be worked out."""
        with self.hold_sync():
            self.level = level(p)
            self.summary = wording.plan_summary(p) if p is not None else wording.NOT_COMPUTED
