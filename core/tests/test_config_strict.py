"""Strict configuration: unknown keys and bad values fail at load, naming file, key and fix;
reprs mask secrets; untrusted (remote) data cannot touch other providers or read the environment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from turnout import LLMRequest, Runtime, user
from turnout.config import Config, load_config
from turnout.errors import ConfigError

KEY = "sk-proj-strictconfig0123456789"


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "turnout.toml"
    path.write_text(text)
    return load_config(path)


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ('[provider.openai]\noptions = { apikey = "x" }', "provider.openai.options.apikey", "did you mean 'apiKey'?"),
        (
            '[provider.openai]\noptions = { baseUrl = "http://x" }',
            "provider.openai.options.baseUrl",
            "did you mean 'baseURL'?",
        ),
        ('[providers.openai]\nnpm = "x"', "providers", "did you mean 'provider'?"),
        ('[provider.openai]\noption = { apiKey = "x" }', "provider.openai.option", "did you mean 'options'?"),
        ("experimental_native_lm = true", "experimental_native_lm", "did you mean 'experimental_native_llm'?"),
        ('[provider.openai.models."m"]\nnmae = "x"', "provider.openai.models.m.nmae", "did you mean 'name'?"),
        (
            '[provider.openai.models."m"]\nprovider = { npn = "x" }',
            "provider.openai.models.m.provider.npn",
            "did you mean 'npm'?",
        ),
    ],
)
def test_an_unknown_key_names_file_key_path_and_closest_key(tmp_path: Path, text: str, key: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    unknown = key.rsplit(".", 1)[-1]
    assert caught.value.source == str(tmp_path / "turnout.toml")
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{tmp_path / 'turnout.toml'}, key {key!r}: unknown ")
    assert f"{unknown!r}; {hint}" in str(caught.value)


def test_provider_specific_options_and_reference_model_metadata_are_accepted(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        '[provider.openai]\noptions = { reasoningEffort = "high", setCacheKey = true }\n'
        '[provider.openai.models."m"]\nlimit = { context = 1000, output = 10 }\nreasoning = true\n',
    )
    model = config.resolve("openai/m", env={})
    assert model.options == {"reasoningEffort": "high", "setCacheKey": True}


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            "[provider.openai]\noptions = { baseURL = 5 }",
            "provider.openai.options.baseURL",
            "expected a non-empty URL string, got int 5",
        ),
        (
            '[provider.openai]\noptions = { baseURL = "" }',
            "provider.openai.options.baseURL",
            "expected a non-empty URL string, got an empty string",
        ),
        (
            '[provider.openai]\noptions = { headers = "x" }',
            "provider.openai.options.headers",
            "expected a table, got str",
        ),
        ("[provider.openai]\noptions = { apiKey = 5 }", "provider.openai.options.apiKey", "expected a string, got int"),
        (
            "[provider.openai]\noptions = { headers = { x-n = 3 } }",
            "provider.openai.options.headers.x-n",
            "expected a string header value, got int",
        ),
        ('[provider.openai]\napi = ""', "provider.openai.api", "expected a non-empty URL string, got an empty string"),
    ],
)
def test_bad_values_fail_at_load_time(tmp_path: Path, text: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert str(caught.value) == f"{tmp_path / 'turnout.toml'}, key {key!r}: {message}"


def test_a_missing_env_variable_in_the_base_url_is_named() -> None:
    config = Config.from_data({"provider": {"openai": {"options": {"baseURL": "{env:MY_PROXY_URL}/v1"}}}})
    with pytest.raises(
        ConfigError, match=r"key 'provider.openai.options.baseURL': the environment variable MY_PROXY_URL is not set"
    ):
        config.resolve("openai/m", env={})


def test_a_missing_key_names_the_variable_with_one_message_on_every_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    from turnout_aisdk_fallback import plugin as fallback
    from turnout_native_openai import plugin as native

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("MY_KEY", raising=False)
    request = LLMRequest(model="openai/gpt-4.1-mini", messages=[user("hi")])
    builtin = Runtime(native=True, config={}, plugins=[native, fallback], load_entry_points=False)
    reasons = {v.runtime: v.reason for v in builtin.select(request).verdicts}
    expected = (
        "no API key for provider 'openai': set the environment variable OPENAI_API_KEY "
        "(read by provider.openai.options.apiKey)"
    )
    assert reasons == {"native-openai": expected, "aisdk-fallback": expected}
    custom = Runtime(
        native=True,
        config={"provider": {"openai": {"options": {"apiKey": "{env:MY_KEY}"}}}},
        plugins=[native, fallback],
        load_entry_points=False,
    )
    assert {v.reason for v in custom.select(request).verdicts} == {
        "no API key for provider 'openai': set the environment variable MY_KEY (read by provider.openai.options.apiKey)"
    }


def test_reprs_mask_keys_and_credential_headers() -> None:
    config = Config.from_data(
        {
            "provider": {
                "openai": {
                    "options": {
                        "apiKey": KEY,
                        "headers": {"x-api-key": "hdr-secret-value-1", "x-team": "search"},
                        "clientSecret": "opt-secret-value-2",
                    }
                }
            }
        }
    )
    model = config.resolve("openai/m", env={})
    for text in (repr(config), str(config), repr(config.provider["openai"]), repr(model), str(model)):
        assert KEY not in text and "hdr-secret-value-1" not in text and "opt-secret-value-2" not in text
    assert "'x-team': 'search'" in repr(model)
    assert model.headers["x-api-key"] == "hdr-secret-value-1"  # only the display is masked


def test_untrusted_data_may_only_define_its_own_providers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    config = Config.from_data({"provider": {"mine": {"npm": "@ai-sdk/openai", "api": "https://local.example/v1"}}})
    accepted = config.merge_under(
        {
            "experimental_native_llm": True,
            "provider": {
                "openai": {"api": "http://127.0.0.1:9/evil"},
                "mine": {"api": "http://127.0.0.1:9/evil"},
                "opencode": {
                    "api": "https://proxy.example/v1",
                    "options": {
                        "apiKey": "{env:CONSOLE_TOKEN}",
                        "headers": {"x-home": "{env:HOME}", "x-org-id": "org_1"},
                    },
                },
                "extra": {"npm": "@ai-sdk/openai", "api": "https://extra.example/v1"},
            },
        },
        source="remote",
        owned=("opencode",),
        env_allowed=("CONSOLE_TOKEN",),
    )
    assert sorted(accepted["provider"]) == ["extra", "opencode"]
    assert config.experimental_native_llm is None
    assert config.resolve("openai/m", env={}).base_url == "https://api.openai.com/v1"
    assert config.resolve("mine/m", env={}).base_url == "https://local.example/v1"
    zen = config.resolve("opencode/m", env={"CONSOLE_TOKEN": "tok-console-123", "HOME": "/home/me"})
    assert zen.base_url == "https://proxy.example/v1"
    assert zen.api_key is not None and zen.api_key.get_secret_value() == "tok-console-123"
    assert zen.headers == {"x-org-id": "org_1"}
    assert config.resolve("extra/m", env={}).base_url == "https://extra.example/v1"
    for warned in (
        "'experimental_native_llm'",
        "provider 'openai'",
        "provider 'mine'",
        "provider.opencode.options.headers.x-home",
    ):
        assert warned in caplog.text
    assert "/home/me" not in caplog.text


def test_plugin_tables_are_free_form_for_their_plugin_but_must_be_tables() -> None:
    config = Config.from_data({"plugin": {"serve": {"anything": {"nested": 1}}}})
    assert config.model_extra is not None and config.model_extra["plugin"]["serve"] == {"anything": {"nested": 1}}
    with pytest.raises(ConfigError) as raised:
        Config.from_data({"plugin": {"serve": 3}})
    assert raised.value.key == "plugin.serve"
