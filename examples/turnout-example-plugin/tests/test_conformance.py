"""turnout's conformance suite, pointed at the echo plugin and its recorded cassettes."""

from __future__ import annotations

from pathlib import Path

import turnout
import turnout_example_plugin.plugin
from echo_support import REDACTOR, REPLAY_BASE_URL, echo_config
from turnout.testing import DeclinedCase, PluginConformance

HELLO = turnout.LLMRequest(model="echo/echo-1", messages=[turnout.user("hello there")])


def _tool() -> str:
    """A tool the echo service cannot call."""
    return "never called"


class TestEchoConformance(PluginConformance):
    plugin = turnout_example_plugin.plugin
    runtime_id = "example-echo"
    model = "echo/echo-1"
    config = echo_config(REPLAY_BASE_URL)
    request = HELLO
    declined = [
        DeclinedCase(turnout.LLMRequest(model="openai/gpt-4.1-mini"), "provider package is not", id="not-echo"),
        DeclinedCase(HELLO.model_copy(update={"tools": [_tool]}), "cannot call tools", id="tools"),
        DeclinedCase(
            HELLO,
            "API key is not configured",
            config={"provider": {"echo": {"npm": "@turnout-example/echo", "api": REPLAY_BASE_URL}}},
            id="no-key",
        ),
    ]
    cassettes_dir = Path(__file__).parent / "cassettes"
    scenarios = {"test_hello_streams_the_words_back": HELLO}
    redactor = REDACTOR
