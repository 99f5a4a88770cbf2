"""neuropathy_massage.serving without a browser: the command, titles, navigation, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from neuropathy_massage import serving


def _notebook(path: Path, *cells: tuple[str, str], title: str | None = None) -> None:
    nb = {
        "cells": [{"cell_type": kind, "metadata": {}, "source": source, **({"outputs": [], "execution_count": None} if kind == "code" else {})} for kind, source in cells],
        "metadata": {"title": title} if title else {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_command_is_the_one_configuration(tmp_path):
    cmd = serving.build_command(notebooks_dir=tmp_path, host="0.0.0.0", port=9999)
    assert str(tmp_path.resolve()) in cmd
    assert "--no-browser" in cmd and "--Voila.ip=0.0.0.0" in cmd and "--Voila.port=9999" in cmd
    assert f"--Voila.config_file_paths={serving.CONFIG_DIR}" in cmd
    assert cmd[0].endswith("voila") or cmd[1:3] == ["-m", "voila"]
    default = serving.build_command()
    assert str(serving.NOTEBOOKS_DIR.resolve()) in default and "--Voila.ip=127.0.0.1" in default
    assert "--Voila.port=8866" in default


def test_env_puts_the_template_first(monkeypatch):
    env = serving.build_env({"JUPYTER_PATH": "/elsewhere", "PATH": "/bin"})
    assert env["JUPYTER_PATH"].split(":")[0] == str(serving.JUPYTER_DATA_DIR)
    assert env["JUPYTER_PATH"].endswith("/elsewhere")
    assert (serving.JUPYTER_DATA_DIR / "voila" / "templates" / "course" / "conf.json").is_file()


def test_config_file_names_the_template_and_the_hook():
    text = (serving.CONFIG_DIR / "voila.py").read_text(encoding="utf-8")
    assert 'template = "course"' in text
    assert "strip_sources = True" in text and "show_tracebacks = False" in text
    assert "preheat_kernel = True" in text and "cull_idle_timeout" in text
    assert "course_page_config" in text
    assert not (serving.PROJECT_ROOT / "voila.py").exists(), "a root voila.py shadows the voila package"


def test_titles(tmp_path):
    _notebook(tmp_path / "01_a.ipynb", ("code", "1"), ("markdown", "intro\n\n## Hands *and* [feet](x.ipynb) ##"))
    _notebook(tmp_path / "02_b.ipynb", ("markdown", "<h1 class='x'>HTML <em>title</em></h1>"))
    _notebook(tmp_path / "03_self_massage_feet.ipynb", ("code", "1"))
    _notebook(tmp_path / "04_d.ipynb", ("markdown", "# Ignored"), title="From metadata")
    assert serving.notebook_title(tmp_path / "01_a.ipynb") == "Hands and feet"
    assert serving.notebook_title(tmp_path / "02_b.ipynb") == "HTML title"
    assert serving.notebook_title(tmp_path / "03_self_massage_feet.ipynb") == "Self massage feet"
    assert serving.notebook_title(tmp_path / "04_d.ipynb") == "From metadata"
    (tmp_path / "05_broken.ipynb").write_text("{not json", encoding="utf-8")
    assert serving.notebook_title(tmp_path / "05_broken.ipynb") == "Broken"


def test_navigation_follows_file_names(tmp_path):
    for name in ("10_explorer.ipynb", "00_course_home.ipynb", "01_first.ipynb", "02_second.ipynb"):
        _notebook(tmp_path / name, ("markdown", f"# Title of {name[:2]}"))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _notebook(tmp_path / ".hidden.ipynb", ("markdown", "# hidden"))
    nav = serving.course_navigation(tmp_path, "01_first.ipynb", "/base/")
    assert nav["home"]["href"] == "/base/voila/render/00_course_home.ipynb"
    assert nav["previous"]["name"] == "00_course_home.ipynb"
    assert nav["next"]["name"] == "02_second.ipynb"
    assert nav["pageTitle"] == "Title of 01" and nav["courseTitle"] == "Title of 00"
    assert [x["name"] for x in nav["lessons"]] == [
        "00_course_home.ipynb", "01_first.ipynb", "02_second.ipynb", "10_explorer.ipynb"]
    home = serving.course_navigation(tmp_path, "00_course_home.ipynb")
    assert home["isHome"] and home["previous"] is None
    last = serving.course_navigation(tmp_path, "10_explorer.ipynb")
    assert last["next"] is None and last["previous"]["name"] == "02_second.ipynb"
    tree = serving.course_navigation(tmp_path, "")
    assert tree["pageTitle"] == "Contents" and len(tree["lessons"]) == 4


def test_hook_never_raises():
    config = serving.course_page_config({"a": 1}, settings=None, notebook_path=None, base_url=None, log=None)
    assert config["a"] == 1


def test_cli_prints_the_command(tmp_path, capsys):
    assert serving.main(["--notebooks", str(tmp_path), "--port", "9001", "--print-command", "--", "--debug"]) == 0
    out = capsys.readouterr().out
    assert "--Voila.port=9001" in out and out.strip().endswith("--debug")
    assert serving.main(["--notebooks", str(tmp_path / "missing")]) == 2


def test_course_url():
    assert serving.course_url() == "http://127.0.0.1:8866/voila/render/00_course_home.ipynb"
    assert serving.course_url("0.0.0.0", 9000).startswith("http://127.0.0.1:9000/")


def test_class_size_sets_the_explorer_pool(monkeypatch, tmp_path):
    """`serve --class-size N` reaches config/voila.py as the explorer's pool size."""
    import runpy

    from neuropathy_massage.serving import CONFIG_FILE, EXPLORER_POOL_ENV
    from traitlets.config import Config

    def pools(env_value):
        if env_value is None:
            monkeypatch.delenv(EXPLORER_POOL_ENV, raising=False)
        else:
            monkeypatch.setenv(EXPLORER_POOL_ENV, env_value)
        c = Config()
        runpy.run_path(str(CONFIG_FILE), init_globals={"get_config": lambda: c})
        return c.VoilaKernelManager.kernel_pools_config["10_symptom_explorer.ipynb"]["pool_size"]

    assert pools(None) == 2
    assert pools("30") == 30


