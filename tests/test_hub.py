"""The hub's configuration and its command's own checks (neuropathy_massage/hub.py), without a
browser. The hub serving learners is tested in tests/browser/test_hub.py."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuropathy_massage import paths
from neuropathy_massage.course import load_course
from neuropathy_massage.hub import (
    CULLER,
    MEMORY_LIMIT,
    PASSWORD_ENV,
    HubSettings,
    hub_config,
    is_loopback,
    settings_from_args,
)
from neuropathy_massage.server_extension import PROFILE_ENV
from neuropathy_massage.voila_config import SettingError

COURSE = load_course()


def hub(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    return subprocess.run([sys.executable, "-m", "neuropathy_massage", "hub", *args], capture_output=True,
                          text=True, timeout=60, env={**environ, **(env or {})})


def settings(tmp_path: Path, **over) -> HubSettings:
    return HubSettings(**{"password": "a-class-password", "state_dir": tmp_path, "proxy": "/bin/true", **over})


def test_learners_land_on_the_course_home_with_the_course_config(tmp_path):
    c = hub_config(settings(tmp_path))
    assert c.Spawner.default_url == f"/voila/render/{COURSE.home.file}"
    assert c.Spawner.notebook_dir == str(paths.notebooks_dir())
    env = c.Spawner.environment
    assert env["JUPYTER_CONFIG_PATH"] == str(paths.server_config_dir())
    assert (paths.server_config_dir() / "jupyter_server_config.py").is_file()
    assert env["JUPYTER_PATH"] == str(paths.voila_data_dir()) and env[PROFILE_ENV] == "dashboards"
    assert c.Spawner.mem_limit == MEMORY_LIMIT


def test_one_class_password_and_state_out_of_the_working_folder(tmp_path):
    c = hub_config(settings(tmp_path))
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "a-class-password"
    assert c.Authenticator.allow_all is True
    for path in (c.JupyterHub.pid_file, c.ConfigurableHTTPProxy.pid_file, c.JupyterHub.cookie_secret_file):
        assert Path(path).parent == tmp_path.resolve(), path
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path.resolve() / 'jupyterhub.sqlite'}"
    assert c.JupyterHub.hub_ip == "127.0.0.1" and c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")


def test_idle_servers_are_culled_by_a_hub_service(tmp_path):
    c = hub_config(settings(tmp_path, cull_timeout=600))
    (service,) = c.JupyterHub.services
    assert service["name"] == CULLER and "--timeout=600" in service["command"]
    assert "jupyterhub_idle_culler" in service["command"]
    (role,) = c.JupyterHub.load_roles
    assert role["services"] == [CULLER]
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}


def test_the_lab_profile_gives_each_learner_a_copy(tmp_path):
    c = hub_config(settings(tmp_path, profile="lab"))
    assert c.Spawner.notebook_dir == "~/notebooks" and c.Spawner.environment[PROFILE_ENV] == "lab"
    spawner = argparse.Namespace(user=argparse.Namespace(name="ada", id=1))
    c.Spawner.pre_spawn_hook(spawner)
    copied = tmp_path.resolve() / "homes" / "ada" / "notebooks"
    assert sorted(p.name for p in copied.glob("*.ipynb")) == sorted(p.name for p in paths.notebooks_dir().glob("*.ipynb"))


def test_the_runtime_folder_fits_unix_sockets(tmp_path):
    from neuropathy_massage.kernels import ipc_transport_fits

    runtime = hub_config(settings(tmp_path / ("long" * 20))).Spawner.environment["JUPYTER_RUNTIME_DIR"]
    folder = runtime(argparse.Namespace(user=argparse.Namespace(name="x" * 60, id=12345)))
    assert ipc_transport_fits(folder)


@pytest.mark.parametrize("over, message", [
    (dict(password="short"), f"{PASSWORD_ENV} must be 8 to 256 characters long, not 5"),
    (dict(profile="admin"), "--profile must be one of dashboards, lab, not 'admin'"),
    (dict(cull_timeout=5), "--cull-timeout must be between 60 and 86400, not 5"),
    (dict(port=8001), "--port, --api-port and --proxy-api-port must be three different ports"),
])
def test_settings_out_of_range_are_errors_naming_the_setting(tmp_path, over, message):
    with pytest.raises(SettingError) as err:
        settings(tmp_path, **over)
    assert str(err.value) == message


def test_a_password_is_made_up_on_loopback_only(tmp_path):
    args = argparse.Namespace(host="127.0.0.1", port=8000, profile="dashboards", state=str(tmp_path),
                              cull_timeout=1800, proxy="/bin/true", api_port=8081, proxy_api_port=8001)
    made, made_up = settings_from_args(args, environ={})
    assert made_up and len(made.password) >= 8
    given, made_up = settings_from_args(args, environ={PASSWORD_ENV: "our-class-2026"})
    assert not made_up and given.password == "our-class-2026"
    args.host = "0.0.0.0"
    with pytest.raises(SettingError, match=f"{PASSWORD_ENV} is not set"):
        settings_from_args(args, environ={})
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("192.0.2.1")


def test_hub_refuses_to_start_beyond_loopback_without_a_password():
    result = hub("--host", "0.0.0.0")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {PASSWORD_ENV} is not set")


def test_hub_names_a_short_password_in_one_line():
    result = hub(env={PASSWORD_ENV: "abc"})
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {PASSWORD_ENV} must be 8 to 256 characters long, not 3"
