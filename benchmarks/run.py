"""`make bench`: the course's performance figures, each measured beside a FLOOR.

The floor (benchmarks/floor/floor.ipynb, stored executed) is a bare notebook with one checkbox
and one HTML output. It is copied, as `bench_floor.ipynb`, into a temporary notebooks folder
together with the course notebooks, so it is served by the SAME Voila server and configuration
as the course pages (the leading underscore keeps it out of the course navigation).

Phases (all in one run; see docs/PERFORMANCE.md):
  1. TTI, COLD: the `make serve` command with `--VoilaConfiguration.preheat_kernel=False`.
  2. TTI, PRE-HEATED: the `make serve` command as is.
  3. Widget response in the explorer (and the floor): click -> result pane text changed.
  4. Memory: one explorer kernel, the floor kernel, the server (psutil RSS / USS / PSS).
  5. Concurrent learners on a third server (explorer + floor, short cull timeout): real browser
     pages (5) and protocol-level learners (10, 20, 30), then culling after they leave.
  6. JupyterHub (`make hub`, benchmarks/_hub.py): login to interactive one learner at a time,
     per-learner memory, and a class logging in at once.
  7. The notebook suite: `pytest --nbval --nbval-current-env notebooks/` (wall time).
Writes benchmarks/results/latest.json and the generated section of docs/PERFORMANCE.md.
Targets are goals: a missed target is reported, never an error exit.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from helpers import (  # noqa: E402  (re-exported: the pure helpers of run.py)
    BEGIN_MARKER, END_MARKER, TARGETS, count_widget_views, empty_results, encode_ws_frame,
    evaluate_targets, is_executed, machine_info, parse_ws_frame, percentile, ratio,
    render_table, replace_generated_section, summarize, validate_results,
)

PROJECT_ROOT = BENCH_DIR.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
RESULTS = BENCH_DIR / "results" / "latest.json"
DOC = PROJECT_ROOT / "docs" / "PERFORMANCE.md"
from neuropathy_massage.course import load_course  # noqa: E402

_COURSE = load_course()
HOME_NOTEBOOK = _COURSE.home.file
EXPLORER_NOTEBOOK = _COURSE.of_kind("dashboard")[0].file

#: How the explorer is driven. Symptoms are checkboxes; regions are the body map's shapes
#: (anywidget, role=checkbox); the result pane is the `.nm-results` column.
EXPLORER = {
    "pane": ".nm-results",
    "symptoms": ".nm-explorer .nm-symptom .widget-checkbox input[type=checkbox]",
    "regions": ".nm-explorer .nm-bodymap .region",
}
FLOOR_UI = {"pane": ".widget-html", "control": ".widget-checkbox input[type=checkbox]"}
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
#: Seconds to wait before the memory snapshot taken after a class has been shut down: neuropathy_massage/voila_config.py
#: has the server hand freed memory back 5 s after the last kernel shutdown.
RELEASE_WAIT_S = 6.0
COLD_ARGS = ["--VoilaConfiguration.preheat_kernel=False"]

__all__ = [
    "BEGIN_MARKER", "END_MARKER", "TARGETS", "count_widget_views", "empty_results", "encode_ws_frame",
    "evaluate_targets", "is_executed", "machine_info", "parse_ws_frame", "percentile", "ratio",
    "render_table", "replace_generated_section", "summarize", "validate_results", "main",
]


def nav_breakdown(records: list[dict]) -> dict:
    """Median navigation-timing milestones of successful loads, plus render and probe ends (ms)."""
    ok = [r for r in records if r.get("ok") and r.get("nav")]
    if not ok:
        return {}
    keys = ["ttfb_ms", "html_done_ms", "dom_ready_ms", "load_ms"]
    out = {k: percentile([r["nav"][k] for r in ok], 50) for k in keys}
    out["widgets_rendered_ms"] = percentile([r["rendered_s"] * 1000 for r in ok], 50)
    out["interactive_ms"] = percentile([r["tti_s"] * 1000 for r in ok], 50)
    for k in ("task_ms", "script_ms", "layout_style_ms", "dom_nodes", "js_heap_mb"):
        vals = [r["cpu"][k] for r in ok if r.get("cpu")]
        if vals:
            out["browser_" + k] = percentile(vals, 50)
    out["html_kb"] = ok[0]["nav"].get("html_kb")
    out["resource_kb"] = ok[0]["nav"].get("resource_kb")
    return {k: (round(v) if isinstance(v, float) else v) for k, v in out.items()}


class CpuByRole:
    """CPU seconds used during a phase by the browser, the Voila server and its kernels (each
    process's last-seen cpu_times minus its first-seen; sampled, so short-lived processes that
    end between samples are missed)."""

    def __init__(self, server):
        self.server = server
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.sampled = False

    def sample(self) -> None:
        import psutil

        kernel_pids = {p.pid for p in self.server.kernels().values()}
        server_pid = self.server.ps.pid if self.server.ps else None
        try:
            procs = psutil.Process().children(recursive=True)
        except psutil.Error:
            return
        for p in procs:
            try:
                t = p.cpu_times()
                used = t.user + t.system
                name = p.name().lower()
                cmdline = " ".join(p.cmdline()) if p.pid not in self.last else ""
            except psutil.Error:  # ended (or became a zombie) since children() listed it
                continue
            if p.pid == server_pid:
                role = "voila_server"
            elif p.pid in kernel_pids:
                role = "kernels"
            elif "chrom" in name or "headless" in name:
                role = "browser"
            elif name.startswith("node"):
                role = "playwright_driver"
            else:
                role = self.last.get(p.pid, ("other", 0))[0]
                if role == "other" and "ipykernel" in cmdline:
                    role = "kernels"
            # A process first seen after the first sample was born during the phase.
            self.first.setdefault(p.pid, used if not self.sampled else 0.0)
            self.last[p.pid] = (role, used)
        self.sampled = True

    def totals(self) -> dict:
        out: dict[str, float] = collections.defaultdict(float)
        for pid, (role, used) in self.last.items():
            out[role] += used - self.first.get(pid, used)
        return {k: round(v, 1) for k, v in sorted(out.items())}


class CpuWatch:
    """Samples, every `interval` s, the machine's CPU use and the share of it used by processes
    that are not this benchmark's (other work on the machine makes every figure slower)."""

    def __init__(self, interval: float = 2.0):
        import threading

        self.interval, self.samples = interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._procs: dict = {}

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        psutil.cpu_percent(None)
        while not self._stop.wait(self.interval):
            try:
                mine = {me.pid} | {c.pid for c in me.children(recursive=True)}
            except psutil.Error:
                mine = {me.pid}
            foreign = 0.0
            for p in psutil.process_iter(["pid"]):
                proc = self._procs.setdefault(p.pid, p)
                try:
                    pct = proc.cpu_percent(None)
                except psutil.Error:
                    continue
                if p.pid not in mine:
                    foreign += pct
            self.samples.append({"total_pct": psutil.cpu_percent(None) * psutil.cpu_count(),
                                 "foreign_pct": round(foreign, 1), "load1": os.getloadavg()[0]})

    def start(self) -> "CpuWatch":
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join(timeout=5)
        s = self.samples[1:] or self.samples
        if not s:
            return {}
        return {"samples": len(s), "interval_s": self.interval,
                "foreign_cpu_pct_mean": round(sum(x["foreign_pct"] for x in s) / len(s), 1),
                "foreign_cpu_pct_p95": round(percentile([x["foreign_pct"] for x in s], 95), 1),
                "load1_max": round(max(x["load1"] for x in s), 2),
                "note": "foreign = CPU % (100 = one core) used by processes outside this benchmark"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def find_chromium(explicit: str | None) -> str | None:
    for c in [explicit, os.environ.get("BENCH_CHROMIUM"), *CHROMIUM_CANDIDATES]:
        if c and Path(c).exists():
            return c
    return None


def chromium_version(path: str | None) -> str | None:
    if not path:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith((".", "_")))


