"""A proposed fix for the pre-heat + culling race (see benchmarks/cull_race.py), measured here.

Voila's pooled kernel manager spares kernels that are still in the pool from culling; once a
page takes one, its idle time counts from the end of pre-heating, so a kernel that waited in the
pool longer than `cull_idle_timeout` is culled at the next cull tick if the page has not yet
opened its websocket. This manager (Voila wraps it: `multi_kernel_manager_class`) gives every
kernel a grace period from the first time the culler sees it outside the pool.
"""

from __future__ import annotations

import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float


class HandOutGraceKernelManager(AsyncMappingKernelManager):
    hand_out_grace = Float(
        120.0, config=True,
        help="Seconds from the first cull check outside the pool during which an unconnected "
             "kernel is never culled (covers a page that is still loading).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first_checked: dict[str, float] = {}

    async def cull_kernel_if_idle(self, kernel_id: str):
        now = time.monotonic()
        first = self._first_checked.setdefault(kernel_id, now)
        if now - first < self.hand_out_grace and not self._kernel_connections.get(kernel_id, 0):
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._first_checked.pop(kernel_id, None)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)
