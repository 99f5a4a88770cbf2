"""Serving without a browser: the Voila configuration the one launcher builds, the page-config
hook's titles and navigation (from the course model), and `serve`'s own checks."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from neuropathy_massage import paths
from neuropathy_massage.course import load_course, read_course
from neuropathy_massage.launch import build_env, course_url, port_in_use
from neuropathy_massage.pages import UNLISTED_TITLE, CoursePages, course_navigation
from neuropathy_massage.voila_config import (
    DEFAULT_EXPLORER_POOL,
    ServeSettings,
    SettingError,
    voila_config,
)

COURSE = load_course()
DASHBOARD = COURSE.of_kind("dashboard")[0]


def serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuropathy_massage", "serve", *args],
                          capture_output=True, text=True, timeout=60)


# --------------------------------------------------------------------------- the configuration


def test_the_configuration_serves_the_course_safely():
    c = voila_config(ServeSettings())
    assert c.VoilaConfiguration.template == "course"
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False and c.VoilaExecutor.show_tracebacks is False
    assert c.VoilaConfiguration.preheat_kernel is True
    assert c.MappingKernelManager.cull_idle_timeout > 0 and c.MappingKernelManager.cull_connected is False
    assert isinstance(c.VoilaConfiguration.page_config_hook, CoursePages)
    assert c.Voila.config_file_paths == [], "no configuration file is read: a stray voila.json cannot change it"
    assert c.Voila.ip == "127.0.0.1" and c.Voila.port_retries == 0


def test_the_dashboard_pool_is_keyed_by_the_course_model():
    pools = voila_config(ServeSettings()).VoilaKernelManager.kernel_pools_config
    assert pools[DASHBOARD.file] == {"pool_size": DEFAULT_EXPLORER_POOL} and pools["default"] == {"pool_size": 1}
    c = voila_config(ServeSettings(class_size=30))
    assert c.VoilaKernelManager.kernel_pools_config[DASHBOARD.file] == {"pool_size": 30}
    assert c.VoilaKernelManager.fill_delay == 120
    # otherwise the refill waits until the page that took the kernel has loaded
    assert voila_config(ServeSettings()).VoilaKernelManager.fill_delay == REFILL_DELAY_S >= 5


@pytest.mark.parametrize("settings, message", [
    (dict(class_size=0), "--class-size must be between 1 and 200, not 0"),
    (dict(class_size=999), "--class-size must be between 1 and 200, not 999"),
    (dict(slow_page_seconds=0), "--slow-page-seconds must be between 1 and 3600, not 0"),
    (dict(port=70000), "--port must be between 1 and 65535, not 70000"),
])
def test_settings_out_of_range_are_errors_naming_the_setting(settings, message):
    with pytest.raises(SettingError, match=message.replace("-", r"\-")):
        ServeSettings(**settings)


def test_build_env_puts_the_template_first():
    env = build_env({"JUPYTER_PATH": "/elsewhere", "PATH": "/bin"})
    assert env["JUPYTER_PATH"].split(":")[0] == str(paths.voila_data_dir())
    assert env["JUPYTER_PATH"].endswith("/elsewhere")
    assert (paths.voila_data_dir() / "voila" / "templates" / "course" / "conf.json").is_file()
    assert build_env({}, assets=paths.package_assets())[paths.DATA_ENV] == str(paths.package_assets())


def test_course_url():
    assert course_url("127.0.0.1", 8866, COURSE.home.file) == f"http://127.0.0.1:8866/voila/render/{COURSE.home.file}"
    assert course_url("0.0.0.0", 9000, "x.ipynb").startswith("http://127.0.0.1:9000/")


# --------------------------------------------------------------------------- titles and navigation


def test_navigation_follows_the_course_model():
    for i, lesson in enumerate(COURSE.lessons):
        nav = course_navigation(COURSE, lesson.file, "/base/")
        assert nav["pageTitle"] == lesson.title and nav["courseTitle"] == COURSE.title
        assert nav["home"]["href"] == f"/base/voila/render/{COURSE.home.file}"
        assert nav["isHome"] == (i == 0)
        assert (nav["previous"] or {}).get("id") == (COURSE.lessons[i - 1].id if i else None)
        assert (nav["next"] or {}).get("id") == (COURSE.lessons[i + 1].id if i + 1 < len(COURSE.lessons) else None)
    assert [x["id"] for x in nav["lessons"]] == [lesson.id for lesson in COURSE.lessons]


def test_a_page_in_a_sub_folder_links_lessons_beside_it():
    nav = course_navigation(COURSE, f"class_a/{COURSE.lessons[1].file}")
    assert nav["next"]["href"] == f"/voila/render/class_a/{COURSE.lessons[2].file}"


def test_a_notebook_the_course_does_not_list_gets_no_lesson_navigation():
    nav = course_navigation(COURSE, "scratch.ipynb")
    assert nav["pageTitle"] == UNLISTED_TITLE and not nav["listed"] and nav["previous"] is None
    assert course_navigation(COURSE, "")["pageTitle"] == "Contents"


def test_titles_come_from_the_model_not_the_notebook(assets_copy):
    """A lesson retitled in course.yaml is retitled everywhere, whatever its notebook says."""
    path = assets_copy / "course.yaml"
    lesson = COURSE.lessons[2]
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {lesson.title}", "title: A new title", 1),
                    encoding="utf-8")
    course = read_course(assets_copy)
    assert course_navigation(course, lesson.file)["pageTitle"] == "A new title"
    assert course_navigation(course, COURSE.lessons[1].file)["next"]["title"] == "A new title"


def test_the_hook_adds_the_course_and_never_raises():
    hook = CoursePages(COURSE, 45)
    config = hook({"a": 1}, notebook_path=COURSE.home.file, base_url="/")
    assert config["a"] == 1 and config["course"]["isHome"] and config["course"]["slowPageSeconds"] == 45
    assert hook({"a": 1}, settings=None, notebook_path=None, base_url=None, log=None)["a"] == 1


# --------------------------------------------------------------------------- serve's own checks


def test_serve_refuses_a_bad_setting_in_one_line():
    result = serve("--class-size", "0")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "error: --class-size must be between 1 and 200, not 0"


def test_serve_refuses_a_missing_folder_in_one_line(tmp_path):
    result = serve("--notebooks", str(tmp_path / "missing"))
    assert result.returncode == 2 and result.stderr.strip().startswith("error: notebook folder not found")


def test_serve_names_port_before_printing_a_url_when_the_port_is_taken():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        result = serve("--port", str(port))
    assert result.returncode == 2 and "Open the course" not in result.stdout
    assert result.stderr.strip() == (f"error: port {port} is already in use on 127.0.0.1: stop whatever uses it, "
                                     "or choose another with --port")


def test_serve_refuses_broken_course_data(assets_copy):
    (assets_copy / "course.yaml").write_text("title: x\nlessons: not a list\n", encoding="utf-8")
    result = serve("--data", str(assets_copy))
    assert result.returncode == 2 and result.stderr.startswith("error in the course data: course.yaml:")


# --------------------------------------------------------------------------- abuse and failure (docs/SECURITY.md)

from neuropathy_massage.launch import TOKEN_ALPHABET, TOKEN_LENGTH, announce, classroom_token, is_loopback  # noqa: E402
from neuropathy_massage.pages import is_private  # noqa: E402
from neuropathy_massage.voila_config import CAP_GROUP, MAX_WS_MESSAGE, REFILL_DELAY_S, cap_for  # noqa: E402


def test_the_configuration_resists_abuse():
    c = voila_config(ServeSettings())
    vc = c.VoilaConfiguration
    assert vc.allow_template_override == "NO" and vc.allow_theme_override == "NO"
    assert vc.file_allowlist == [] and vc.file_denylist == [r".*"]
    assert c.VoilaKernelManager.preheat_denylist == [r"(.*/)?[._]"]
    assert vc.multi_kernel_manager_class == "neuropathy_massage.admission.CourseKernelManager"
    assert c.KernelRestarter.restart_limit == 0, "a killed kernel must be reported dead, not silently replaced"
    assert c.MappingKernelManager.allow_tracebacks is False
    assert c.Voila.tornado_settings["websocket_max_message_size"] == MAX_WS_MESSAGE
    assert c.Voila.tornado_settings["ws_ping_timeout"] > 0
    assert c.PasswordIdentityProvider.allow_password_change is False
    assert "token" not in c.Voila
    assert voila_config(ServeSettings(token="classroom42")).Voila.token == "classroom42"


def test_the_environment_cannot_change_the_configuration(monkeypatch):
    """The old config file read NEUROPATHY_COURSE_EXPLORER_POOL and, on 'abc', Voila served without
    the course's configuration at all. Settings now come only from `serve`'s checked flags."""
    plain = voila_config(ServeSettings())
    monkeypatch.setenv("NEUROPATHY_COURSE_EXPLORER_POOL", "abc")
    monkeypatch.setenv("NEUROPATHY_COURSE_SLOW_PAGE_SECONDS", "<script>")
    assert voila_config(ServeSettings()).VoilaKernelManager.kernel_pools_config == plain.VoilaKernelManager.kernel_pools_config


def test_the_kernel_cap_leaves_room_for_the_class():
    pools = len(COURSE.lessons) - 1 + DEFAULT_EXPLORER_POOL
    assert cap_for(ServeSettings(), COURSE) == pools + 2 * CAP_GROUP
    assert cap_for(ServeSettings(class_size=30), COURSE) == len(COURSE.lessons) - 1 + 30 + 60
    assert cap_for(ServeSettings(max_kernels=7), COURSE) == 7
    assert voila_config(ServeSettings(max_kernels=7)).CourseKernelManager.max_kernels == 7
    with pytest.raises(SettingError, match="--max-kernels must be between 1 and 1000"):
        ServeSettings(max_kernels=0)
    with pytest.raises(SettingError, match="--connect-grace must be between 5 and 600"):
        ServeSettings(connect_grace=1)


def test_a_token_is_required_beyond_this_computer():
    assert classroom_token("127.0.0.1", None) == "" and classroom_token("localhost", None) == ""
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        token = classroom_token(host, None)
        assert len(token) == TOKEN_LENGTH and set(token) <= set(TOKEN_ALPHABET), host
    assert classroom_token("0.0.0.0", None) != classroom_token("0.0.0.0", None)
    assert classroom_token("0.0.0.0", "classroom42") == "classroom42"
    for bad in ("short", "has space 42", "nön-ascii-tok"):
        with pytest.raises(SettingError, match="--token"):
            classroom_token("0.0.0.0", bad)
    assert is_loopback("::1") and not is_loopback("0.0.0.0")


def test_serve_tells_the_trainer_the_url_with_its_token_and_a_short_form():
    lines = announce(ServeSettings(host="0.0.0.0", token="classroom42"), COURSE.home.file, 52)
    assert any(line.startswith("Open the course at: http://") and line.endswith("?token=classroom42") for line in lines)
    assert any(line.startswith("For the board: ") and "token classroom42" in line for line in lines)
    assert any("at most 52 pages" in line for line in lines)
    plain = announce(ServeSettings(), COURSE.home.file, 52)
    assert not any("token" in line for line in plain)


def test_private_paths_are_refused_by_the_hook():
    from tornado.web import HTTPError

    hook = CoursePages(COURSE, 45)
    for path in ("_draft.ipynb", ".hidden.ipynb", "_private/x.ipynb", ".git", "a/.b/c.ipynb"):
        assert is_private(path), path
        with pytest.raises(HTTPError) as info:
            hook({}, notebook_path=path, base_url="/")
        assert info.value.status_code == 404
    assert not is_private(COURSE.home.file) and not is_private("class_a/home.ipynb")


def test_the_navigation_escapes_titles_in_the_page_template(assets_copy):
    """The notebook page's Jinja environment (nbconvert's) does not autoescape: the course's
    header must escape every title itself."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(paths.voila_data_dir() / "voila" / "templates" / "course")))
    path = assets_copy / "course.yaml"
    lesson = COURSE.lessons[2]
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {lesson.title}", "title: <img src=x onerror=alert(1)><b>open", 1),
                    encoding="utf-8")
    nav = course_navigation(read_course(assets_copy), COURSE.lessons[1].file)
    html = env.get_template("course_macros.html.j2").module.header(nav, "/")
    assert "<img" not in html and "<b>" not in html and "&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;open" in html


