"""Fixtures of the browser tests: one Voila server for the session, one Chromium.

* ``course_server`` (session): the course served by the one launcher, `python -m
  neuropathy_massage serve` (``neuropathy_massage.launch.ServerProcess``), on a free port of
  127.0.0.1; stopped (SIGTERM to Voila, which shuts its kernels down, then SIGKILL) at the end.
  ``COURSE_NOTEBOOKS_DIR`` serves another folder (for trying the harness on scratch notebooks).
* ``browser`` (session): Debian's Chromium (``CHROMIUM_PATH`` or /usr/bin/chromium) driven by
  Playwright, headless, with the flags that keep it off the network. Missing browser: the tests
  are skipped on a laptop and fail when ``CI=true``.
* ``requested_urls`` / ``page`` (per test): a fresh browser context and page; every URL the
  page requests is appended to ``requested_urls``.
* ``start_course_server(folder)``: start another server (same command) for a scratch folder.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from neuropathy_massage import paths
from neuropathy_massage.course import load_course
from neuropathy_massage.launch import ServerProcess

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COURSE = load_course()
#: The course's home page and dashboard, by file name (from the course model).
HOME = COURSE.home.file
DASHBOARD = COURSE.of_kind("dashboard")[0].file

CourseServer = ServerProcess


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail on CI, where a missing browser is a broken setup."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


def notebooks_dir() -> Path:
    """The folder the browser tests serve: COURSE_NOTEBOOKS_DIR, else the course's notebooks."""
    override = os.environ.get("COURSE_NOTEBOOKS_DIR")
    return Path(override).resolve() if override else paths.notebooks_dir()


def discovered_notebooks() -> list[str]:
    """Notebook file names to test, in course order (the course model's), read at collection time."""
    folder = notebooks_dir()
    return [lesson.file for lesson in COURSE.lessons if (folder / lesson.file).is_file()]


def start_course_server(folder: Path, log_name: str = "voila-server", extra_args: tuple[str, ...] = (),
                        serve_args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None) -> ServerProcess:
    """Start the course on a free port with the one launcher (`serve_args` for `serve`,
    `extra_args` for Voila); its output goes to test-artifacts/<log_name>-<random>.log."""
    log = ARTIFACTS_DIR / f"{log_name}-{uuid.uuid4().hex[:8]}.log"
    return ServerProcess.start(folder, log, serve_args=serve_args, voila_args=extra_args, env=extra_env)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        unavailable(f"Chromium not found at {path} (install Debian's chromium or set CHROMIUM_PATH)")
    try:
        import playwright.sync_api  # noqa: F401
        import axe_playwright_python  # noqa: F401
    except ImportError as exc:
        unavailable(f"Playwright / axe-playwright-python not installed: {exc}")
    return path


@pytest.fixture(scope="session")
def course_server(chromium_executable: str) -> Iterator[CourseServer]:
    folder = notebooks_dir()
    if not folder.is_dir():
        pytest.fail(f"notebook folder not found: {folder}", pytrace=False)
    server = start_course_server(folder)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def requested_urls() -> list[str]:
    return []


@pytest.fixture
def page(browser, requested_urls: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.on("request", lambda request: requested_urls.append(request.url))
    # A websocket is not a "request" event: record its URL too.
    page.on("websocket", lambda ws: requested_urls.append(ws.url))
    try:
        yield page
    finally:
        context.close()
