"""Fixtures for the Zen console plugin's tests: an isolated data dir and a loopback console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plugins.zen_console.tests.console_server import ConsoleServer, ConsoleState
from testsupport import recorded_path

RESPONSES_STREAM = ("openai-responses", "mirascope__text-gpt-4o.0.sse")
CHAT_STREAM = ("openai-chat", "mirascope__text-gpt-4o.0.sse")
MESSAGES_STREAM = ("anthropic-messages", "simonw-llm-anthropic__text-haiku-4-5.0.sse")


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir (``$TURNOUT_DATA_DIR``), no config file, no keys from the environment."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("TURNOUT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    for name in (
        "OPENCODE_CONSOLE_TOKEN",
        "OPENCODE_API_KEY",
        "TURNOUT_CONFIG",
        "TURNOUT_PLUGINS",
        "TURNOUT_CONSOLE_URL",
        "TURNOUT_EXPERIMENTAL",
        "TURNOUT_EXPERIMENTAL_NATIVE_LLM",
    ):
        monkeypatch.setenv(name, "placeholder")  # recorded, so the plugin's own export is undone too
        monkeypatch.delenv(name)
    return data_dir


@pytest.fixture
def console_state() -> ConsoleState:
    """The loopback console's behaviour and records, serving recorded streams from tests/recorded."""
    return ConsoleState(
        responses_stream=recorded_path(*RESPONSES_STREAM),
        chat_stream=recorded_path(*CHAT_STREAM),
        messages_stream=recorded_path(*MESSAGES_STREAM),
    )


@pytest.fixture
def console(console_state: ConsoleState, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleServer]:
    """A running loopback console; ``$TURNOUT_CONSOLE_URL`` points at it."""
    with ConsoleServer(console_state) as server:
        monkeypatch.setenv("TURNOUT_CONSOLE_URL", server.url)
        yield server
