"""Serve the course with Voila: `python -m neuropathy_massage serve` (what `make serve` runs).

Everything Voila needs to serve the course the same way everywhere lives in three places:

* ``config/voila.py``: the one Voila configuration (pre-heated kernels, hidden
  sources and tracebacks, idle-kernel culling, the ``course`` template, the navigation hook).
  `make serve`, the browser tests and Binder all read that file.
* ``share/jupyter/voila/templates/course/``: the page template (landmarks, title, course
  navigation, skip link, focus and print styles, friendly errors, no CDN links).
  Voila finds it because :func:`build_env` puts ``share/jupyter`` first on ``JUPYTER_PATH``.
* this module: builds the command line (:func:`build_command`) and the environment
  (:func:`build_env`), and provides :func:`course_page_config`, the hook that gives every page
  its title and its Home / Previous / Next links. See docs/SERVING.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: Folder holding ``voila.py``, the one Voila configuration file. (Not the project root: a
#: ``voila.py`` there would shadow the voila package for ``python -m voila`` run from the root.)
CONFIG_DIR = PROJECT_ROOT / "config"
CONFIG_FILE = CONFIG_DIR / "voila.py"
#: Jupyter data folder holding ``voila/templates/course``; goes first on JUPYTER_PATH.
JUPYTER_DATA_DIR = PROJECT_ROOT / "share" / "jupyter"
TEMPLATE_NAME = "course"
HOME_NOTEBOOK = "00_course_home.ipynb"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
#: Read by config/voila.py: how many explorer kernels to pre-heat (`serve --class-size N`).
EXPLORER_POOL_ENV = "NEUROPATHY_COURSE_EXPLORER_POOL"
#: Seconds a page may stay on Voila's spinner before it tells the learner to reload (the
#: template's slow-start notice); read from this variable when the server starts, default 90.
SLOW_PAGE_ENV = "NEUROPATHY_COURSE_SLOW_PAGE_SECONDS"
DEFAULT_SLOW_PAGE_S = 90
COURSE_NAME_FALLBACK = "Massage for neuropathy symptoms"


# --------------------------------------------------------------------------- command


def build_command(
    *,
    notebooks_dir: str | os.PathLike[str] | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    extra_args: list[str] | tuple[str, ...] = (),
    python: str | None = None,
) -> list[str]:
    """The Voila command line that serves the course (run it with :func:`build_env`)."""
    folder = Path(notebooks_dir) if notebooks_dir is not None else NOTEBOOKS_DIR
    return [
        *_voila_launcher(python),
        str(folder.resolve()),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={int(port)}",
        # Fail instead of silently moving to another port: the printed URL must be right.
        "--Voila.port_retries=0",
        # Read voila.py from the project root only, whatever the working directory is.
        f"--Voila.config_file_paths={CONFIG_DIR}",
        *extra_args,
    ]


def _voila_launcher(python: str | None = None) -> list[str]:
    """The ``voila`` script beside the interpreter, else ``python -m voila``.

    The script is preferred: ``-m`` puts the working directory first on ``sys.path``, where any
    file named like a module Voila imports would shadow it.
    """
    python = python or sys.executable
    bindir = Path(python).parent
    for name in ("voila", "voila.exe"):
        script = bindir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [python, "-m", "voila"]


def build_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for :func:`build_command`: the course template first on JUPYTER_PATH."""
    env = dict(os.environ if environ is None else environ)
    paths = [str(JUPYTER_DATA_DIR)]
    if env.get("JUPYTER_PATH"):
        paths.append(env["JUPYTER_PATH"])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    # The kernels import the package; make that work from a plain clone too.
    py_paths = [str(PROJECT_ROOT)]
    if env.get("PYTHONPATH"):
        py_paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(py_paths)
    return env


def render_url(base_url: str, notebook: str = HOME_NOTEBOOK) -> str:
    """URL of a notebook's page under a server's base URL (``http://host:port/``)."""
    return base_url.rstrip("/") + "/voila/render/" + quote(notebook)


