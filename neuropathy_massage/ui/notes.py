"""Session notes (SOAP) and a referral letter, from the explorer's current plan.

The session note follows the SOAP order a school teaches: what the client reports and their pain
before (0-10); what was seen and recorded (the symptoms, regions and conditions chosen, and what
the therapist saw); what was done, where and at which pressure (from the plan: each region's
techniques at their pressure level, the regions avoided, or no massage when the plan stops); and
the plan after: pain after, home care and the referrals made. The referral letter is a short
letter to the client's doctor naming the reason for referral, from the plan's structured data
(each referral condition, where it was recorded, why and what the course advises).

Both are complete HTML pages from templates (autoescaped: a name such as `<img src=x>` is shown
as text), with print styles for one A4 page (`static/paper.css`), printed by a print button
(ui/printing.py); the free text is bounded in the widgets and again here. Nothing is kept on the
server: the documents exist in the page only, like the explorer's handout. The date line is left
to be filled in by hand, so the same inputs always give the same document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import ipywidgets as W

from neuropathy_massage import wording
from neuropathy_massage.advisor import Plan
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.handout import MAX_NAME, SETTING_NAMES, selection_lines
from neuropathy_massage.ui.printing import PrintButton
from neuropathy_massage.ui.views import kb_or_default, render, scale_names, stylesheet

#: The longest text each free-text box of the note takes (the widgets enforce the same).
MAX_FIELD = 500
#: Pain ratings, 0-10 (None: not asked).
PAIN = tuple(range(11))


@dataclass(frozen=True)
class SessionInputs:
    """What the therapist types for the note and the letter (everything else comes from the plan)."""

    client_name: str = ""
    reports: str = ""
    pain_before: Optional[int] = None
    seen: str = ""
    done: str = ""
    pain_after: Optional[int] = None
    home_care: str = ""
    doctor: str = ""
    therapist: str = ""

    def bounded(self) -> "SessionInputs":
        """Free text stripped and shortened; a pain rating outside 0-10 is dropped."""
        def cut(text: str, limit: int) -> str:
            return (text or "").strip()[:limit]

        def pain(value) -> Optional[int]:
            return value if value in PAIN else None

        return SessionInputs(cut(self.client_name, MAX_NAME), cut(self.reports, MAX_FIELD), pain(self.pain_before),
                             cut(self.seen, MAX_FIELD), cut(self.done, MAX_FIELD), pain(self.pain_after),
                             cut(self.home_care, MAX_FIELD), cut(self.doctor, MAX_NAME), cut(self.therapist, MAX_NAME))


def work_done(p: Plan, kb: Knowledge) -> list[dict]:
    """Each chosen region: what the plan offers there and at which pressure, or why it is left alone."""
    setting, scale = p.selection.setting, scale_names(kb)
    return [{"region": r.name, "avoid": r.status == "avoid",
             "techniques": [f"{t.name}, up to level {t.max_pressure} ({scale[t.max_pressure]})" for t in r.techniques],
             "why": wording.region_reasons(r, kb, setting)} for r in p.regions]


def referral_reasons(p: Plan, kb: Knowledge) -> list[dict]:
    """Why the client is referred, one entry per condition with a referral: its name, where it was
    recorded, the reason the course gives there, and the course's advice on where to go."""
    reasons = []
    for cid in p.referrals:
        cond = kb.conditions[cid]
        placed = sorted((c for c in p.selection.conditions if c.id == cid), key=lambda c: c.region or "")
        where = ["the whole session" if c.region is None else kb.regions[c.region].name for c in placed]
        why = [(cond.whole_session if c.region is None else cond.at_region).reason for c in placed]
        reasons.append({"name": cond.name, "red_flag": cond.kind == "red_flag", "where": where,
                        "why": list(dict.fromkeys(why)), "advice": wording.referral(cid, kb)})
    return reasons


def session_note_html(p: Plan, inputs: SessionInputs = SessionInputs(), kb: Optional[Knowledge] = None) -> str:
    """The session note (SOAP) as a complete, print-ready HTML page."""
    kb, inputs = kb_or_default(kb), inputs.bounded()
    return str(render("session_note.html.j2", css=stylesheet("paper.css"), course_title=load_course().title, i=inputs,
                      setting=SETTING_NAMES.get(p.selection.setting, p.selection.setting), plan=p,
                      chosen=selection_lines(p, kb), done=work_done(p, kb), referrals=referral_reasons(p, kb),
                      stop_reasons=[wording.stop_reason(s, kb) for s in p.stop_reasons]))


