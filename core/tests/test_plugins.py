"""Discovery: entry points loaded in isolation, the allow-list, contract checks at registration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import turnout
from turnout.errors import PluginError
from turnout.plugins import PluginSet


def make_distribution(site: Path, name: str, module_source: str) -> None:
    """Write an installed-looking distribution (dist-info + module) with a ``turnout`` entry point."""
    (site / f"{name}.py").write_text(module_source)
    info = site / f"{name}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[turnout]\n{name} = {name}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_distribution(tmp_path, "broken_plugin", "raise ImportError('needs a missing SDK')\n")
    make_distribution(
        tmp_path,
        "tidy_plugin",
        (
            "import turnout\n\nturnout_manifest = turnout.Manifest(hooks_version=2)\n\n"
            "@turnout.hookimpl\ndef turnout_inject_headers():\n    return {'x-tidy': '1'}\n"
        ),
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plugins = PluginSet()
    plugins.load_entry_points()
    broken = plugins.infos["broken_plugin"]
    assert broken.error == "ImportError: needs a missing SDK"
    assert broken.version == "1.2.3"
    tidy = plugins.infos["tidy_plugin"]
    assert tidy.error is None and tidy.hooks == ("turnout_inject_headers",)
    assert "broken_plugin" in caplog.text and "failed to load" in caplog.text


def test_turnout_plugins_restricts_loading(site: Path) -> None:
    plugins = PluginSet()
    plugins.load_entry_points(["tidy_plugin"])
    assert list(plugins.infos) == ["tidy_plugin"]
    none = PluginSet()
    none.load_entry_points([])
    assert none.infos == {}


def test_loading_is_idempotent(site: Path) -> None:
    plugins = PluginSet()
    plugins.load_entry_points()
    plugins.load_entry_points()
    assert len(plugins.manager.get_plugins()) == len([i for i in plugins.infos.values() if i.error is None])


def test_an_implementation_with_an_unknown_argument_is_rejected_at_registration() -> None:
    class Wrong:
        turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

        @turnout.hookimpl
        def turnout_check_support(self, request, colour):  # type: ignore[no-untyped-def]
            return None

    with pytest.raises(PluginError, match=r"(?s)plugin 'wrong'.*colour"):
        PluginSet().register(Wrong(), "wrong")


def test_a_misspelled_hook_is_rejected_at_registration() -> None:
    class Typo:
        turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

        @turnout.hookimpl
        def turnout_check_suport(self):  # type: ignore[no-untyped-def]
            return None

    with pytest.raises(PluginError, match=r"unknown hooks.*turnout_check_suport"):
        PluginSet().register(Typo(), "typo")


@pytest.mark.slow
def test_cli_plugins_json_lists_versions_hooks_and_load_errors(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("TURNOUT_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-m", "turnout", "plugins", "--json"], env=env, capture_output=True, text=True, check=True
    ).stdout
    listed = {info["name"]: info for info in json.loads(out)}
    assert listed["broken_plugin"]["error"] == "ImportError: needs a missing SDK"
    assert listed["tidy_plugin"]["hooks"] == ["turnout_inject_headers"]
    assert listed["tidy_plugin"]["version"] == "1.2.3"
    for first_party in ("native_openai", "zen_console", "aisdk_fallback"):
        assert listed[first_party]["error"] is None
        assert listed[first_party]["version"] == "0.2.0"
        assert listed[first_party]["hooks"], first_party
    # everything else still works with the broken plugin installed
    explain = subprocess.run(
        [sys.executable, "-m", "turnout", "explain", "-m", "openai/gpt-4.1-mini", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert explain.returncode in (0, 1), explain.stderr
    assert json.loads(explain.stdout)["provider"] == "openai"
