"""The testing kit's plugin conformance suite, pointed at the native OpenAI plugin and the
cassettes ``test_kit_recordings.py`` recorded."""

from __future__ import annotations

from pathlib import Path

import turnout
import turnout_native_openai.plugin as native_plugin
from turnout.testing import DeclinedCase, PluginConformance, Redactor

from plugins.native_openai.tests import fake_openai

BASE_URL = "http://127.0.0.1:9/v1"
CONFIG = {"provider": {"openai": {"options": {"apiKey": fake_openai.API_KEY, "baseURL": BASE_URL}}}}
HELLO = turnout.LLMRequest(model="openai/gpt-fake", messages=[turnout.user("Say hello.")])


class TestNativeOpenAIConformance(PluginConformance):
    plugin = native_plugin
    runtime_id = "native-openai"
    model = "openai/gpt-fake"
    config = CONFIG
    native = True
    request = HELLO
    declined = [
        DeclinedCase(HELLO, "native runtime is disabled", native=False, id="flag-off"),
        DeclinedCase(turnout.LLMRequest(model="anthropic/claude-fake"), "provider is not openai", id="not-openai"),
        DeclinedCase(
            HELLO,
            "no API key configured for provider 'openai'",
            config={"provider": {"openai": {"options": {"apiKey": ""}}}},
            id="no-key",
        ),
    ]
    cassettes_dir = Path(__file__).parent / "cassettes"
    scenarios = {"test_text_stream": HELLO}
    redactor = Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://openai.test")])