# --------------------------------------------------------------------------- a quiet, honest serve (issue 13, item 8)

import logging  # noqa: E402
import time  # noqa: E402

import psutil  # noqa: E402

from neuropathy_massage.launch import ServerProcess  # noqa: E402

#: What `serve` prints on a good start: its own three lines (where, the URL, how to stop).
START_LINES = 3


def test_routine_voila_lines_are_kept_out_of_the_terminal_but_warnings_are_not():
    from neuropathy_massage.voila_app import ROUTINE_MESSAGES, QuietStart

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    for level, expect_routine in ((logging.INFO, False), (logging.DEBUG, True)):
        records.clear()
        log = logging.getLogger(f"test-quiet-{level}")
        log.propagate, log.level = False, logging.DEBUG
        handler = Keep(level)
        handler.addFilter(QuietStart(handler))
        log.handlers = [handler]
        for prefix in ROUTINE_MESSAGES:
            log.info(prefix + "x")
        log.info("Kernel shut down: x")
        log.warning("Kernel started: but something went wrong")
        routine = [r for r in records if r.startswith(ROUTINE_MESSAGES) and "wrong" not in r]
        assert bool(routine) is expect_routine and len(routine) in (0, len(ROUTINE_MESSAGES))
        assert "Kernel shut down: x" in records and "Kernel started: but something went wrong" in records


