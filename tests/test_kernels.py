"""The course's kernel manager never culls a kernel a page is still loading (neuropathy_massage/kernels.py)."""

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from neuropathy_massage import kernels
from neuropathy_massage.kernels import HandOutGraceKernelManager


def test_grace_then_normal_culling(monkeypatch):
    culled = []

    async def base_cull(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", base_cull)
    clock = [1000.0]
    monkeypatch.setattr(kernels.time, "monotonic", lambda: clock[0])
    km = HandOutGraceKernelManager(hand_out_grace=120.0)

    asyncio.run(km.cull_kernel_if_idle("k"))  # first look: the page may still be loading
    clock[0] += 119
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert culled == [], "a kernel without a page was culled inside its grace period"

    clock[0] += 2  # grace over, still no page: the ordinary idle rules apply
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert culled == ["k"]


def test_connected_kernel_gets_ordinary_rules(monkeypatch):
    culled = []

    async def base_cull(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", base_cull)
    km = HandOutGraceKernelManager()
    km._kernel_connections["k"] = 0
    km.notify_connect("k")
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert culled == ["k"]


def test_configured_in_the_voila_config():
    from neuropathy_massage.serving import CONFIG_FILE

    text = CONFIG_FILE.read_text(encoding="utf-8")
    assert '"neuropathy_massage.kernels.HandOutGraceKernelManager"' in text


def test_after_a_page_has_connected_leaving_releases_it_without_grace(monkeypatch):
    culled = []

    async def base_cull(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", base_cull)
    clock = [0.0]
    monkeypatch.setattr(kernels.time, "monotonic", lambda: clock[0])
    km = HandOutGraceKernelManager(hand_out_grace=120.0)
    km._kernel_connections["k"] = 0
    asyncio.run(km.cull_kernel_if_idle("k"))  # handed out, page loading: grace
    km.notify_connect("k")  # the learner's page connects...
    km.notify_disconnect("k")  # ...and leaves before the culler looks again
    clock[0] += 5
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert culled == ["k"], "a kernel whose page has come and gone is still under grace"
