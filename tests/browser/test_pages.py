"""Every page of the served course: renders, no errors, all widgets, accessible, offline, safe.

One Voila server (conftest.course_server, the `make serve` command) and one Chromium serve
the whole module. Notebooks are discovered at collection, so new lessons are tested
automatically. Screenshots go to test-artifacts/screenshots/<notebook>.png.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from . import helpers
from .conftest import HOME, discovered_notebooks, start_course_server

NOTEBOOKS = discovered_notebooks()
NOTEBOOK_PARAMS = NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks to serve yet"))]


def _settle(page) -> None:
    """Let late requests (fonts, lazy chunks) happen before they are checked."""
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except Exception:
        pass


def _frame_problems(page) -> list[str]:
    """The course template's promises: one <main>, a title, the course nav with Home."""
    problems = []
    if page.locator("main").count() != 1:
        problems.append(f"expected one <main>, found {page.locator('main').count()}")
    if not page.title().strip():
        problems.append("empty <title>")
    nav = page.locator('nav[aria-label="Course"]')
    if nav.count() != 1:
        problems.append(f'expected one <nav aria-label="Course">, found {nav.count()}')
    elif nav.get_by_role("link", name="Home").count() < 1:
        problems.append("the course navigation has no Home link")
    outside = page.evaluate(
        """() => Array.from(document.querySelectorAll('.jp-Cell, #rendered_cells'))
                 .filter(el => !el.closest('main')).length"""
    )
    if outside:
        problems.append(f"{outside} notebook element(s) outside <main>")
    return problems


def _axe_and_offline_problems(page, requested_urls) -> list[str]:
    """Any axe violation (of any impact) and any request that left the machine, as problems."""
    problems = []
    violations = helpers.axe_violations(page)
    if violations:
        problems.append("axe violations:\n" + helpers.format_axe_violations(violations))
    outside = helpers.external_requests(requested_urls)
    if outside:
        problems.append("requests left the machine:\n  " + "\n  ".join(sorted(set(outside))))
    return problems


@pytest.mark.parametrize("notebook", NOTEBOOK_PARAMS)
def test_page(course_server, page, requested_urls, notebook):
    expected_widgets = helpers.expected_widget_count(course_server.notebooks / notebook)
    helpers.open_notebook(page, course_server.base_url, notebook, expected_widgets=0)
    problems: list[str] = []
    try:
        helpers.wait_for_widgets(page, expected_widgets)
    except Exception:
        pass
    _settle(page)
    helpers.save_screenshot(page, notebook)

    problems += _frame_problems(page)
    drawn = helpers.widget_count(page)
    if drawn < expected_widgets:
        problems.append(f"{drawn} widget view(s) drawn, the stored notebook displays {expected_widgets}")
    problems += [f"error output: {e}" for e in helpers.error_outputs(page)]
    problems += _axe_and_offline_problems(page, requested_urls)
    assert not problems, f"{notebook}:\n- " + "\n- ".join(problems)


def test_course_home_links_every_lesson(course_server, page):
    """The course home, as served, links every other notebook of the course."""
    from playwright.sync_api import expect

    home = HOME
    expected = helpers.expected_widget_count(course_server.notebooks / home)
    helpers.open_notebook(page, course_server.base_url, home, expected_widgets=expected)
    # The lesson map is an output: wait for its last link before reading them all.
    last = [name for name in NOTEBOOKS if name != home][-1]
    expect(page.locator(f'main a[href$="{last}"]').first).to_be_attached(timeout=30_000)
    hrefs = page.locator("main a").evaluate_all("els => els.map(e => e.getAttribute('href') || '')")
    missing = [name for name in NOTEBOOKS if name != home and not any(h.split("/")[-1] == name for h in hrefs)]
    assert not missing, f"the served course home does not link: {missing}"


