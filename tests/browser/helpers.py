"""Helpers for browser tests of the served course (Playwright, sync API).

Use them from any test under tests/browser/ together with the fixtures of conftest.py
(`course_server`, `page`, `requested_urls`):

    from . import helpers   # tests/browser is a package: import relatively

    def test_explorer_plan(course_server, page, requested_urls):
        helpers.open_notebook(page, course_server.base_url, "symptom_explorer.ipynb")
        page.get_by_label("Tingling").check()
        helpers.wait_for_text(page, "Gentle stroking")
        helpers.assert_no_error_output(page)
        helpers.assert_no_axe_violations(page)
        helpers.assert_only_local_requests(requested_urls)

Functions:
    render_url(base_url, notebook)            URL of a notebook's page
    open_notebook(page, base_url, notebook, expected_widgets=None)
                                              go there and wait_for_page_ready
    wait_for_page_ready(page, expected_widgets=0, timeout_ms)
                                              Voila's spinner gone, cells shown, widgets drawn
    expected_widget_count(notebook_path)      widget displays stored in the notebook's outputs
    widget_count(page)                        widget views drawn on the page
    wait_for_widgets(page, minimum, timeout_ms)
    wait_for_text(page, text, timeout_ms)     wait until the text is visible in <main>
    error_outputs(page) / assert_no_error_output(page)
    axe_violations(page) / format_axe_violations(violations) / assert_no_axe_violations(page)
    external_requests(urls) / assert_only_local_requests(urls)
    kernel_id(page)                           the kernel id Voila embeds in the page
    save_screenshot(page, name)               test-artifacts/screenshots/<name>.png
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

from neuropathy_massage.check import widget_view_count

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "test-artifacts" / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: Schemes that never reach the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-error", "javascript"})

#: Everything Voila draws for a widget carries this class (nested widgets included).
WIDGET_SELECTOR = ".jupyter-widgets"
#: Error outputs: our template's friendly message, plain stderr, or a traceback renderer.
ERROR_SELECTOR = ", ".join(
    [
        ".course-error",
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']",
    ]
)
TRACEBACK_PATTERNS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"\b[A-Z][A-Za-z]*Error: "),
    re.compile(r"There was an error when executing cell"),
    re.compile(r"An exception occurred at the server"),
)

DEFAULT_TIMEOUT_MS = 60_000


# --------------------------------------------------------------------------- navigation


def render_url(base_url: str, notebook: str) -> str:
    """``http://127.0.0.1:PORT/`` + ``voila/render/<notebook>``."""
    return base_url.rstrip("/") + "/voila/render/" + quote(notebook)


def open_notebook(
    page: Any,
    base_url: str,
    notebook: str,
    expected_widgets: int | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> None:
    """Open a notebook's page and wait until it is ready (see :func:`wait_for_page_ready`).

    ``expected_widgets`` defaults to the widget displays stored in the notebook file when
    ``notebook`` names a file that exists under ``course_server.notebooks``; pass it
    explicitly otherwise.
    """
    response = page.goto(render_url(base_url, notebook), wait_until="domcontentloaded", timeout=timeout_ms)
    if response is not None and response.status >= 400:
        raise AssertionError(f"{notebook}: HTTP {response.status}")
    wait_for_page_ready(page, expected_widgets or 0, timeout_ms=timeout_ms)


def wait_for_page_ready(page: Any, expected_widgets: int = 0, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until Voila has rendered the page: ``#loading`` hidden (Voila removes it),
    ``#rendered_cells`` visible, and at least ``expected_widgets`` widget views drawn."""
    page.wait_for_selector("#loading", state="hidden", timeout=timeout_ms)
    page.wait_for_selector("#rendered_cells", state="visible", timeout=timeout_ms)
    if expected_widgets:
        wait_for_widgets(page, expected_widgets, timeout_ms=timeout_ms)


# --------------------------------------------------------------------------- widgets


def expected_widget_count(notebook_path: str | Path) -> int:
    """How many widget displays the stored notebook shows (outputs with the widget-view mime)."""
    return widget_view_count(notebook_path)


def widget_count(page: Any) -> int:
    """Widget views drawn on the page (every widget, nested ones included, has the class)."""
    return page.locator(WIDGET_SELECTOR).count()


def wait_for_widgets(page: Any, minimum: int, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until at least ``minimum`` widget views are on the page."""
    if minimum <= 0:
        return
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n",
        arg=[WIDGET_SELECTOR, minimum],
        timeout=timeout_ms,
    )


def wait_for_text(page: Any, text: str, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until ``text`` is visible inside ``<main>`` (e.g. after a widget callback)."""
    page.locator("main").get_by_text(text).first.wait_for(state="visible", timeout=timeout_ms)


# --------------------------------------------------------------------------- errors


def error_outputs(page: Any) -> list[str]:
    """Texts of error outputs on the page, and of any traceback-looking text in <main>."""
    found = [text.strip()[:500] for text in page.locator(ERROR_SELECTOR).all_inner_texts()]
    main_text = page.locator("main").inner_text() if page.locator("main").count() else ""
    for pattern in TRACEBACK_PATTERNS:
        match = pattern.search(main_text)
        if match:
            start = max(match.start() - 100, 0)
            found.append("traceback-like text: " + main_text[start : match.end() + 200])
    return found


def assert_no_error_output(page: Any, label: str = "") -> None:
    errors = error_outputs(page)
    assert not errors, f"{label or page.url}: error output on the page:\n" + "\n---\n".join(errors)


# --------------------------------------------------------------------------- accessibility


def axe_violations(page: Any, context: Any = None, options: dict | None = None) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python; offline) and return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options=options or {"resultTypes": ["violations"]})
    return list(results.response.get("violations", []))


def format_axe_violations(violations: Iterable[dict]) -> str:
    """One paragraph a rule: id, impact, help, and each node's target and summary."""
    lines = []
    for rule in violations:
        lines.append(f"- {rule.get('id')} [{rule.get('impact')}]: {rule.get('help')} ({rule.get('helpUrl', '')})")
        for node in rule.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, context: Any = None, options: dict | None = None, label: str = "") -> None:
    """Zero axe violations of any impact; the message lists rule ids and node targets."""
    violations = axe_violations(page, context=context, options=options)
    assert not violations, (
        f"{label or page.url}: {len(violations)} axe rule(s) violated:\n" + format_axe_violations(violations)
    )


# --------------------------------------------------------------------------- network


def external_requests(urls: Iterable[str]) -> list[str]:
    """The URLs among ``urls`` whose host is not this machine's loopback."""
    outside = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        host = (parts.hostname or "").lower()
        if host not in LOCAL_HOSTS and not host.startswith("127."):
            outside.append(url)
    return outside


def assert_only_local_requests(urls: Iterable[str], label: str = "") -> None:
    outside = external_requests(urls)
    assert not outside, f"{label}: requests left the machine:\n" + "\n".join(sorted(set(outside)))


# --------------------------------------------------------------------------- misc


def kernel_id(page: Any) -> str:
    """The id of the page's kernel, from the ``jupyter-config-data`` Voila embeds."""
    config = json.loads(page.locator("#jupyter-config-data").first.text_content() or "{}")
    kid = config.get("kernelId")
    assert kid, "no kernelId in the page's jupyter-config-data"
    return str(kid)


def save_screenshot(page: Any, name: str, directory: Path = SCREENSHOT_DIR) -> Path:
    """Full-page PNG at test-artifacts/screenshots/<name>.png (folder created)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{Path(name).stem}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
