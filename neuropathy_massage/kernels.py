"""The kernel manager the course's Voila uses: culling that never takes a kernel a page is loading.

Voila 0.5.13 spares pooled (pre-heated) kernels from culling only while they sit in the pool. A
page that takes one inherits its idle time, counted from the end of pre-heating; if that is past
`cull_idle_timeout` and the culler runs before the page has opened its websocket, the learner's
kernel is shut down under them ("Kernel does not exist"; reproduced by benchmarks/cull_race.py).
This manager gives every kernel a grace period, counted from the first time the culler looks at
it outside the pool, during which it is not culled while no page is connected to it. Voila wraps
it (`VoilaConfiguration.multi_kernel_manager_class`, set in voila_config.py). Once a page has
connected, the kernel follows the ordinary idle rules: a learner who leaves releases it after
`cull_idle_timeout`, grace or not.

After a run of shutdowns the manager also hands the server's freed memory back to the system
(`release_free_memory`). `ipc_transport_fits` tells whether kernels can use Unix sockets instead
of TCP ports; the manager checks it for every kernel against the folder its connection file is
really in, and keeps that kernel on TCP when the path would be too long. Stopping the server
waits for kernels still starting, so none is left behind (`shutdown_all`).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import time
import uuid
import weakref

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

#: The longest Unix socket path the kernel may bind: ``sun_path`` holds 108 bytes on Linux and
#: 104 on macOS, the terminating NUL included.
UNIX_SOCKET_PATH_MAX = 103


def ipc_socket_path(connection_dir: str, port: int = 99) -> str:
    """The path of one of a kernel's Unix sockets when kernels use the ``ipc`` transport.

    jupyter_client names a kernel's connection file ``kernel-<uuid>.json`` in the kernel manager's
    ``connection_dir`` and, for ``ipc``, puts its sockets beside it as ``kernel-<uuid>-ipc-<n>``
    (n = 1 to 5, higher only if such files are left over)."""
    return os.path.join(connection_dir, f"kernel-{uuid.UUID(int=0)}-ipc-{port}")


def ipc_transport_fits(connection_dir: str) -> bool:
    """True when kernels can listen on Unix sockets under ``connection_dir``: a POSIX system and
    socket paths short enough. Otherwise kernels stay on TCP."""
    return os.name == "posix" and len(os.fsencode(ipc_socket_path(connection_dir))) <= UNIX_SOCKET_PATH_MAX


def release_free_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``). Returns False
    where there is no such call (macOS, Windows, musl), and then does nothing.

    A class's kernels pass tens of megabytes of widget state, pages and messages through the
    server; once they are gone glibc keeps the freed memory for reuse, so the server's resident
    memory stays at its high-water mark (docs/PERFORMANCE.md, section 2)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


class HandOutGraceKernelManager(AsyncMappingKernelManager):
    hand_out_grace = Float(
        120.0,
        config=True,
        help="Seconds, from the first cull check outside the pool, during which a kernel with no "
        "connected page is never culled (covers a page that is still loading).",
    )

    release_memory_after = Float(
        5.0,
        config=True,
        help="Seconds after the last of a run of kernel shutdowns before the server hands its freed "
        "memory back to the system (release_free_memory); 0 never does.",
    )

    start_wait_on_stop = Float(
        30.0,
        config=True,
        help="Seconds the server's shutdown waits for kernels that are still starting.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_checked: dict[str, float] = {}
        self._seen_connected: set[str] = set()
        self._release_handle: asyncio.TimerHandle | None = None
        #: Every kernel's manager from its launch on (jupyter_client keeps it only once started).
        self._launched: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

    def notify_connect(self, kernel_id: str):
        self._seen_connected.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str):
        now = time.monotonic()
        first = self._first_checked.setdefault(kernel_id, now)
        if kernel_id not in self._seen_connected and now - first < self.hand_out_grace:
            return None  # handed to a page that has not connected yet
        return await super().cull_kernel_if_idle(kernel_id)

    def pre_start_kernel(self, kernel_name, kwargs):
        """A kernel whose Unix socket path would not fit under this manager's connection folder
        (the folder the kernel really uses: Voila's temporary folder standalone, the server's
        runtime folder as an extension) listens on TCP instead: a too-long path kills the kernel
        and leaves its page loading for ever."""
        km, kernel_name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
        if km.transport == "ipc" and not ipc_transport_fits(os.path.dirname(km.connection_file)):
            km.transport, km.ip = "tcp", "127.0.0.1"
        self._launched[kernel_id] = km
        return km, kernel_name, kernel_id

    async def shutdown_all(self, now: bool = False) -> None:
        """Stop every kernel, those still being launched included. jupyter_client lists a kernel
        that is being launched among those to stop, and jupyter_server then refuses it ("Kernel
        does not exist"): a stop while Voila pre-heats ended in a traceback. So a launch on the
        running loop is waited for (at most `start_wait_on_stop` seconds); one on a loop that no
        longer runs (standalone Voila stops its loop, then shuts kernels down on another) can never
        finish: its process, if there is one yet, is killed. Either way it is then forgotten."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_wait_on_stop
        while True:
            launching = [task for task in self._pending_kernels.values()
                         if not task.done() and task.get_loop() is loop]
            if not launching or loop.time() >= deadline:
                break
            await asyncio.wait(launching, timeout=deadline - loop.time())
        for kernel_id in [k for k in self._pending_kernels if k not in self._kernels]:
            self._pending_kernels.pop(kernel_id, None)
            process = getattr(getattr(self._launched.get(kernel_id), "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()
        await super().shutdown_all(now=now)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._first_checked.pop(kernel_id, None)
        self._seen_connected.discard(kernel_id)
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._release_memory_later()

    def _release_memory_later(self) -> None:
        """Once a run of shutdowns (a class leaving, culled one by one) has ended, release the
        server's freed memory: one call, `release_memory_after` seconds after the last."""
        if self.release_memory_after <= 0:
            return
        if self._release_handle is not None:
            self._release_handle.cancel()
        self._release_handle = asyncio.get_running_loop().call_later(self.release_memory_after, release_free_memory)