def test_contents_page(course_server, page, requested_urls):
    """The server's root is the course contents (accessible, offline) linking every notebook."""
    page.goto(course_server.base_url, wait_until="load")
    _settle(page)
    helpers.save_screenshot(page, "_contents")
    problems = _frame_problems(page)
    hrefs = page.locator("main a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for name in NOTEBOOKS:
        if not any(h and h.endswith("/voila/render/" + name) for h in hrefs):
            problems.append(f"contents page does not link {name}")
    problems += _axe_and_offline_problems(page, requested_urls)
    assert not problems, "contents page:\n- " + "\n- ".join(problems)


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks to serve yet")
def test_navigation_skip_link_focus_and_print(course_server, page):
    """Keyboard users get a visible skip link first; Previous/Next follow file order; print hides nav."""
    index = len(NOTEBOOKS) // 2
    name = NOTEBOOKS[index]
    helpers.open_notebook(page, course_server.base_url, name)
    nav = page.locator('nav[aria-label="Course"]')
    if index > 0:
        href = nav.locator("a[rel=prev]").get_attribute("href")
        assert href and href.endswith("/" + NOTEBOOKS[index - 1]), href
    if index + 1 < len(NOTEBOOKS):
        href = nav.locator("a[rel=next]").get_attribute("href")
        assert href and href.endswith("/" + NOTEBOOKS[index + 1]), href

    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => { const el = document.activeElement; const r = el.getBoundingClientRect();
                   const s = getComputedStyle(el);
                   return {cls: el.className, w: r.width, h: r.height, outline: s.outlineStyle}; }"""
    )
    assert "course-skip-link" in str(focused["cls"]), focused
    assert focused["w"] > 20 and focused["h"] > 10, f"skip link not visible when focused: {focused}"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "course-main"

    page.emulate_media(media="print")
    assert not nav.is_visible(), "the course navigation is printed"
    page.emulate_media(media="screen")


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks to serve yet")
def test_visitor_cannot_run_code(course_server, page):
    """Voila forwards only comm / kernel-info / shutdown messages: an execute_request sent on the
    page's own kernel websocket is dropped (no reply, no side effect), while a kernel_info_request
    on the same socket is answered (so the channel itself works)."""
    name = HOME if HOME in NOTEBOOKS else NOTEBOOKS[0]
    helpers.open_notebook(page, course_server.base_url, name)
    kernel_id = helpers.kernel_id(page)
    marker = Path(tempfile.gettempdir()) / f"course-exec-probe-{uuid.uuid4().hex}"
    code = f"open({str(marker)!r}, 'w').write('visitor code ran')"
    received = page.evaluate(
        """async ({kernelId, code}) => {
          const session = crypto.randomUUID();
          const url = location.origin.replace(/^http/, 'ws') + '/api/kernels/' + kernelId
                      + '/channels?session_id=' + session;
          const ws = new WebSocket(url);
          const received = [];
          await new Promise((resolve, reject) => {
            ws.onopen = resolve;
            ws.onerror = () => reject(new Error('websocket error'));
            setTimeout(() => reject(new Error('websocket did not open')), 15000);
          });
          let infoReply = null;
          const gotInfo = new Promise(resolve => { infoReply = resolve; });
          ws.onmessage = (event) => {
            if (typeof event.data !== 'string') { received.push({type: 'binary'}); return; }
            const msg = JSON.parse(event.data);
            const item = {type: msg.header.msg_type, parent: (msg.parent_header || {}).msg_id || null,
                          channel: msg.channel};
            received.push(item);
            if (item.type === 'kernel_info_reply' && item.parent === 'probe-info') infoReply();
          };
          const send = (type, content, id) => ws.send(JSON.stringify({
            header: {msg_id: id, msg_type: type, username: 'visitor', session,
                     date: new Date().toISOString(), version: '5.3'},
            parent_header: {}, metadata: {}, content, channel: 'shell', buffers: []}));
          send('execute_request', {code, silent: false, store_history: false, user_expressions: {},
                                   allow_stdin: false, stop_on_error: true}, 'probe-exec');
          send('kernel_info_request', {}, 'probe-info');
          await Promise.race([gotInfo, new Promise(r => setTimeout(r, 15000))]);
          await new Promise(r => setTimeout(r, 1500));  // room for a late execute reply
          ws.close();
          return received;
        }""",
        {"kernelId": kernel_id, "code": code},
    )
    time.sleep(0.5)
    try:
        from_exec = [m for m in received if m.get("parent") == "probe-exec"]
        assert any(
            m["type"] == "kernel_info_reply" and m["parent"] == "probe-info" for m in received
        ), f"control failed: no kernel_info_reply on the kernel websocket; got {received}"
        assert not from_exec, f"the kernel answered a visitor's execute_request: {from_exec}"
        assert not any(m["type"] in ("execute_reply", "execute_result") for m in received), received
        assert not marker.exists(), f"visitor code ran on the server: {marker} was created"
    finally:
        marker.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def failing_course(course_server, tmp_path_factory):
    """A second, short-lived server (same command) for a scratch folder whose page raises."""
    folder = tmp_path_factory.mktemp("failing-course")
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# A page that fails"]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["raise ValueError('internal detail the learner must not see')"],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / HOME).write_text(json.dumps(notebook), encoding="utf-8")
    server = start_course_server(folder, log_name="voila-failing-course")
    try:
        yield server
    finally:
        server.stop()


def test_error_is_a_short_friendly_message(failing_course, page):
    helpers.open_notebook(page, failing_course.base_url, HOME)
    message = page.locator(".course-error")
    assert message.count() == 1
    text = message.inner_text()
    assert "could not be shown" in text
    body = page.locator("main").inner_text()
    for secret in ("internal detail", "ValueError", "Traceback", "show_tracebacks"):
        assert secret not in body, f"{secret!r} shown to the learner"
    # The harness notices it: a page like this fails test_page.
    assert helpers.error_outputs(page)
    helpers.assert_no_axe_violations(page)


@pytest.fixture(scope="module")
def slow_course(course_server, tmp_path_factory):
    """A short-lived server for a page that takes 10 s to start, told to call a page slow after
    2 s (`serve --slow-page-seconds 2`) and to send Voila's heartbeat
    every second; no pre-heating, so the page really waits for its kernel."""
    folder = tmp_path_factory.mktemp("slow-course")
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# A slow page"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": ["import time\n", "time.sleep(10)\n", "print('the slow page has started')"]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / HOME).write_text(json.dumps(notebook), encoding="utf-8")
    server = start_course_server(
        folder,
        log_name="voila-slow-course",
        extra_args=("--VoilaConfiguration.preheat_kernel=False", "--VoilaConfiguration.http_keep_alive_timeout=1"),
        serve_args=("--slow-page-seconds", "2"),
    )
    try:
        yield server
    finally:
        server.stop()


def test_a_page_stuck_on_the_spinner_tells_the_learner_to_reload(slow_course, page):
    page.goto(helpers.render_url(slow_course.base_url, HOME), wait_until="commit")
    notice = page.locator("#loading .course-slow-start")
    notice.wait_for(state="visible", timeout=9000)  # well before the page itself starts
    assert notice.get_attribute("role") == "alert"
    assert "Reload the page" in notice.inner_text()
    assert page.locator(".course-slow-start").count() == 1, "the notice is shown once"
    helpers.assert_no_axe_violations(page, label="slow-start notice")
    # The page is not given up on: once it starts, the notice goes with the spinner.
    helpers.wait_for_page_ready(page, 0, timeout_ms=60000)
    assert "the slow page has started" in page.locator("main").inner_text()
    assert page.locator(".course-slow-start").count() == 0


def test_missing_page_is_a_plain_404(course_server, page, requested_urls):
    response = page.goto(helpers.render_url(course_server.base_url, "no_such_lesson.ipynb"))
    assert response is not None and response.status == 404
    assert page.locator("main").count() == 1
    assert page.locator('nav[aria-label="Course"]').get_by_role("link", name="Home").count() == 1
    assert "Traceback" not in page.content()
    helpers.assert_no_axe_violations(page, label="404 page")
    helpers.assert_only_local_requests(requested_urls, "404 page")
