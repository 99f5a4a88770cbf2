"""deploy/zero-to-jupyterhub/values.yaml parses, and names only settings the course's own hub
configuration (neuropathy_massage/hub.py) also uses, with the same values, so the Kubernetes
deployment and `make hub` cannot drift apart. Docs that give the Binder link and the capacity
use the course's own figures.

Every leaf of the values file is either a `hub.config` Class.trait (the chart passes those to
JupyterHub unchanged), a chart key mapped below to the hub configuration trait it sets, or one of
the few settings that exist only on Kubernetes (KUBERNETES_ONLY, each with its reason). The
chart's own schema cannot be checked here (helm is not installable on this machine, the chart
is not packaged); docs/DEPLOY.md records the check made against chart 4.4.0's schema.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
import yaml

from neuropathy_massage import hub as course_hub
from neuropathy_massage.course import load_course
from neuropathy_massage.hub import HubSettings, hub_config

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "deploy" / "zero-to-jupyterhub" / "values.yaml"
COURSE = load_course()

#: Chart keys that have no counterpart in a hub on one machine, and why.
KUBERNETES_ONLY = {
    "singleuser.image.name": "the image built by repo2docker; the local hub runs this checkout's environment",
    "singleuser.image.tag": "the image's version",
    "singleuser.storage.type": "Kubernetes volumes; the local hub's homes are folders under its state",
}


class _Strict(yaml.SafeLoader):
    pass


def _no_duplicates(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    duplicated = {k for k in keys if keys.count(k) > 1}
    if duplicated:
        raise yaml.constructor.ConstructorError(None, None, f"duplicate key(s) {sorted(duplicated)}", node.start_mark)
    return loader.construct_mapping(node, deep)


_Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def leaves(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not path.endswith("extraEnv"):
            out.update(leaves(value, path + "."))
        else:
            out[path] = value
    return out


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.load(VALUES.read_text(encoding="utf-8"), Loader=_Strict)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    return hub_config(HubSettings(password="checking-only", state_dir=tmp_path_factory.mktemp("state"),
                                  proxy="configurable-http-proxy"))


def culler_arg(hub, name: str) -> int:
    (service,) = hub.JupyterHub.services
    (arg,) = [a for a in service["command"] if a.startswith(f"--{name}=")]
    return int(arg.split("=", 1)[1])


def chart_to_hub(hub) -> dict:
    """Chart key -> (the hub configuration's value, how the chart's value must relate to it)."""
    equal = lambda ours: (lambda theirs: theirs == ours)  # noqa: E731
    env = hub.Spawner.environment
    return {
        "singleuser.cmd": (hub.Spawner.cmd, lambda theirs: theirs == "jupyterhub-singleuser"
                           and hub.Spawner.cmd[-2:] == ["-m", "jupyterhub.singleuser"]),
        "singleuser.extraEnv": (env, lambda theirs: all(env.get(k) == v for k, v in theirs.items())),
        "singleuser.memory.guarantee": (hub.Spawner.mem_guarantee, equal(hub.Spawner.mem_guarantee)),
        "singleuser.memory.limit": (hub.Spawner.mem_limit, equal(hub.Spawner.mem_limit)),
        "cull.enabled": (bool(hub.JupyterHub.services), lambda theirs: theirs is True and bool(hub.JupyterHub.services)),
        "cull.timeout": (culler_arg(hub, "timeout"), equal(culler_arg(hub, "timeout"))),
        "cull.every": (culler_arg(hub, "cull-every"), equal(culler_arg(hub, "cull-every"))),
    }


def test_the_values_parse_as_a_mapping(values):
    assert set(values) == {"hub", "singleuser", "cull"}
    assert values["singleuser"]["image"]["name"] and values["singleuser"]["image"]["tag"]


def test_every_value_is_a_setting_of_the_course_hub(values, hub):
    mapped = chart_to_hub(hub)
    unknown = []
    for key, theirs in leaves(values).items():
        if key.startswith("hub.config."):
            section, trait = key.removeprefix("hub.config.").split(".", 1)
            assert trait in hub[section], f"{key}: the course's hub configuration does not set {section}.{trait}"
            ours = hub[section][trait]
            if (section, trait) == ("SharedPasswordAuthenticator", "user_password"):
                assert theirs is None, "the class password must not be written in the values file"
            elif (section, trait) == ("Spawner", "notebook_dir"):
                assert PurePosixPath(theirs).name == Path(ours).name == "notebooks", (theirs, ours)
            else:
                assert theirs == ours, f"{key} is {theirs!r}; the course's hub has {ours!r}"
        elif key in mapped:
            ours, agrees = mapped[key]
            assert agrees(theirs), f"{key} is {theirs!r}; the course's hub has {ours!r}"
        elif key not in KUBERNETES_ONLY:
            unknown.append(key)
    assert not unknown, f"settings the course's hub configuration does not use: {unknown}"


def test_learners_land_on_the_course_home(values, hub):
    assert values["hub"]["config"]["Spawner"]["default_url"] == f"/voila/render/{COURSE.home.file}"
    assert values["singleuser"]["memory"]["limit"] == course_hub.MEMORY_LIMIT


def test_the_binder_link_opens_the_course_home():
    deploy = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    assert f"urlpath=voila/render/notebooks/{COURSE.home.file}" in deploy
    assert course_hub.MEMORY_GUARANTEE in deploy and course_hub.MEMORY_LIMIT in deploy
