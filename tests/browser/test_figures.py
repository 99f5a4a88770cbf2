"""Figures in the served course, measured as Chromium draws them (issue 13, "legible figures").

* On every lesson page that shows figures, at 1280 px wide, every figure's smallest text is at
  least 12 CSS px (folded figures are unfolded first).
* The explorer's body map at 390 and 1280 px: every region's box at least 24 x 24 CSS px (WCAG
  2.2, 2.5.8), a tap at its centre lands on it, and its labels at least 12 px.
* A figure opens full width from the keyboard: Enter on its "Enlarge" button shows a modal
  dialog named by the figure's title with the figure's alt text, as wide as the window and
  legible (on a phone too: it never shrinks below its own width); axe finds nothing while it is
  open; Escape closes it and the focus is back on the button. A click on the image opens it too.

Screenshots: test-artifacts/screenshots/figure-<figure id>.png (each figure as drawn at 1280),
figures-<notebook>.png (each page), bodymap-<width>.png, figure-open-<width>.png.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from . import helpers, measure
from .conftest import DASHBOARD, discovered_notebooks, notebooks_dir

REGION_COUNT = 16
TIMEOUT_MS = 90_000


def _figure_count(notebook: str) -> int:
    """How many course figures the stored notebook's outputs show."""
    cells = json.loads((notebooks_dir() / notebook).read_text(encoding="utf-8"))["cells"]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in cells for o in c.get("outputs", []))
    return html.count('<img class="nm-figure-img"')


FIGURE_PAGES = [nb for nb in discovered_notebooks() if _figure_count(nb)]
#: The page with the most figures (a technique lesson: mechanisms, technique, pressure scale).
ZOOM_PAGE = max(FIGURE_PAGES, key=_figure_count, default=None)


def _new_page(browser, width: int, requested_urls: list[str] | None = None):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    if requested_urls is not None:
        page.on("request", lambda request: requested_urls.append(request.url))
    return context, page


def _open(page, course_server, notebook: str) -> None:
    expected = helpers.expected_widget_count(Path(course_server.notebooks) / notebook)
    helpers.open_notebook(page, course_server.base_url, notebook, expected_widgets=expected, timeout_ms=TIMEOUT_MS)


def _screenshot_each_figure(page) -> None:
    """figure-<id>.png: each figure with its caption, as the page draws it (once per figure)."""
    figures = page.locator("main figure.nm-figure[data-figure]")
    for i in range(figures.count()):
        fig = figures.nth(i)
        path = helpers.SCREENSHOT_DIR / f"figure-{fig.get_attribute('data-figure')}.png"
        if not path.exists() or path.stat().st_mtime < _STARTED:
            helpers.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            fig.scroll_into_view_if_needed()
            fig.screenshot(path=str(path))


_STARTED = time.time()


@pytest.mark.skipif(not FIGURE_PAGES, reason="no stored notebook shows a figure")
@pytest.mark.parametrize("notebook", FIGURE_PAGES)
def test_figure_text_is_legible_at_1280(course_server, page, notebook):
    _open(page, course_server, notebook)
    page.locator("main img.nm-figure-img").first.wait_for(state="attached", timeout=30_000)
    page.evaluate("() => document.querySelectorAll('details.nm-figure-details').forEach(d => { d.open = true; })")
    measured = [m for m in measure.figure_text(page, "main img.nm-figure-img") if m["texts"]]
    helpers.save_screenshot(page, f"figures-{notebook}")
    _screenshot_each_figure(page)
    assert measured, f"{notebook}: no figure drawn"
    problems = measure.too_small_text(measured)
    assert not problems, f"{notebook} at 1280 px:\n  " + "\n  ".join(problems)
    report = ", ".join(sorted({f"{m['title']}: {m['smallest']['px']:.1f} px at {m['width']:.0f}" for m in measured}))
    print(f"\n{notebook}: smallest text per figure: {report}")


