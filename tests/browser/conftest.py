"""Fixtures of the browser tests: one Voila server for the session, one Chromium.

* ``course_server`` (session): the course served with exactly the command and environment of
  `make serve` (``neuropathy_massage.serving.build_command`` / ``build_env``), on a free port
  of 127.0.0.1; stopped (whole process group, kernels included) at the end.
  ``COURSE_NOTEBOOKS_DIR`` serves another folder (for trying the harness on scratch notebooks).
* ``browser`` (session): Debian's Chromium (``CHROMIUM_PATH`` or /usr/bin/chromium) driven by
  Playwright, headless, with the flags that keep it off the network. Missing browser: the tests
  are skipped on a laptop and fail when ``CI=true``.
* ``requested_urls`` / ``page`` (per test): a fresh browser context and page; every URL the
  page requests is appended to ``requested_urls``.
* ``start_course_server(folder)``: start another server (same command) for a scratch folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from neuropathy_massage import serving

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
SERVER_START_TIMEOUT_S = 120


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail on CI, where a missing browser is a broken setup."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


def notebooks_dir() -> Path:
    """The folder the browser tests serve: COURSE_NOTEBOOKS_DIR, else the project's notebooks/."""
    override = os.environ.get("COURSE_NOTEBOOKS_DIR")
    return Path(override).resolve() if override else serving.NOTEBOOKS_DIR


def discovered_notebooks() -> list[str]:
    """Notebook file names to test, in course order; read at collection time."""
    return serving.list_notebooks(notebooks_dir())


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CourseServer:
    notebooks_dir: Path
    port: int
    process: subprocess.Popen
    log_path: Path
    command: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, notebook: str) -> str:
        return serving.render_url(self.base_url, notebook)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        stop_process_tree(self.process)


def stop_process_tree(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop Voila and its kernels: SIGTERM to the process group (Voila shuts its kernels down),
    then SIGKILL to whatever is left of the group and of the recorded descendants."""
    try:
        import psutil

        descendants = psutil.Process(process.pid).children(recursive=True)
    except Exception:
        descendants = []
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for child in descendants:
        with contextlib.suppress(Exception):
            if child.is_running():
                child.kill()


def start_course_server(
    folder: Path,
    log_name: str = "voila-server",
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> CourseServer:
    """Start the course on a free port of 127.0.0.1 with `make serve`'s command (plus any
    ``extra_args`` for Voila and ``extra_env``); wait until it answers.

    Voila's output goes to test-artifacts/<log_name>-<port>.log.
    """
    port = free_port()
    command = serving.build_command(notebooks_dir=folder, host="127.0.0.1", port=port, extra_args=extra_args)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS_DIR / f"{log_name}-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            env={**serving.build_env(), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so the whole tree can be stopped
            cwd=str(PROJECT_ROOT),
        )
    server = CourseServer(Path(folder), port, process, log_path, command)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"Voila exited with code {process.returncode} before answering:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.base_url, timeout=5) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"Voila did not answer within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}")
        time.sleep(0.25)


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
