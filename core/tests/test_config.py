"""Configuration (DESIGN §7): built-ins, templates, per-model package, clear errors, flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from turnout.config import Config, RuntimeFlags, load_config
from turnout.errors import ConfigError


def test_builtin_openai_needs_no_file_and_reads_the_key_from_the_environment() -> None:
    model = Config.from_data({}).resolve("openai/gpt-4.1-mini", env={"OPENAI_API_KEY": "sk-abc"})
    assert model.package == "@ai-sdk/openai"
    assert model.base_url == "https://api.openai.com/v1"
    assert model.api_key is not None and model.api_key.get_secret_value() == "sk-abc"
    assert "sk-abc" not in repr(model)


def test_a_missing_env_template_means_no_key() -> None:
    assert Config.from_data({}).resolve("openai/gpt-4.1-mini", env={}).api_key is None


def test_per_model_package_override_and_headers() -> None:
    config = Config.from_data(
        {
            "provider": {
                "opencode": {
                    "options": {"headers": {"x-team": "{env:TEAM}"}},
                    "models": {"gpt-5.2-codex": {"provider": {"npm": "@ai-sdk/openai"}}},
                }
            }
        }
    )
    codex = config.resolve("opencode/gpt-5.2-codex", env={"TEAM": "search"})
    other = config.resolve("opencode/anything", env={})
    assert codex.package == "@ai-sdk/openai"
    assert other.package == "@ai-sdk/openai-compatible"
    assert codex.headers == {"x-team": "search"}


def test_base_url_option_wins_over_api() -> None:
    config = Config.from_data({"provider": {"openai": {"options": {"baseURL": "http://127.0.0.1:9/v1"}}}})
    assert config.resolve("openai/x", env={}).base_url == "http://127.0.0.1:9/v1"


def test_unknown_provider_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown provider 'nope'.*openai"):
        Config.from_data({}).resolve("nope/model")


def test_bad_value_names_file_key_and_expectation(tmp_path: Path) -> None:
    path = tmp_path / "turnout.toml"
    path.write_text('[provider.openai]\nauth = "password"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message and "provider.openai.auth" in message and "'api' or 'oauth'" in message


def test_invalid_toml_and_json_are_config_errors(tmp_path: Path) -> None:
    bad_toml = tmp_path / "a.toml"
    bad_toml.write_text("provider = [")
    bad_json = tmp_path / "a.json"
    bad_json.write_text("{")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad_toml)
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(bad_json)


def test_json_config_and_env_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"experimental_native_llm": True}))
    monkeypatch.setenv("TURNOUT_CONFIG", str(path))
    config = load_config()
    assert config.experimental_native_llm is True and config.source == str(path)


def test_merge_under_keeps_local_values() -> None:
    config = Config.from_data({"provider": {"opencode": {"options": {"apiKey": "local"}}}})
    config.merge_under(
        {"provider": {"opencode": {"options": {"apiKey": "remote", "baseURL": "https://proxy/v1"}}}},
        source="console",
        owned=("opencode",),
    )
    model = config.resolve("opencode/x", env={})
    assert model.api_key is not None and model.api_key.get_secret_value() == "local"
    assert model.base_url == "https://proxy/v1"


@pytest.mark.parametrize(
    ("env", "config_value", "explicit", "expected"),
    [
        ({}, None, None, False),
        ({"TURNOUT_EXPERIMENTAL": "1"}, None, None, True),
        ({}, True, None, True),
        ({"TURNOUT_EXPERIMENTAL_NATIVE_LLM": "0"}, True, None, False),
        ({"TURNOUT_EXPERIMENTAL_NATIVE_LLM": "true", "TURNOUT_EXPERIMENTAL": "0"}, False, None, True),
        ({"TURNOUT_EXPERIMENTAL": "1"}, False, None, False),
        ({"TURNOUT_EXPERIMENTAL_NATIVE_LLM": "1"}, None, False, False),
    ],
)
def test_native_flag_precedence(
    env: dict[str, str], config_value: bool | None, explicit: bool | None, expected: bool
) -> None:
    config = Config.from_data({} if config_value is None else {"experimental_native_llm": config_value})
    assert RuntimeFlags.resolve(config, explicit, env=env).native is expected


def test_a_bad_flag_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TURNOUT_EXPERIMENTAL_NATIVE_LLM"):
        RuntimeFlags.resolve(Config.from_data({}), env={"TURNOUT_EXPERIMENTAL_NATIVE_LLM": "maybe"})
