"""The condition cards page and the trainer's notes, served, used by keyboard: the search field is
reached and filled with the keyboard, its result is announced (a role="status" line) and the
matching cards appear; a lesson's "For trainers" opens with Enter. Axe stays at zero.
"""

from __future__ import annotations

from neuropathy_massage.course import LESSON_SHAPED
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.search import search, status_text

from . import helpers
from .conftest import COURSE

KB = load_knowledge()
CARDS = next(lesson for lesson in COURSE.lessons if lesson.kind == "reference")
WORD = "wound"
TIMEOUT_MS = 30_000


def test_the_search_finds_and_announces_by_keyboard(course_server, page, requested_urls):
    from playwright.sync_api import expect

    expected = helpers.expected_widget_count(course_server.notebooks / CARDS.file)
    helpers.open_notebook(page, course_server.base_url, CARDS.file, expected_widgets=expected, timeout_ms=90_000)
    field = page.get_by_label("Search the cards, techniques and lessons")
    expect(field).to_be_visible(timeout=TIMEOUT_MS)
    for _ in range(200):  # Tab through the page until the search field has the focus
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.type === 'search'"):
            break
    expect(field).to_be_focused()
    page.keyboard.type(WORD)
    status = page.locator(".nm-search-status[role=status]")
    found = search(WORD, KB, COURSE)
    expect(status).to_have_text(status_text(found), timeout=TIMEOUT_MS)
    results = page.locator(".nm-reference-search .nm-search-results")
    expect(results.locator("article.nm-card")).to_have_count(len(found.cards))
    for cid in found.cards:
        expect(results).to_contain_text(KB.conditions[cid].name)
    helpers.assert_no_axe_violations(page, label="condition cards after a search")
    helpers.assert_only_local_requests(requested_urls, "condition cards")


def test_for_trainers_opens_with_the_keyboard(course_server, page):
    from playwright.sync_api import expect

    lesson = COURSE.of_kind(*LESSON_SHAPED)[0]
    expected = helpers.expected_widget_count(course_server.notebooks / lesson.file)
    helpers.open_notebook(page, course_server.base_url, lesson.file, expected_widgets=expected, timeout_ms=90_000)
    details = page.locator("details.nm-trainer")
    expect(details).to_have_count(1)
    assert details.get_attribute("open") is None  # collapsed by default
    note = COURSE.notes_for(lesson.id)
    expect(details.get_by_text(note.demonstration)).to_be_hidden()
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(details.get_by_text(note.demonstration)).to_be_visible()
    helpers.assert_no_axe_violations(page, label=f"{lesson.id}, trainer notes open")
