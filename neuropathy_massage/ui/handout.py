"""The session-plan handout: a print-ready HTML page from a plan, a client name and notes.

`handout_html(plan, client_name, notes)` renders templates/handout.html.j2 with autoescaping
on (the body map with the plan's marks is the course's own SVG, inlined so it prints), so free text (a name like `<img src=x onerror=alert(1)>`) is always shown as text. Free text
is bounded (`MAX_NAME`, `MAX_NOTES` characters). The page has no clock: the date line is left for
the user to fill in, so the same inputs always give the same file. `download_link_html(...)`
wraps a handout in a `data:` link with the `download` attribute, which is how the explorer offers
it in Voila (no server round trip).
"""

from __future__ import annotations

import base64

from neuropathy_massage.advisor import Plan
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.plan_views import MARK_WORDS, body_map_svg, plan_html, plan_marks
from neuropathy_massage.ui.views import Fragment, kb_or_default, render, sources, stylesheet

FILE_NAME = "session-plan.html"
SETTING_NAMES = {"therapist": "Therapist session", "self": "Self-massage (self-care at home)"}
#: Longest client name and notes the handout takes (the widgets enforce the same limits).
MAX_NAME = 80
MAX_NOTES = 2000


def selection_lines(p: Plan, kb: Knowledge | None = None) -> dict[str, list[str]]:
    """The selection behind a plan in words: symptoms, regions and placed conditions."""
    kb = kb_or_default(kb)
    sel = p.selection
    return {
        "symptoms": [s.name for sid, s in kb.symptoms.items() if sid in sel.symptoms],
        "regions": [r.name for rid, r in kb.regions.items() if rid in sel.regions],
        "conditions": [
            f"{kb.conditions[c.id].name} — " + ("for the whole session" if c.region is None else f"at {kb.regions[c.region].name}")
            for c in sorted(sel.conditions, key=lambda c: (c.id, c.region or ""))
        ],
    }


def handout_html(p: Plan, client_name: str = "", notes: str = "", kb: Knowledge | None = None) -> str:
    """A complete, print-ready HTML document for the session; free text is escaped and shortened."""
    kb = kb_or_default(kb)
    marks = plan_marks(p)
    shown = plan_html(p, kb, show_sources=False)
    return str(render(
        "handout.html.j2",
        css=stylesheet("handout.css"),
        course_title=load_course().title,
        client_name=(client_name or "").strip()[:MAX_NAME],
        notes=(notes or "").strip()[:MAX_NOTES],
        setting=SETTING_NAMES.get(p.selection.setting, p.selection.setting),
        plan=shown + sources(shown.sources, kb),
        body_map_svg=Fragment(body_map_svg(marks, kb), (), "body map"),  # the course's own figure
        marks=[(kb.regions[r].name, MARK_WORDS[m]) for r, m in marks.items()],
        red_flags=[c.name for c in kb.conditions.values() if c.kind == "red_flag"],
        **selection_lines(p, kb),
    ))


def data_url(html: str) -> str:
    return "data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode("utf-8")).decode("ascii")


def download_link_html(handout: str, label: str = "Download session plan") -> str:
    """An <a download> link (styled as a button by views.css) carrying the handout as a data: URL."""
    return str(render("download.html.j2", file_name=FILE_NAME, href=data_url(handout), label=label))