@pytest.mark.parametrize("width", [390, 1280])
def test_body_map_targets_and_labels(course_server, browser, width):
    from playwright.sync_api import expect

    context, page = _new_page(browser, width)
    try:
        _open(page, course_server, DASHBOARD)
        regions = page.locator("[data-region]")
        expect(regions).to_have_count(REGION_COUNT, timeout=30_000)
        boxes = measure.region_boxes(page)
        page.locator(".nm-bodymap").first.scroll_into_view_if_needed()
        page.locator(".nm-bodymap").first.screenshot(path=str(helpers.SCREENSHOT_DIR / f"bodymap-{width}.png"))
        small = [f"{b['name']}: {b['width']:.1f} x {b['height']:.1f} px" for b in boxes
                 if min(b["width"], b["height"]) < measure.MIN_TARGET_PX]
        missed = [b["name"] for b in boxes if not b["centre_hits_region"]]
        assert not small, f"body map at {width} px: targets under 24 x 24 px:\n  " + "\n  ".join(small)
        assert not missed, f"body map at {width} px: a tap at the centre misses {missed}"
        maps = [m for m in measure.figure_text(page) if m["kind"] == "inline" and m["title"].startswith("Body map")]
        assert maps, "the explorer shows no body map"
        problems = measure.too_small_text(maps)
        assert not problems, f"body map labels at {width} px:\n  " + "\n  ".join(problems)
        smallest = min(min(b["width"], b["height"]) for b in boxes)
        print(f"\nbody map at {width} px: {maps[0]['width']:.0f} px wide, smallest label "
              f"{maps[0]['smallest']['px']:.1f} px, smallest target side {smallest:.1f} px")
    finally:
        context.close()


_ZOOM_STATE = """() => {
  const d = document.querySelector('dialog.nm-zoom-dialog');
  const img = d && d.querySelector('img');
  const r = img ? img.getBoundingClientRect() : null;
  return {open: !!(d && d.open), width: r ? r.width : 0, alt: img ? img.alt : '',
          focusInside: !!(d && d.contains(document.activeElement)),
          pageScrollsSideways: document.documentElement.scrollWidth > window.innerWidth + 1};
}"""


@pytest.mark.skipif(ZOOM_PAGE is None, reason="no stored notebook shows an enlargeable figure")
@pytest.mark.parametrize("width", [1280, 390])
def test_a_figure_opens_full_width_by_keyboard(course_server, browser, width):
    from playwright.sync_api import expect

    requested: list[str] = []
    context, page = _new_page(browser, width, requested)
    try:
        _open(page, course_server, ZOOM_PAGE)
        figure = page.locator("main figure.nm-figure").filter(has=page.locator("button.nm-zoom:visible")).first
        figure.wait_for(state="visible", timeout=30_000)
        title = figure.locator(".nm-figure-title").inner_text().strip()
        alt = figure.locator("img.nm-figure-img").get_attribute("alt")
        inline_width = figure.locator("img.nm-figure-img").bounding_box()["width"]
        button = figure.get_by_role("button", name=f"Enlarge figure: {title}")
        expect(button).to_have_count(1)
        button.evaluate("b => b.setAttribute('data-test-opener', '1')")

        button.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name=title)
        expect(dialog).to_be_visible(timeout=5_000)
        state = page.evaluate(_ZOOM_STATE)
        assert state["open"] and state["alt"] == alt, state
        assert state["focusInside"], "the focus did not move into the dialog"
        assert state["width"] >= max(0.9 * width, inline_width) - 1, f"not shown full width: {state}"
        assert not state["pageScrollsSideways"], "the page scrolls sideways with the figure open"
        shown = [m for m in measure.figure_text(page, "dialog.nm-zoom-dialog img") if m["texts"]]
        assert shown and not measure.too_small_text(shown), measure.too_small_text(shown)
        page.screenshot(path=str(helpers.SCREENSHOT_DIR / f"figure-open-{width}.png"))  # the window, as seen
        helpers.assert_no_axe_violations(page, label=f"{ZOOM_PAGE} with a figure open at {width} px")

        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden(timeout=5_000)
        assert page.evaluate("() => document.activeElement.dataset.testOpener === '1'"), (
            "the focus did not return to the Enlarge button")

        # A click (or tap) on the image opens it too; Close closes it.
        figure.locator("img.nm-figure-img").click()
        expect(dialog).to_be_visible(timeout=5_000)
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_be_hidden(timeout=5_000)
        assert page.evaluate("() => document.activeElement.dataset.testOpener === '1'")
        helpers.assert_only_local_requests(requested, "figure dialog")
    finally:
        context.close()
