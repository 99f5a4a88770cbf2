"""Admission to the served course: a kernel cap, and kernels no page ever connects to freed.

Voila 0.5.13 starts a kernel for every GET of a render URL, with no cap (voila#617): twenty
anonymous requests took a test server from 12 to 32 kernels and 1.3 GB, none freed for minutes.
`CourseKernelManager` (what the course's Voila uses, see voila_config.py) adds to
`kernels.HandOutGraceKernelManager`:

* a cap, `max_kernels`, on kernels running or starting, counted before the first await so a burst
  cannot overshoot; above it a page gets HTTP 503 (`CourseFull`, a tornado HTTPError, which Voila's
  handler lets tornado render with the template's 503.html: "the course is full, try again in a
  minute"), and a pool refill fails the same way and is tried again when a kernel goes;
* a connect grace: a kernel outside the pool that no page has connected to, that is not busy and
  that has been idle for `connect_grace` seconds is shut down (an anonymous GET, a page closed while
  loading);
* a dead kernel (with `KernelRestarter.restart_limit = 0` a killed kernel is reported dead, not
  replaced by an empty one) is taken out of Voila's pool bookkeeping;
* a workaround for jupyter_server 2.21: with `allow_tracebacks = False` its websocket relay reads
  `traceback_replacement_message` from the per-kernel manager, which lacks it, and the page's
  messages stop after the first error; each kernel manager is given the attribute.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from tornado.ioloop import PeriodicCallback
from tornado.web import HTTPError
from traitlets import Float, Integer

from neuropathy_massage.kernels import HandOutGraceKernelManager

#: Voila marks the environment of the kernels it starts for its pre-heated pools with this.
PREHEAT_ENV = "VOILA_PREHEAT"


class CourseFull(HTTPError):
    """The kernel cap is reached: tornado answers 503 and renders the template's 503.html."""

    def __init__(self, limit: int):
        super().__init__(503, "kernel cap of %d reached", limit, reason="The course is full")


class CourseKernelManager(HandOutGraceKernelManager):
    max_kernels = Integer(0, config=True, help="Most kernels running or starting at once (0: no cap).")
    connect_grace = Float(30.0, config=True, help="Seconds a kernel outside the pool may stay idle with "
                          "no page connected before it is shut down (0: never).")
    connect_check_interval = Float(5.0, config=True, help="Seconds between connect-grace checks.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._admitted = 0
        self._outside_since: dict[str, float] = {}
        self._grace_timer: PeriodicCallback | None = None
        self._closing = False
        self.refused = 0

    # ---- the cap --------------------------------------------------------------------------
    def kernel_count(self) -> int:
        return len(self._kernels) + self._admitted

    async def start_kernel(self, *args, **kwargs):
        preheat = (kwargs.get("env") or {}).get(PREHEAT_ENV) == "True"
        if self.max_kernels and self.kernel_count() >= self.max_kernels:
            self.refused += 1
            self.log.warning("Kernel cap of %d reached: %s refused (%d so far)", self.max_kernels,
                             "a pool refill" if preheat else "a page", self.refused)
            raise CourseFull(self.max_kernels)
        self._admitted += 1
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        finally:
            self._admitted -= 1
        km = self._kernels.get(kernel_id)
        if km is not None:  # jupyter_server 2.21: see the module's docstring
            km.traceback_replacement_message = self.traceback_replacement_message
        if not preheat:
            self._outside_since[kernel_id] = time.monotonic()
        self._start_grace_timer()
        return kernel_id

    async def shutdown_all(self, *args, **kwargs):
        self._closing = True  # no pool refills while the server stops
        if self._grace_timer is not None:
            self._grace_timer.stop()
        return await super().shutdown_all(*args, **kwargs)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        self._outside_since.pop(kernel_id, None)
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._refill_pools()

    def _handle_kernel_died(self, kernel_id):
        super()._handle_kernel_died(kernel_id)
        self._seen_connected.discard(kernel_id)
        self._outside_since.pop(kernel_id, None)
        for value in getattr(self, "notebook_data", {}).values():
            value["kernel_ids"].discard(kernel_id)
        self._refill_pools()

    # ---- Voila's pools (present when kernels are pre-heated) ------------------------------
    def _pool_kernel_ids(self) -> set[str]:
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.add(task.result().get("kernel_id"))
        return ids

    def _refill_pools(self) -> None:
        """Pools that lost items to the cap, or to a kernel that died, fill again when there is room."""
        if self._closing or not hasattr(self, "fill_if_needed"):
            return
        for pool in self._pools.values():
            for task in list(pool):
                if task.done() and (task.cancelled() or task.exception() is not None
                                    or task.result().get("kernel_id") not in self._kernels):
                    pool.remove(task)
        for name in list(self._pools):
            self.fill_if_needed(delay=self.fill_delay, notebook_name=name)

    # ---- the connect grace -----------------------------------------------------------------
    def _start_grace_timer(self) -> None:
        if self._grace_timer is None and self.connect_grace > 0:
            self._grace_timer = PeriodicCallback(self.check_unconnected, 1000 * self.connect_check_interval)
            self._grace_timer.start()

    def unconnected_expired(self, kernel_id: str, now: float, in_pool: set[str]) -> bool:
        """Whether a kernel has waited out the connect grace with no page (and updates the books).
        A kernel waiting in a pool is Voila's to keep; one being made for a pool is busy or active
        (rendering its notebook counts as activity); one handed out from a pool is counted from the
        first check that finds it outside."""
        if kernel_id in self._seen_connected:
            return False
        if kernel_id in in_pool:
            self._outside_since.pop(kernel_id, None)
            return False
        since = self._outside_since.setdefault(kernel_id, now)
        kernel = self._kernels[kernel_id]
        if getattr(kernel, "execution_state", "") == "busy":
            return False
        last = getattr(kernel, "last_activity", None)
        idle = (datetime.now(timezone.utc) - last).total_seconds() if last is not None else now - since
        return now - since > self.connect_grace and idle > self.connect_grace

    async def check_unconnected(self) -> None:
        now, in_pool = time.monotonic(), self._pool_kernel_ids()
        for kernel_id in [k for k in list(self._kernels) if self.unconnected_expired(k, now, in_pool)]:
            self.log.info("Kernel %s: no page connected within %.0f s; shutting it down", kernel_id, self.connect_grace)
            try:
                await self.shutdown_kernel(kernel_id)
            except Exception:  # gone meanwhile
                self.log.debug("shutdown of unconnected kernel %s failed", kernel_id, exc_info=True)
