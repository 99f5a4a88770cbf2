"""Every page of the course at three widths (issue 13, item 9): 1280 and 1920 px (a laptop, a
classroom projector) and 390 px (a phone).

One load per page (the list comes from the course model), on the session's one server; the
viewport is then set to each width in turn and the page measured there:

* no sideways scrolling (the document is no wider than the window), and no text cut off at the
  right edge (text beyond the window is only allowed inside a frame that scrolls sideways, such
  as a table's `.nm-table-scroll`);
* the smallest text on the page is at least 12 CSS px (figures' SVG text is measured by
  test_figures.py at its displayed size);
* axe-core finds no violation;
* a screenshot of the first screen is kept in test-artifacts/screenshots/widths-<page>-<width>.png.

Also here: unknown addresses get the course's own 404 page.
"""

from __future__ import annotations

import pytest

from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge

from . import helpers
from .conftest import DASHBOARD, discovered_notebooks

WIDTHS = (1280, 1920, 390)
HEIGHT = 900
MIN_TEXT_PX = 12.0
COURSE = load_course()

#: Visible text that reaches beyond the window's right edge without a frame that scrolls it, and
#: the smallest font size of visible text (SVG text left out: test_figures.py measures figures).
JS_MEASURE = """() => {
  const root = document.getElementById('course-main') || document.body;
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && a.scrollWidth > a.clientWidth) return true;
    }
    return false;
  };
  const hidden = (el) => {
    const r = el.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1 || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  let smallest = null, smallestText = '';
  const cut = [];
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('svg, script, style') || hidden(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (smallest === null || size < smallest) { smallest = size; smallestText = text.slice(0, 60); }
    const range = document.createRange();
    range.selectNodeContents(node);
    const right = Math.max(...Array.from(range.getClientRects(), (r) => r.right), 0);
    if (right > width + 1 && !scrolls(el) && cut.length < 5) cut.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 50)} (right edge ${Math.round(right)} px)`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, smallest, smallestText, cut};
}"""


def _pages() -> list[str]:
    return discovered_notebooks()


def _settle(page) -> None:
    """Two animation frames and a short pause: layout after a resize (widgets listen to resize)."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(250)


@pytest.mark.parametrize("notebook", _pages())
def test_the_page_reads_well_at_every_width(course_server, page, notebook):
    helpers.open_notebook(page, course_server.base_url, notebook,
                          expected_widgets=helpers.expected_widget_count(course_server.notebooks / notebook))
    stem = notebook.rsplit(".", 1)[0]
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        _settle(page)
        m = page.evaluate(JS_MEASURE)
        if m["scrollWidth"] > m["clientWidth"]:
            problems.append(f"{width} px: the page scrolls sideways ({m['scrollWidth']} px wide in {m['clientWidth']} px)")
        if m["cut"]:
            problems.append(f"{width} px: text cut off at the right edge: {m['cut']}")
        if m["smallest"] is None or m["smallest"] < MIN_TEXT_PX:
            problems.append(f"{width} px: smallest text {m['smallest']} px (< {MIN_TEXT_PX}): {m['smallestText']!r}")
        violations = helpers.axe_violations(page)
        if violations:
            problems.append(f"{width} px: axe:\n" + helpers.format_axe_violations(violations))
        helpers.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(helpers.SCREENSHOT_DIR / f"widths-{stem}-{width}.png"))
    assert not problems, f"{notebook}:\n" + "\n".join(problems)


def test_the_explorer_screenshot_for_the_readme(course_server, page):
    """The README's picture of the explorer (copied by hand to docs/images/explorer.png): two
    symptoms ticked and both soles chosen on the body map, at 1280 px."""
    helpers.open_notebook(page, course_server.base_url, DASHBOARD,
                          expected_widgets=helpers.expected_widget_count(course_server.notebooks / DASHBOARD))
    kb = load_knowledge()
    for symptom in ("tingling", "burning_pain"):
        page.get_by_label(kb.symptoms[symptom].name, exact=True).first.check()
    before = page.locator(".nm-plan").first.inner_text()
    for region in ("left_foot_sole", "right_foot_sole"):
        page.locator(f'[role="checkbox"][aria-label^="{kb.regions[region].name}"]').first.click()
    page.wait_for_function("([sel, t]) => document.querySelector(sel).innerText !== t", arg=[".nm-plan", before])
    _settle(page)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.evaluate("() => window.scrollTo(0, 0)")
    _settle(page)
    helpers.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = helpers.SCREENSHOT_DIR / "explorer-readme.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("address", ["no-such-page", "voila/tree/no-such-folder", "voila/render/no-such-lesson.ipynb"])
def test_unknown_addresses_get_the_course_404_page(course_server, page, address):
    response = page.goto(course_server.base_url + address, wait_until="domcontentloaded")
    assert response is not None and response.status == 404
    assert page.locator("nav[aria-label='Course'] a", has_text="Home").count() == 1
    assert page.locator("h1").inner_text().startswith("404")
    body = page.locator("body").inner_text()
    assert "This page does not exist" in body
    assert "You are requesting a page that does not exist" not in body
    helpers.assert_no_axe_violations(page)