def test_the_course_notebooks_are_trusted_in_memory(tmp_path):
    import nbformat
    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from traitlets.config import Config

    from neuropathy_massage.voila_app import trust_course_notebooks

    config = voila_config(ServeSettings(notebooks=paths.notebooks_dir()), COURSE)
    assert config.NotebookNotary.db_file == ":memory:" and len(config.NotebookNotary.secret) == 32
    manager = LargeFileManager(config=Config(NotebookNotary=config.NotebookNotary))
    signed = trust_course_notebooks(manager, paths.notebooks_dir())
    assert sorted(signed) == sorted(lesson.file for lesson in COURSE.lessons)
    for name in signed:
        nb = nbformat.read(paths.notebooks_dir() / name, as_version=4)
        assert manager.notary.check_signature(nb), name
        nb.cells[0].source += "\n# edited"
        assert not manager.notary.check_signature(nb), f"{name}: an edited notebook must not stay trusted"
    private = tmp_path / "_draft.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), private)
    assert trust_course_notebooks(manager, tmp_path) == []


def test_serve_starts_quietly(tmp_path):
    """A good start prints serve's own lines and nothing else, once every pre-heated kernel is up:
    no "not trusted" warning, no Voila banner, no line per kernel."""
    # one pre-heated kernel a page, DEFAULT_EXPLORER_POOL for each dashboard
    expected = len(COURSE.lessons) + len(COURSE.of_kind("dashboard")) * (DEFAULT_EXPLORER_POOL - 1)
    server = ServerProcess.start(paths.notebooks_dir(), tmp_path / "serve.log")
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            kernels = [p for p in psutil.Process(server.process.pid).children(recursive=True)
                       if "ipykernel_launcher" in " ".join(p.cmdline())]
            if len(kernels) >= expected:
                break
            time.sleep(1)
        else:
            pytest.fail(f"the pools did not fill within 180 s:\n{server.log_tail()}")
        time.sleep(3)  # the pools' last "filled" messages
        lines = [line for line in server.log_path.read_text(errors="replace").splitlines() if line.strip()]
    finally:
        server.stop()
    assert len(lines) == START_LINES, "\n".join(lines)
    assert lines[1].startswith("Open the course at: http://127.0.0.1:")
    assert not [line for line in lines if "not trusted" in line or "Deprecat" in line or "Kernel started" in line]