def referral_letter_html(p: Plan, inputs: SessionInputs = SessionInputs(), kb: Optional[Knowledge] = None) -> str:
    """The letter to the client's doctor as a complete, print-ready HTML page (empty when the plan
    refers to nobody)."""
    kb, inputs = kb_or_default(kb), inputs.bounded()
    reasons = referral_reasons(p, kb)
    if not reasons:
        return ""
    return str(render("referral_letter.html.j2", css=stylesheet("paper.css"), course_title=load_course().title,
                      i=inputs, plan=p, referrals=reasons, chosen=selection_lines(p, kb)))


def _area(description: str, placeholder: str) -> W.Textarea:
    return W.Textarea(description=description, placeholder=placeholder, rows=2, style={"description_width": "initial"},
                      layout=W.Layout(width="auto", max_width="100%"))


#: The pain boxes' value for "not asked" (a dropdown cannot show None as a chosen option).
NOT_ASKED = -1


def _pain(description: str) -> W.Dropdown:
    return W.Dropdown(description=description, options=[("not asked", NOT_ASKED)] + [(str(n), n) for n in PAIN],
                      value=NOT_ASKED, style={"description_width": "initial"},
                      layout=W.Layout(width="auto", align_self="flex-start"))


def _sub(text: str, help_text: str) -> W.HTML:
    return W.HTML(render("heading.html.j2", level=3, text=text, help=help_text))


class SessionNotes(W.VBox):
    """The explorer's step for the paperwork: free text for the note and the letter, and a print
    button for each. `show(plan)` follows the explorer's plan; `client_name` is the explorer's box."""

    def __init__(self, kb: Optional[Knowledge] = None, client_name: Optional[W.Text] = None):
        self.kb = kb_or_default(kb)
        self.plan: Optional[Plan] = None
        self.client_name = client_name or W.Text(description="Client name", style={"description_width": "initial"})
        self.reports = _area("What the client reports", "in their words, today")
        self.pain_before = _pain("Pain before (0–10)")
        self.seen = _area("What you saw", "for example the skin check before the session")
        self.done = _area("Notes on what you did", "anything the plan does not say")
        self.pain_after = _pain("Pain after (0–10)")
        self.home_care = _area("Home care", "what the client will do at home")
        self.doctor = W.Text(description="Doctor's name", placeholder="optional", style={"description_width": "initial"},
                             layout=W.Layout(width="auto", max_width="100%"))
        self.therapist = W.Text(description="Your name", placeholder="for the letter", style={"description_width": "initial"},
                                layout=W.Layout(width="auto", max_width="100%"))
        self.note_print = PrintButton(label="Print the session note")
        self.letter_print = PrintButton(label="Print the referral letter")
        self.letter_status = W.HTML()
        self.texts = {self.client_name: MAX_NAME, self.reports: MAX_FIELD, self.seen: MAX_FIELD, self.done: MAX_FIELD,
                      self.home_care: MAX_FIELD, self.doctor: MAX_NAME, self.therapist: MAX_NAME}
        for widget, limit in self.texts.items():
            widget.add_class(f"course-maxlength-{limit}")  # the page sets maxlength (course template)
        for widget in (*self.texts, self.pain_before, self.pain_after):
            widget.observe(lambda _c: self._render(), names="value")
        super().__init__([
            _sub("The session note", "What the client reported, what you saw and did, and what comes next."),
            self.reports, self.pain_before, self.seen, self.done, self.pain_after, self.home_care, self.note_print,
            _sub("The referral letter", "A short letter to the client's doctor, when the plan refers."),
            self.doctor, self.therapist, self.letter_status, self.letter_print])
        self.add_class("nm-session-notes")

    def inputs(self) -> SessionInputs:
        return SessionInputs(self.client_name.value, self.reports.value, self.pain_before.value, self.seen.value,
                             self.done.value, self.pain_after.value, self.home_care.value, self.doctor.value,
                             self.therapist.value).bounded()  # "not asked" (-1) is outside 0-10: None

    def show(self, p: Optional[Plan]) -> None:
        self.plan = p
        self._render()

    def _render(self) -> None:
        for widget, limit in self.texts.items():
            if len(widget.value) > limit:
                widget.value = widget.value[:limit]  # observed: comes back here, shortened
                return
        if self.plan is None:  # no plan (it could not be worked out): nothing to print
            self.note_print.document = self.letter_print.document = ""
            self.letter_status.value = ""
            return
        self.note_print.document = session_note_html(self.plan, self.inputs(), self.kb)
        self.letter_print.document = referral_letter_html(self.plan, self.inputs(), self.kb)
        self.letter_status.value = render("letter_status.html.j2", referrals=referral_reasons(self.plan, self.kb))
