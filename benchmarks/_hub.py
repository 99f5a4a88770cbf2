"""`make bench`'s JupyterHub phase: the course served by `make hub` (dashboards-only profile).

One hub (`python -m neuropathy_massage hub`, `hub_process.HubProcess`, free loopback ports, a
state folder of its own) and real Chromium pages, one browser context per learner:

* login to interactive, one learner at a time (`--hub-solo` learners, each a fresh server):
  from clicking "Sign in" to the course home ready, then the explorer ready with its widgets,
  then a click on a body region changing the plan;
* per-learner memory while that learner's explorer is open: their server and its kernels
  (RSS and USS, psutil), and the hub, proxy and culler beside them;
* `--hub-class` learners logging in at once, the same timings for each.

Every learner's page is checked for requests that leave the machine. Results go to
results["hub"]; docs/PERFORMANCE.md shows them (benchmarks/helpers.py: render_table).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from helpers import percentile, summarize  # noqa: E402  (benchmarks/ is on sys.path)

PASSWORD = f"bench-{uuid.uuid4().hex[:12]}"
TIMEOUT_MS = 300_000


def outside_requests(urls: list[str]) -> list[str]:
    """URLs whose host is not this machine's loopback (pages must never ask the internet)."""
    from urllib.parse import urlsplit

    bad = set()
    for url in urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme in ("data", "blob", "about") or host in ("localhost", "::1") or host.startswith("127."):
            continue
        bad.add(url)
    return sorted(bad)


def _mb(value: float) -> float:
    return round(value / 2**20, 1)


def memory_by_role(hub, names: list[str] | None = None) -> dict:
    """RSS/USS (MB) of the hub's processes by role; a learner's server and kernels by name."""
    import psutil

    out: dict = {"hub": None, "proxy": None, "culler": None, "learners": {}}
    try:
        hub_proc = psutil.Process(hub.process.pid)
        out["hub"] = {"rss_mb": _mb(hub_proc.memory_info().rss), "uss_mb": _mb(hub_proc.memory_full_info().uss)}
    except psutil.Error:
        pass
    for proc in hub.descendants():
        try:
            cmd = " ".join(proc.cmdline())
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        figures = {"rss_mb": _mb(info.rss), "uss_mb": _mb(info.uss)}
        if "configurable-http-proxy" in cmd:
            out["proxy"] = figures
        elif "jupyterhub_idle_culler" in cmd:
            out["culler"] = figures
        elif "jupyterhub.singleuser" in cmd:
            try:
                name = proc.environ().get("JUPYTERHUB_USER", "?")
                kernels = [k.memory_full_info() for k in proc.children(recursive=True)]
            except psutil.Error:
                continue
            if names is None or name in names:
                out["learners"][name] = {
                    "server": figures,
                    "kernels": [{"rss_mb": _mb(k.rss), "uss_mb": _mb(k.uss)} for k in kernels],
                    "total_rss_mb": round(figures["rss_mb"] + sum(_mb(k.rss) for k in kernels), 1),
                    "total_uss_mb": round(figures["uss_mb"] + sum(_mb(k.uss) for k in kernels), 1),
                }
    return out