def course_url(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, notebook: str = HOME_NOTEBOOK) -> str:
    """The URL to open for the course home page served on ``host:port``."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return render_url(f"http://{host}:{port}/", notebook)


# --------------------------------------------------------------------------- page titles and navigation

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_title_cache: dict[tuple[str, float], str] = {}


def _plain(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def title_from_filename(name: str) -> str:
    """``03_hands_and_feet.ipynb`` -> ``Hands and feet``."""
    stem = Path(name).stem
    stem = re.sub(r"^\d+[_\-. ]*", "", stem)
    words = stem.replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else Path(name).stem


def notebook_title(path: str | os.PathLike[str]) -> str:
    """A notebook's title: ``metadata.title``, else its first heading, else its file name."""
    path = Path(path)
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return title_from_filename(path.name)
    if key in _title_cache:
        return _title_cache[key]
    title = ""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        title = _plain(str(nb.get("metadata", {}).get("title", "")))
        for cell in nb.get("cells", []) if not title else []:
            if cell.get("cell_type") != "markdown":
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            for line in source.splitlines():
                match = _HEADING.match(line)
                if match:
                    title = _plain(match.group(1))
                    break
            if not title:
                match = _HTML_HEADING.search(source)
                if match:
                    title = _plain(match.group(1))
            if title:
                break
    except (OSError, ValueError, AttributeError):
        title = ""
    title = title or title_from_filename(path.name)
    _title_cache[key] = title
    return title


WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def widget_view_count(notebook: Any) -> int:
    """How many widget displays a stored (executed) notebook shows: outputs with the widget-view
    mime. `notebook` is a path or the notebook's JSON already parsed."""
    if not isinstance(notebook, dict):
        notebook = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return sum(
        WIDGET_VIEW_MIME in (output.get("data") or {})
        for cell in notebook.get("cells", [])
        for output in cell.get("outputs", []) or []
    )


