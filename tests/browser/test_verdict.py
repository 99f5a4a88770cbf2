"""The verdict always in view (issue 13, item 2), in the served explorer at 1280 and 390 px.

After adding a blood clot from the conditions step (step 4, far down the controls), the STOP text
is within the viewport (getBoundingClientRect): on a wide screen the plan column itself, which
stays in view; on a phone the status bar pinned to the bottom, whose link brings the plan's STOP
banner into view. The one live region (created once) then holds the summary with STOP and is
assertive. What changed is marked with a word and a shape. axe reports zero violations.
Screenshots: test-artifacts/screenshots/verdict-<width>.png.
"""

from __future__ import annotations

import pytest

from neuropathy_massage import wording

from . import helpers
from .test_explorer import TIMEOUT_MS, open_explorer

CLOT = "Stop and get help: Possible clot in a leg or arm"

IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: r.height, inner: window.innerHeight,
          visible: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight}; }"""


@pytest.fixture
def sized_page(browser, request):
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 700 else 844}, locale="en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        yield width, page
    finally:
        context.close()


@pytest.mark.parametrize("sized_page", [1280, 390], indirect=True, ids=["1280", "390"])
def test_stop_is_in_view_and_announced_after_adding_a_clot(course_server, sized_page):
    from playwright.sync_api import expect

    width, page = sized_page
    open_explorer(course_server, page)
    live = page.locator(".nm-verdict-live")
    expect(live).to_have_count(1)
    live_handle = live.element_handle()

    # Choose an area first (a plan to change), then go down to the conditions step.
    page.locator('[data-region="left_foot_sole"]').click()
    expect(page.locator(".nm-verdict-text")).to_contain_text("1 area", timeout=TIMEOUT_MS)
    condition = page.get_by_label("Condition", exact=True)
    condition.scroll_into_view_if_needed()
    scope = page.get_by_label("Where it applies", exact=True)
    condition.select_option(label="Open wound, cut, blister or ulcer")  # a condition placed on an area
    expect(scope).to_contain_text("Left sole of foot", timeout=TIMEOUT_MS)
    scope.select_option(label="Left sole of foot")
    condition.select_option(label=CLOT)  # "Where" offers only the clot's scopes, from the first
    expect(scope).to_have_value("For the whole session", timeout=TIMEOUT_MS)
    offered = scope.evaluate("s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' ').trim())")
    assert "Left sole of foot" not in offered and "Left lower leg" in offered, offered
    add = page.get_by_role("button", name="Add condition")
    add.click()
    expect(live).to_contain_text("STOP", timeout=TIMEOUT_MS)
    assert live.element_handle().evaluate("(a, b) => a === b", live_handle), "the live region was recreated"
    assert live.get_attribute("aria-live") == "assertive"
    assert page.locator(".nm-verdict-live").count() == 1
    clicked = add.evaluate(IN_VIEW)
    assert clicked["visible"], f"the Add button scrolled away: {clicked}"

    if width > 700:  # the plan column stays in view: its STOP banner is on screen
        stop = page.locator(".nm-plan .nm-stop strong").first
        expect(stop).to_contain_text(wording.STOP, timeout=TIMEOUT_MS)
        where = stop.evaluate(IN_VIEW)
        assert where["visible"], f"STOP outside the viewport at {width} px: {where}"
    else:  # the pinned bar shows it; its link brings the plan's banner into view
        bar = page.locator(".nm-verdict-text")
        expect(bar).to_contain_text(wording.SUMMARY_STOP, timeout=TIMEOUT_MS)
        where = bar.evaluate(IN_VIEW)
        assert where["visible"], f"status bar outside the viewport at {width} px: {where}"
    print(f"\n{width} px: Add button top {clicked['top']:.0f}, STOP text top {where['top']:.0f} "
          f"(distance {abs(where['top'] - clicked['top']):.0f} px), viewport {where['inner']} px")
    # what changed is marked in a word and a shape
    expect(page.locator(".nm-plan .nm-change").first).to_contain_text(wording.CHANGE_MARKS["new"])
    helpers.save_screenshot(page, f"verdict-{width}")

    if width <= 700:
        page.locator(".nm-verdict-link").click()
        banner = page.locator(".nm-plan .nm-stop strong").first
        page.wait_for_timeout(300)
        assert banner.evaluate(IN_VIEW)["visible"], "the bar's link does not bring the plan into view"
        helpers.save_screenshot(page, f"verdict-{width}-plan")

    # removing the clot: the summary is polite again, in the same region
    # (a click, not uncheck(): the unticked box goes away with the condition it recorded)
    page.get_by_label(f"{CLOT} — for the whole session", exact=True).click()
    expect(live).not_to_contain_text("STOP", timeout=TIMEOUT_MS)
    assert live.get_attribute("aria-live") == "polite"
    helpers.assert_no_error_output(page)
    helpers.assert_no_axe_violations(page, label=f"explorer with the verdict at {width} px")
