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
