"""What Binder runs, reproduced without docker: repo2docker's image starts a server through the
root `start` (`$R2D_ENTRYPOINT "$@"`) with the environment repo2docker sets, from the built
environment, in the repository as the home folder; the visitor is sent to
`urlpath=voila/render/notebooks/<course home>`. Checked: the course home with the course
template and navigation, every widget, MathJax from Voila's own files and no request off the
machine, the dashboards-only default (no JupyterLab), and the JupyterLab profile.

What cannot be run here: repo2docker's build itself (it needs docker) and the conda solve of
environment.yml (no conda channel is reachable); docs/DEPLOY.md says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from neuropathy_massage.launch import free_port

from . import helpers
from .conftest import ARTIFACTS_DIR, HOME, PROJECT_ROOT

#: The Binder link's urlpath, relative to the repository (the server's root).
URLPATH = f"voila/render/notebooks/{HOME}"
TOKEN = uuid.uuid4().hex


def repo2docker_environment(repo: Path) -> dict[str, str]:
    """The variables repo2docker's conda buildpack and base image set (REPO_DIR = HOME, the
    built environment first on PATH); this machine's venv plays /srv/conda/envs/notebook."""
    prefix = str(Path(sys.executable).parent.parent)
    return {
        "NB_USER": "jovyan", "NB_UID": "1000", "USER": "jovyan", "HOME": str(repo), "REPO_DIR": str(repo),
        "SHELL": "/bin/bash", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "LANGUAGE": "C.UTF-8",
        "PYTHONUNBUFFERED": "1", "APP_BASE": "/srv", "CONDA_DIR": "/srv/conda", "NB_PYTHON_PREFIX": prefix,
        "KERNEL_PYTHON_PREFIX": prefix, "CONDA_DEFAULT_ENV": prefix, "NPM_DIR": "/srv/npm",
        "R2D_ENTRYPOINT": str(repo / "start"),
        "PATH": os.pathsep.join([f"{repo}/.local/bin", f"{prefix}/bin", "/usr/local/bin", "/usr/bin", "/bin"]),
    }


def start_binder_like(repo: Path, profile: str | None = None):
    port = free_port()
    env = repo2docker_environment(repo)
    if profile:
        env["COURSE_HUB_PROFILE"] = profile
    log_path = ARTIFACTS_DIR / f"binder-{uuid.uuid4().hex[:8]}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # --allow-root only because this machine runs as root; the image runs as jovyan.
    command = [env["R2D_ENTRYPOINT"], "jupyter", "server", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
               "--allow-root", f"--IdentityProvider.token={TOKEN}", "--ServerApp.port_retries=0"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(f"{base}api/status?token={TOKEN}", timeout=5):
                break
        except (urllib.error.URLError, OSError):
            assert time.monotonic() < deadline, "the Binder-like server did not start"
            time.sleep(0.25)
    return process, base, log_path


def stop(process) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


#: A scratch page with a formula: MathJax must come from Voila's own files, not a CDN.
MATH_PROBE = "mathjax_probe.ipynb"  # not "_...": private names are refused (404)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A copy of the repository, as repo2docker copies it into the image's home folder, with
    the MathJax probe page beside the lessons."""
    target = tmp_path_factory.mktemp("binder") / "jovyan"
    shutil.copytree(PROJECT_ROOT, target, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "test-artifacts", "__pycache__", ".hub", "build", "*.egg-info"))
    probe = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["Euler: $e^{i\\pi} + 1 = 0$"]}],
             "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
             "nbformat": 4, "nbformat_minor": 5}
    (target / "notebooks" / MATH_PROBE).write_text(json.dumps(probe), encoding="utf-8")
    return target


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_binder_serves_the_course_home_with_its_template(chromium_executable, repo, page, requested_urls):
    assert os.access(repo / "start", os.X_OK), "Binder runs `start` only if it is executable"
    assert not (PROJECT_ROOT / "binder").exists() and not (PROJECT_ROOT / ".binder").exists(), (
        "a binder/ folder would make repo2docker ignore the root environment.yml")
    process, base, log = start_binder_like(repo)
    try:
        status, html = get(f"{base}{URLPATH}?token={TOKEN}")
        assert status == 200, log.read_text(errors="replace")[-3000:]
        assert 'aria-label="Course"' in html and '"fullMathjaxUrl": null' in html and "cdnjs" not in html
        assert get(f"{base}lab?token={TOKEN}")[0] == 404, "dashboards only is the default"
        page.goto(f"{base}{URLPATH}?token={TOKEN}", wait_until="domcontentloaded")
        expected = helpers.expected_widget_count(repo / "notebooks" / HOME)
        helpers.wait_for_page_ready(page, expected, timeout_ms=90_000)
        assert page.locator('nav[aria-label="Course"]').get_by_role("link", name="Home").count() == 1
        helpers.assert_no_error_output(page, "Binder course home")
        page.goto(f"{base}voila/render/notebooks/{MATH_PROBE}?token={TOKEN}", wait_until="domcontentloaded")
        helpers.wait_for_page_ready(page, 0, timeout_ms=90_000)
        page.locator("mjx-container").first.wait_for(timeout=30_000)  # the formula is typeset
        helpers.assert_only_local_requests(requested_urls, "Binder course home and MathJax page")
        assert not [u for u in requested_urls if "mathjax" in u.lower() and "127.0.0.1" not in u]
    finally:
        stop(process)


def test_binder_with_the_jupyterlab_profile_serves_jupyterlab(repo):
    process, base, log = start_binder_like(repo, profile="lab")
    try:
        assert get(f"{base}lab?token={TOKEN}")[0] == 200, log.read_text(errors="replace")[-3000:]
        status, html = get(f"{base}{URLPATH}?token={TOKEN}")
        assert status == 200 and 'aria-label="Course"' in html
    finally:
        stop(process)
