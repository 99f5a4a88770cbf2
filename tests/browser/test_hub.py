"""The course on JupyterHub, as `make hub` serves it: three learners log in with the class password.

One hub for the module (`python -m neuropathy_massage hub`, the dashboards-only profile, started
by `hub_process.HubProcess` on free loopback ports with its own state folder), one Chromium
context per learner. Each learner lands on the course home, reaches an interactive Symptom
Explorer and sees a click update the plan; no request leaves the machine (MathJax included); a
learner cannot reach another learner's server; and the dashboards-only server refuses code
(`execute_request` on the page's own kernel), JupyterLab and every write through the REST API.
When the hub stops, nothing it started is left running. Needs configurable-http-proxy, which
`make test` installs with npm (deploy/hub/); without it the module is skipped, except on CI.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest

from neuropathy_massage.hub import find_proxy
from neuropathy_massage.knowledge import load_knowledge

from . import helpers
from .conftest import ARTIFACTS_DIR, COURSE, DASHBOARD, HOME, unavailable

LEARNERS = ("ada", "bea", "cy")
PASSWORD = f"class-{uuid.uuid4().hex[:12]}"
TIMEOUT_MS = 120_000

#: Opens the kernel websocket at `url`, sends an execute_request (unless code is null) and a
#: kernel_info_request, and reports what came back.
PROBE_JS = """async ({url, code}) => {
  const session = crypto.randomUUID();
  const ws = new WebSocket(url + '?session_id=' + session);
  const received = [];
  try {
    await new Promise((resolve, reject) => {
      ws.onopen = resolve; ws.onerror = () => reject(new Error('websocket error'));
      setTimeout(() => reject(new Error('websocket did not open')), 15000);
    });
  } catch (e) { return {opened: false, received}; }
  let gotInfo; const info = new Promise(r => { gotInfo = r; });
  ws.onmessage = (event) => {
    if (typeof event.data !== 'string') { received.push({type: 'binary'}); return; }
    const m = JSON.parse(event.data);
    const item = {type: m.header.msg_type, parent: (m.parent_header || {}).msg_id || null};
    received.push(item);
    if (item.type === 'kernel_info_reply' && item.parent === 'probe-info') gotInfo();
  };
  const send = (type, content, id) => ws.send(JSON.stringify({
    header: {msg_id: id, msg_type: type, username: 'learner', session, date: new Date().toISOString(), version: '5.3'},
    parent_header: {}, metadata: {}, content, channel: 'shell', buffers: []}));
  if (code !== null) send('execute_request', {code, silent: false, store_history: false, user_expressions: {},
                                              allow_stdin: false, stop_on_error: true}, 'probe-exec');
  send('kernel_info_request', {}, 'probe-info');
  await Promise.race([info, new Promise(r => setTimeout(r, 15000))]);
  await new Promise(r => setTimeout(r, 1500));
  ws.close();
  return {opened: true, received};
}"""

#: A learner's own REST calls, as the page's code would make them (with the _xsrf token).
REST_JS = """async ({base}) => {
  const xsrf = decodeURIComponent((document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '');
  const call = async (method, path, body) => {
    const r = await fetch(base + path, {method, redirect: 'manual', credentials: 'same-origin',
      headers: {'X-XSRFToken': xsrf, 'Content-Type': 'application/json'},
      body: body ? JSON.stringify(body) : undefined});
    return r.status;
  };
  return {
    start_kernel: await call('POST', 'api/kernels', {name: 'python3'}),
    start_session: await call('POST', 'api/sessions', {path: 'x.ipynb', type: 'notebook', kernel: {name: 'python3'}}),
    write_file: await call('PUT', 'api/contents/uploaded.ipynb', {type: 'file', format: 'text', content: 'x'}),
    terminal: await call('POST', 'api/terminals'),
    lab: await call('GET', 'lab'),
    read_contents: await call('GET', 'api/contents'),
  };
}"""


@pytest.fixture(scope="module")
def hub(chromium_executable, tmp_path_factory):
    from neuropathy_massage.hub_process import HubProcess

    if find_proxy() is None:
        unavailable("configurable-http-proxy not installed (`make test` installs it with npm)")
    state = tmp_path_factory.mktemp("hub-state")
    server = HubProcess.start(state, ARTIFACTS_DIR / f"hub-{uuid.uuid4().hex[:8]}.log", password=PASSWORD)
    try:
        yield server
    finally:
        left = server.stop()
        assert not left, f"still running after the hub stopped: {[p.pid for p in left]}\n{server.log_tail()}"


@pytest.fixture(scope="module")
def learners(hub, browser):
    """Three learners log in at the same time; each ends on the course home, ready."""
    contexts, pages, urls = [], {}, {}
    for name in LEARNERS:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        urls[name] = []
        page.on("request", lambda request, n=name: urls[n].append(request.url))
        page.on("websocket", lambda ws, n=name: urls[n].append(ws.url))
        contexts.append(context)
        pages[name] = page
    try:
        for name, page in pages.items():
            page.goto(hub.base_url + "hub/login", wait_until="domcontentloaded")
            page.fill("#username_input", name)
            page.fill("#password_input", PASSWORD)
            page.click("#login_submit", no_wait_after=True)  # the three servers start together
        for name, page in pages.items():
            page.wait_for_url(f"**/user/{name}/voila/render/{HOME}", timeout=TIMEOUT_MS)
            helpers.wait_for_page_ready(page, timeout_ms=TIMEOUT_MS)
        yield {"pages": pages, "urls": urls}
    finally:
        for context in contexts:
            context.close()


def base(hub, name: str) -> str:
    return f"{hub.base_url}user/{name}/"


def test_each_learner_lands_on_the_course_home(learners):
    for name, page in learners["pages"].items():
        assert page.title().startswith(COURSE.home.title), page.title()
        nav = page.locator('nav[aria-label="Course"]')
        assert nav.get_by_role("link", name="Home").count() == 1, name
        assert page.locator("main#course-main").count() == 1, name
        assert helpers.error_outputs(page) == [], name


def test_each_learner_uses_an_interactive_explorer(hub, learners):
    from playwright.sync_api import expect

    regions = load_knowledge().regions
    pages = learners["pages"]
    for name, page in pages.items():  # all three explorers start their kernels together
        page.goto(base(hub, name) + f"voila/render/{DASHBOARD}", wait_until="commit")
    for name, page in pages.items():
        helpers.wait_for_page_ready(page, timeout_ms=TIMEOUT_MS)
        first = page.locator("[data-region]").first
        first.wait_for(timeout=TIMEOUT_MS)
        region_id = first.get_attribute("data-region")
        page.locator(".nm-symptom input[type=checkbox]").first.check()
        first.click()
        expect(page.locator(".nm-plan")).to_contain_text(regions[region_id].name, timeout=60_000)
        helpers.assert_no_error_output(page, name)
        # The fail-safe watch's poll of the kernel (every 10 s) is answered on a hub too: a 403 there
        # (no xsrf header) once withdrew every learner's plan 10 s after the page opened.
        page.evaluate("() => window.courseConnection.check()")
        assert page.evaluate("() => window.courseConnection.lost") is False, page.evaluate(
            "() => window.courseConnection.reason")
        polls = page.evaluate("() => window.courseConnection.events.map(e => e[1]).filter(w => w.startsWith('poll'))")
        assert polls and polls[-1] == "poll 200", polls  # a poll was sent (the page knows its kernel) and answered
        expect(page.locator(".nm-plan")).to_be_visible()


def test_no_request_leaves_the_machine(learners):
    """Pages, widgets, fonts and MathJax all come from 127.0.0.1 (Voila's bundled MathJax)."""
    for name, page in learners["pages"].items():
        config = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")
        assert config.get("fullMathjaxUrl") is None, f"{name}: {config.get('fullMathjaxUrl')}"
        helpers.assert_only_local_requests(learners["urls"][name], name)
        assert learners["urls"][name], f"{name}: no request recorded"


def test_a_learner_cannot_reach_another_learners_server(hub, learners):
    pages = learners["pages"]
    names = list(pages)
    for i, name in enumerate(names):
        other = names[(i + 1) % len(names)]
        page = pages[name]
        for path in ("api/status", f"voila/render/{HOME}", "api/kernels"):
            response = page.request.get(base(hub, other) + path, max_redirects=10)
            assert response.status == 403, f"{name} -> {other}/{path}: HTTP {response.status}"
        other_kernel = helpers.kernel_id(pages[other])
        ws = base(hub, other).replace("http", "ws", 1) + f"api/kernels/{other_kernel}/channels"
        probe = page.evaluate(PROBE_JS, {"url": ws, "code": None})
        assert not probe["opened"] and not probe["received"], f"{name} reached {other}'s kernel: {probe}"


def test_dashboards_only_refuses_code_and_jupyterlab(hub, learners):
    for name, page in learners["pages"].items():
        marker = Path(tempfile.gettempdir()) / f"course-hub-probe-{uuid.uuid4().hex}"
        ws = base(hub, name).replace("http", "ws", 1) + f"api/kernels/{helpers.kernel_id(page)}/channels"
        try:
            probe = page.evaluate(PROBE_JS, {"url": ws, "code": f"open({str(marker)!r}, 'w').write('ran')"})
            assert probe["opened"], f"{name}: the page's own kernel websocket did not open"
            received = probe["received"]
            assert any(m["type"] == "kernel_info_reply" and m["parent"] == "probe-info" for m in received), received
            assert not [m for m in received if m["parent"] == "probe-exec"], f"{name}: the kernel answered code"
            assert not marker.exists(), f"{name}: learner code ran on the server"
        finally:
            marker.unlink(missing_ok=True)
        rest = page.evaluate(REST_JS, {"base": f"/user/{name}/"})
        assert rest["read_contents"] == 200, rest  # the control: the API answers this learner
        assert (rest["start_kernel"], rest["start_session"], rest["write_file"]) == (403, 403, 403), rest
        assert rest["terminal"] == 404 and rest["lab"] == 404, rest
        overridden = page.request.get(base(hub, name) + f"voila/render/{HOME}?template=lab&theme=dark")
        assert overridden.status == 200 and 'aria-label="Course"' in overridden.text(), "template override honoured"
