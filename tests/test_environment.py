"""environment.yml (conda / Binder) installs exactly pyproject.toml's run-time dependencies and its
`hub` extra, with a Python that repo2docker reads and pyproject.toml allows."""

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
    """The run-time dependencies and the `hub` extra (the image Zero to JupyterHub runs)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    return project["dependencies"] + project["optional-dependencies"]["hub"]


def test_the_hub_extra_is_also_tested():
    with open(ROOT / "pyproject.toml", "rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    assert set(extras["hub"]) <= set(extras["test"]), "the test extra must install what the hub needs"


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
    assert any(d.startswith("python") for d in conda)
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


def test_binder_builds_a_python_pyproject_allows(environment):
    """repo2docker reads the version only from `python=X.Y` (its regex needs `=` right after
    `python`); anything else builds its default. The pinned version must satisfy requires-python."""
    import re

    with open(ROOT / "pyproject.toml", "rb") as f:
        requires = tomllib.load(f)["project"]["requires-python"]
    specs = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(specs) == 1
    match = re.match(r"python\s*=+\s*([\d.]*)$", specs[0])
    assert match and match.group(1), f"repo2docker cannot read the Python version from {specs[0]!r}"
    floor = tuple(int(x) for x in requires.removeprefix(">=").split("."))
    assert tuple(int(x) for x in match.group(1).split(".")[:2]) >= floor, (specs[0], requires)
