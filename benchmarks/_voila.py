"""A Voila server for the benchmarks: started with the course's own command line, watched with psutil.

The command is the course's one launcher, ``python -m neuropathy_massage serve`` (what
`make serve` runs: the course's Voila configuration, template, pre-heated kernels, culling),
pointed at a temporary notebooks folder and a free port; ``extra_args`` switch pre-heating off (the COLD
configuration) or shorten the cull timeout for the "learners leave" measurement.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FLOOR_NOTEBOOK = Path(__file__).resolve().parent / "floor" / "floor.ipynb"
#: Name of the floor inside the served folder: the course model does not list it, so it stays out
#: of the navigation and the contents page, while Voila still serves and pre-heats it (a name
#: starting with "_" would now be a private page, never rendered).
FLOOR_NAME = "bench_floor.ipynb"

_KERNEL_ID = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_served_tree(notebooks: list[Path], floor: Path = FLOOR_NOTEBOOK) -> Path:
    """A temporary project-like folder: ``notebooks/`` holds copies of the course notebooks and the
    floor; every other top-level entry of the project (assets, share, ...) is a symlink, so
    notebooks that reach ``../assets`` work as they do in the real tree."""
    root = Path(tempfile.mkdtemp(prefix="nm-bench-"))
    for entry in PROJECT_ROOT.iterdir():
        if entry.name in {"notebooks", ".git", ".venv"}:
            continue
        try:
            (root / entry.name).symlink_to(entry)
        except OSError:
            pass
    nb_dir = root / "notebooks"
    nb_dir.mkdir()
    for nb in notebooks:
        shutil.copy2(nb, nb_dir / nb.name)
    shutil.copy2(floor, nb_dir / FLOOR_NAME)
    return nb_dir


def voila_command(notebooks_dir: Path, port: int, extra_args: list[str],
                  serve_args: list[str] = ()) -> tuple[list[str], dict, str]:
    """(argv, env, how): the course's one launcher, `python -m neuropathy_massage serve` (what
    `make serve` runs), on this folder and port; `extra_args` go to Voila after `--`."""
    argv = [sys.executable, "-m", "neuropathy_massage", "serve", "--notebooks", str(notebooks_dir),
            "--port", str(port), *serve_args]
    if extra_args:
        argv += ["--", *extra_args]
    env = dict(os.environ)
    # Quieter kernels: no IPython history database writes in a throwaway run.
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return argv, env, "python -m neuropathy_massage serve"


class VoilaServer:
    def __init__(self, notebooks_dir: Path, *, extra_args: list[str] = (), log_dir: Path | None = None,
                 label: str = "voila", serve_args: list[str] = ()):
        self.notebooks_dir = Path(notebooks_dir)
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.serve_args = list(serve_args)
        self.label = label
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="nm-bench-log-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / f"{label}.log"
        self.proc: subprocess.Popen | None = None
        self.ps: psutil.Process | None = None
        self.argv: list[str] = []
        self.how = ""

    # ------------------------------------------------------------------ life cycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, notebook: str) -> str:
        from urllib.parse import quote

        return f"{self.base_url}voila/render/{quote(notebook)}"

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait until the server answers HTTP; returns the seconds that took."""
        self.argv, env, self.how = voila_command(self.notebooks_dir, self.port, self.extra_args, self.serve_args)
        t0 = time.perf_counter()
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(self.notebooks_dir.parent), start_new_session=True,
        )
        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voila exited with {self.proc.returncode}; log: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "voila/static/voila.js", timeout=2) as r:
                    r.read(1)
                return time.perf_counter() - t0
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"Voila did not answer within {timeout}s; log: {self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        children = []
        try:
            children = self.ps.children(recursive=True) if self.ps else []
        except psutil.Error:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # Voila asks twice on a terminal; SIGTERM works too
            time.sleep(0.3)
            if self.proc.poll() is None:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for child in children:  # kernels the server did not get to shut down
            try:
                child.kill()
            except psutil.Error:
                pass
        self.proc = None

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    # ------------------------------------------------------------------ processes and memory
    def kernels(self) -> dict[str, psutil.Process]:
        """Running kernel processes of this server, by kernel id."""
        out: dict[str, psutil.Process] = {}
        if self.ps is None:
            return out
        try:
            children = self.ps.children(recursive=True)
        except psutil.Error:
            return out
        for child in children:
            try:
                cmd = " ".join(child.cmdline())
            except psutil.Error:
                continue
            m = _KERNEL_ID.search(cmd)
            if m:
                out[m.group(1)] = child
        return out

    @staticmethod
    def memory(proc: psutil.Process) -> dict:
        """RSS and (where the platform has it) USS and PSS of a process, in MB."""
        try:
            full = proc.memory_full_info()
            return {"rss_mb": round(full.rss / 2**20, 1), "uss_mb": round(full.uss / 2**20, 1),
                    "pss_mb": round(getattr(full, "pss", 0) / 2**20, 1) or None}
        except (psutil.AccessDenied, AttributeError):
            try:
                return {"rss_mb": round(proc.memory_info().rss / 2**20, 1), "uss_mb": None, "pss_mb": None}
            except psutil.Error:
                return {"rss_mb": None, "uss_mb": None, "pss_mb": None}
        except psutil.Error:
            return {"rss_mb": None, "uss_mb": None, "pss_mb": None}

    def snapshot(self) -> dict:
        """Server memory, each kernel's memory, and totals (MB)."""
        kernels = self.kernels()
        per = {kid: self.memory(p) for kid, p in kernels.items()}
        server = self.memory(self.ps) if self.ps else {}
        total_rss = (server.get("rss_mb") or 0) + sum((m["rss_mb"] or 0) for m in per.values())
        total_uss = (server.get("uss_mb") or 0) + sum((m["uss_mb"] or 0) for m in per.values())
        return {"kernel_count": len(kernels), "server": server, "kernels": per,
                "total_rss_mb": round(total_rss, 1), "total_uss_mb": round(total_uss, 1)}

    def cpu_quiet(self, threshold: float = 6.0, window: float = 1.0) -> bool:
        """True when the server and its kernels together used under `threshold` % of one CPU."""
        procs = [self.ps] + list(self.kernels().values()) if self.ps else []
        for p in procs:
            try:
                p.cpu_percent(None)
            except psutil.Error:
                pass
        time.sleep(window)
        total = 0.0
        for p in procs:
            try:
                total += p.cpu_percent(None)
            except psutil.Error:
                pass
        return total < threshold

    def wait_settled(self, min_kernels: int = 0, timeout: float = 180.0, quiet_windows: int = 2) -> float:
        """Wait until at least `min_kernels` kernels run and all is quiet (pre-heated pools filled
        and their notebooks executed); returns the seconds waited."""
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"Voila exited; log: {self.log_tail()}")
            if len(self.kernels()) >= min_kernels and self.cpu_quiet(window=0.5):
                quiet += 1
                if quiet >= quiet_windows:
                    break
            else:
                quiet = 0
                time.sleep(0.2)
        return time.perf_counter() - t0

    # ------------------------------------------------------------------ HTTP
    def shutdown_kernel(self, kernel_id: str) -> bool:
        """Shut a kernel down the way the page's unload handler means to (POST
        /voila/api/shutdown/<id>), with the `_xsrf` token the page fails to send (voila#1458).
        Tornado compares the `_xsrf` cookie with the X-XSRFToken header, so any matching pair does."""
        token = "nmbench" + os.urandom(8).hex()
        req = urllib.request.Request(
            self.base_url + f"voila/api/shutdown/{kernel_id}", data=b"", method="POST",
            headers={"X-XSRFToken": token, "Cookie": f"_xsrf={token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status in (200, 204)
        except (urllib.error.URLError, OSError):
            return False

    def wait_kernel_gone(self, kernel_id: str, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if kernel_id not in self.kernels():
                return True
            time.sleep(0.1)
        return False
