"""Fast checks of the pure helpers of `make bench` (benchmarks/run.py): statistics, websocket
frame parsing, the floor notebook, the results table and the JSON shape.

No server, no browser and no timing assertion: the figures themselves are goals reported by
`make bench` in docs/PERFORMANCE.md, never tests.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_PY = ROOT / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(run, **over):
    """A small, complete results dict as benchmarks/run.py writes it."""
    r = run.empty_results()
    r["machine"] = run.machine_info(chromium_version=None)
    r["explorer_notebook"] = "symptom_explorer.ipynb"
    page = {"summary": run.summarize([1.0, 1.2, 1.1]), "samples": [1.0, 1.2, 1.1], "ratio_to_floor": 1.1,
            "widgets": 48, "probe": "checkbox"}
    floor = {"summary": run.summarize([1.0, 1.0, 1.0]), "samples": [1.0, 1.0, 1.0], "widgets": 2, "probe": "checkbox"}
    r["tti"] = {"cold": {"floor": floor, "pages": {"symptom_explorer.ipynb": page}},
                "preheated": {"floor": floor, "pages": {"symptom_explorer.ipynb": copy.deepcopy(page)}}}
    r["widget_response"] = {"explorer": {"summary": run.summarize([20, 30, 150], digits=1)},
                            "floor": {"summary": run.summarize([10, 12], digits=1)}}
    r["memory"] = {"explorer_kernel": {"rss_mb": 70.0, "uss_mb": 48.0, "pss_mb": 49.0},
                   "floor_kernel": {"rss_mb": 54.0, "uss_mb": 37.0, "pss_mb": 38.0},
                   "after_leave": {"back_to_baseline": True, "baseline_kernels": 3, "peak_kernels": 33,
                                   "final_kernels": 3, "seconds_to_baseline": 50.0}}
    r["concurrency"] = {"mode": "browser", "levels": [
        {"learners": 30, "succeeded": 29, "failed": 1, "tti": run.summarize([5.0, 9.0]),
         "selection_ms": run.summarize([40, 80]), "peak_kernels": 33, "error_kinds": {"TimeoutError": 1}}]}
    r["nbval"] = {"command": "python -m pytest --nbval", "wall_s": 42.0, "exit_code": 0, "summary": "10 passed",
                  "floor": {"wall_s": 3.0}}
    r.update(over)
    r["targets"] = run.evaluate_targets(r)
    return r


def test_percentile_interpolates_like_numpy(run):
    assert run.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert run.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert run.percentile([4, 1, 3, 2], 0) == 1 and run.percentile([4, 1, 3, 2], 100) == 4
    assert run.percentile([7.0], 95) == 7.0
    assert run.percentile([], 50) is None
    assert run.percentile([None, 2.0, float("nan"), 4.0], 50) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        run.percentile([1, 2], 101)


def test_summarize_counts_failures_apart(run):
    s = run.summarize([0.5, None, 1.5, 1.0], digits=2)
    assert s["n"] == 3 and s["failed"] == 1
    assert s["median"] == 1.0 and s["min"] == 0.5 and s["max"] == 1.5 and s["mean"] == 1.0
    empty = run.summarize([None, None])
    assert empty["n"] == 0 and empty["failed"] == 2 and empty["median"] is None
    assert run.ratio(1.2, 1.0) == 1.2 and run.ratio(None, 1.0) is None and run.ratio(1.0, 0) is None


def test_websocket_frames_binary_and_text(run):
    header = {"msg_id": "abc", "msg_type": "status"}
    parent = {"msg_id": "p1", "msg_type": "comm_msg"}
    frame = run.encode_ws_frame("iopub", header, parent, {"execution_state": "idle"})
    msg = run.parse_ws_frame(frame)
    assert msg["channel"] == "iopub" and msg["header"] == header and msg["parent_header"] == parent
    assert msg["content"] == {"execution_state": "idle"}
    text = json.dumps({"channel": "shell", "header": header, "parent_header": {}, "content": {"a": 1}})
    assert run.parse_ws_frame(text)["content"] == {"a": 1}
    assert run.parse_ws_frame(b"\x01") is None and run.parse_ws_frame("not json") is None


def test_floor_is_stored_executed_with_one_control_and_one_html(run):
    floor = ROOT / "benchmarks" / "floor" / "floor.ipynb"
    assert run.is_executed(floor)
    assert run.count_widget_views(floor) == 2
    source = "".join("".join(c["source"]) for c in json.loads(floor.read_text())["cells"])
    assert "Checkbox(" in source and "HTML(" in source


def test_targets_rows(run):
    rows = {r["id"]: r for r in _results(run)["targets"]}
    assert set(rows) == set(run.TARGETS)
    assert rows["explorer_tti_cold_ratio"]["measured"] == pytest.approx(1.1) and rows["explorer_tti_cold_ratio"]["met"]
    assert rows["explorer_tti_preheated_ratio"]["measured"] == pytest.approx(1.1)
    assert rows["explorer_tti_preheated_ratio"]["met"] is True   # 1.1 x the floor is within 1.1 x
    assert rows["widget_response_p95"]["met"] is False           # p95 of 20, 30, 150 is above 100 ms
    assert rows["concurrent_30_failures"]["measured"] == 1 and rows["concurrent_30_failures"]["met"] is False
    assert rows["memory_back_to_baseline"]["met"] is True
    none = {r["id"]: r for r in run.evaluate_targets(run.empty_results())}
    assert all(r["met"] is None and r["measured"] is None for r in none.values())


def test_table_and_generated_section(run):
    results = _results(run)
    table = run.render_table(results)
    assert "| Figure | Target | Measured | Floor | Result | Detail |" in table
    assert "**missed**" in table and "| met |" in table
    assert "`symptom_explorer.ipynb`" in table and "**floor**" in table
    doc = "# Performance\n\nHand-written text.\n"
    once = run.replace_generated_section(doc, table)
    assert once.startswith(doc) and run.BEGIN_MARKER in once and run.END_MARKER in once
    twice = run.replace_generated_section(once, table)
    assert twice == once                                        # idempotent: replaced, not appended
    other = run.replace_generated_section(once + "\nAfter.\n", "NEW\n")
    assert "NEW" in other and "Hand-written text." in other and other.endswith("After.\n")
    assert "| Figure |" not in other
    run.render_table(run.empty_results())                       # nothing measured: still renders


def test_json_shape(run):
    results = _results(run)
    assert run.validate_results(results) == []
    json.loads(json.dumps(results))
    broken = dict(results)
    del broken["machine"]
    assert any("machine" in p for p in run.validate_results(broken))
    machine = results["machine"]
    assert machine["logical_cores"] >= 1 and machine["python"].count(".") == 2
    assert "voila" in machine["packages"]


def test_stored_results_have_the_documented_shape(run):
    """benchmarks/results/latest.json, when present, has the shape run.py writes (no figure is checked)."""
    latest = ROOT / "benchmarks" / "results" / "latest.json"
    if not latest.exists():
        pytest.skip("make bench has not been run")
    results = json.loads(latest.read_text())
    problems = [p for p in run.validate_results(results) if not p.startswith("machine: missing")]
    assert problems == []
    assert all(isinstance(r["met"], (bool, type(None))) for r in results["targets"])
    assert not any(isinstance(v, float) and math.isnan(v) for v in results["machine"].values()
                   if not isinstance(v, (dict, list, str)))


def test_the_hub_section_renders_measured_figures_and_nothing_when_skipped(run):
    timings = {"login_to_home_s": run.summarize([10.0]), "explorer_open_to_interactive_s": run.summarize([4.0]),
               "login_to_interactive_s": run.summarize([14.0])}
    memory = {"server": {"rss_mb": 150.0}, "kernels": [{"rss_mb": 70.0}], "total_rss_mb": 220.0, "total_uss_mb": 170.0}
    hub = {"solo": [{"ok": True, "memory": memory}], "solo_summary": timings, "per_learner_rss_mb": 220.0,
           "class": {"learners": 10, "failed": 1, **timings}, "fixed": {"hub": {"rss_mb": 130.0}}}
    text = run.render_table(_results(run, hub=hub))
    assert "### JupyterHub" in text and "| 10 at once | 10.00 |" in text
    assert "server 150 MB + kernels 70 MB = 220 MB" in text
    assert "### JupyterHub" not in run.render_table(_results(run))


def test_the_explorer_probe_is_a_control_that_changes_the_plan():
    """The bench's round-trip probe clicks the first visible control of PROBE_SELECTORS and waits
    for the explorer's result pane to change. A symptom alone does not change the plan (it waits
    for an area), so a symptom first made every explorer probe time out; a body-map area must come
    first, and choosing one must change the result pane."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _browser import PROBE_SELECTORS
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from neuropathy_massage.ui.explorer import Explorer

    assert ".nm-bodymap" in PROBE_SELECTORS[0][1] and ".region" in PROBE_SELECTORS[0][1]
    explorer = Explorer()
    before = explorer.result.value
    explorer.body_map.selected = [explorer.body_map.order[0]]
    assert explorer.result.value != before


def test_time_to_readable_is_the_slowest_pages_median_and_shown_per_page(run):
    results = _results(run)
    hot = results["tti"]["preheated"]
    hot["floor"]["readable"] = run.summarize([0.2, 0.2])
    hot["pages"]["symptom_explorer.ipynb"]["readable"] = run.summarize([0.3, 0.4, 0.35])
    hot["pages"]["home.ipynb"] = dict(copy.deepcopy(hot["pages"]["symptom_explorer.ipynb"]),
                                      readable=run.summarize([0.6, 0.7]))
    rows = {r["id"]: r for r in run.evaluate_targets(results)}
    row = rows["readable_preheated_max"]
    assert row["measured"] == pytest.approx(0.65) and row["met"] is False   # home is over 0.5 s
    assert row["floor"] == pytest.approx(0.2) and "home.ipynb" in row["detail"]
    hot["pages"].pop("home.ipynb")
    assert {r["id"]: r for r in run.evaluate_targets(results)}["readable_preheated_max"]["met"] is True
    table = run.render_table(results)
    assert "| Readable, cold | Readable, pre-heated |" in table
    assert "| `symptom_explorer.ipynb` | n/a | 0.35 |" in table.replace("0.350", "0.35")