async def learner(browser, hub, name: str, home: str, explorer: str, widgets: int, region_names: dict) -> dict:
    """Log in, land on the course home, open the explorer, click a region until the plan names it."""
    record: dict = {"name": name, "ok": False}
    context = await browser.new_context()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page = await context.new_page()
    page.on("websocket", lambda ws: urls.append(ws.url))
    try:
        await page.goto(hub.base_url + "hub/login", timeout=TIMEOUT_MS)
        await page.fill("#username_input", name)
        await page.fill("#password_input", PASSWORD)
        t0 = time.perf_counter()
        await page.click("#login_submit", no_wait_after=True)
        await page.wait_for_url(f"**/user/{name}/voila/render/{home}", timeout=TIMEOUT_MS)
        await page.wait_for_selector("#loading", state="hidden", timeout=TIMEOUT_MS)
        record["login_to_home_s"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        await page.goto(f"{hub.base_url}user/{name}/voila/render/{explorer}", timeout=TIMEOUT_MS)
        await page.wait_for_function("n => document.querySelectorAll('.jupyter-widgets').length >= n",
                                     arg=widgets, timeout=TIMEOUT_MS)
        region = page.locator("[data-region]").first
        await region.wait_for(timeout=TIMEOUT_MS)
        region_id = await region.get_attribute("data-region")
        await page.locator(".nm-symptom input[type=checkbox]").first.check()
        await region.click()
        await page.locator(".nm-plan").get_by_text(region_names[region_id]).first.wait_for(timeout=TIMEOUT_MS)
        now = time.perf_counter()
        record.update(explorer_open_to_interactive_s=round(now - t1, 2), login_to_interactive_s=round(now - t0, 2),
                      ok=True)
    except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
        record["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    record["outside_requests"] = outside_requests(urls)
    record["_context"] = context
    return record


def _timings(records: list[dict]) -> dict:
    ok = [r for r in records if r.get("ok")]
    return {key: summarize([r.get(key) for r in ok]) for key in
            ("login_to_home_s", "explorer_open_to_interactive_s", "login_to_interactive_s")}


async def phase_hub(browser, args, results: dict, log, log_dir: Path) -> None:
    from helpers import count_widget_views
    from neuropathy_massage import paths
    from neuropathy_massage.course import load_course
    from neuropathy_massage.hub import find_proxy
    from neuropathy_massage.hub_process import HubProcess
    from neuropathy_massage.knowledge import load_knowledge

    if find_proxy() is None:
        results["notes"].append("hub phase skipped: configurable-http-proxy is not installed (make proxy)")
        return
    course = load_course()
    home, explorer = course.home.file, course.of_kind("dashboard")[0].file
    widgets = count_widget_views(paths.notebooks_dir() / explorer)
    region_names = {rid: r.name for rid, r in load_knowledge().regions.items()}
    state = Path(tempfile.mkdtemp(prefix="nm-bench-hub-"))
    t_start = time.perf_counter()
    hub = HubProcess.start(state, log_dir / "hub-bench.log", password=PASSWORD)
    out: dict = {"profile": "dashboards", "hub_start_s": round(time.perf_counter() - t_start, 2),
                 "solo": [], "class": {}}
    log(f"hub: up in {out['hub_start_s']} s on port {hub.port}")
    contexts = []
    try:
        for i in range(args.hub_solo):
            name = f"solo{i + 1}"
            record = await learner(browser, hub, name, home, explorer, widgets, region_names)
            contexts.append(record.pop("_context"))
            await asyncio.sleep(2)  # let the page settle before its memory is read
            record["memory"] = memory_by_role(hub, [name])["learners"].get(name)
            out["solo"].append(record)
            log(f"  hub solo {name}: login->interactive {record.get('login_to_interactive_s')} s, "
                f"memory {(record['memory'] or {}).get('total_rss_mb')} MB{' ERROR ' + record['error'] if 'error' in record else ''}")
        for context in contexts:
            await context.close()
        contexts = []
        out["fixed"] = {k: v for k, v in memory_by_role(hub).items() if k != "learners"}
        names = [f"class{i + 1}" for i in range(args.hub_class)]
        t0 = time.perf_counter()
        records = await asyncio.gather(*(learner(browser, hub, n, home, explorer, widgets, region_names)
                                         for n in names))
        wall = round(time.perf_counter() - t0, 1)
        contexts = [r.pop("_context") for r in records]
        mem = memory_by_role(hub, names)
        totals = [v["total_rss_mb"] for v in mem["learners"].values()]
        out["class"] = {
            "learners": len(names), "succeeded": sum(1 for r in records if r.get("ok")),
            "failed": sum(1 for r in records if not r.get("ok")), "wall_s": wall, **_timings(records),
            "per_learner_total_rss_mb": summarize(totals, digits=1),
            "all_processes_rss_mb": round(sum(totals) + sum((mem[k] or {}).get("rss_mb", 0)
                                                            for k in ("hub", "proxy", "culler")), 1),
            "errors": [r["error"] for r in records if r.get("error")],
            "outside_requests": sorted({u for r in records for u in r["outside_requests"]}),
        }
        log(f"  hub class of {len(names)}: {out['class']['succeeded']} ok, login->interactive p50 "
            f"{out['class']['login_to_interactive_s']['median']} s, max {out['class']['login_to_interactive_s']['max']} s")
    finally:
        for context in contexts:
            await context.close()
        t_stop = time.perf_counter()
        left = hub.stop()
        out["hub_stop_s"] = round(time.perf_counter() - t_stop, 1)
        out["left_running_after_stop"] = len(left)
    solo_ok = [r for r in out["solo"] if r.get("ok")]
    out["solo_summary"] = _timings(solo_ok)
    per_learner = [r["memory"]["total_rss_mb"] for r in solo_ok if r.get("memory")]
    out["per_learner_rss_mb"] = percentile(per_learner, 50)
    out["solo_outside_requests"] = sorted({u for r in out["solo"] for u in r["outside_requests"]})
    results["hub"] = out
