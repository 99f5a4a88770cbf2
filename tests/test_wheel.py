"""The package works installed: build the wheel, install it into a fresh virtual environment
outside the checkout, and run `catalog` and `check` from there. Data, figures, templates,
notebooks and the Voila template all travel inside the wheel (neuropathy_massage/paths.py).

The fresh environment takes the package from the wheel only (`--no-deps`); its dependencies
(pydantic, Jinja2, ipywidgets, ...) are borrowed from the test run's own environment through a
path file, so the test needs no network and stays fast. The outer environment's editable install
is not active there: the test checks the package is imported from the fresh environment.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The wheel, built from a copy of the checkout (setuptools writes build/ into the tree it builds)."""
    source = tmp_path_factory.mktemp("source") / "course"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "test-artifacts", "__pycache__", ".ipynb_checkpoints", "results"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = next(out.glob("neuropathy_massage_course-*.whl"))
    return wheel, result.stdout + result.stderr


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    wheel, _ = built
    home = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=False).create(home / "venv")
    python = home / "venv" / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                             "--target", str(purelib), str(wheel)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    borrowed = [p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()]
    (purelib / "zz_borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
    return python, home


def run(installed, *args: str) -> subprocess.CompletedProcess:
    python, home = installed
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=home, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(home)})


def test_the_wheel_carries_the_course(built):
    wheel, _ = built
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("neuropathy_massage/assets/course.yaml", "neuropathy_massage/assets/knowledge/conditions.yaml",
                     "neuropathy_massage/assets/figures/body_map.svg", "neuropathy_massage/ui/templates/plan.html.j2",
                     "neuropathy_massage/ui/static/views.css", "neuropathy_massage/ui/body_map.js",
                     "neuropathy_massage/share/jupyter/voila/templates/course/index.html.j2",
                     "neuropathy_massage/share/jupyter/lab/settings/overrides.json",
                     "neuropathy_massage/config/jupyter_server_config.py"):
        assert expected in names, expected
    course = [n for n in names if n.startswith("neuropathy_massage/notebooks/") and n.endswith(".ipynb")]
    assert len(course) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]


def test_building_prints_no_deprecation_warning(built):
    _, log = built
    assert "deprecat" not in log.lower(), log[-2000:]


def test_catalog_runs_from_the_installed_wheel(installed):
    where = run(installed, "-c", "import neuropathy_massage, neuropathy_massage.paths as p; "
                                 "print(neuropathy_massage.__file__); print(p.checkout_root())")
    assert where.returncode == 0, where.stderr
    package_file, root = where.stdout.splitlines()
    assert str(installed[1]) in package_file and str(ROOT) not in package_file
    assert root == "None", "the installed package must not find its data through the checkout"
    result = run(installed, "-m", "neuropathy_massage", "catalog")
    assert result.returncode == 0, result.stderr
    assert {"symptom", "region", "condition", "technique", "routine"} <= {row["kind"] for row in json.loads(result.stdout)}


def test_check_runs_from_the_installed_wheel(installed):
    result = run(installed, "-m", "neuropathy_massage", "check")
    assert result.returncode == 0, result.stderr
    assert "The course data and notebooks are consistent." in result.stdout
    assert str(ROOT) not in result.stdout


def test_a_lesson_renders_from_the_installed_wheel(installed):
    result = run(installed, "-c", "from neuropathy_massage.ui.lesson import LessonPage; "
                                  "from neuropathy_massage.course import load_course; "
                                  "c = load_course(); print(LessonPage(c.of_kind(\"technique\")[0].id).technique_card().html[:200])")
    assert result.returncode == 0, result.stderr
    assert "nm-technique" in result.stdout