# =========================================================================== TTI


class Bench:
    def __init__(self, args, results: dict):
        self.args = args
        self.results = results
        self.notes: list[str] = results["notes"]
        self.notebooks = course_notebooks(Path(args.notebooks))
        self.names = [p.name for p in self.notebooks]
        self.explorer = EXPLORER_NOTEBOOK if EXPLORER_NOTEBOOK in self.names else next(
            (n for n in self.names if "explorer" in n), None)
        results["explorer_notebook"] = self.explorer
        from _voila import FLOOR_NAME, FLOOR_NOTEBOOK

        self.floor_name = FLOOR_NAME
        self.stored_views = {p.name: count_widget_views(p) for p in self.notebooks}
        self.stored_views[FLOOR_NAME] = count_widget_views(FLOOR_NOTEBOOK)
        self.expected = dict(self.stored_views)  # raised by calibration (settled widget counts)
        self.probe_kind: dict[str, str] = {}
        # Server logs: kept in --log-dir when given, else in a temporary folder removed at the end.
        self.log_dir = Path(args.log_dir) if args.log_dir else Path(tempfile.mkdtemp(prefix="nm-bench-log-"))
        if not is_executed(FLOOR_NOTEBOOK):
            self.notes.append("benchmarks/floor/floor.ipynb is not stored executed.")

    def pages_in_order(self, lessons: bool) -> list[str]:
        pages = [self.explorer] if self.explorer else []
        if lessons:
            pages += [n for n in self.names if n != self.explorer]
        return pages

    def probes_for(self, name: str):
        """The controls the round-trip probe may click: for the explorer a body-map area (a
        symptom ticked with no area chosen leaves the plan unchanged, so the pane would not change)."""
        return [("region", EXPLORER["regions"])] if name == self.explorer else None

    def pane_for(self, name: str) -> str | None:
        if name == self.floor_name:
            return FLOOR_UI["pane"]
        if name == self.explorer:
            return EXPLORER["pane"]
        return None

    async def calibrate(self, browser, server, pages: list[str]) -> None:
        """Warm-up loads: one per page, then the settled widget count becomes the bar."""
        from _browser import load_page, settled_widget_count

        for name in [self.floor_name, *pages]:
            ctx = await browser.new_context()
            res, page = await load_page(ctx, server.url(name), expected_widgets=self.stored_views.get(name, 0),
                                        pane=self.pane_for(name), timeout=self.args.page_timeout, keep_open=True, probes=self.probes_for(name))
            if page is not None:
                settled = await settled_widget_count(page, quiet_s=1.0)
                self.expected[name] = max(self.stored_views.get(name, 0), settled)
                self.probe_kind[name] = res.probe
            await ctx.close()
            if res.kernel_id:
                server.shutdown_kernel(res.kernel_id)
            log(f"  warm-up {name}: {res.tti_s or float('nan'):.2f}s, {self.expected.get(name)} widgets, "
                f"probe {res.probe}{', ERROR ' + res.error if res.error else ''}")
            if res.error:
                self.notes.append(f"warm-up of {name}: {res.error}")

    async def measure_tti(self, browser, server, mode: str, pages: list[str], runs_main: int,
                          runs_lessons: int, preheated: bool) -> dict:
        """Interleaved rounds: floor, explorer, floor, lessons... so the floor is measured beside
        every figure. Each page's kernel is shut down afterwards; with pre-heat, the next load
        waits until the pools are refilled and the machine is quiet."""
        from _browser import load_page

        samples: dict[str, list] = collections.defaultdict(list)
        readable: dict[str, list] = collections.defaultdict(list)
        records: dict[str, list] = collections.defaultdict(list)
        rounds = max(runs_main, runs_lessons)
        pool_total = self.pool_total(server) if preheated else 0
        for r in range(rounds):
            order = []
            if r < runs_main:
                order += [self.floor_name] + ([self.explorer] if self.explorer else [])
            if r < runs_lessons:
                order += [n for n in pages if n != self.explorer]
            for name in order:
                if preheated:
                    server.wait_settled(min_kernels=pool_total, timeout=120)
                else:
                    server.wait_settled(min_kernels=0, timeout=30, quiet_windows=1)
                ctx = await browser.new_context()
                res, _ = await load_page(ctx, server.url(name), expected_widgets=self.expected.get(name, 1),
                                         pane=self.pane_for(name), timeout=self.args.page_timeout, probes=self.probes_for(name))
                await ctx.close()
                if res.kernel_id:
                    server.shutdown_kernel(res.kernel_id)
                    server.wait_kernel_gone(res.kernel_id, timeout=10)
                samples[name].append(round(res.tti_s, 4) if res.ok and res.tti_s is not None else None)
                readable[name].append(res.readable_s)  # measured before the probe: kept when the probe fails
                records[name].append(res.as_dict())
                log(f"  {mode} round {r + 1}/{rounds} {name}: "
                    + (f"{res.tti_s:.3f}s (readable {res.readable_s if res.readable_s is not None else float('nan'):.3f}s, "
                       f"rendered {res.rendered_s:.3f}s, probe {res.probe} {res.probe_ms} ms)"
                       if res.ok else f"FAILED {res.error}"))
        floor_sum = summarize(samples[self.floor_name])
        out = {"server_command": server.argv, "how": server.how,
               "floor": {"summary": floor_sum, "samples": samples[self.floor_name],
                         "readable": summarize(readable[self.floor_name]),
                         "readable_samples": readable[self.floor_name],
                         "breakdown_median_ms": nav_breakdown(records[self.floor_name]),
                         "widgets": self.expected.get(self.floor_name), "probe": self.probe_kind.get(self.floor_name),
                         "errors": [x["error"] for x in records[self.floor_name] if x["error"]]},
               "pages": {}}
        for name in pages:
            s = summarize(samples[name])
            out["pages"][name] = {
                "summary": s, "samples": samples[name],
                "ratio_to_floor": ratio(s["median"], floor_sum["median"]),
                "readable": summarize(readable[name]), "readable_samples": readable[name],
                "widgets": self.expected.get(name), "stored_widget_views": self.stored_views.get(name),
                "probe": self.probe_kind.get(name) or (records[name][0]["probe"] if records[name] else None),
                "rendered_median_s": summarize([x["rendered_s"] for x in records[name]])["median"],
                "breakdown_median_ms": nav_breakdown(records[name]),
                "errors": [x["error"] for x in records[name] if x["error"]],
            }
        return out

    def pool_total(self, server) -> int:
        """Kernels the pre-heated pools hold when full (from the served configuration)."""
        return self._pool_total

    # ======================================================================= phases

    async def phase_cold(self, browser, tree) -> None:
        from _voila import VoilaServer

        server = VoilaServer(tree, extra_args=COLD_ARGS, log_dir=self.log_dir, label="cold")
        log(f"cold server: starting ({server.port})")
        try:
            took = server.start()
            log(f"cold server: up in {took:.1f}s")
            pages = self.pages_in_order(lessons=not self.args.explorer_only)
            await self.calibrate(browser, server, pages)
            self.results["tti"]["cold"] = await self.measure_tti(
                browser, server, "cold", pages, self.args.runs, self.args.lesson_runs, preheated=False)
            self.results["tti"]["cold"]["server_start_s"] = round(took, 2)
        finally:
            server.stop()

    async def start_preheated(self, tree, extra: list[str], label: str):
        from _voila import VoilaServer

        server = VoilaServer(tree, extra_args=extra, log_dir=self.log_dir, label=label)
        log(f"{label} server: starting ({server.port})")
        took = server.start()
        n_served = len(list(Path(tree).glob("*.ipynb")))
        self._pool_total = self.expected_pool_total([p.name for p in Path(tree).glob("*.ipynb")]) or n_served
        waited = server.wait_settled(min_kernels=self._pool_total, timeout=240)
        snap = server.snapshot()
        log(f"{label} server: up in {took:.1f}s, pools filled and quiet after {waited:.1f}s more "
            f"({snap['kernel_count']} kernels, server RSS {snap['server'].get('rss_mb')} MB, "
            f"all {snap['total_rss_mb']} MB)")
        return server, took, waited, snap

    async def phase_preheated(self, browser, tree) -> None:
        """The `make serve` configuration exactly (no extra arguments)."""
        server, took, waited, snap = await self.start_preheated(tree, list(self.args.preheated_extra), "preheated")
        try:
            self.results["memory"]["server_idle"] = snap["server"]
            self.results["memory"]["pools_filled"] = {
                "kernel_count": snap["kernel_count"], "total_rss_mb": snap["total_rss_mb"],
                "total_uss_mb": snap["total_uss_mb"], "seconds": round(took + waited, 1)}
            pages = self.pages_in_order(lessons=not self.args.explorer_only)
            if not self.args.skip_tti:
                # One warm-up load of the floor; of every page too when the cold phase did not run.
                await self.calibrate(browser, server, [] if self.results["tti"].get("cold") else pages)
                self.results["tti"]["preheated"] = await self.measure_tti(
                    browser, server, "pre-heated", pages, self.args.runs, self.args.lesson_runs, preheated=True)
                self.results["tti"]["preheated"]["server_start_s"] = round(took, 2)
                self.results["tti"]["preheated"]["pools_filled_s"] = round(took + waited, 1)
            if self.explorer and not self.args.skip_widgets:
                server.wait_settled(min_kernels=self._pool_total, timeout=120)
                await self.phase_widgets(browser, server)
        finally:
            server.stop()

    async def phase_learners(self, browser, explorer_tree) -> None:
        """Concurrent learners, on a server of the `make serve` configuration that serves the
        explorer (and the floor) only, with a short cull timeout so "after they leave" fits in
        the run. Level after level starts while the pool kernels are younger than that timeout
        (see docs/PERFORMANCE.md: a pool kernel older than it can be culled while its page loads)."""
        extra = [f"--MappingKernelManager.cull_idle_timeout={self.args.cull_timeout}",
                 f"--MappingKernelManager.cull_interval={self.args.cull_interval}", *self.args.learners_extra]
        server, took, waited, snap = await self.start_preheated(explorer_tree, extra, "learners")
        try:
            await self.phase_concurrency(browser, server)
        finally:
            server.stop()

    def expected_pool_total(self, served: list[str]) -> int:
        """Pool sizes from the course's Voila configuration (default 1 per notebook, explorer 2)."""
        from neuropathy_massage.voila_config import ServeSettings, voila_config

        cfg = voila_config(ServeSettings())
        pools = dict(cfg.VoilaKernelManager.kernel_pools_config)
        default = int(pools.get("default", {}).get("pool_size", cfg.VoilaConfiguration.default_pool_size))
        self.results["config"]["kernel_pools"] = pools
        return sum(int((pools.get(name) or {}).get("pool_size", default)) for name in served)

    async def phase_widgets(self, browser, server) -> None:
        """Explorer: choose a region, then alternate symptom and region toggles; the floor: toggle
        its checkbox. Each figure is in-page time from click to the pane's text changing."""
        from _browser import click_and_wait, count, load_page

        n = self.args.toggles
        out = {}
        mem = self.results["memory"]
        for name, key in ((self.explorer, "explorer"), (self.floor_name, "floor")):
            ctx = await browser.new_context()
            res, page = await load_page(ctx, server.url(name), expected_widgets=self.expected.get(name, 1),
                                        pane=self.pane_for(name), timeout=self.args.page_timeout, keep_open=True, probes=self.probes_for(name))
            times, errors, actions = [], [], []
            if page is None or not res.ok:
                out[key] = {"summary": summarize([]), "samples_ms": [], "errors": [res.error]}
                await ctx.close()
                continue
            if key == "explorer":
                n_sym = await count(page, EXPLORER["symptoms"])
                n_reg = await count(page, EXPLORER["regions"])
                plan = []
                chosen = await page.evaluate(
                    "(s) => { const r = document.querySelector(s); return !!r && r.getAttribute('aria-checked') === 'true'; }",
                    EXPLORER["regions"])
                if n_reg and not chosen:  # a region first (the load's probe may have chosen it), so
                    # symptom changes show in the plan: a click on a chosen one would clear it
                    r0 = await click_and_wait(page, EXPLORER["regions"], 0, EXPLORER["pane"])
                    if "error" in r0:
                        errors.append(f"first region: {r0['error']}")
                for i in range(n):
                    if i % 2 == 0 and n_sym:
                        plan.append(("symptom", EXPLORER["symptoms"], (i // 2) % n_sym))
                    elif n_reg > 1:
                        plan.append(("region", EXPLORER["regions"], 1 + (i // 2) % (n_reg - 1)))
                    elif n_sym:
                        plan.append(("symptom", EXPLORER["symptoms"], (i // 2) % n_sym))
                if not plan:
                    errors.append(f"no controls found ({EXPLORER['symptoms']!r}: {n_sym}, {EXPLORER['regions']!r}: {n_reg})")
            else:
                plan = [("checkbox", FLOOR_UI["control"], 0)] * n
            for kind, sel, idx in plan:
                r = await click_and_wait(page, sel, idx, self.pane_for(name), timeout_ms=10000)
                actions.append(kind)
                if "ms" in r:
                    times.append(round(r["ms"], 2))
                else:
                    times.append(None)
                    errors.append(f"{kind} #{idx}: {r.get('error')}")
                await asyncio.sleep(0.05)
            out[key] = {"summary": summarize(times, digits=1), "samples_ms": times, "actions": actions,
                        "errors": errors, "tti_s": res.tti_s}
            if res.kernel_id:
                procs = server.kernels()
                if res.kernel_id in procs:
                    mem[f"{key}_kernel"] = server.memory(procs[res.kernel_id])
            log(f"  widget response {key}: p50 {out[key]['summary']['median']} ms, p95 {out[key]['summary']['p95']} ms, "
                f"{len(errors)} errors; kernel {mem.get(f'{key}_kernel')}")
            await ctx.close()
            if res.kernel_id:
                server.shutdown_kernel(res.kernel_id)
        self.results["widget_response"] = out
        server.wait_settled(min_kernels=self._pool_total, timeout=120)

    async def phase_concurrency(self, browser, server) -> None:
        """N learners at once, each in its own browser context: open the explorer, then make
        `selections` selections. Between levels the kernels are shut down (as the page means
        to); after the last level they are left to the culler, and memory is watched."""
        from _browser import click_and_wait, count, load_page

        levels_out = []
        base = server.snapshot()
        baseline = {"kernels": base["kernel_count"], "total_rss_mb": base["total_rss_mb"],
                    "server_rss_mb": base["server"].get("rss_mb")}
        peak_server = dict(base["server"])
        levels = [("browser", n) for n in self.args.browser_learners] + [("protocol", n) for n in self.args.learners]
        for li, (mode, n) in enumerate(levels):
            last = li == len(levels) - 1
            log(f"  concurrency: {n} learners ({mode})")

            async def browser_learner(i: int):
                ctx = await browser.new_context()
                try:
                    res, page = await load_page(ctx, server.url(self.explorer),
                                                expected_widgets=self.expected.get(self.explorer, 1),
                                                pane=EXPLORER["pane"], timeout=self.args.concurrent_timeout,
                                                keep_open=True, cdp_metrics=False)
                    sel_ms, errs = [], []
                    if page is not None and res.ok:
                        n_reg = await count(page, EXPLORER["regions"])
                        n_sym = await count(page, EXPLORER["symptoms"])
                        for k in range(self.args.selections):
                            if k % 2 == 0 and n_reg:
                                r = await click_and_wait(page, EXPLORER["regions"], (i + k) % n_reg, EXPLORER["pane"], 30000)
                            elif n_sym:
                                r = await click_and_wait(page, EXPLORER["symptoms"], (i + k) % n_sym, EXPLORER["pane"], 30000)
                            else:
                                break
                            if "ms" in r:
                                sel_ms.append(r["ms"])
                            else:
                                errs.append(f"selection: {r.get('error')}")
                    return res, sel_ms, errs
                finally:
                    await ctx.close()

            async def protocol_learner(i: int):
                from urllib.parse import quote

                from _browser import PageResult
                from _wslearner import WsLearner

                res = PageResult(url=server.url(self.explorer))
                learner_ = WsLearner(server.base_url, quote(self.explorer), timeout=self.args.concurrent_timeout)
                sel_ms, errs = [], []
                t0 = time.perf_counter()
                try:
                    info = await learner_.open()
                    res.kernel_id, res.tti_s, res.widgets = info["kernel_id"], info["tti_s"], info["widgets"]
                    res.rendered_s = info["html_s"]
                    res.probe = "protocol"
                    boxes = dict(learner_.checkboxes())
                    ids = list(boxes)
                    if not ids:
                        errs.append("selection: no checkbox model found")
                    for k in range(self.args.selections if ids else 0):
                        mid = ids[(i + k) % len(ids)]
                        boxes[mid] = not boxes[mid]
                        ms, updates = await learner_.toggle(mid, boxes[mid])
                        sel_ms.append(ms)
                        if updates == 0:
                            errs.append("selection: the plan was not updated")
                    res.ok = True
                except Exception as exc:  # noqa: BLE001 - recorded
                    res.error = (f"{type(exc).__name__}: {str(exc)[:240]} after {time.perf_counter() - t0:.1f}s "
                                 f"in {learner_.phase} (kernel {learner_.kernel_id})")
                finally:
                    await learner_.close()
                return res, sel_ms, errs

            learner = browser_learner if mode == "browser" else protocol_learner

            t0 = time.perf_counter()
            log_before = server.log_tail(10**9)
            peak = {"kernels": 0, "total_rss_mb": 0.0}
            stop = asyncio.Event()

            cpu = CpuByRole(server)
            cpu.sample()

            async def watch():
                import psutil

                while not stop.is_set():
                    try:
                        await asyncio.to_thread(cpu.sample)
                        snap = await asyncio.to_thread(server.snapshot)
                    except psutil.Error as exc:  # a sample is lost, never the learners' phase
                        log(f"  sampler: {type(exc).__name__}: {exc}")
                        await asyncio.sleep(1.0)
                        continue
                    peak["kernels"] = max(peak["kernels"], snap["kernel_count"])
                    peak["total_rss_mb"] = max(peak["total_rss_mb"], snap["total_rss_mb"])
                    if (snap["server"].get("rss_mb") or 0) > (peak_server.get("rss_mb") or 0):
                        peak_server.update(snap["server"])
                    await asyncio.sleep(1.0)

            watcher = asyncio.create_task(watch())
            outcomes = await asyncio.gather(*(learner(i) for i in range(n)), return_exceptions=True)
            stop.set()
            await watcher
            wall = time.perf_counter() - t0
            cpu.sample()
            ttis, sels, kinds, examples, kernel_ids = [], [], collections.Counter(), [], []
            succeeded = 0
            for o in outcomes:
                if isinstance(o, BaseException):
                    kinds[type(o).__name__] += 1
                    examples.append(repr(o)[:200])
                    ttis.append(None)
                    continue
                res, sel_ms, errs = o
                if res.kernel_id:
                    kernel_ids.append(res.kernel_id)
                ok = res.ok and not errs
                succeeded += ok
                ttis.append(res.tti_s if res.ok else None)
                sels.extend(sel_ms)
                for e in ([res.error] if res.error else []) + errs:
                    kinds[e.split(":")[0][:60]] += 1
                    if len(examples) < 5:
                        examples.append(e[:400])
            lv = {"learners": n, "mode": mode, "succeeded": succeeded, "failed": n - succeeded,
                  "success_rate": round(succeeded / n, 3), "tti": summarize(ttis),
                  "selection_ms": summarize(sels, digits=1), "wall_s": round(wall, 1),
                  "peak_kernels": peak["kernels"], "peak_total_rss_mb": round(peak["total_rss_mb"], 1),
                  "error_kinds": dict(kinds), "error_examples": examples, "cpu_seconds": cpu.totals()}
            new_log = server.log_tail(10**9)[len(log_before):]
            lv["server_log"] = {"culled": new_log.count("Culling '"),
                                "kernel_does_not_exist": new_log.count("Kernel does not exist"),
                                "errors": new_log.count("[E ") + new_log.count("ERROR")}
            levels_out.append(lv)
            log(f"  concurrency {n}: {succeeded}/{n} ok, TTI p50 {lv['tti']['median']} s p95 {lv['tti']['p95']} s, "
                f"selection p95 {lv['selection_ms']['p95']} ms, peak {peak['kernels']} kernels "
                f"{peak['total_rss_mb']:.0f} MB, wall {wall:.1f}s")
            if not last:
                for kid in kernel_ids:
                    server.shutdown_kernel(kid)
                server.wait_settled(min_kernels=self._pool_total, timeout=180)
                time.sleep(RELEASE_WAIT_S)  # the server hands freed memory back 5 s after the last shutdown
                after = server.snapshot()
            else:
                self.results["memory"]["after_leave"] = self.watch_culling(server, baseline, peak)
                after = server.snapshot()
            # The server's memory once this class has gone: one value per class tells a
            # high-water mark (flat from class to class) from a leak (growing with each class).
            lv["after"] = {"kernels": after["kernel_count"], "server_rss_mb": after["server"].get("rss_mb"),
                           "server_uss_mb": after["server"].get("uss_mb")}
            log(f"  after level {li + 1} ({n} {mode} learners): {after['kernel_count']} kernels, server RSS "
                f"{after['server'].get('rss_mb')} MB (started at {baseline['server_rss_mb']} MB)")
        self.results["memory"]["server_busy"] = peak_server
        self.results["concurrency"] = {
            "mode": ("browser = real pages, one headless Chromium with one context per learner; protocol = "
                     "benchmarks/_wslearner.py, the page's HTTP + kernel-websocket traffic without a browser"),
            "selections_per_learner": self.args.selections, "page_timeout_s": self.args.concurrent_timeout,
            "levels": levels_out, "baseline": baseline}

    def watch_culling(self, server, baseline: dict, peak: dict) -> dict:
        """Pages are closed (each sent its kernel's shutdown, as the course page does on pagehide;
        the culler is the net): record kernel count and memory until both are back to baseline
        (kernels == baseline, total RSS within 10 % + 20 MB) or time is up."""
        limit = self.args.cull_timeout + 2 * self.args.cull_interval + 25
        t0 = time.perf_counter()
        timeline, back_at, kernels_back_at, settled = [], None, None, 0
        while time.perf_counter() - t0 < limit:
            snap = server.snapshot()
            el = round(time.perf_counter() - t0, 1)
            timeline.append({"t_s": el, "kernels": snap["kernel_count"], "total_rss_mb": snap["total_rss_mb"],
                             "server_rss_mb": snap["server"].get("rss_mb")})
            if snap["kernel_count"] <= baseline["kernels"]:
                kernels_back_at = kernels_back_at if kernels_back_at is not None else el
                if snap["total_rss_mb"] <= baseline["total_rss_mb"] * 1.10 + 20:
                    back_at = el
                    break
                settled += 1
                if settled >= 4:  # kernels are back; memory has stopped falling: no need to wait longer
                    break
            time.sleep(2.0)
        final = timeline[-1] if timeline else {}
        out = {"cull_idle_timeout_s": self.args.cull_timeout, "cull_interval_s": self.args.cull_interval,
               "baseline_kernels": baseline["kernels"], "baseline_total_rss_mb": baseline["total_rss_mb"],
               "baseline_server_rss_mb": baseline["server_rss_mb"],
               "peak_kernels": peak["kernels"], "peak_total_rss_mb": round(peak["total_rss_mb"], 1),
               "final_kernels": final.get("kernels"), "final_total_rss_mb": final.get("total_rss_mb"),
               "final_server_rss_mb": final.get("server_rss_mb"),
               "kernels_back_to_baseline": kernels_back_at is not None, "kernels_back_s": kernels_back_at,
               "server_rss_retained_mb": (round(final["server_rss_mb"] - baseline["server_rss_mb"], 1)
                                          if final.get("server_rss_mb") and baseline.get("server_rss_mb") else None),
               "back_to_baseline": back_at is not None, "seconds_to_baseline": back_at,
               "criterion": "kernel count <= baseline and total RSS (server + kernels) <= baseline x 1.1 + 20 MB",
               "waited_s": final.get("t_s"), "timeline": timeline[::max(1, len(timeline) // 20)]}
        log(f"  after leave: kernels {baseline['kernels']} -> {peak['kernels']} -> {final.get('kernels')}, "
            f"RSS {baseline['total_rss_mb']} -> {peak['total_rss_mb']:.0f} -> {final.get('total_rss_mb')} MB, "
            f"back to baseline: {back_at is not None} ({back_at} s)")
        return out


def run_nbval(results: dict, timeout: float, nb_dir: Path = NOTEBOOKS) -> None:
    """Wall time of the notebook suite (subprocess), and of the floor notebook alone."""
    def one(target: str) -> dict:
        cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", target, "-q",
               "-p", "no:cacheprovider"]
        t0 = time.perf_counter()
        try:
            p = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)
            code, out = p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired as exc:
            code, out = None, f"timed out after {timeout}s\n{(exc.stdout or '')!s}"
        wall = time.perf_counter() - t0
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        summary = next((ln.strip("= ") for ln in reversed(lines)
                        if (" passed" in ln or " failed" in ln or " error" in ln or "no tests ran" in ln)), None)
        return {"command": " ".join(["python"] + cmd[1:]), "wall_s": round(wall, 2), "exit_code": code,
                "summary": summary, "tail": lines[-8:]}

    log("nbval: notebooks/")
    res = one(os.path.relpath(nb_dir, PROJECT_ROOT) + "/" if Path(nb_dir).is_relative_to(PROJECT_ROOT) else str(nb_dir))
    log(f"nbval: {res['wall_s']}s, exit {res['exit_code']}, {res['summary']}")
    res["floor"] = one(str(Path("benchmarks") / "floor" / "floor.ipynb"))
    log(f"nbval floor: {res['floor']['wall_s']}s, exit {res['floor']['exit_code']}")
    results["nbval"] = res


async def run_browser_phases(args, results: dict, chromium: str | None) -> None:
    from playwright.async_api import async_playwright

    from _browser import launch
    from _voila import make_served_tree

    bench = Bench(args, results)
    if not bench.notebooks:
        results["notes"].append("no course notebooks in notebooks/: only the floor was measured")
    tree = make_served_tree(bench.notebooks)
    explorer_tree = make_served_tree([p for p in bench.notebooks if p.name == bench.explorer])
    results["config"]["served_folder"] = "temporary copy of notebooks/ plus the floor as bench_floor.ipynb"
    try:
        async with async_playwright() as pw:
            browser = await launch(pw, chromium)
            try:
                if not (args.skip_tti or args.skip_cold):
                    await bench.phase_cold(browser, tree)
                if not (args.skip_tti and args.skip_widgets):
                    await bench.phase_preheated(browser, tree)
                if bench.explorer and (args.learners or args.browser_learners):
                    await bench.phase_learners(browser, explorer_tree)
                if args.hub_class or args.hub_solo:
                    from _hub import phase_hub

                    try:
                        await phase_hub(browser, args, results, log, bench.log_dir)
                    except Exception as exc:  # noqa: BLE001 - recorded; the other figures stand
                        results["notes"].append(f"hub phase stopped: {type(exc).__name__}: {exc}")
                        log(f"hub phase stopped: {type(exc).__name__}: {exc}")
            finally:
                await browser.close()
    finally:
        shutil.rmtree(tree.parent, ignore_errors=True)
        shutil.rmtree(explorer_tree.parent, ignore_errors=True)
        if not args.log_dir:
            shutil.rmtree(bench.log_dir, ignore_errors=True)


def write_outputs(results: dict, out: Path, doc: Path | None) -> None:
    results["targets"] = evaluate_targets(results)
    problems = validate_results(results)
    if problems:
        results["notes"].append("results shape problems: " + "; ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(out)
    log(f"wrote {out.relative_to(PROJECT_ROOT) if out.is_relative_to(PROJECT_ROOT) else out}")
    if doc is not None:
        text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
        doc.write_text(replace_generated_section(text, render_table(results)), encoding="utf-8")
        log(f"updated {doc.relative_to(PROJECT_ROOT) if doc.is_relative_to(PROJECT_ROOT) else doc}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=8,
                   help="measured loads of the explorer and the floor per mode (default 8: single loads vary by "
                        "about 15 %% here, too much for a 1.1x goal with fewer)")
    p.add_argument("--lesson-runs", type=int, default=3,
                   help="measured loads of each other page per mode, after its warm-up (default 3: a median, "
                        "since single loads vary by about 0.2 s here)")
    p.add_argument("--toggles", type=int, default=20, help="selections timed in the explorer (default 20)")
    p.add_argument("--learners", type=lambda s: [int(x) for x in s.split(",") if x], default=[10, 20, 30],
                   help="learner levels run as protocol-level learners (default 10,20,30; '' to skip)")
    p.add_argument("--browser-learners", type=lambda s: [int(x) for x in s.split(",") if x], default=[5],
                   help="learner levels run with real browser pages (default 5; '' to skip)")
    p.add_argument("--selections", type=int, default=3, help="selections each concurrent learner makes (default 3)")
    p.add_argument("--cull-timeout", type=int, default=40,
                   help="cull_idle_timeout of the concurrent-learners server (s, default 40)")
    p.add_argument("--cull-interval", type=int, default=5, help="cull_interval for this run (s, default 5)")
    p.add_argument("--page-timeout", type=float, default=60.0)
    p.add_argument("--concurrent-timeout", type=float, default=180.0)
    p.add_argument("--nbval-timeout", type=float, default=300.0)
    p.add_argument("--preheated-extra", action="append", default=[], metavar="ARG",
                   help="extra Voila argument for the pre-heated server, to try a configuration change "
                        "(repeatable; e.g. --preheated-extra=--VoilaKernelManager.fill_delay=10)")
    p.add_argument("--learners-extra", action="append", default=[], metavar="ARG",
                   help="extra Voila argument for the concurrent-learners server (repeatable; e.g. "
                        "--learners-extra=--Voila.log_level=DEBUG with --log-dir to study a failure)")
    p.add_argument("--hub-solo", type=int, default=2,
                   help="JupyterHub phase: learners who log in one after another (default 2; 0 with --hub-class 0 skips it)")
    p.add_argument("--hub-class", type=int, default=10,
                   help="JupyterHub phase: learners who log in at once (default 10)")
    p.add_argument("--explorer-only", action="store_true", help="TTI of the explorer and the floor only")
    p.add_argument("--skip-tti", action="store_true")
    p.add_argument("--skip-cold", action="store_true", help="no cold server (pre-heated TTI only)")
    p.add_argument("--skip-widgets", action="store_true")
    p.add_argument("--skip-nbval", action="store_true")
    p.add_argument("--quick", action="store_true", help="a fast smoke run: 2 runs, 0 lesson runs, 6 toggles, 5 learners")
    p.add_argument("--chromium", default=None, help="Chromium executable (default: $BENCH_CHROMIUM, /usr/bin/chromium)")
    p.add_argument("--notebooks", default=str(NOTEBOOKS), help="course notebooks folder (default notebooks/)")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--doc", default=str(DOC), help="markdown file to update ('' for none)")
    p.add_argument("--render-only", action="store_true",
                   help="measure nothing: re-render the doc's generated section from the results file (--out)")
    p.add_argument("--log-dir", default=None, help="keep the Voila server logs here")
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.lesson_runs, args.toggles, args.learners, args.selections = 2, 0, 6, [5], 2
        args.browser_learners = [3]
        args.explorer_only = True
        args.hub_solo, args.hub_class = 1, 3
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render_only:
        results = json.loads(Path(args.out).read_text(encoding="utf-8"))
        results["targets"] = evaluate_targets(results)
        doc = Path(args.doc)
        text = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
        doc.write_text(replace_generated_section(text, render_table(results)), encoding="utf-8")
        log(f"re-rendered {doc} from {args.out}")
        return 0
    t0 = time.perf_counter()
    results = empty_results()
    chromium = find_chromium(args.chromium)
    results["machine"] = machine_info(chromium_version(chromium))
    results["config"].update({
        "argv": sys.argv[1:] if argv is None else argv, "runs_main": args.runs, "runs_lessons": args.lesson_runs,
        "toggles": args.toggles, "learners": args.learners, "selections_per_learner": args.selections,
        "hub_solo": args.hub_solo, "hub_class": args.hub_class,
        "cold_extra_args": COLD_ARGS,
        "preheated_extra_args": list(args.preheated_extra),
        "learners_extra_args": [f"--MappingKernelManager.cull_idle_timeout={args.cull_timeout}",
                                f"--MappingKernelManager.cull_interval={args.cull_interval}",
                                *args.learners_extra],
        "chromium": chromium, "explorer_ui": EXPLORER, "floor_ui": FLOOR_UI})
    results["machine"]["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    watch = CpuWatch().start()
    log(f"machine: {results['machine']['cpu_model']}, {results['machine']['logical_cores']} cores, "
        f"{results['machine']['memory_gb']} GiB; chromium: {chromium}")
    try:
        if chromium is None:
            results["notes"].append("no Chromium found (set BENCH_CHROMIUM): browser figures not measured")
        else:
            try:
                asyncio.run(run_browser_phases(args, results, chromium))
            except Exception as exc:  # noqa: BLE001 - record, write what we have
                results["notes"].append(f"browser phases stopped: {type(exc).__name__}: {exc}")
                log(f"browser phases stopped: {type(exc).__name__}: {exc}")
        if not args.skip_nbval:
            run_nbval(results, args.nbval_timeout, Path(args.notebooks))
    finally:
        results["duration_s"] = round(time.perf_counter() - t0, 1)
        results["machine"]["contention"] = watch.stop()
        busy = results["machine"]["contention"].get("foreign_cpu_pct_mean") or 0
        if busy > 20:
            results["notes"].append(
                f"other processes used {busy:.0f} % CPU on average during this run (100 % = one core of "
                f"{results['machine']['logical_cores']}): timings are slower than on a quiet machine.")
        write_outputs(results, Path(args.out), Path(args.doc) if args.doc else None)
    for row in results["targets"]:
        log(f"{'MET   ' if row['met'] else 'MISSED' if row['met'] is False else 'n/a   '} {row['label']}: "
            f"{row['measured']} (target {row['target']}, floor {row['floor']})")
    log(f"done in {results['duration_s']}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
