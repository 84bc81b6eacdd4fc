"""Plugins use only the public plugin API, and no plugin code filters hooks by runtime id.

First-party plugins and the examples are written exactly as a third party would write them: a
name they need that the core does not export is a gap in ``turnout.plugin_api``, not a reason
to reach inside.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = ("turnout", "turnout.plugin_api", "turnout.errors", "turnout.testing")
PLUGIN_CODE = sorted([*REPO.glob("plugins/*/src/**/*.py"), *REPO.glob("examples/**/*.py")])


def public_names(module: str) -> set[str]:
    return set(importlib.import_module(module).__all__)


def private_imports(path: Path) -> list[str]:
    """Every ``turnout`` import in ``path`` that is not a public module's ``__all__`` name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("turnout.") and alias.name not in PUBLIC_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            if module != "turnout" and not module.startswith("turnout."):
                continue
            if module not in PUBLIC_MODULES:
                found.append(f"{node.lineno}: from {module} import ...")
                continue
            exported = public_names(module)
            found += [
                f"{node.lineno}: from {module} import {alias.name}"
                for alias in node.names
                if alias.name not in exported
            ]
    return found


def test_there_is_plugin_code_to_check() -> None:
    assert len(PLUGIN_CODE) > 20
    assert any("native_openai" in str(path) for path in PLUGIN_CODE)


@pytest.mark.parametrize("path", PLUGIN_CODE, ids=[str(p.relative_to(REPO)) for p in PLUGIN_CODE])
def test_plugin_code_imports_only_public_names(path: Path) -> None:
    assert private_imports(path) == []


def test_the_checker_catches_private_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from turnout.http.errors import error_from_exception\n"
        "import turnout.sse\n"
        "from turnout.plugin_api import hookimpl, _LAZY\n"
        "from turnout import Runtime\n"
    )
    assert private_imports(sample) == [
        "1: from turnout.http.errors import ...",
        "2: import turnout.sse",
        "3: from turnout.plugin_api import _LAZY",
    ]


RUNTIME_FILTER = re.compile(r"(?<![.\w])runtime\s*(!=|==)|\bif\s+runtime\s+(not\s+)?in\b|(!=|==)\s*runtime\b(?![.\w(])")


@pytest.mark.parametrize("path", PLUGIN_CODE, ids=[str(p.relative_to(REPO)) for p in PLUGIN_CODE])
def test_no_plugin_code_filters_hooks_by_runtime_id(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if RUNTIME_FILTER.search(line)]
    assert lines == []


def test_the_runtime_filter_pattern_catches_filtering() -> None:
    caught = [
        "    if runtime != RUNTIME:",
        "    if runtime not in OWNED:",
        "    return x if RUNTIME == runtime else None",
    ]
    allowed = ['    assert rt.select(r).runtime == "example-echo"', "    for runtime in candidates:"]
    assert [bool(RUNTIME_FILTER.search(line)) for line in caught + allowed] == [True, True, True, False, False]


def test_every_public_name_resolves() -> None:
    for module in PUBLIC_MODULES:
        imported = importlib.import_module(module)
        for name in imported.__all__:
            assert getattr(imported, name) is not None, f"{module}.{name}"
