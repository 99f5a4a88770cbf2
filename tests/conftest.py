"""Shared test helpers.

`record_selections(name, count)` — tests that check many selections (tests/test_invariants.py)
report how many they checked; the totals are printed at the end of the run in a
"selections checked" section, so a reader sees how much of the selection space was covered.

Add new fixtures below; keep this file free of test logic.
"""

from __future__ import annotations

import pytest

_COUNTS = pytest.StashKey[dict]()


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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = _counts(config)
    if not counts:
        return
    terminalreporter.section("selections checked")
    for name, count in counts.items():
        terminalreporter.write_line(f"{name}: {count:,}")
    terminalreporter.write_line(f"total: {sum(counts.values()):,}")
