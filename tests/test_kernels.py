"""The course's kernel manager never culls a kernel a page is still loading (neuropathy_massage/kernels.py)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from neuropathy_massage import kernels
from neuropathy_massage.kernels import HandOutGraceKernelManager


@pytest.fixture
def culler(monkeypatch):
    """A manager with a fake clock; `culled` lists the kernels handed on to the ordinary idle rules."""
    culled = []

    async def base_cull(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", base_cull)
    clock = [1000.0]
    monkeypatch.setattr(kernels.time, "monotonic", lambda: clock[0])
    km = HandOutGraceKernelManager(hand_out_grace=120.0)
    km._kernel_connections["k"] = 0
    return km, clock, culled


def check(km):
    """One cull check, in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread for the whole session, where asyncio.run() is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, km.cull_kernel_if_idle("k")).result()


def test_grace_then_normal_culling(culler):
    km, clock, culled = culler
    check(km)  # first look: the page may still be loading
    clock[0] += 119
    check(km)
    assert culled == [], "a kernel without a page was culled inside its grace period"
    clock[0] += 2  # grace over, still no page: the ordinary idle rules apply
    check(km)
    assert culled == ["k"]


def test_connected_kernel_gets_ordinary_rules(culler):
    km, _, culled = culler
    km.notify_connect("k")
    check(km)
    assert culled == ["k"]


def test_after_a_page_has_connected_leaving_releases_it_without_grace(culler):
    km, clock, culled = culler
    check(km)  # handed out, page loading: grace
    km.notify_connect("k")  # the learner's page connects...
    km.notify_disconnect("k")  # ...and leaves before the culler looks again
    clock[0] += 5
    check(km)
    assert culled == ["k"], "a kernel whose page has come and gone is still under grace"


def test_configured_in_the_voila_config():
    from neuropathy_massage.serving import CONFIG_FILE

    text = CONFIG_FILE.read_text(encoding="utf-8")
    assert '"neuropathy_massage.kernels.HandOutGraceKernelManager"' in text
