"""Gateway settings from ``[serve]`` and the environment; the ``turnout serve`` command; discovery."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from turnout import Runtime, errors
from turnout.cli import build_cli, main
from turnout_serve.auth import authenticate
from turnout_serve.settings import KEYS_ENV, GatewaySettings


def config(serve: dict[str, object]) -> Runtime:
    return Runtime(config={"plugin": {"serve": serve}}, load_entry_points=False)


def test_keys_come_from_env_variables_digests_and_the_keys_variable() -> None:
    digest = hashlib.sha256(b"key-from-digest").hexdigest()
    serve = {
        "keys": {
            "alice": {"key_env": "ALICE_KEY", "models": ["openai/*"]},
            "bob": {"key_sha256": digest},
            "carol": {"key_env": "UNSET_KEY"},
        },
        "aliases": {"fast": "openai/gpt-4o"},
        "max_body_bytes": 1000,
    }
    env = {"ALICE_KEY": "key-alice", KEYS_ENV: "ci=key-ci, key-bare"}
    settings = GatewaySettings.from_config(config(serve).config, env)
    found = {
        key: (match.id if (match := authenticate({"authorization": f"Bearer {key}"}, settings.keys)) else None)
        for key in ("key-alice", "key-from-digest", "key-ci", "key-bare", "key-unknown")
    }
    assert found == {
        "key-alice": "alice",
        "key-from-digest": "bob",
        "key-ci": "ci",
        "key-bare": "env-2",
        "key-unknown": None,
    }
    alice = next(key for key in settings.keys if key.id == "alice")
    assert alice.allows("openai/gpt-4o") and not alice.allows("compat/gpt-4o")
    assert settings.aliases == {"fast": "openai/gpt-4o"} and settings.max_body_bytes == 1000
    assert "key-alice" not in repr(settings)


@pytest.mark.parametrize(
    ("serve", "key"),
    [
        ({"keys": {"x": {}}}, "plugin.serve.keys.x"),
        ({"keys": {"x": {"key_sha256": "short"}}}, "plugin.serve.keys.x.key_sha256"),
        ({"max_body_bytes": 0}, "plugin.serve.max_body_bytes"),
        ({"unknown": 1}, "plugin.serve.unknown"),
    ],
)
def test_bad_serve_settings_are_config_errors_naming_the_key(serve: dict[str, object], key: str) -> None:
    with pytest.raises(errors.ConfigError) as raised:
        GatewaySettings.from_config(config(serve).config, {})
    assert raised.value.key == key


def test_the_cli_has_the_serve_command() -> None:
    assert "serve" in build_cli().parser.format_help()


def test_serve_refuses_to_start_without_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv(KEYS_ENV, raising=False)
    (tmp_path / "turnout.toml").write_text("[plugin.serve]\n")
    monkeypatch.setenv("TURNOUT_CONFIG", str(tmp_path / "turnout.toml"))
    assert main(["serve", "--port", "0"]) == 2
    assert "no gateway API keys configured" in capsys.readouterr().err
