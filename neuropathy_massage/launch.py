"""The one way the course is served: `python -m neuropathy_massage serve` (what `make serve` runs).

`main()` checks the trainer's settings, builds the course's Voila configuration
(`voila_config.voila_config`) and runs Voila in this process, so Ctrl+C and SIGTERM (a service
manager stopping it) reach Voila itself, which shuts its kernels down. `ServerProcess` starts that
same command in the background on a free port: the browser tests and the benchmarks use it, so
they serve exactly what learners get. See docs/SERVING.md.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Mapping, Optional, Sequence

from neuropathy_massage import paths
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import KnowledgeError
from neuropathy_massage.pages import render_url
from neuropathy_massage.voila_config import (
    CLASS_SIZE_RANGE,
    CONNECT_GRACE_RANGE,
    DEFAULT_CONNECT_GRACE_S,
    DEFAULT_EXPLORER_POOL,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_SLOW_PAGE_S,
    MAX_KERNELS_RANGE,
    SLOW_PAGE_RANGE,
    ServeSettings,
    SettingError,
    cap_for,
    voila_config,
)

SERVER_START_TIMEOUT_S = 120
#: A token a trainer can write on a board: no 0/O or 1/l/I; 10 characters, about 50 bits.
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOKEN_LENGTH = 10
MIN_TOKEN_LENGTH = 8


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def lan_address() -> str:
    """This computer's address on its network (what learners type), or its name when unknown."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as sock:
        try:
            sock.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the interface
            address = sock.getsockname()[0]
        except OSError:
            address = ""
    return address if address and not address.startswith("127.") else socket.gethostname()


def classroom_token(host: str, given: str | None) -> str:
    """The token: as given (at least MIN_TOKEN_LENGTH characters), generated when serving beyond
    this computer, none on loopback unless given."""
    if given is not None:
        given = given.strip()
        if len(given) < MIN_TOKEN_LENGTH or not given.isascii() or not given.isprintable() or " " in given:
            raise SettingError(f"--token must be at least {MIN_TOKEN_LENGTH} printable characters without spaces")
        return given
    return "" if is_loopback(host) else new_token()


def build_env(environ: Mapping[str, str] | None = None, assets: Path | None = None) -> dict[str, str]:
    """The environment Voila runs in: the course template's folder first on JUPYTER_PATH and, for
    an author's copy of the data, NEUROPATHY_COURSE_DATA (the kernels read it)."""
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(paths.voila_data_dir()), env.get("JUPYTER_PATH")]))
    if assets is not None:
        env[paths.DATA_ENV] = str(Path(assets).resolve())
    return env


