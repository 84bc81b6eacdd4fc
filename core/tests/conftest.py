"""Fixtures shared by the core tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No turnout variables from the outside, a fresh data dir, no config file in the cwd."""
    for name in (
        "TURNOUT_EXPERIMENTAL_NATIVE_LLM",
        "TURNOUT_EXPERIMENTAL",
        "TURNOUT_PLUGINS",
        "TURNOUT_CONFIG",
        "TURNOUT_MODEL",
        "OPENAI_API_KEY",
        "NO_COLOR",
        "TURNOUT_LOGS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNOUT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=["httpx2", "fast"])
def each_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once per network transport, chosen as users do: ``$TURNOUT_HTTP_TRANSPORT``."""
    choice: str = request.param
    monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", choice)
    return choice
