"""First contact with the CLI: every mistake is one line with the right exit code, ``--json``
always ends with a terminal line, logs say what happened (issue: "First contact")."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import importlib_metadata
import pytest
import stamina
from turnout.cli import main
from turnout.commands import UsageError

from core.tests.test_cli import demo_bodies
from testsupport.cli import MODEL, run_cli, write_config
from testsupport.loopback import serve, serve_sse


def assert_one_clean_error(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], (needle, err)


# -- usage errors: exit 2, one line -------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["run", "-m", "gpt-4o", "hi"], ["-m/--model", "'gpt-4o'", "openai/gpt-4o"]),
        (["run", "-m", "openai/", "hi"], ["-m/--model", "'openai/'"]),
        (["run", "-m", "", "hi"], ["-m/--model", "''"]),
        (["explain", "-m", "gpt-4o"], ["turnout explain", "-m/--model", "'gpt-4o'"]),
        (["run", "-m", MODEL, "--max-steps", "0", "hi"], ["--max-steps", "at least 1"]),
        (["run", "-m", MODEL, "--max-steps", "two", "hi"], ["--max-steps", "'two'"]),
        (["run", "-m", MODEL, "-o", "temperature", "-1", "hi"], ["-o temperature"]),
        (["models", "--provider", "nope"], ["--provider 'nope'", "openai"]),
        (["nosuchcommand"], ["invalid choice", "nosuchcommand"]),
        ([], ["COMMAND"]),
        (["logs", "nosuchid"], ["'nosuchid'"]),
        (["run", "--cid", "nosuchconversation", "-m", MODEL, "hi"], ["'nosuchconversation'"]),
        (["run", "-c", "-m", MODEL, "hi"], ["-c", "empty"]),
        (["run", "-m", MODEL, "-a", "no-such-file.png", "hi"], ["no-such-file.png"]),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(
    argv: list[str], needles: list[str], clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(argv, capsys)
    assert code == 2
    assert out == ""
    assert_one_clean_error(err, *needles)


def test_no_model_and_no_default_says_how_to_set_one(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", "hi"], capsys)
    assert code == 2
    assert_one_clean_error(err, "no model", "TURNOUT_MODEL", "turnout models default")


def test_a_bad_default_model_names_where_it_came_from(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TURNOUT_MODEL", "gpt-4o")
    code, _, err = run_cli(["explain"], capsys)
    assert code == 2
    assert_one_clean_error(err, "$TURNOUT_MODEL", "'gpt-4o'")


def test_usage_error_with_json_also_ends_stdout_with_an_error_object(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["run", "--json", "-m", "gpt-4o", "hi"], capsys)
    assert code == 2
    (line,) = out.splitlines()
    error = json.loads(line)
    assert error["type"] == "error"
    assert error["error"]["type"] == "UsageError" and error["error"]["exit_code"] == 2
    assert "'gpt-4o'" in error["error"]["message"]


def test_help_shows_examples_and_exit_codes(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    assert "examples:" in top and "turnout run -c" in top and "130 interrupted" in top
    assert main(["run", "--help"]) == 0
    run_help = capsys.readouterr().out
    assert "examples:" in run_help and "| turnout run -m" in run_help and "-o temperature 0" in run_help


def test_version(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import turnout

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"turnout {turnout.__version__}"


# -- runtime errors: exit 1, one line, --json error object -------------------------------------


def _status_server(status: int, body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def test_http_error_with_json_ends_with_one_error_line(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}).encode()
    with serve(_status_server(401, body)) as origin:
        code, out, err = run_cli(["run", "--config", write_config(clean_env, origin), "--native", "--json",
                                  "-m", MODEL, "hi"], capsys)  # fmt: skip
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    terminal = [line for line in lines if line["type"] in ("finish", "error")]
    assert terminal == [lines[-1]]
    assert lines[-1]["error"]["type"] == "AuthenticationError"
    assert lines[-1]["error"]["exit_code"] == 1
    assert "Incorrect API key provided" in lines[-1]["error"]["message"]
    assert_one_clean_error(err, "Incorrect API key provided")
    assert "test-key-1234" not in out + err


def test_stream_that_breaks_after_step_start_still_ends_with_an_error_line(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = demo_bodies()["plain"].split(b"\n\n")
    first_delta = next(i for i, frame in enumerate(frames) if b"output_text.delta" in frame)
    truncated = b"\n\n".join(frames[: first_delta + 1]) + b"\n\ndata: {not json\n\n"
    with serve_sse([truncated]) as server:
        argv = ["run", "--config", write_config(clean_env, server.url), "--native", "--json", "-m", MODEL, "hi"]
        code, out, err = run_cli(argv, capsys)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["type"] == "step-start"
    assert lines[-1]["type"] == "error" and lines[-1]["error"]["exit_code"] == 1
    assert sum(line["type"] in ("finish", "error") for line in lines) == 1
    assert "Traceback" not in err


def test_no_runtime_with_json_prints_only_the_error_line(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", "--json", "-m", MODEL, "hi"], capsys)  # no key configured
    assert code == 1
    (line,) = out.splitlines()
    error = json.loads(line)["error"]
    assert error["type"] == "UnsupportedRequestError"
    assert "no runtime can handle openai/gpt-4.1-mini" in error["message"]
    assert "Traceback" not in err and err.startswith("error: no runtime can handle")


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ("", ["TURNOUT_PLUGINS is set but empty", "native_openai"]),
        ("native_opnai", ["TURNOUT_PLUGINS names 'native_opnai'", "not installed", "native_openai"]),
    ],
)
def test_turnout_plugins_empty_or_misspelt_gives_a_hint(
    value: str, needles: list[str], clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(clean_env, "http://127.0.0.1:9")
    monkeypatch.setenv("TURNOUT_PLUGINS", value)
    code, _, err = run_cli(["run", "--config", config, "-m", MODEL, "hi"], capsys)
    assert code == 1
    assert "no runtime can handle" in err and "Traceback" not in err
    hint = next(line for line in err.splitlines() if line.startswith("hint: "))
    for needle in needles:
        assert needle in hint


def test_ctrl_c_at_any_point_exits_130_without_traceback(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import turnout.cli

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(turnout.cli, "build_cli", interrupted)  # as during the imports of the first second
    code, out, err = run_cli(["run", "--json", "-m", MODEL, "hi"], capsys)
    assert code == 130
    assert err == "error: interrupted\n"
    assert json.loads(out)["error"] == {"type": "Interrupted", "message": "interrupted", "exit_code": 130}


def test_an_unexpected_bug_is_one_line_and_asks_for_v(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import turnout.cli.inspect

    def broken(*args: object) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(turnout.cli.inspect, "selection_as_dict", broken)
    code, _, err = run_cli(["explain", "-m", MODEL], capsys)
    assert code == 1
    assert_one_clean_error(err, "RuntimeError: something inside broke", "run with -v")
    code, _, err = run_cli(["explain", "-v", "-m", MODEL], capsys)
    assert code == 1 and "Traceback" in err  # -v shows it


def test_a_command_handler_raising_usage_error_exits_2(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import turnout.cli.inspect

    def handler(args: object) -> int:
        raise UsageError("--org must name one of your orgs")  # what a plugin's command would raise

    monkeypatch.setattr(turnout.cli.inspect, "_plugins", handler)
    code, out, err = run_cli(["plugins"], capsys)
    assert code == 2 and out == ""
    assert_one_clean_error(err, "--org must name one of your orgs")


# -- logs ------------------------------------------------------------------------------------------


def test_v_logs_the_selection_with_runtime_provider_model_and_every_decline(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["explain", "-v", "--config", write_config(clean_env, "http://127.0.0.1:9"),
                            "-m", MODEL], capsys)  # fmt: skip
    assert code == 0
    line = next(line for line in err.splitlines() if "llm runtime selected" in line)
    assert line.startswith("INFO turnout.selection: llm runtime selected")
    assert "runtime=aisdk-fallback" in line and "provider=openai" in line and "model=gpt-4.1-mini" in line
    assert "native runtime is disabled" in line  # the declined reason, named


def test_retries_are_logged_with_attempt_wait_and_cause(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = [503, 200]
    body = demo_bodies()["plain"]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            status = answers.pop(0)
            payload = body if status == 200 else b'{"error": {"message": "overloaded"}}'
            self.send_response(status)
            self.send_header("content-type", "text/event-stream" if status == 200 else "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with stamina.set_testing(True, attempts=3), serve(Handler) as origin:
        code, _, err = run_cli(["run", "--config", write_config(clean_env, origin), "--native", "-m", MODEL,
                                "hi"], capsys)  # fmt: skip
    assert code == 0
    (line,) = [line for line in err.splitlines() if "retrying" in line]
    assert line.startswith("WARNING turnout.http.retry: retrying POST 127.0.0.1/v1/responses in ")
    assert "(attempt 2 of 3) after HTTP 503 from 127.0.0.1" in line
    assert "stamina" not in err


def test_a_plugin_that_fails_to_load_is_reported_once(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import turnout.plugins

    real = importlib_metadata.entry_points
    broken = importlib_metadata.EntryPoint(name="broken_one", value="turnout_no_such_module_xyz", group="turnout")

    def with_broken(**kwargs: str) -> list[importlib_metadata.EntryPoint]:
        return [*real(**kwargs), broken]

    monkeypatch.setattr(turnout.plugins.importlib_metadata, "entry_points", with_broken)
    code, _, err = run_cli(["explain", "--config", write_config(clean_env, "http://127.0.0.1:9"), "-m", MODEL], capsys)
    assert code == 0
    assert err.count("'broken_one' failed to load") == 1, err


def test_logging_is_put_back_after_an_in_process_run(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("turnout")
    before = (logger.level, list(logger.handlers), logging.getLogger("stamina").level)
    run_cli(["explain", "-vv", "--config", write_config(clean_env, "http://127.0.0.1:9"), "-m", MODEL], capsys)
    assert (logger.level, list(logger.handlers), logging.getLogger("stamina").level) == before


# -- replay ----------------------------------------------------------------------------------------


def test_replay_ignores_the_current_directory_config_and_hints_turnout_run(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = clean_env / "hello.json"
    with serve_sse([demo_bodies()["plain"]]) as server:
        recorder = clean_env / "rec"
        recorder.mkdir()
        argv = ["run", "--config", write_config(recorder, server.url), "--native", "--json", "--record", str(cassette)]
        assert main([*argv, "-m", MODEL, "hi"]) == 0
    recorded = capsys.readouterr().out
    # a config in the current directory pointing elsewhere, with another key: replay must not care
    write_config(clean_env, "http://127.0.0.1:9", key="other-key-5678")
    code, out, _ = run_cli(["replay", str(cassette), "--json"], capsys)
    assert code == 0
    assert out == recorded
    # a cassette that no longer matches: the hint is the CLI's, not pytest's
    data = json.loads(cassette.read_text())
    data["metadata"]["turnout"]["request"]["messages"][0]["content"][0]["text"] = "something else"
    cassette.write_text(json.dumps(data))
    code, _, err = run_cli(["replay", str(cassette)], capsys)
    assert code == 1
    assert "turnout run --record" in err and "--turnout-record" not in err and "Traceback" not in err


def test_ctrl_c_wrapped_by_an_import_still_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import turnout.cli

    def interrupted_import() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:  # how Python reports Ctrl-C inside a class's __set_name__
            raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from exc

    monkeypatch.setattr(turnout.cli, "build_cli", interrupted_import)
    assert turnout.cli.main(["plugins"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"
