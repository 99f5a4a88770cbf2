"""`python -m neuropathy_massage hub` in the background, for the hub tests and `make bench`:
`HubProcess.start()` runs the same command a trainer runs (`make hub`) on free ports of
127.0.0.1 with a state folder of its own, waits until the hub itself answers, and `stop()` checks
that nothing it started (proxy, culler, learners' servers, kernels) outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

from neuropathy_massage.hub import PASSWORD_ENV
from neuropathy_massage.launch import BackgroundProcess, free_port
from neuropathy_massage.server_extension import DEFAULT_PROFILE

class HubProcess(BackgroundProcess):
    """`hub` started in the background on free ports of 127.0.0.1, in its own process group,
    with its state in a folder of its own and its output in a log file (hub tests, `make bench`)."""

    def __init__(self, process: subprocess.Popen, port: int, state_dir: Path, log_path: Path, password: str):
        self.process, self.port, self.state_dir, self.log_path = process, port, Path(state_dir), Path(log_path)
        self.password = password

    @classmethod
    def start(cls, state_dir: Path | str, log_path: Path | str, *, password: str, profile: str = DEFAULT_PROFILE,
              hub_args: Sequence[str] = (), env: Optional[dict] = None, python: str | None = None,
              timeout: float = 120) -> "HubProcess":
        ports = set()
        while len(ports) < 3:
            ports.add(free_port())
        port, api_port, proxy_api_port = sorted(ports)
        command = [python or sys.executable, "-m", "neuropathy_massage", "hub", "--port", str(port),
                   "--api-port", str(api_port), "--proxy-api-port", str(proxy_api_port),
                   "--state", str(state_dir), "--profile", profile, *hub_args]
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env={**os.environ, **(env or {}), PASSWORD_ENV: password},
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, cwd=str(state_dir))
        hub = cls(process, port, Path(state_dir), log_path, password)
        hub.wait_ready(timeout)
        return hub

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait_ready(self, timeout: float) -> None:
        """Until the hub itself answers through the proxy (the proxy's port opens before the
        hub has added its route: a login then would get 404)."""
        self.wait_answering(self.base_url + "hub/api", timeout, "the hub")

    def descendants(self) -> list:
        """The hub's processes now: proxy, culler, learners' servers and their kernels (psutil)."""
        import psutil

        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return []

    def stop(self, timeout: float = 60) -> list:
        """SIGTERM to the hub (it stops the culler, every learner's server and the proxy), then
        SIGKILL to whatever is left. Returns the processes that had to be killed."""
        import psutil

        seen = self.descendants()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        left = []
        for proc in seen:
            with contextlib.suppress(psutil.Error):
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(proc)
                    proc.kill()
        return left
