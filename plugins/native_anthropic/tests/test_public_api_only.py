"""The plugin is built exactly as a third party would build it: its code imports nothing from
turnout but the public plugin API (``turnout.plugin_api``, ``turnout.errors``, ``turnout``), and
plugin discovery loads neither the lowering nor the stream parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import turnout_native_anthropic

from tests.test_public_api import private_imports

SOURCES = sorted(Path(turnout_native_anthropic.__file__).parent.glob("*.py"))


def test_every_module_imports_only_public_names() -> None:
    assert {path.stem for path in SOURCES} >= {"gate", "lowering", "plugin", "stream"}
    assert {path.name: private_imports(path) for path in SOURCES} == {path.name: [] for path in SOURCES}


def test_discovery_loads_neither_lowering_nor_parser() -> None:
    probe = (
        "import sys, turnout_native_anthropic.plugin as p; "
        "assert p.turnout_manifest.runtimes == ('native-anthropic',); "
        "print(sorted(m for m in sys.modules if m.startswith('turnout_native_anthropic')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert (
        loaded.strip()
        == "['turnout_native_anthropic', 'turnout_native_anthropic.gate', 'turnout_native_anthropic.plugin']"
    )
