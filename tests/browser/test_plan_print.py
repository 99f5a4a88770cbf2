"""The plan printed (issue 13, item 6): the handout document, which the plan's print button prints
alone from a hidden frame, fits one A4 page for a plan that stops and two for a typical plan
(Chromium's print to PDF, pages counted as in test_paperwork.py), with the body map and its marks;
the download stays.
"""

from __future__ import annotations

import re

from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.handout import handout_html
from neuropathy_massage.ui.plan_views import plan_marks

from . import helpers
from .conftest import DASHBOARD
from .test_paperwork import STOPPED, TYPICAL, pdf_pages

KB = load_knowledge()
TIMEOUT_MS = 30_000
NOTES = "Both soles burn at night; a blister on the left sole, checked by the podiatrist last week."


def printed(browser, html: str) -> tuple[int, str]:
    """Pages printed, and the printed page's body map (its svg, as the browser holds it)."""
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        pages = pdf_pages(page.pdf(format="A4", prefer_css_page_size=True, print_background=True))
        page.emulate_media(media="print")
        svg = page.locator(".nm-handout-map svg")
        assert svg.count() == 1 and svg.is_visible(), "the body map is printed with the plan"
        return pages, svg.evaluate("el => el.outerHTML")
    finally:
        page.close()


def assert_marks(svg: str, p) -> None:
    for region, mark in plan_marks(p).items():
        assert re.search(rf'id="region-{region}"[^>]*class="region {mark}"', svg), (region, mark)


def test_a_plan_that_stops_prints_on_one_a4_page_with_the_body_map(browser):
    pages, svg = printed(browser, handout_html(STOPPED, "Maria Example", NOTES, KB))
    print(f"\nSTOP plan: {pages} page(s)")
    assert pages == 1
    assert_marks(svg, STOPPED)


def test_a_typical_plan_prints_on_two_a4_pages_at_most_with_the_body_map(browser):
    pages, svg = printed(browser, handout_html(TYPICAL, "Maria Example", NOTES, KB))
    print(f"\ntypical plan: {pages} page(s)")
    assert pages <= 2
    assert_marks(svg, TYPICAL)


def test_the_explorer_prints_the_plan_alone_and_keeps_the_download(course_server, page, requested_urls):
    from playwright.sync_api import expect

    page.add_init_script("window.print = () => { window.top.__nmPrinted = (window.top.__nmPrinted || 0) + 1; };")
    expected = helpers.expected_widget_count(course_server.notebooks / DASHBOARD)
    helpers.open_notebook(page, course_server.base_url, DASHBOARD, expected_widgets=expected, timeout_ms=90_000)
    page.locator('[data-region="left_foot_sole"]').click()
    page.get_by_label("Burning pain", exact=True).click()
    expect(page.locator(".nm-plan")).to_contain_text("Left sole of foot", timeout=TIMEOUT_MS)
    button = page.get_by_role("button", name="Print the plan")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the document follows the last change (a kernel round trip)
    button.click()
    frame = page.locator("iframe.nm-print-frame").last
    expect(frame).to_be_attached(timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__nmPrinted >= 1", timeout=TIMEOUT_MS)
    document = frame.get_attribute("srcdoc")
    assert "<h1>Session plan</h1>" in document and "<svg" in document
    assert re.search(r'id="region-left_foot_sole"[^>]*class="region ok"', document)
    assert KB.symptoms["burning_pain"].name in document
    # the download stays for those who want a file
    page.get_by_role("button", name="Prepare the handout").click()
    expect(page.get_by_role("link", name="Download session plan")).to_be_visible(timeout=TIMEOUT_MS)
    helpers.assert_no_axe_violations(page, label="explorer after printing the plan")
    helpers.assert_only_local_requests(requested_urls, "explorer printing the plan")