def list_notebooks(folder: str | os.PathLike[str]) -> list[str]:
    """Notebook file names of a folder in course order (file-name order), hidden ones left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith((".", "_"))
    )


def course_navigation(root_dir: str | os.PathLike[str], notebook_path: str, base_url: str = "/") -> dict[str, Any]:
    """Title and Home / Previous / Next links of a page, for the ``course`` template.

    ``notebook_path`` is relative to ``root_dir`` (Voila's root); for a folder page
    (Voila's tree) it is the folder's path, possibly ``""``.
    """
    root = Path(root_dir)
    target = root / notebook_path
    is_notebook = notebook_path.endswith(".ipynb")
    folder_rel = os.path.dirname(notebook_path) if is_notebook else notebook_path.strip("/")
    folder = root / folder_rel
    names = list_notebooks(folder)
    prefix = base_url.rstrip("/") + "/voila/render/"

    def link(name: str) -> dict[str, str]:
        rel = f"{folder_rel}/{name}" if folder_rel else name
        return {"name": name, "href": prefix + quote(rel), "title": notebook_title(folder / name)}

    home_name = HOME_NOTEBOOK if HOME_NOTEBOOK in names else (names[0] if names else None)
    home = link(home_name) if home_name else {
        "name": "",
        "href": base_url.rstrip("/") + "/voila/tree/" + quote(folder_rel),
        "title": COURSE_NAME_FALLBACK,
    }
    course_title = home["title"] if home_name else COURSE_NAME_FALLBACK
    nav: dict[str, Any] = {
        "courseTitle": course_title,
        "home": home,
        "previous": None,
        "next": None,
        "isHome": False,
        "lessons": [link(n) for n in names],
    }
    if is_notebook:
        name = target.name
        nav["pageTitle"] = notebook_title(target)
        nav["isHome"] = name == home_name
        if name in names:
            i = names.index(name)
            nav["previous"] = link(names[i - 1]) if i > 0 else None
            nav["next"] = link(names[i + 1]) if i + 1 < len(names) else None
    else:
        nav["pageTitle"] = "Contents"
        nav["isHome"] = False
    return nav


def slow_page_seconds(environ: Mapping[str, str] | None = None) -> int:
    """How long (s) a page may load before the learner is told to reload: ``SLOW_PAGE_ENV`` if it
    holds a whole number from 1 to 3600, else :data:`DEFAULT_SLOW_PAGE_S`."""
    raw = (os.environ if environ is None else environ).get(SLOW_PAGE_ENV, "").strip()
    if raw.isdigit() and 1 <= int(raw) <= 3600:
        return int(raw)
    return DEFAULT_SLOW_PAGE_S


def course_page_config(page_config: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Voila ``page_config_hook``: adds ``page_config["course"]`` (see :func:`course_navigation`).

    Never raises: a page without navigation is better than no page.
    """
    try:
        settings = kwargs.get("settings") or {}
        contents_manager = settings.get("contents_manager")
        root_dir = getattr(contents_manager, "root_dir", None) or os.getcwd()
        notebook_path = (kwargs.get("notebook_path") or "").lstrip("/")
        base_url = kwargs.get("base_url") or "/"
        page_config["course"] = course_navigation(root_dir, notebook_path, base_url)
        page_config["course"]["slowPageSeconds"] = slow_page_seconds()
    except Exception:  # pragma: no cover - defensive
        log = kwargs.get("log")
        if log is not None:
            log.exception("course navigation could not be built")
    return page_config


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m neuropathy_massage serve",
        description=(
            "Serve the course with Voila (configuration: config/voila.py; "
            "see docs/SERVING.md). Arguments after `--` go to Voila unchanged."
        ),
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; "
        "use 0.0.0.0 to let learners on a classroom network connect)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        default=None,
        help="folder of notebooks to serve (default: the project's notebooks/)",
    )
    parser.add_argument(
        "--class-size",
        type=int,
        default=None,
        metavar="N",
        help="pre-heat N explorer kernels for a class that opens the explorer together "
        "(default 2; each costs about 70 MB of memory)",
    )
    parser.add_argument(
        "--slow-page-seconds",
        type=int,
        default=None,
        metavar="S",
        help=f"after S seconds on the loading spinner a page tells the learner to reload it "
        f"(default {DEFAULT_SLOW_PAGE_S}, 1 to 3600)",
    )
    parser.add_argument(
        "--print-command", action="store_true", help="print the Voila command and exit without serving"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    args = _parser().parse_args(argv)
    if args.class_size is not None and not 1 <= args.class_size <= 200:
        print(f"error: --class-size must be between 1 and 200, not {args.class_size}", file=sys.stderr)
        return 2
    if args.slow_page_seconds is not None and not 1 <= args.slow_page_seconds <= 3600:
        print(f"error: --slow-page-seconds must be between 1 and 3600, not {args.slow_page_seconds}", file=sys.stderr)
        return 2
    folder = Path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR
    if not folder.is_dir():
        print(f"error: notebook folder not found: {folder}", file=sys.stderr)
        return 2
    command = build_command(notebooks_dir=folder, host=args.host, port=args.port, extra_args=extra)
    if args.print_command:
        print(" ".join(_shell_quote(part) for part in command))
        return 0

    names = list_notebooks(folder)
    home = HOME_NOTEBOOK if HOME_NOTEBOOK in names else (names[0] if names else None)
    if home:
        url = course_url(args.host, args.port, home)
    else:
        url = course_url(args.host, args.port, "").rsplit("/voila/render/", 1)[0] + "/"
    print(f"Serving the course from {folder.resolve()}", flush=True)
    print(f"Open the course at: {url}", flush=True)
    if args.host in ("0.0.0.0", "::"):
        print(
            "Learners on the same network use this computer's address instead of 127.0.0.1 "
            f"(this computer is called {socket.gethostname()!r}).",
            flush=True,
        )
    print("Stop with Ctrl+C.", flush=True)
    env = build_env()
    if args.class_size is not None:
        env[EXPLORER_POOL_ENV] = str(args.class_size)
    if args.slow_page_seconds is not None:
        env[SLOW_PAGE_ENV] = str(args.slow_page_seconds)
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl+C reaches Voila too (same process group): let it shut its kernels down.
        try:
            return process.wait(timeout=30)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            process.kill()
            return process.wait()


def _shell_quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
