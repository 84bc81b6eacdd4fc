"""The example third-party plugin, installed into a fresh virtual environment, passes its own
test suite (cassettes + JSONL snapshots + the conformance suite) with ``turnout[testing]``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # installs packages into a fresh environment

CORE = Path(__file__).resolve().parents[1]
EXAMPLE = CORE.parent / "examples" / "turnout-example-plugin"


def _uv() -> list[str] | None:
    """A command that runs uv, if one is available."""
    if found := shutil.which("uv"):
        return [found]
    for python in (sys.executable, shutil.which("python3")):
        if python and subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    return None


def _run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _install(venv: Path, *requirements: str) -> Path:
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    uv = _uv()
    if uv is not None:
        _run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
        _run([*uv, "pip", "install", "--quiet", "--python", str(python), *requirements])
    else:
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(python), "-m", "pip", "install", "--quiet", *requirements])
    return python


def test_example_plugin_passes_its_own_suite_after_pip_install(tmp_path: Path) -> None:
    project = tmp_path / "turnout-example-plugin"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "build", "dist", "*.egg-info"))
    committed = {p.relative_to(project): p.read_bytes() for p in (project / "tests").rglob("*") if p.is_file()}
    assert any(p.suffix == ".json" for p in committed) and any(p.suffix == ".jsonl" for p in committed)

    python = _install(tmp_path / "venv", f"{CORE}[testing]", str(project))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURNOUT_", "PYTEST_", "VIRTUAL_ENV"))}
    output = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env)

    assert " failed" not in output and " error" not in output
    assert "12 passed" in output, output
    assert "3 snapshots passed" in output, output
    after = {p.relative_to(project): p.read_bytes() for p in (project / "tests").rglob("*") if p.is_file()}
    assert {p: after[p] for p in committed} == committed, "replaying must not rewrite cassettes or snapshots"
    assert not [p for p in after if p not in committed and "__pycache__" not in p.parts]
    # the installed copy is what ran, not the source tree
    location = _run([str(python), "-c", "import turnout_example_plugin; print(turnout_example_plugin.__file__)"])
    assert str(tmp_path / "venv") in location