def test_class_size_out_of_range_is_a_clear_error(capsys):
    from neuropathy_massage.serving import main

    assert main(["--class-size", "0", "--print-command"]) == 2
    assert "--class-size" in capsys.readouterr().err


def test_slow_page_seconds_comes_from_the_environment():
    """`serve --slow-page-seconds S` reaches the page's slow-start notice through this variable;
    anything but a whole number from 1 to 3600 keeps the default."""
    env = serving.SLOW_PAGE_ENV
    assert serving.slow_page_seconds({}) == serving.DEFAULT_SLOW_PAGE_S
    assert serving.slow_page_seconds({env: "45"}) == 45
    for bad in ("0", "-5", "ninety", "1.5", "99999", "<script>"):
        assert serving.slow_page_seconds({env: bad}) == serving.DEFAULT_SLOW_PAGE_S, bad


def test_page_config_carries_the_slow_page_seconds(monkeypatch):
    monkeypatch.setenv(serving.SLOW_PAGE_ENV, "30")
    config = serving.course_page_config({}, notebook_path="00_course_home.ipynb", base_url="/",
                                        settings={"contents_manager": type("CM", (), {"root_dir": str(serving.NOTEBOOKS_DIR)})()})
    assert config["course"]["slowPageSeconds"] == 30


def test_slow_page_seconds_out_of_range_is_a_clear_error(capsys):
    assert serving.main(["--slow-page-seconds", "0", "--print-command"]) == 2
    assert "--slow-page-seconds must be between 1 and 3600" in capsys.readouterr().err
