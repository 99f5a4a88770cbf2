"""Voila as a Jupyter server extension (neuropathy_massage/server_extension.py): the configuration
equals `serve`'s where Voila allows it, the two learner profiles, the dashboards-only locks, and
the kernel manager's real-folder Unix-socket check and its stop during start-up."""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from traitlets.config import Config, PyFileConfigLoader

from neuropathy_massage import paths
from neuropathy_massage.kernels import HandOutGraceKernelManager, ipc_transport_fits
from neuropathy_massage.server_extension import KERNELS_PER_LEARNER
from neuropathy_massage.voila_config import MAX_WS_MESSAGE
from neuropathy_massage.pages import CoursePages
from neuropathy_massage.server_extension import (
    PROFILE_ENV,
    VOILA_MESSAGE_TYPES,
    DashboardsOnlyAuthorizer,
    VoilaOnlyWebsocketConnection,
    incoming_msg_type,
    profile_from_env,
    server_extension_config,
)
from neuropathy_massage.voila_config import ServeSettings, SettingError, voila_config


def run_in_thread(coro_fn):
    """asyncio.run in a thread of its own (Playwright keeps a loop in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


# --------------------------------------------------------------------------- the configuration


def test_the_pages_and_culling_are_those_of_serve():
    c, standalone = server_extension_config(profile="dashboards"), voila_config(ServeSettings())
    for key in ("template", "theme", "strip_sources", "show_tracebacks", "classic_tree"):
        assert c.VoilaConfiguration[key] == standalone.VoilaConfiguration[key], key
    assert isinstance(c.VoilaConfiguration.page_config_hook, CoursePages)
    assert c.VoilaExecutor.show_tracebacks is False
    assert c.MappingKernelManager.cull_idle_timeout == standalone.MappingKernelManager.cull_idle_timeout
    assert c.MappingKernelManager.cull_connected is False
    assert c.VoilaConfiguration.preheat_kernel is False, "pre-heating exists only in standalone Voila"


def test_the_course_kernel_manager_no_cdn_and_no_overrides():
    c = server_extension_config(profile="dashboards")
    assert c.ServerApp.kernel_manager_class == "neuropathy_massage.admission.CourseKernelManager"
    assert c.CourseKernelManager.hand_out_grace > 0 and c.CourseKernelManager.max_kernels == KERNELS_PER_LEARNER
    assert c.KernelRestarter.restart_limit == 0
    # Keys present with None: Voila's page then uses its bundled MathJax, not the CDN default.
    settings = c.ServerApp.tornado_settings
    assert settings["mathjax_url"] is None and settings["mathjax_config"] is None
    assert settings["websocket_max_message_size"] == MAX_WS_MESSAGE
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.VoilaConfiguration.allow_theme_override == "NO"
    assert c.ServerApp.terminals_enabled is False


def test_dashboards_only_turns_off_everything_but_voila():
    c = server_extension_config(profile="dashboards")
    extensions = c.ServerApp.jpserver_extensions
    assert extensions["voila.server_extension"] is True
    assert not any(extensions[name] for name in ("jupyterlab", "notebook", "jupyter_server_terminals"))
    assert tuple(c.MappingKernelManager.allowed_message_types) == VOILA_MESSAGE_TYPES
    assert "execute_request" not in VOILA_MESSAGE_TYPES
    assert c.ServerApp.kernel_websocket_connection_class.endswith("VoilaOnlyWebsocketConnection")
    assert c.ServerApp.authorizer_class.endswith("DashboardsOnlyAuthorizer")


def test_the_lab_profile_keeps_jupyterlab_off_the_internet():
    c = server_extension_config(profile="lab")
    assert "jpserver_extensions" not in c.ServerApp and "authorizer_class" not in c.ServerApp
    assert c.LabApp.news_url is None and c.LabApp.extension_manager == "readonly"
    overrides = json.loads((Path(c.LabApp.app_settings_dir) / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert c.ServerApp.terminals_enabled is False


def test_the_profile_comes_from_the_environment_and_is_checked():
    assert profile_from_env({}) == "dashboards"
    assert profile_from_env({PROFILE_ENV: "lab"}) == "lab"
    with pytest.raises(SettingError, match=f"{PROFILE_ENV} must be one of dashboards, lab, not 'admin'"):
        profile_from_env({PROFILE_ENV: "admin"})


@pytest.mark.parametrize("profile", ["dashboards", "lab"])
def test_the_config_file_loads_the_same_configuration(monkeypatch, profile):
    monkeypatch.setenv(PROFILE_ENV, profile)
    loaded = PyFileConfigLoader("jupyter_server_config.py", str(paths.server_config_dir())).load_config()
    assert loaded.ServerApp.kernel_manager_class == "neuropathy_massage.admission.CourseKernelManager"
    assert ("authorizer_class" in loaded.ServerApp) == (profile == "dashboards")


# --------------------------------------------------------------------------- the two locks


class _Connection(VoilaOnlyWebsocketConnection):
    """The filter without a server: what it forwards is recorded."""

    subprotocol = None
    session = None

    def __init__(self):  # noqa: D401 - no traitlets set-up needed
        self.forwarded = []
        self._log = SimpleNamespace(warning=lambda *a: None)

    @property
    def log(self):
        return self._log


def _message(msg_type: str) -> str:
    return json.dumps({"header": {"msg_type": msg_type, "msg_id": "1"}, "parent_header": {}, "metadata": {},
                       "content": {}, "channel": "shell"})


def test_the_websocket_forwards_only_what_voila_forwards(monkeypatch):
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "handle_incoming_message",
                        lambda self, msg: self.forwarded.append(json.loads(msg)["header"]["msg_type"]))
    connection = _Connection()
    for msg_type in ("execute_request", "comm_msg", "inspect_request", "kernel_info_request", "debug_request"):
        connection.handle_incoming_message(_message(msg_type))
    connection.handle_incoming_message("not json")
    assert connection.forwarded == ["comm_msg", "kernel_info_request"]
    assert incoming_msg_type(_message("comm_open"), None, None) == "comm_open"


def test_the_dashboards_server_is_read_only():
    authorizer = DashboardsOnlyAuthorizer()
    handler = SimpleNamespace(request=SimpleNamespace(method="PUT", path="/api/contents/x.ipynb"))
    assert authorizer.is_authorized(handler, None, "read", "contents")
    assert authorizer.is_authorized(handler, None, "execute", "kernels")  # the page's own websocket
    for action, resource in (("write", "contents"), ("write", "kernels"), ("write", "sessions"),
                             ("execute", "terminals"), ("write", "config"), ("write", "server")):
        assert not authorizer.is_authorized(handler, None, action, resource), (action, resource)


# --------------------------------------------------------------------------- kernels


def _manager(connection_dir: Path) -> HandOutGraceKernelManager:
    config = Config()
    config.KernelManager.transport = "ipc"
    connection_dir.mkdir(parents=True, exist_ok=True)
    return HandOutGraceKernelManager(config=config, connection_dir=str(connection_dir), root_dir=str(connection_dir))


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets")
def test_a_kernel_stays_on_tcp_when_its_socket_path_would_be_too_long(tmp_path):
    """The check looks at the folder the connection file is really in, per kernel: a long
    folder (a server's runtime dir under a long home) must not kill the kernel."""
    long_dir = tmp_path / ("d" * 70)
    assert not ipc_transport_fits(str(long_dir)) and ipc_transport_fits("/tmp")

    async def start_and_ask(manager):
        kernel_id = await manager.start_kernel()
        km = manager.get_kernel(kernel_id)
        try:
            client = km.client()
            client.start_channels()
            reply = await asyncio.wait_for(client.kernel_info(reply=True), timeout=60)
            client.stop_channels()
            return km.transport, reply["content"]["status"]
        finally:
            await manager.shutdown_all(now=True)

    assert run_in_thread(lambda: start_and_ask(_manager(long_dir))) == ("tcp", "ok")


def test_stopping_while_kernels_start_leaves_none_behind(tmp_path):
    """shutdown_all waits for kernels still starting (a stop during pre-heating used to end
    in "Kernel does not exist" and a traceback)."""
    import psutil

    async def stop_early(manager):
        before = {p.pid for p in psutil.Process().children(recursive=True)}
        starting = [asyncio.ensure_future(manager.start_kernel()) for _ in range(2)]
        for _ in range(100):  # until both are being launched (the short window of the failure)
            await asyncio.sleep(0)
            if len(manager._pending_kernels) == 2:
                break
        pending = len(manager._pending_kernels)
        await manager.shutdown_all()
        await asyncio.gather(*starting, return_exceptions=True)
        await asyncio.sleep(0.5)
        left = [p for p in psutil.Process().children(recursive=True)
                if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
        return pending, manager.list_kernel_ids(), left

    pending, kernel_ids, left = run_in_thread(lambda: stop_early(_manager(tmp_path / "k")))
    assert pending == 2, "the stop came after the kernels had started: the test proves nothing"
    assert kernel_ids == [] and left == []
