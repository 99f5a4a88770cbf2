"""environment.yml (conda / Binder) installs exactly pyproject.toml's run-time dependencies."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project_dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["dependencies"]


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _pip_list(environment: dict) -> list[str]:
    lists = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(lists) == 1, "environment.yml needs exactly one `pip:` list"
    return lists[0]


def test_environment_names_and_channels(environment):
    assert environment["name"] == "neuropathy-massage"
    assert environment["channels"] == ["conda-forge"]
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert "python>=3.10" in conda
    assert "pip" in conda


def test_pip_dependencies_match_pyproject(environment, project_dependencies):
    pip = [d for d in _pip_list(environment) if d != "-e ."]
    assert len(pip) == len(set(pip)), "a dependency is listed twice in environment.yml"
    assert sorted(pip) == sorted(project_dependencies), (
        f"only in environment.yml: {sorted(set(pip) - set(project_dependencies))}; "
        f"only in pyproject.toml: {sorted(set(project_dependencies) - set(pip))}"
    )


def test_binder_installs_the_package_from_the_checkout(environment):
    assert "-e ." in _pip_list(environment)


def test_python_floor_matches_pyproject(environment):
    with open(ROOT / "pyproject.toml", "rb") as f:
        requires = tomllib.load(f)["project"]["requires-python"]
    assert f"python{requires}" in environment["dependencies"]
