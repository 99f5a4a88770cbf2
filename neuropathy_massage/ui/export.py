"""The session-plan handout: a print-ready HTML page from a plan, a client name and notes.

`handout_html(plan, client_name, notes)` renders templates/handout.html.j2 with autoescaping
on, so free text (a name like `<img src=x onerror=alert(1)>`) is always shown as text. The page
has no clock: a "Date: ________" line is left for the user to fill in, so the same inputs always
give the same file. `download_link_html(...)` wraps a handout in a `data:` link with the
`download` attribute, which is how the explorer offers it in Voila (no server round trip).
"""

from __future__ import annotations

import base64
from html import escape

from markupsafe import Markup

from neuropathy_massage.advisor import Plan
from neuropathy_massage.knowledge import Knowledge, load_knowledge
from neuropathy_massage.ui.render import plan_html, sources_html, template

COURSE_TITLE = "Massage for neuropathy symptoms"
FILE_NAME = "session-plan.html"
SETTING_NAMES = {"therapist": "Therapist session", "self": "Self-massage (self-care at home)"}

#: Inline style of the download link, so it reads as a button wherever it is shown.
BUTTON_STYLE = (
    "display:inline-block;padding:0.45em 1em;border:2px solid #0b4a8b;border-radius:4px;"
    "background:#0b4a8b;color:#fff;font-weight:bold;text-decoration:none;"
)


def selection_lines(plan: Plan, kb: Knowledge | None = None) -> dict[str, list[str]]:
    """The selection behind a plan in words: symptoms, regions and placed conditions."""
    kb = kb or load_knowledge()
    sel = plan.selection
    symptoms = [s.name for sid, s in kb.symptoms.items() if sid in sel.symptoms]
    regions = [r.name for rid, r in kb.regions.items() if rid in sel.regions]
    conditions = [
        f"{kb.conditions[c.id].name} — "
        + ("whole session" if c.region is None else f"at {kb.regions[c.region].name}")
        for c in sorted(sel.conditions, key=lambda c: (c.id, c.region or ""))
    ]
    return {"symptoms": symptoms, "regions": regions, "conditions": conditions}


def handout_html(plan: Plan, client_name: str = "", notes: str = "", kb: Knowledge | None = None) -> str:
    """A complete, print-ready HTML document for the session; free text is escaped."""
    kb = kb or load_knowledge()
    return template("handout.html.j2").render(
        course_title=COURSE_TITLE,
        client_name=(client_name or "").strip(),
        notes=(notes or "").strip(),
        setting=SETTING_NAMES.get(plan.selection.setting, plan.selection.setting),
        # Sources appended here: plan_html(show_sources=True) escapes their HTML a second time.
        plan_html=Markup(plan_html(plan, kb, show_sources=False, link_lessons=False)
                         + sources_html(plan.sources, kb)),
        **selection_lines(plan, kb),
    )


def data_url(html: str) -> str:
    return "data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode("utf-8")).decode("ascii")


def download_link_html(handout: str, label: str = "Download session plan") -> str:
    """An <a download> link (styled as a button) carrying the handout as a data: URL."""
    return (
        f'<a class="nm-download" download="{FILE_NAME}" href="{data_url(handout)}" '
        f'style="{BUTTON_STYLE}">{escape(label)}</a>'
    )
