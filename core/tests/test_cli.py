"""The command line: run (live and --json), explain, models, demo, and run --record → replay."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from turnout.cli import main

from testsupport.loopback import serve_sse


def demo_bodies() -> dict[str, bytes]:
    data = json.loads(resources.files("turnout.cli").joinpath("demo_data/exchanges.json").read_text("utf-8"))
    return {i["request"]["when"]: i["response"]["body"].encode() for i in data["interactions"]}


@pytest.fixture
def config_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name in ("TURNOUT_EXPERIMENTAL_NATIVE_LLM", "TURNOUT_EXPERIMENTAL", "TURNOUT_PLUGINS", "TURNOUT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNOUT_DATA_DIR", str(tmp_path / "data"))

    def write(base_url: str) -> str:
        path = tmp_path / "turnout.toml"
        path.write_text(f'[provider.openai]\noptions = {{ apiKey = "test-key-1234", baseURL = "{base_url}/v1" }}\n')
        return str(path)

    return write


def events_of(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_run_json_prints_one_event_per_line_ending_with_finish(config_for, capsys) -> None:  # type: ignore[no-untyped-def]
    with serve_sse([demo_bodies()["plain"]]) as server:
        code = main(
            ["run", "--config", config_for(server.url), "-m", "openai/gpt-4.1-mini", "--native", "--json", "hi"]
        )
    assert code == 0
    events = events_of(capsys.readouterr().out)
    assert events[0] == {"type": "step-start", "index": 0}
    assert events[-1]["type"] == "finish" and events[-1]["reason"] == "stop"
    assert server.requests[0]["path"] == "/v1/responses"
    assert server.requests[0]["headers"]["authorization"] == "Bearer test-key-1234"


def test_run_prints_live_text_and_a_usage_line(config_for, capsys) -> None:  # type: ignore[no-untyped-def]
    with serve_sse([demo_bodies()["plain"]]) as server:
        main(["run", "--config", config_for(server.url), "-m", "openai/gpt-4.1-mini", "--native", "hello"])
    out = capsys.readouterr().out
    assert out.startswith("A turnout is the railway switch")
    assert out.rstrip().endswith("[finish: stop] usage: 42 in (16 cached), 31 out, 73 total")


def test_recorded_run_replays_offline_to_identical_events(config_for, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cassette = tmp_path / "cassettes" / "weather.json"
    with serve_sse([demo_bodies()["plain"]]) as server:
        config = config_for(server.url)
        argv = ["run", "--config", config, "-m", "openai/gpt-4.1-mini", "--native", "--json", "--record", str(cassette)]
        assert main([*argv, "What does a turnout do?"]) == 0
    recorded = events_of(capsys.readouterr().out)
    stored = json.loads(cassette.read_text())
    assert stored["metadata"]["turnout"]["request"]["messages"][0]["content"][0]["text"] == "What does a turnout do?"
    assert "test-key-1234" not in cassette.read_text()
    # the server is gone: replay answers from the cassette alone
    assert main(["replay", "--config", config, str(cassette), "--json"]) == 0
    assert events_of(capsys.readouterr().out) == recorded


def test_replay_of_a_cassette_without_a_request_says_how_to_record_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"version": 1, "metadata": {"name": "c"}, "interactions": []}))
    assert main(["replay", str(path)]) == 1
    assert "turnout run --record" in capsys.readouterr().err


def test_explain_json_shows_choice_and_verdicts(config_for, capsys) -> None:  # type: ignore[no-untyped-def]
    config = config_for("http://127.0.0.1:9")
    assert main(["explain", "--config", config, "-m", "openai/gpt-4.1-mini", "--json"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert off["runtime"] == "aisdk-fallback" and off["native_flag"] is False
    native = next(v for v in off["verdicts"] if v["runtime"] == "native-openai")
    assert native["reason"] == "native runtime is disabled (set TURNOUT_EXPERIMENTAL_NATIVE_LLM=1)"
    assert main(["explain", "--config", config, "-m", "openai/gpt-4.1-mini", "--native", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runtime"] == "native-openai"


def test_errors_are_one_line_on_stderr_with_exit_code_1(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["explain", "-m", "nosuchprovider/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unknown provider 'nosuchprovider'" in err and "Traceback" not in err


def test_models_json_lists_builtin_providers(config_for, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENCODE_API_KEY", "fixture-zen-key")  # logged out without a key, Zen serves only free models
    assert main(["models", "--json"]) == 0
    providers = {row["provider"]: row for row in json.loads(capsys.readouterr().out)}
    assert providers["openai"]["package"] == "@ai-sdk/openai"
    assert providers["opencode"]["models"]["gpt-5.2-codex"]["package"] == "@ai-sdk/openai"


def test_demo_runs_offline_through_both_runtimes(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--json"]) == 0
    sections = json.loads(capsys.readouterr().out)
    runs = [s for s in sections if s["section"] != "selection"]
    assert {s["runtime"] for s in runs} == {"native-openai", "aisdk-fallback"}
    for section in runs:
        assert section["events"][-1]["type"] == "finish"
    tool_loops = [s for s in runs if "tool" in s["section"]]
    for loop in tool_loops:
        assert [r["answered_with"] for r in loop["requests"]] == ["tools", "tool-output"]
        texts = "".join(e.get("text", "") for e in loop["events"] if e["type"] == "text-delta")
        assert texts == "It is 21 °C and sunny in Paris."


def test_run_schema_sends_strict_structured_output(config_for, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    schema_file = tmp_path / "answer.json"
    schema_file.write_text(json.dumps(schema))
    with serve_sse([demo_bodies()["plain"]]) as server:
        args = ["run", "--config", config_for(server.url), "-m", "openai/gpt-4.1-mini", "--native", "--json"]
        main([*args, "--schema", str(schema_file), "hi"])
        main([*args, "--schema", json.dumps({"name": "Answer", "schema": schema}), "hi"])
    formats = [json.loads(request["body"])["text"]["format"] for request in server.requests]  # type: ignore[arg-type]
    strict = {**schema, "required": ["answer"], "additionalProperties": False}
    assert formats == [
        {"type": "json_schema", "name": "output", "schema": strict, "strict": True},
        {"type": "json_schema", "name": "Answer", "schema": strict, "strict": True},
    ]


def test_run_schema_that_is_not_json_is_a_usage_error(config_for, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "-m", "openai/gpt-4.1-mini", "--schema", "{not json", "hi"]) == 2
    err = capsys.readouterr().err
    assert "--schema needs a JSON schema file or JSON text" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("reasoningEffort", "max", "providerOptions.openai.reasoningEffort 'max'"),
        ("serviceTier", "turbo", "providerOptions.openai.serviceTier 'turbo'"),
        ("noSuchOption", "1", "providerOptions.openai.noSuchOption"),
        ("store", "yes", "providerOptions.openai.store 'yes'"),
    ],
)
def test_explain_names_every_option_a_runtime_declines(config_for, capsys, key: str, value: str, named: str) -> None:  # type: ignore[no-untyped-def]
    config = config_for("http://127.0.0.1:9")
    code = main(["explain", "--config", config, "-m", "openai/gpt-4o", "--native", "-o", key, value, "--json"])
    assert code == 1  # no runtime can take it
    verdicts = {v["runtime"]: v for v in json.loads(capsys.readouterr().out)["verdicts"]}
    for runtime_id in ("native-openai", "aisdk-fallback"):
        assert not verdicts[runtime_id]["supported"]
        assert named in verdicts[runtime_id]["reason"]
    main(["explain", "--config", config, "-m", "openai/gpt-4o", "--native", "-o", key, value])
    assert capsys.readouterr().out.count(named) == 2  # the text output names it for both runtimes
