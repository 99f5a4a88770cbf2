"""Shared test helpers.

`record_selections(name, count)` — tests that check many selections (tests/test_invariants.py)
report how many they checked; the totals are printed at the end of the run in a
"selections checked" section, so a reader sees how much of the selection space was covered.

`report_figures(section, lines)` — tests that compute figures worth reading (tests/test_quiz_bank.py:
the fairness of the question bank) hand them over; each section is printed at the end of the run.

`assets_copy` — a full copy of the course's assets/ (knowledge, figures, course.yaml) in a
temporary folder, for tests that change one thing and load it; `notebooks_copy` likewise for
notebooks/. `FIXTURE_ASSETS` — the small knowledge of tests/fixtures/assets, for golden cases
that must not move when the course's own data grows.

Add new fixtures below; keep this file free of test logic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from neuropathy_massage import paths

FIXTURE_ASSETS = Path(__file__).resolve().parent / "fixtures" / "assets"


@pytest.fixture
def assets_copy(tmp_path) -> Path:
    target = tmp_path / "assets"
    shutil.copytree(paths.package_assets(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def notebooks_copy(tmp_path) -> Path:
    target = tmp_path / "notebooks"
    shutil.copytree(paths.notebooks_dir(), target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target

_COUNTS = pytest.StashKey[dict]()
_FIGURES = pytest.StashKey[dict]()


def _counts(config: pytest.Config) -> dict:
    if _COUNTS not in config.stash:
        config.stash[_COUNTS] = {}
    return config.stash[_COUNTS]


@pytest.fixture
def record_selections(request):
    """Call as `record_selections("exhaustive singles", n)` to report n checked selections."""

    def record(name: str, count: int) -> None:
        counts = _counts(request.config)
        counts[name] = counts.get(name, 0) + count

    return record


@pytest.fixture
def report_figures(request):
    """Call as `report_figures("quiz bank", ["items: 73", ...])`: printed in a section of that name
    at the end of the run (a later call for the same section replaces its lines)."""

    def record(section: str, lines) -> None:
        if _FIGURES not in request.config.stash:
            request.config.stash[_FIGURES] = {}
        request.config.stash[_FIGURES][section] = list(lines)

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for section, lines in config.stash.get(_FIGURES, {}).items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)
    counts = _counts(config)
    if not counts:
        return
    terminalreporter.section("selections checked")
    for name, count in counts.items():
        terminalreporter.write_line(f"{name}: {count:,}")
    terminalreporter.write_line(f"total: {sum(counts.values()):,}")