def course_url(host: str, port: int, notebook: str) -> str:
    """The URL to open for a page served on host:port (a wildcard host is shown as 127.0.0.1)."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return render_url(f"http://{host}:{port}/", notebook)


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (checked before the URL is printed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with contextlib.closing(socket.socket(family, socket.SOCK_STREAM)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m neuropathy_massage serve",
        description="Serve the course with Voila (see docs/SERVING.md). Arguments after `--` go to Voila unchanged.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; "
                             "0.0.0.0 lets learners on a classroom network connect)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--notebooks", metavar="DIR", default=None,
                        help="folder of notebooks to serve (default: the course's own)")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="an author's copy of assets/ (knowledge, course.yaml, figures) to serve instead")
    parser.add_argument("--class-size", type=int, default=None, metavar="N",
                        help=f"pre-heat N explorer kernels for a class that opens the explorer together "
                             f"(default {DEFAULT_EXPLORER_POOL}; {CLASS_SIZE_RANGE[0]} to {CLASS_SIZE_RANGE[1]}; "
                             "each costs about 70 MB of memory)")
    parser.add_argument("--slow-page-seconds", type=int, default=DEFAULT_SLOW_PAGE_S, metavar="S",
                        help=f"after S seconds on the loading spinner a page tells the learner to reload it "
                             f"(default {DEFAULT_SLOW_PAGE_S}, {SLOW_PAGE_RANGE[0]} to {SLOW_PAGE_RANGE[1]})")
    parser.add_argument("--max-kernels", type=int, default=None, metavar="N",
                        help="most kernels at once; beyond it a page says the course is full (default: every "
                             f"pre-heated kernel plus two pages a learner; {MAX_KERNELS_RANGE[0]} to {MAX_KERNELS_RANGE[1]})")
    parser.add_argument("--connect-grace", type=int, default=DEFAULT_CONNECT_GRACE_S, metavar="S",
                        help=f"shut a kernel down when no page has connected to it for S seconds "
                             f"(default {DEFAULT_CONNECT_GRACE_S}, {CONNECT_GRACE_RANGE[0]} to {CONNECT_GRACE_RANGE[1]})")
    parser.add_argument("--token", default=None, metavar="TOKEN",
                        help="the classroom token learners need (generated when --host is not this computer; "
                             f"at least {MIN_TOKEN_LENGTH} characters)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    args = _parser().parse_args(argv)
    try:
        assets = Path(args.data).resolve() if args.data else None
        course = load_course(assets)
        settings = ServeSettings(
            notebooks=Path(args.notebooks).resolve() if args.notebooks else paths.notebooks_dir(),
            host=args.host, port=args.port, class_size=args.class_size,
            slow_page_seconds=args.slow_page_seconds, assets=assets, max_kernels=args.max_kernels,
            connect_grace=args.connect_grace, token=classroom_token(args.host, args.token),
        )
        config = voila_config(settings, course)
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"error in the course data: {exc}", file=sys.stderr)
        return 2
    if port_in_use(settings.host, settings.port):
        print(f"error: port {settings.port} is already in use on {settings.host}: stop whatever uses it, "
              f"or choose another with --port", file=sys.stderr)
        return 2
    for line in announce(settings, course.home.file, cap_for(settings, course)):
        print(line, flush=True)
    os.environ.update(build_env(assets=assets))
    from neuropathy_massage.voila_app import CourseVoila  # imported late: setting errors stay fast

    CourseVoila.launch_instance(argv=[str(settings.notebooks), *extra], config=config)
    return 0


def announce(settings: ServeSettings, home: str, cap: int) -> list[str]:
    """What `serve` tells the trainer: where the course is, the token, how to stop it."""
    lines = [f"Serving the course from {settings.notebooks} (at most {cap} pages at once)."]
    shown = settings.host if is_loopback(settings.host) else lan_address()
    if settings.host in ("0.0.0.0", "::", ""):
        shown = lan_address()
    url = course_url(shown, settings.port, home)
    if settings.token:
        lines.append(f"Open the course at: {url}?token={settings.token}")
        lines.append(f"For the board: {shown}:{settings.port}   token {settings.token}")
        lines.append("Learners open the address, type the token once, and are remembered for 30 days.")
    else:
        lines.append(f"Open the course at: {url}")
    lines.append("Stop with Ctrl+C.")
    return lines


# --------------------------------------------------------------------------- in the background


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackgroundProcess:
    """What a server started in the background shares: `process` (its Popen), `log_path` (its
    output), `stop()`; the tail of its log, and a wait until it answers HTTP 200."""

    process: subprocess.Popen
    log_path: Path

    def stop(self, timeout: float = 20):
        raise NotImplementedError

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_answering(self, url: str, timeout: float, what: str) -> None:
        """Until `url` answers 200; if the process exits first, or the time runs out (then it is
        stopped), RuntimeError naming `what` with the log's tail."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{what} exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{what} did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.25)


class ServerProcess(BackgroundProcess):
    """`serve` started in the background on a free port of 127.0.0.1, in its own process group,
    with its output in a log file. For the browser tests and the benchmarks."""

    def __init__(self, notebooks: Path, port: int, process: subprocess.Popen, log_path: Path):
        self.notebooks, self.port, self.process, self.log_path = Path(notebooks), port, process, log_path

    @classmethod
    def start(cls, notebooks: Path | str, log_path: Path | str, *, serve_args: Sequence[str] = (),
              voila_args: Sequence[str] = (), env: Optional[Mapping[str, str]] = None,
              python: str | None = None, timeout: float = SERVER_START_TIMEOUT_S) -> "ServerProcess":
        port = free_port()
        command = [python or sys.executable, "-m", "neuropathy_massage", "serve", "--notebooks", str(notebooks),
                   "--port", str(port), *serve_args]
        if voila_args:
            command += ["--", *voila_args]
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        server = cls(Path(notebooks), port, process, log_path)
        server.wait_ready(timeout)
        return server

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, notebook: str) -> str:
        return render_url(self.base_url, notebook)

    def wait_ready(self, timeout: float) -> None:
        self.wait_answering(self.base_url, timeout, "the course server")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (Voila shuts its kernels down), then SIGKILL to whatever is left of the group
        and of the kernels (each kernel runs in a session of its own)."""
        try:
            import psutil  # a test and benchmark dependency; without it kernels exit on their own

            kernels = psutil.Process(self.process.pid).children(recursive=True)
        except Exception:
            kernels = []
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for child in kernels:
            with contextlib.suppress(Exception):
                if child.is_running():
                    child.kill()
