"""The kernel manager the course's Voila uses: culling that never takes a kernel a page is loading.

Voila 0.5.13 spares pooled (pre-heated) kernels from culling only while they sit in the pool. A
page that takes one inherits its idle time, counted from the end of pre-heating; if that is past
`cull_idle_timeout` and the culler runs before the page has opened its websocket, the learner's
kernel is shut down under them ("Kernel does not exist"; reproduced by benchmarks/cull_race.py).
This manager gives every kernel a grace period, counted from the first time the culler looks at
it outside the pool, during which it is not culled while no page is connected to it. Voila wraps
it (`VoilaConfiguration.multi_kernel_manager_class`, set in config/voila.py). Once a page has
connected, the kernel follows the ordinary idle rules: a learner who leaves releases it after
`cull_idle_timeout`, grace or not.
"""

from __future__ import annotations

import os
import time

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
    return os.path.join(connection_dir, f"kernel-{'0' * 8}-{'0' * 4}-{'0' * 4}-{'0' * 4}-{'0' * 12}-ipc-{port}")


def ipc_transport_fits(connection_dir: str) -> bool:
    """True when kernels can listen on Unix sockets under ``connection_dir``: a POSIX system and
    socket paths short enough. Otherwise kernels stay on TCP."""
    return os.name == "posix" and len(os.fsencode(ipc_socket_path(connection_dir))) <= UNIX_SOCKET_PATH_MAX


class HandOutGraceKernelManager(AsyncMappingKernelManager):
    hand_out_grace = Float(
        120.0,
        config=True,
        help="Seconds, from the first cull check outside the pool, during which a kernel with no "
        "connected page is never culled (covers a page that is still loading).",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_checked: dict[str, float] = {}
        self._seen_connected: set[str] = set()

    def notify_connect(self, kernel_id: str):
        self._seen_connected.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str):
        now = time.monotonic()
        first = self._first_checked.setdefault(kernel_id, now)
        if kernel_id not in self._seen_connected and now - first < self.hand_out_grace:
            return None  # handed to a page that has not connected yet
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._first_checked.pop(kernel_id, None)
        self._seen_connected.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
