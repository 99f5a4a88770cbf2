"""Headless-Chromium measurements of Voila pages (Playwright, async API).

Time to interactive (TTI) of a page = from `page.goto` until
  1. Voila's `#loading` spinner is gone,
  2. at least `expected_widgets` `.jupyter-widgets` elements are in the page (the widget views
     stored in the notebook, or more: the count a settled calibration load of the page showed),
  3. a click on the page's first control (checkbox, else radio, toggle button, button) has
     round-tripped to the kernel: the kernel's `idle` status for that click's `comm_msg` came
     back on the page's websocket (and, for the floor and the explorer, the result pane's text
     changed).
Time to readable of a page = from navigation start until the page's first level-one heading and
its first paragraph (inside #rendered_cells, the widget placeholders left out) are both laid out
with a size and visible (`checkVisibility`: no `display: none`, `visibility: hidden` or zero
opacity on them or an ancestor). A script added before the page's own (`add_init_script`) checks
on every animation frame from the first one, so the figure is the frame the text could first be
painted in, measured in the page (`performance.now()`, whose zero is navigation start), without
the round trips of the test driver.
Each measurement uses a fresh browser context: a new visitor, no cache.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from helpers import parse_ws_frame  # noqa: E402  (benchmarks/ is on sys.path)

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

JS_LOADING_GONE = """() => { const l = document.getElementById('loading');
  return !l || !l.isConnected || getComputedStyle(l).display === 'none'; }"""

#: Ready: the whole HTML is in (a page with no widget would otherwise count as ready before its
#: first bytes are parsed, while the cold server is still running its cells), the spinner is gone
#: and the widgets are drawn.
JS_READY = """(n) => { if (document.readyState === 'loading' || !document.getElementById('rendered_cells')) return false;
  const l = document.getElementById('loading');
  const gone = !l || !l.isConnected || getComputedStyle(l).display === 'none';
  return gone && document.querySelectorAll('.jupyter-widgets').length >= n; }"""

#: Runs before the page's scripts: records in window.__courseReadableMs the first animation frame
#: in which the first <h1> and the first <p> of the rendered cells are both visible.
JS_READABLE_WATCH = """(() => {
  const shown = (el) => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) return false;
    return el.checkVisibility ? el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) : true;
  };
  const tick = () => {
    const root = document.getElementById('rendered_cells');
    if (root) {
      const h1 = root.querySelector('h1');
      const p = root.querySelector('p:not(.course-widget-placeholder)');
      if (shown(h1) && shown(p)) { window.__courseReadableMs = performance.now(); return; }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""

JS_READABLE_MS = "() => (typeof window.__courseReadableMs === 'number' ? window.__courseReadableMs : null)"

JS_WIDGET_COUNT = "() => document.querySelectorAll('.jupyter-widgets').length"

JS_KERNEL_ID = """() => { const c = document.getElementById('jupyter-config-data');
  try { return JSON.parse(c.textContent).kernelId || null; } catch (e) { return null; } }"""

#: Controls tried, in order, for the round-trip probe (first visible one wins). A body-map area
#: comes first: in the explorer a symptom alone does not change the plan (it waits for an area),
#: so a click on a symptom would never change the result pane.
PROBE_SELECTORS = [
    ("body-map area", ".nm-bodymap .region"),
    ("checkbox", ".widget-checkbox input[type=checkbox]"),
    ("radio", ".widget-radio-box input[type=radio]"),
    ("toggle-button", "button.widget-toggle-button"),
    ("button", "button.widget-button, button.jupyter-button"),
]

JS_FIND_PROBE = """(sels) => {
  for (const [kind, sel] of sels) {
    const els = Array.from(document.querySelectorAll(sel));
    for (let i = 0; i < els.length; i++) {
      const r = els[i].getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && !els[i].disabled) return [kind, sel, i];
    }
  }
  return null; }"""

JS_NAV = """() => { const n = performance.getEntriesByType('navigation')[0];
  if (!n) return null;
  const r = (x) => Math.round(x);
  const res = performance.getEntriesByType('resource');
  return {ttfb_ms: r(n.responseStart), html_done_ms: r(n.responseEnd), dom_ready_ms: r(n.domContentLoadedEventEnd),
          load_ms: r(n.loadEventEnd), resources: res.length,
          resource_kb: Math.round(res.reduce((a, e) => a + (e.transferSize || 0), 0) / 1024),
          html_kb: Math.round((n.transferSize || 0) / 1024)}; }"""

JS_TEXT = "(sel) => { const e = document.querySelector(sel); return e ? e.innerText : null; }"

# Click a control and resolve with the ms until the pane's text differs (measured in the page).
JS_CLICK_AND_WAIT = """async ([sel, idx, pane, timeoutMs]) => {
  const el = document.querySelectorAll(sel)[idx];
  const target = document.querySelector(pane);
  if (!el || !target) return {error: !el ? 'control not found' : 'pane not found'};
  const before = target.textContent;
  return await new Promise((resolve) => {
    let done = false;
    const t0 = performance.now();
    const finish = (res) => { if (!done) { done = true; obs.disconnect(); resolve(res); } };
    const obs = new MutationObserver(() => {
      if (target.textContent !== before) finish({ms: performance.now() - t0});
    });
    obs.observe(target, {subtree: true, childList: true, characterData: true, attributes: false});
    setTimeout(() => finish({error: 'no change within ' + timeoutMs + ' ms'}), timeoutMs);
    if (typeof el.click === 'function') el.click();
    else el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  });
}"""

ERROR_TEXTS = ("Error displaying widget", "could not be shown", "Failed to load model")


class FrameLog:
    """Records a page's kernel websocket frames once armed (parsing is left for later)."""

    def __init__(self) -> None:
        self.armed = False
        self.sent: list[tuple[float, object]] = []
        self.received: list[tuple[float, object]] = []
        self.sockets = 0

    def attach(self, page) -> None:
        def on_ws(ws):
            if "/channels" not in ws.url:
                return
            self.sockets += 1
            ws.on("framesent", lambda p: self.armed and self.sent.append((time.perf_counter(), p)))
            ws.on("framereceived", lambda p: self.armed and self.received.append((time.perf_counter(), p)))

        page.on("websocket", on_ws)

    def arm(self) -> None:
        self.sent.clear()
        self.received.clear()
        self.armed = True

    def first_comm_msg_id(self) -> str | None:
        for _, payload in self.sent:
            msg = parse_ws_frame(payload)
            if msg and msg["header"].get("msg_type") == "comm_msg":
                return msg["header"].get("msg_id")
        return None

    def idle_for(self, msg_id: str) -> float | None:
        for t, payload in self.received:
            if isinstance(payload, (bytes, bytearray)) and b"idle" not in payload:
                continue
            if isinstance(payload, str) and "idle" not in payload:
                continue
            msg = parse_ws_frame(payload)
            if (msg and msg["header"].get("msg_type") == "status"
                    and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == msg_id):
                return t
        return None

    async def wait_round_trip(self, timeout: float) -> float | None:
        """perf_counter time of the kernel's idle reply to the first comm_msg sent since arm()."""
        deadline = time.perf_counter() + timeout
        msg_id = None
        while time.perf_counter() < deadline:
            if msg_id is None:
                msg_id = self.first_comm_msg_id()
            if msg_id is not None:
                t = self.idle_for(msg_id)
                if t is not None:
                    self.armed = False
                    return t
            await asyncio.sleep(0.005)
        self.armed = False
        return None


@dataclass
class PageResult:
    url: str
    ok: bool = False
    tti_s: float | None = None          # navigate -> interactive (probe round trip included)
    readable_s: float | None = None     # navigation start -> first h1 and first paragraph visible (in-page clock)
    rendered_s: float | None = None     # navigate -> spinner gone and widgets present
    probe: str = "none"
    probe_ms: float | None = None       # click -> kernel idle for it (ms)
    widgets: int = 0
    kernel_id: str | None = None
    nav: dict | None = None             # navigation timing (ms from navigation start)
    cpu: dict | None = None             # renderer main-thread work (Chrome DevTools Performance metrics)
    error: str | None = None
    console_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


async def load_page(context, url: str, *, expected_widgets: int = 1, pane: str | None = None,
                    timeout: float = 60.0, probe: bool = True, keep_open: bool = False,
                    cdp_metrics: bool = True, probes=None):
    """Open `url` in a new page of `context` and measure TTI. Returns (PageResult, page or None)."""
    res = PageResult(url=url)
    page = await context.new_page()
    frames = FrameLog()
    frames.attach(page)
    page.on("pageerror", lambda e: res.console_errors.append(str(e)[:300]))
    page.on("console", lambda m: m.type == "error" and res.console_errors.append(m.text[:300]))
    cdp = None
    if cdp_metrics:
        try:
            cdp = await context.new_cdp_session(page)
            await cdp.send("Performance.enable")
        except Exception:  # noqa: BLE001 - metrics are optional
            cdp = None
    await page.add_init_script(JS_READABLE_WATCH)
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout * 1000)
        await page.wait_for_function(JS_READY, arg=expected_widgets, timeout=timeout * 1000, polling="raf")
        res.rendered_s = time.perf_counter() - t0
        readable_ms = await page.evaluate(JS_READABLE_MS)
        res.readable_s = None if readable_ms is None else round(readable_ms / 1000, 4)
        res.widgets = await page.evaluate(JS_WIDGET_COUNT)
        res.kernel_id = await page.evaluate(JS_KERNEL_ID)
        res.nav = await page.evaluate(JS_NAV)
        t_end = time.perf_counter()
        if probe:
            found = await page.evaluate(JS_FIND_PROBE, probes or PROBE_SELECTORS)
            if found:
                kind, sel, idx = found
                res.probe = kind
                frames.arm()
                t_click = time.perf_counter()
                if pane:
                    out = await page.evaluate(JS_CLICK_AND_WAIT, [sel, idx, pane, int(timeout * 1000)])
                    if "error" in out:
                        raise RuntimeError(f"probe: {out['error']}")
                else:
                    await page.evaluate("([s, i]) => document.querySelectorAll(s)[i].click()", [sel, idx])
                t_idle = await frames.wait_round_trip(timeout)
                if t_idle is None:
                    raise RuntimeError("probe: no kernel reply to the click")
                t_end = max(time.perf_counter() if pane else t_idle, t_idle)
                res.probe_ms = round((t_idle - t_click) * 1000, 1)
        res.tti_s = t_end - t0
        if cdp is not None:
            try:
                m = {x["name"]: x["value"] for x in (await cdp.send("Performance.getMetrics"))["metrics"]}
                res.cpu = {"task_ms": round(m.get("TaskDuration", 0) * 1000), "script_ms": round(m.get("ScriptDuration", 0) * 1000),
                           "layout_style_ms": round((m.get("LayoutDuration", 0) + m.get("RecalcStyleDuration", 0)) * 1000),
                           "dom_nodes": int(m.get("Nodes", 0)), "js_heap_mb": round(m.get("JSHeapUsedSize", 0) / 2**20, 1)}
            except Exception:  # noqa: BLE001
                res.cpu = None
        body = await page.evaluate("() => document.body ? document.body.innerText : ''")
        bad = [t for t in ERROR_TEXTS if t in body]
        if bad:
            res.error = "page shows: " + ", ".join(bad)
        res.ok = res.error is None
    except Exception as exc:  # noqa: BLE001 - recorded, not raised
        res.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        res.ok = False
    if not keep_open:
        await page.close()
        return res, None
    return res, page


async def settled_widget_count(page, quiet_s: float = 1.0, timeout: float = 30.0) -> int:
    """Widget elements once their number has not changed for `quiet_s` seconds."""
    last, since = -1, time.perf_counter()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        n = await page.evaluate(JS_WIDGET_COUNT)
        if n != last:
            last, since = n, time.perf_counter()
        elif time.perf_counter() - since >= quiet_s:
            break
        await asyncio.sleep(0.1)
    return last


async def click_and_wait(page, selector: str, index: int, pane: str, timeout_ms: int = 10000) -> dict:
    """In-page timing: click a control, ms until the pane's text changed."""
    return await page.evaluate(JS_CLICK_AND_WAIT, [selector, index, pane, timeout_ms])


async def count(page, selector: str) -> int:
    return await page.evaluate("(s) => document.querySelectorAll(s).length", selector)


async def launch(playwright, executable: str | None):
    kwargs = {"headless": True, "args": CHROMIUM_ARGS}
    if executable:
        kwargs["executable_path"] = executable
    return await playwright.chromium.launch(**kwargs)


def dumps(obj) -> str:
    return json.dumps(obj, default=str)
