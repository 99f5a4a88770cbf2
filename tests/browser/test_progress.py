"""The first answer counts, and progress is kept in the learner's own browser, as served by Voila.

A learner answers a question wrong and then right (the score keeps the wrong first answer); the
answer survives a reload, shows on the course home and on the completion record, and "forget my
progress" (confirmed with the keyboard) clears it; a corrupt stored value is started afresh.
Every page stays accessible (axe) and offline. Fixtures: conftest.py (`course_server`, `page`).
"""

from __future__ import annotations

import json

from neuropathy_massage.course import LESSON_SHAPED
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.progress import storage_key

from . import helpers
from .conftest import COURSE, HOME

KB = load_knowledge()
KEY = storage_key(COURSE)
#: A lesson with a quiz and the fewest widgets (the quickest to serve).
LESSON = min(COURSE.of_kind(*LESSON_SHAPED), key=lambda lesson: helpers.expected_widget_count(
    helpers.PROJECT_ROOT / "notebooks" / lesson.file)).id
ITEMS = KB.quiz_for(LESSON)
FIRST = ITEMS[0]
WRONG = next(i for i, o in enumerate(FIRST.options) if not o.correct)
RIGHT = next(i for i, o in enumerate(FIRST.options) if o.correct)
RECORD = next(lesson for lesson in COURSE.lessons if lesson.kind == "record")
TIMEOUT_MS = 30_000
OPEN_TIMEOUT_MS = 90_000


def open_page(course_server, page, file: str) -> None:
    expected = helpers.expected_widget_count(course_server.notebooks / file)
    helpers.open_notebook(page, course_server.base_url, file, expected_widgets=expected, timeout_ms=OPEN_TIMEOUT_MS)


def stored(page) -> dict | None:
    text = page.evaluate("(key) => localStorage.getItem(key)", KEY)
    return None if text is None else json.loads(text)


def wait_stored(page, predicate) -> dict:
    page.wait_for_function("""([key, item]) => { const t = localStorage.getItem(key);
        return t !== null && t.includes(item); }""", arg=[KEY, FIRST.id], timeout=TIMEOUT_MS)
    record = stored(page)
    assert predicate(record), record
    return record


def answer(page, index: int) -> None:
    page.locator(".nm-question").first.locator("input[type=radio]").nth(index).check()


def score(page):
    return page.locator(".nm-quiz .nm-score").first


def test_a_wrong_first_answer_keeps_its_score_after_the_right_one(course_server, page, requested_urls):
    from playwright.sync_api import expect

    open_page(course_server, page, f"{LESSON}.ipynb")
    n = len(ITEMS)
    question = page.locator(".nm-question").first
    answer(page, WRONG)
    expect(score(page)).to_contain_text(f"0 of {n} right, first attempts (1 of {n} answered)", timeout=TIMEOUT_MS)
    expect(question).to_contain_text("Your first answer counts: it was wrong", timeout=TIMEOUT_MS)
    for option in FIRST.options:  # every option is explained
        expect(question).to_contain_text(option.explanation.split(". ")[0])
    answer(page, RIGHT)
    expect(question).to_contain_text("✔ Right.", timeout=TIMEOUT_MS)
    expect(score(page)).to_contain_text(f"0 of {n} right, first attempts (1 of {n} answered)")
    wait_stored(page, lambda r: r["quiz"][LESSON] == {FIRST.id: False} and LESSON in r["visited"])
    helpers.assert_no_error_output(page)
    helpers.assert_no_axe_violations(page, label=f"{LESSON} after answering")
    helpers.assert_only_local_requests(requested_urls, LESSON)


def test_progress_survives_a_reload_and_forget_clears_it(course_server, page, requested_urls):
    from playwright.sync_api import expect

    n = len(ITEMS)
    open_page(course_server, page, f"{LESSON}.ipynb")
    answer(page, WRONG)
    wait_stored(page, lambda r: r["quiz"][LESSON] == {FIRST.id: False})

    page.reload()  # a later visit: the first answer still counts, and says so
    helpers.wait_for_page_ready(page, 0, timeout_ms=OPEN_TIMEOUT_MS)
    question = page.locator(".nm-question").first
    expect(question).to_contain_text("given on an earlier visit", timeout=OPEN_TIMEOUT_MS)
    expect(score(page)).to_contain_text(f"0 of {n} right, first attempts (1 of {n} answered)")
    answer(page, RIGHT)
    expect(score(page)).to_contain_text(f"0 of {n} right, first attempts")

    open_page(course_server, page, HOME)  # the course home shows it
    row = page.locator(".nm-progress-table tr", has_text=COURSE.lesson(LESSON).title)
    expect(row).to_contain_text("✔ Yes", timeout=OPEN_TIMEOUT_MS)
    expect(row).to_contain_text(f"0 of {n} right (1 answered)")

    open_page(course_server, page, RECORD.file)  # so does the record, with a typed name as text
    record = page.locator(".nm-record").first
    expect(record.locator("tr", has_text=COURSE.lesson(LESSON).title)).to_contain_text("1 answered",
                                                                                      timeout=OPEN_TIMEOUT_MS)
    page.get_by_label("Your name").fill("<b>Sam</b>")
    expect(record).to_contain_text("<b>Sam</b>", timeout=TIMEOUT_MS)
    assert record.locator("b").count() == 0
    expect(record).to_contain_text("not a licence")

    page.get_by_role("button", name="Forget my progress…").focus()  # by keyboard, with a confirmation
    page.keyboard.press("Enter")
    yes = page.get_by_role("button", name="Yes, forget my progress")
    expect(yes).to_be_focused(timeout=TIMEOUT_MS)
    expect(page.locator(".nm-confirm")).to_contain_text("cannot be undone")
    helpers.assert_no_axe_violations(page, label="completion record, confirming")
    page.keyboard.press("Enter")
    expect(page.locator(".nm-progress-status").first).to_contain_text("has been forgotten", timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Forget my progress…")).to_be_focused()
    assert stored(page) is None
    expect(record).not_to_contain_text("1 answered")

    open_page(course_server, page, f"{LESSON}.ipynb")  # a new first answer counts again
    expect(score(page)).to_contain_text(f"0 of {n} right, first attempts (0 of {n} answered)")
    page.wait_for_function("(key) => localStorage.getItem(key) !== null", arg=KEY, timeout=TIMEOUT_MS)
    assert page.locator(".nm-question").first.inner_text().count("earlier visit") == 0
    helpers.assert_only_local_requests(requested_urls, "progress")


def test_a_corrupt_stored_record_is_started_afresh(course_server, page):
    from playwright.sync_api import expect

    page.goto(course_server.base_url, wait_until="load")  # the course's origin, for its storage
    page.evaluate("(key) => localStorage.setItem(key, '{\"visited\": [\"' + 'x'.repeat(30000))", KEY)
    open_page(course_server, page, HOME)
    expect(page.locator(".nm-progress-status").first).to_contain_text("could not be read", timeout=OPEN_TIMEOUT_MS)
    kept = stored(page)  # replaced by a clean record (the home page's own quiz marks it visited)
    assert kept["version"] == 1 and kept["quiz"] == {} and kept["visited"] in ([], [COURSE.home.id]), kept
    expect(page.locator(".nm-progress-table")).to_contain_text("Not started")
    helpers.assert_no_error_output(page)
