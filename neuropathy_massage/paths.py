"""Where the course's files are, whether the package runs from a checkout or from an installed wheel.

The package reads these folders at run time. In a checkout they are the top-level folders; a
wheel carries a copy of each inside the package (pyproject.toml maps them onto these names):

| folder in a checkout  | in a wheel                        | holds                                  |
| --------------------- | --------------------------------- | -------------------------------------- |
| `assets/`             | `neuropathy_massage/assets/`      | knowledge YAML, `course.yaml`, figures |
| `notebooks/`          | `neuropathy_massage/notebooks/`   | the lessons                            |
| `share/jupyter/`      | `neuropathy_massage/share/jupyter/` | the Voila `course` template          |
| `config/`             | `neuropathy_massage/config/`      | the Jupyter server configuration (hub) |

The view templates, styles and the body map's front end sit beside the modules that use them
and are found with `importlib.resources`.

An author can point the course (knowledge and course model) at another folder with the
environment variable `NEUROPATHY_COURSE_DATA` (what `serve --data DIR` sets for the kernels), or
pass a folder to `load_knowledge` / `load_course` directly.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

#: An author's folder laid out like `assets/`: `knowledge/`, `course.yaml`, `figures/`.
DATA_ENV = "NEUROPATHY_COURSE_DATA"

_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The project checkout the package runs from (an editable install), or None from a wheel."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "assets" / "course.yaml").is_file():
        return root
    return None


def _shipped(name: str, checkout_subdir: str) -> Path:
    root = checkout_root()
    if root is not None:
        return root / checkout_subdir
    spec = importlib.util.find_spec(f"neuropathy_massage.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the installed package has no {name!r} folder: reinstall it")
    return Path(list(spec.submodule_search_locations)[0])


def package_assets() -> Path:
    """The course's own `assets/`."""
    return _shipped("assets", "assets")


def assets_dir() -> Path:
    """`NEUROPATHY_COURSE_DATA` when it is set, else the course's own assets."""
    override = os.environ.get(DATA_ENV, "").strip()
    return Path(override).expanduser().resolve() if override else package_assets()


def knowledge_dir(assets: Path | None = None) -> Path:
    return Path(assets or assets_dir()) / "knowledge"


def course_file(assets: Path | None = None) -> Path:
    return Path(assets or assets_dir()) / "course.yaml"


def figures_dir(assets: Path | None = None) -> Path:
    return Path(assets or assets_dir()) / "figures"


def notebooks_dir() -> Path:
    """The course's own notebooks."""
    return _shipped("notebooks", "notebooks")


def voila_data_dir() -> Path:
    """The Jupyter data folder holding `voila/templates/course` (put first on JUPYTER_PATH)."""
    return _shipped("share", "share") / "jupyter"


def server_config_dir() -> Path:
    """The folder holding `jupyter_server_config.py` for Voila as a server extension (put it on
    JUPYTER_CONFIG_PATH; the hub does so for every learner's server)."""
    return _shipped("config", "config")
