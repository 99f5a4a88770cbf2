"""`serve` stops cleanly on SIGTERM, as a service manager, `kill <pid>` or `docker stop` send it:
only the serve process is signalled (not its process group), while Voila is still pre-heating
its kernels; within a bound serve has exited with code 0, no process it started is left and the
port is closed."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import uuid

import psutil

from neuropathy_massage import paths
from neuropathy_massage.launch import ServerProcess

#: Voila shuts a dozen kernels down in about 4 s on this machine; the bound leaves room for a
#: loaded CI machine and for kernels still starting, which the shutdown waits for.
STOP_BOUND_S = 60


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_serve_stops_voila_and_every_kernel(tmp_path):
    log = tmp_path / f"serve-{uuid.uuid4().hex[:8]}.log"
    server = ServerProcess.start(paths.notebooks_dir(), log, python=sys.executable)
    try:
        serve = psutil.Process(server.process.pid)
        seen: dict[int, psutil.Process] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(seen) < 2:  # kernels pre-heating
            seen.update({p.pid: p for p in serve.children(recursive=True)})
            time.sleep(0.05)
        assert seen, "no kernel was started: the stop would prove nothing"
        os.kill(server.process.pid, signal.SIGTERM)  # the process only, as a service manager may
        stopped_at = time.monotonic() + STOP_BOUND_S
        while server.process.poll() is None and time.monotonic() < stopped_at:
            with_children = [p for p in _children(serve)]
            seen.update({p.pid: p for p in with_children})
            time.sleep(0.1)
        code = server.process.poll()
        assert code == 0, f"serve did not exit cleanly within {STOP_BOUND_S} s (code {code}):\n{server.log_tail()}"
        time.sleep(1.0)
        left = [p for p in seen.values() if _alive(p)]
        assert not left, f"left running after serve stopped: {[(p.pid, p.cmdline()[:3]) for p in left]}"
        assert not _port_open(server.port), "the port still answers"
        # The log is shared with the kernels, which print their own traceback when the shutdown
        # interrupts them mid-import; serve's own must not be there.
        text = log.read_text(errors="replace")
        assert "Kernel does not exist" not in text and "neuropathy_massage/launch.py" not in text, server.log_tail()
    finally:
        server.stop()


def _children(process: psutil.Process) -> list:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False

