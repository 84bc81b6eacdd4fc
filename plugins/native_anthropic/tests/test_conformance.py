"""The testing kit's plugin conformance suite, pointed at the native Anthropic plugin and the
cassette ``test_kit_recordings.py`` recorded."""

from __future__ import annotations

from pathlib import Path

import turnout
import turnout_native_anthropic.plugin as native_plugin
from turnout.testing import DeclinedCase, PluginConformance, Redactor

from plugins.native_anthropic.tests.test_kit_recordings import API_KEY, HELLO, REPLAY_BASE_URL

CONFIG = {"provider": {"anthropic": {"options": {"apiKey": API_KEY, "baseURL": REPLAY_BASE_URL}}}}


class TestNativeAnthropicConformance(PluginConformance):
    plugin = native_plugin
    runtime_id = "native-anthropic"
    model = "anthropic/claude-fake"
    config = CONFIG
    native = True
    request = HELLO
    declined = [
        DeclinedCase(HELLO, "native runtime is disabled", native=False, id="flag-off"),
        DeclinedCase(
            turnout.LLMRequest(model="openai/gpt-fake"), "provider package is not Anthropic", id="not-anthropic"
        ),
        DeclinedCase(
            HELLO,
            "Anthropic API key is not configured",
            config={"provider": {"anthropic": {"options": {"apiKey": ""}}}},
            id="no-key",
        ),
        DeclinedCase(
            HELLO,
            "OAuth auth is not supported",
            config={"provider": {"anthropic": {"auth": "oauth", "options": {"apiKey": "sk-ant-x"}}}},
            id="oauth",
        ),
    ]
    cassettes_dir = Path(__file__).parent / "cassettes"
    scenarios = {"test_text_stream": HELLO}
    redactor = Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://anthropic.test")])
