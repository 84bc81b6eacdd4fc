"""The testing kit's plugin conformance suite, pointed at the fallback plugin (once per provider
API) and the tool-loop cassettes ``test_kit_recordings.py`` recorded."""

from __future__ import annotations

from pathlib import Path

import fake_providers
import turnout
from fallback_support import provider_config
from turnout.testing import DeclinedCase, PluginConformance, Redactor
from turnout_aisdk_fallback import plugin as fallback_plugin

BASE_URL = "http://127.0.0.1:9/v1"
CASSETTES = Path(__file__).parent / "cassettes"
REDACTOR = Redactor(url_rules=[(r"^http://127\.0\.0\.1:\d+", "http://provider.test")])


class TestFallbackOverChatCompletionsConformance(PluginConformance):
    plugin = fallback_plugin
    runtime_id = "aisdk-fallback"
    model = "local/fake-chat"
    config = provider_config(BASE_URL, "@ai-sdk/openai-compatible", provider="local")
    request = fake_providers.weather_request(model)
    declined = [
        DeclinedCase(
            turnout.LLMRequest(model="local/fake-chat"),
            "is not served by the fallback",
            config={"provider": {"local": {"npm": "@example/unknown", "options": {"baseURL": BASE_URL}}}},
            id="unknown-package",
        ),
        DeclinedCase(
            turnout.LLMRequest(model="local/fake-chat"),
            "no base URL configured",
            config={"provider": {"local": {"npm": "@ai-sdk/openai-compatible", "options": {"apiKey": "test-key"}}}},
            id="no-base-url",
        ),
    ]
    cassettes_dir = CASSETTES
    scenarios = {"test_tool_loop[openai-compatible]": None}
    redactor = REDACTOR
    max_steps = 2


class TestFallbackOverAnthropicConformance(PluginConformance):
    plugin = fallback_plugin
    runtime_id = "aisdk-fallback"
    model = "anthropic/claude-fake"
    config = provider_config(BASE_URL, "@ai-sdk/anthropic", provider="anthropic")
    request = fake_providers.weather_request(model)
    declined = [
        DeclinedCase(
            turnout.LLMRequest(model="mine/claude-fake"),
            "no base URL configured",
            config={"provider": {"mine": {"npm": "@ai-sdk/anthropic", "options": {"apiKey": "test-key"}}}},
            id="no-base-url",
        ),
    ]
    cassettes_dir = CASSETTES
    scenarios = {"test_tool_loop[anthropic]": None}
    redactor = REDACTOR
    max_steps = 2
