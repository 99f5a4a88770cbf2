"""The printed documents: the session note, the referral letter and the completion record each
fit one A4 page (Chromium's print to PDF, counted), and the explorer's print button prints the
note alone (from its hidden frame), without leaving the machine.
"""

from __future__ import annotations

import re

from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.notes import MAX_FIELD, SessionInputs, referral_letter_html, session_note_html
from neuropathy_massage.ui.progress import known_items
from neuropathy_massage.ui.record import record_document

from . import helpers
from .conftest import COURSE, DASHBOARD

KB = load_knowledge()
TIMEOUT_MS = 30_000
#: A typical plan: three symptoms on both feet and toes, a wound on one sole, a referral.
TYPICAL = plan(Selection.of(["burning_pain", "numbness", "tingling"],
                            ["left_foot_sole", "right_foot_sole", "left_toes", "right_toes"],
                            [("open_wound", "left_foot_sole")]))
STOPPED = plan(Selection.of(["tingling"], ["left_foot_sole", "right_foot_sole", "left_lower_leg"],
                            [("suspected_clot", "left_lower_leg")]))
TYPED = SessionInputs(
    client_name="Maria Example",
    reports="Both soles burn at night, worse this week after new shoes; a blister on the left sole. " * 2,
    pain_before=6,
    seen="Healing blister on the left sole, no redness, warmth or swelling; skin of both feet dry. " * 2,
    done="Client comfortable at level 2; checked in every few strokes.",
    pain_after=3,
    home_care="Look at both feet every evening with a mirror; have the blister checked this week.",
    doctor="Dr A. Patel",
    therapist="Jo Smith",
)
#: The longest free text the widgets take, for the worst case.
LONGEST = SessionInputs(**{**TYPED.__dict__, **{f: "word " * (MAX_FIELD // 5) for f in
                                               ("reports", "seen", "done", "home_care")}})


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def printed_pages(browser, html: str) -> int:
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        return pdf_pages(page.pdf(format="A4", prefer_css_page_size=True, print_background=True))
    finally:
        page.close()


def test_the_session_note_fits_one_a4_page(browser):
    assert printed_pages(browser, session_note_html(TYPICAL, TYPED, KB)) == 1
    assert printed_pages(browser, session_note_html(STOPPED, TYPED, KB)) == 1


def test_the_referral_letter_fits_one_a4_page(browser):
    for p in (TYPICAL, STOPPED):
        assert printed_pages(browser, referral_letter_html(p, TYPED, KB)) == 1


def test_the_longest_free_text_still_prints(browser):
    """Not a promise of one page, a bound: the longest note the widgets allow stays within two."""
    assert printed_pages(browser, session_note_html(TYPICAL, LONGEST, KB)) <= 2


def test_a_full_completion_record_fits_one_a4_page(browser):
    known = known_items(COURSE, KB)
    record = {"visited": list(known), "quiz": {lesson: {i: True for i in items} for lesson, items in known.items()}}
    assert printed_pages(browser, record_document(record, COURSE, KB, "Sam Example", "2025-01-15")) == 1


def test_the_explorer_prints_the_note_alone(course_server, page, requested_urls):
    from playwright.sync_api import expect

    page.add_init_script("window.print = () => { window.top.__nmPrinted = (window.top.__nmPrinted || 0) + 1; };")
    expected = helpers.expected_widget_count(course_server.notebooks / DASHBOARD)
    helpers.open_notebook(page, course_server.base_url, DASHBOARD, expected_widgets=expected, timeout_ms=90_000)
    page.locator('[data-region="left_foot_sole"]').click()
    page.get_by_role("button", name="Write the session note or referral letter").click()  # drawn when asked for
    page.get_by_label("What the client reports").fill("Burning soles at night.")
    button = page.get_by_role("button", name="Print the session note")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the note follows the typed text (a kernel round trip)
    button.click()
    frame = page.locator("iframe.nm-print-frame")
    expect(frame).to_be_attached(timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__nmPrinted >= 1", timeout=TIMEOUT_MS)
    document = frame.get_attribute("srcdoc")
    assert "<h1>Session note</h1>" in document and KB.regions["left_foot_sole"].name in document
    assert "Burning soles at night." in document
    assert frame.get_attribute("sandbox") == "allow-same-origin allow-modals"
    expect(page.get_by_role("button", name="Print the referral letter")).to_be_disabled()  # no referral
    helpers.assert_no_axe_violations(page, label="explorer after printing")
    helpers.assert_only_local_requests(requested_urls, "explorer printing")
