"""Reproduce (and test a fix for) the pre-heat + culling race. Not part of `make bench`.

With pre-heating and idle culling both on (the `make serve` configuration), a pooled kernel that
waited in its pool longer than `cull_idle_timeout` is unprotected the moment a page takes it:
Voila's culler only spares kernels *still in the pool*, and the page has not opened its websocket
yet (0 connections), so a cull tick during the page load shuts the kernel down and the learner's
page never becomes interactive ("Kernel does not exist" in the server log).

This script scales the production timings down (cull timeout 8 s, interval 2 s; the pool waits
12 s before a learner arrives) and opens the explorer `--tries` times per variant:

    python benchmarks/cull_race.py                 # Voila's own kernel manager vs the course's
    python benchmarks/cull_race.py --tries 4

Variant "stock" replaces the course's kernel manager with jupyter_server's plain one (what Voila
uses unless told otherwise); variant "grace" is the `make serve` configuration, whose
`neuropathy_massage.kernels.HandOutGraceKernelManager` does not cull a kernel during its first
`hand_out_grace` seconds outside the pool unless a page has connected to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from _browser import launch, load_page  # noqa: E402
from _voila import VoilaServer, make_served_tree  # noqa: E402

from neuropathy_massage.course import load_course  # noqa: E402

EXPLORER = load_course().of_kind("dashboard")[0].file
STOCK_MANAGER = ("--VoilaConfiguration.multi_kernel_manager_class="
                 "jupyter_server.services.kernels.kernelmanager.AsyncMappingKernelManager")


async def variant(browser, tree: Path, name: str, extra: list[str], tries: int, wait: float) -> dict:
    server = VoilaServer(tree, extra_args=["--MappingKernelManager.cull_idle_timeout=8",
                                           "--MappingKernelManager.cull_interval=2", *extra], label=f"race-{name}")
    outcomes = []
    try:
        server.start()
        for i in range(tries):
            server.wait_settled(min_kernels=3, timeout=120)
            time.sleep(wait)  # the pool kernels are now older than the cull timeout
            ctx = await browser.new_context()
            res, _ = await load_page(ctx, server.url(EXPLORER), expected_widgets=2, pane=".nm-results", timeout=40)
            await ctx.close()
            if res.kernel_id:
                server.shutdown_kernel(res.kernel_id)
            outcomes.append({"ok": res.ok, "tti_s": res.tti_s, "error": res.error})
            print(f"  {name} try {i + 1}: {'ok' if res.ok else 'FAILED ' + str(res.error)}", flush=True)
        culled_in_use = server.log_tail(200000).count("Kernel does not exist")
    finally:
        server.stop()
    return {"variant": name, "tries": tries, "failed": sum(not o["ok"] for o in outcomes),
            "kernel_does_not_exist_lines": culled_in_use, "outcomes": outcomes}


async def main_async(args) -> list[dict]:
    from playwright.async_api import async_playwright

    nb = Path(args.notebooks) / EXPLORER
    tree = make_served_tree([nb])
    out = []
    try:
        async with async_playwright() as pw:
            browser = await launch(pw, args.chromium)
            try:
                out.append(await variant(browser, tree, "stock", [STOCK_MANAGER], args.tries, args.wait))
                out.append(await variant(browser, tree, "grace", [], args.tries, args.wait))
            finally:
                await browser.close()
    finally:
        shutil.rmtree(tree.parent, ignore_errors=True)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tries", type=int, default=3)
    p.add_argument("--wait", type=float, default=12.0)
    p.add_argument("--notebooks", default=str(BENCH_DIR.parent / "notebooks"))
    p.add_argument("--chromium", default=os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--out", default=None, help="write the outcome as JSON here")
    args = p.parse_args()
    out = asyncio.run(main_async(args))
    print(json.dumps([{k: v for k, v in o.items() if k != "outcomes"} for o in out], indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
