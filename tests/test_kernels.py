"""The course's kernel manager never culls a kernel a page is still loading (neuropathy_massage/kernels.py)."""

import asyncio
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def run_in_thread(coro_fn):
    """asyncio.run(coro_fn()) in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread for the whole session, where asyncio.run() is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


def check(km):
    """One cull check."""
    run_in_thread(lambda: km.cull_kernel_if_idle("k"))


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
    from neuropathy_massage.voila_config import ServeSettings, voila_config

    from importlib import import_module

    cfg = voila_config(ServeSettings())
    module, _, name = cfg.VoilaConfiguration.multi_kernel_manager_class.rpartition(".")
    assert issubclass(getattr(import_module(module), name), kernels.HandOutGraceKernelManager)


# --- Kernel transport: Unix sockets where they fit (neuropathy_massage/voila_config.py) --------------------------


def test_ipc_socket_path_names_what_jupyter_client_binds(tmp_path):
    """The length check must measure the path jupyter_client really gives a kernel's sockets."""
    from jupyter_client import KernelManager

    km = KernelManager(transport="ipc", connection_file=str(tmp_path / "kernel-0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9.json"))
    km.write_connection_file()
    try:
        bound = [f"{km.ip}-{port}" for port in (km.shell_port, km.iopub_port, km.stdin_port, km.control_port, km.hb_port)]
        assert all(Path(p).parent == tmp_path for p in bound)
        predicted = {len(kernels.ipc_socket_path(str(tmp_path), port=int(p.rsplit("-", 1)[1]))) for p in bound}
        assert predicted == {len(p) for p in bound}
    finally:
        km.cleanup_connection_file()


def test_ipc_transport_fits_short_paths_on_posix_only(monkeypatch):
    assert kernels.ipc_transport_fits("/tmp/voila_abcdefgh") == (os.name == "posix")
    too_long = "/" + "d" * (kernels.UNIX_SOCKET_PATH_MAX - len(kernels.ipc_socket_path("/")) + 1)
    assert len(kernels.ipc_socket_path(too_long)) > kernels.UNIX_SOCKET_PATH_MAX
    assert not kernels.ipc_transport_fits(too_long)
    monkeypatch.setattr(kernels.os, "name", "nt")
    assert not kernels.ipc_transport_fits("/tmp/voila_abcdefgh")


def test_served_configuration_puts_kernels_on_unix_sockets():
    """The served configuration chooses ipc here (Linux, short temporary folder): no TCP port race
    when a class starts thirty kernels at once (docs/PERFORMANCE.md, back-to-back classes)."""
    import tempfile

    from neuropathy_massage.voila_config import ServeSettings, voila_config

    cfg = voila_config(ServeSettings())
    expected = "ipc" if kernels.ipc_transport_fits(os.path.join(tempfile.gettempdir(), "voila_xxxxxxxx")) else None
    assert cfg.KernelManager.get("transport") == expected
    if os.name == "posix" and len(tempfile.gettempdir()) < 30:
        assert expected == "ipc"


# --- Memory: freed heap handed back after a class leaves --------------------------------------


@pytest.mark.parametrize("delay, expected_calls", [(0.05, 1), (0, 0)])
def test_one_memory_release_after_a_run_of_shutdowns(monkeypatch, delay, expected_calls):
    calls = []

    async def base_shutdown(self, kernel_id, *args, **kwargs):
        return None

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", base_shutdown)
    monkeypatch.setattr(kernels, "release_free_memory", lambda: calls.append(time.monotonic()) or True)
    km = HandOutGraceKernelManager(release_memory_after=delay)

    async def class_leaves():
        for kid in ("a", "b", "c"):  # culled one after another
            await km.shutdown_kernel(kid)
            await asyncio.sleep(0.01)
        assert calls == [], "memory released while kernels were still being shut down"
        await asyncio.sleep(0.2)

    run_in_thread(class_leaves)
    assert len(calls) == expected_calls


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's (the course's Linux servers); elsewhere it is a no-op")
def test_release_free_memory_gives_freed_heap_pages_back():
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    blocks = [bytes(1000) for _ in range(100_000)]  # about 100 MB on the C heap (objects > 512 B)
    keep = blocks[::100]  # live objects scattered through it, so free() alone cannot shrink the heap
    del blocks
    before = rss()
    assert kernels.release_free_memory() is True
    released = before - rss()
    assert released > 50 * 2**20, f"only {released / 2**20:.1f} MB handed back"
    assert len(keep) == 1000
