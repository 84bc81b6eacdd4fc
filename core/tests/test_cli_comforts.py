"""The everyday comforts of ``turnout run``: stdin, -s, -o, -a, a default model, the conversation
log (``turnout logs``, ``-c``, ``--cid``), what ran shown on stderr, spinner, NO_COLOR, reasoning
parts kept apart, and ``turnout models`` showing what is in effect."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from turnout.cli import main
from turnout.cli.render import DIM, EventPrinter, Spinner
from turnout.events import ReasoningDelta, TextDelta

from core.tests.test_cli import demo_bodies
from testsupport import recorded_path
from testsupport.cli import MODEL, run_cli, write_config
from testsupport.loopback import serve, serve_sse


def sent_body(server: Any, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(server.requests[index]["body"])
    return body


def user_texts(body: dict[str, Any]) -> list[str]:
    """Every text the lowered Responses input carries, in order, whoever said it."""
    texts = []
    for item in body["input"]:
        content = item.get("content")
        if isinstance(content, str):
            texts.append(content)
        for part in content if isinstance(content, list) else []:
            if "text" in part:
                texts.append(part["text"])
    return texts


@pytest.fixture
def plain_server(clean_env: Path):  # type: ignore[no-untyped-def]
    with serve_sse([demo_bodies()["plain"]]) as server:
        server.config = write_config(clean_env, server.url)  # type: ignore[attr-defined]
        yield server


def native_run(server: Any, *argv: str) -> list[str]:
    return ["run", "--config", server.config, "--native", *argv]


def test_prompt_from_stdin_when_missing_or_dash(
    plain_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Why is the sky blue?\n"))
    assert main(native_run(plain_server, "-m", MODEL)) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("From a dash\n"))
    assert main(native_run(plain_server, "-m", MODEL, "-")) == 0
    capsys.readouterr()
    assert user_texts(sent_body(plain_server, 0)) == ["Why is the sky blue?\n"]
    assert user_texts(sent_body(plain_server, 1)) == ["From a dash\n"]


def test_empty_stdin_is_a_usage_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    code, _, err = run_cli(["run", "-m", MODEL], capsys)
    assert code == 2 and "empty" in err and "Traceback" not in err


def test_system_and_generation_and_provider_options(plain_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    argv = native_run(plain_server, "-m", MODEL, "-s", "Be brief.", "-o", "temperature", "0", "-o", "max_tokens",
                      "200", "-o", "reasoning_effort", "low", "-o", "top_p", "0.5", "hi")  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    body = sent_body(plain_server)
    assert body["input"][0] == {"role": "system", "content": "Be brief."}
    assert body["temperature"] == 0 and body["top_p"] == 0.5
    assert body["max_output_tokens"] == 200
    assert body["reasoning"]["effort"] == "low"


def test_attachments_from_a_file_and_a_url(
    plain_server: Any, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = b"\x89PNG\r\n\x1a\nnot-really-an-image"
    (clean_env / "dot.png").write_bytes(png)

    class Files(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "image/jpeg")
            self.send_header("content-length", "4")
            self.end_headers()
            self.wfile.write(b"jpeg")

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Files) as origin:
        argv = native_run(plain_server, "-m", MODEL, "-a", "dot.png", "-a", f"{origin}/cat.jpg", "What is this?")
        assert main(argv) == 0
    capsys.readouterr()
    sent = json.dumps(sent_body(plain_server))
    assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in sent
    assert f"data:image/jpeg;base64,{base64.b64encode(b'jpeg').decode()}" in sent


def test_default_model_from_the_command_the_environment_and_the_config(
    plain_server: Any, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Path(plain_server.config)
    config.write_text('default_model = "openai/from-config"\n' + config.read_text())
    assert main(["models", "default", "--config", str(config), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "model": "openai/from-config",
        "source": f"default_model in {config}",
    }
    assert main(native_run(plain_server, "hi")) == 0
    assert main(["models", "default", "openai/from-command"]) == 0
    assert main(native_run(plain_server, "hi")) == 0
    monkeypatch.setenv("TURNOUT_MODEL", "openai/from-env")
    assert main(native_run(plain_server, "hi")) == 0
    err = capsys.readouterr().err
    assert [sent_body(plain_server, i)["model"] for i in range(3)] == ["from-config", "from-command", "from-env"]
    assert "[openai/from-env via native-openai" in err


def test_run_shows_model_and_runtime_on_stderr_and_logs_the_exchange(
    plain_server: Any, clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(native_run(plain_server, "-m", MODEL, "-s", "Be brief.", "What does a turnout do?")) == 0
    out, err = capsys.readouterr()
    summary = err.strip().splitlines()[-1]
    assert summary.startswith(f"[{MODEL} via native-openai · conversation ")
    cid = summary.rsplit(" ", 1)[-1].rstrip("]")
    assert main(["logs", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    answer = out.split("\n[finish:")[0]
    assert entry["conversation_id"] == cid and entry["model"] == MODEL and entry["runtime"] == "native-openai"
    assert entry["prompt"] == "What does a turnout do?" and entry["system"] == ["Be brief."]
    assert entry["response"] == answer.strip()
    assert entry["usage"]["total_tokens"] == 73
    assert main(["logs"]) == 0
    listing = capsys.readouterr().out
    assert entry["id"] in listing and "'What does a turnout do?'" in listing
    assert main(["logs", entry["id"]]) == 0
    shown = capsys.readouterr().out
    assert "What does a turnout do?" in shown and answer.strip() in shown


def test_continue_sends_the_earlier_turns_and_keeps_the_conversation(
    plain_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(native_run(plain_server, "-m", MODEL, "-s", "Be brief.", "First question")) == 0
    first_answer = capsys.readouterr().out.split("\n[finish:")[0].strip()
    assert main(native_run(plain_server, "-c", "Second question")) == 0  # model and system come from the log
    capsys.readouterr()
    assert main(["logs", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert len({entry["conversation_id"] for entry in entries}) == 1
    second = sent_body(plain_server, 1)
    assert second["model"] == "gpt-4.1-mini"
    assert user_texts(second) == ["Be brief.", "First question", first_answer, "Second question"]
    assert main(native_run(plain_server, "--cid", entries[0]["conversation_id"], "Third")) == 0
    third = user_texts(sent_body(plain_server, 2))
    assert third == ["Be brief.", "First question", first_answer, "Second question", first_answer, "Third"]
    capsys.readouterr()
    assert main(["logs", "--cid", entries[0]["conversation_id"], "--json"]) == 0
    assert [e["prompt"] for e in json.loads(capsys.readouterr().out)] == ["First question", "Second question", "Third"]


def test_the_log_stores_no_secret_and_no_log_turns_it_off(
    plain_server: Any, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(native_run(plain_server, "-m", MODEL, "hi")) == 0
    database = clean_env / "data" / "logs.db"
    assert database.stat().st_mode & 0o077 == 0
    assert b"test-key-1234" not in database.read_bytes()
    dump = "\n".join(sqlite3.connect(database).iterdump())
    assert "test-key-1234" not in dump and "authorization" not in dump.lower()
    assert main(native_run(plain_server, "-m", MODEL, "--no-log", "hi")) == 0
    monkeypatch.setenv("TURNOUT_LOGS", "0")
    assert main(native_run(plain_server, "-m", MODEL, "hi")) == 0
    capsys.readouterr()
    assert main(["logs", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_reasoning_dim_on_a_terminal_plain_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal()
    EventPrinter(as_json=False, out=terminal)(ReasoningDelta(id="r", text="thinking"))
    assert terminal.getvalue() == f"{DIM}thinking\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    EventPrinter(as_json=False, out=terminal)(ReasoningDelta(id="r", text="thinking"))
    assert terminal.getvalue() == "thinking"


def test_spinner_only_on_a_terminal_and_erased_before_the_answer() -> None:
    import asyncio

    async def spin(out: io.StringIO) -> None:
        spinner = Spinner("waiting…", out=out, interval=0.001)
        spinner.start()
        await asyncio.sleep(0.01)
        spinner.stop()

    terminal, pipe = FakeTerminal(), io.StringIO()
    asyncio.run(spin(terminal))
    asyncio.run(spin(pipe))
    assert "waiting…" in terminal.getvalue() and terminal.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""


def test_no_spinner_or_colour_in_captured_output(plain_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(native_run(plain_server, "-m", MODEL, "hi")) == 0
    out, err = capsys.readouterr()
    assert "\x1b[" not in out + err and "⠋" not in err


def test_reasoning_summary_parts_are_kept_apart() -> None:
    path = recorded_path("openai-responses", "pydantic-ai__thinking-part-iter.0.sse")
    parts: dict[tuple[str, int], str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("data: {"):
            data = json.loads(line.removeprefix("data: "))
            if data["type"] == "response.reasoning_summary_text.delta":
                key = (data["item_id"], data["summary_index"])
                parts[key] = parts.get(key, "") + data["delta"]
    texts = list(parts.values())
    assert len(texts) >= 2
    out = io.StringIO()
    printer = EventPrinter(as_json=False, out=out)
    for (item, index), text in parts.items():
        half = len(text) // 2  # two deltas per part, as a stream would send them
        printer(ReasoningDelta(id=f"{item}:{index}", text=text[:half]))
        printer(ReasoningDelta(id=f"{item}:{index}", text=text[half:]))
    printer(TextDelta(id="msg", text="Answer."))
    shown = out.getvalue()
    assert shown == "\n\n".join([*texts, "Answer."])


def test_reasoning_parts_apart_through_the_native_runtime(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = recorded_path("openai-responses", "pydantic-ai__thinking-part-iter.0.sse")
    first_two: dict[int, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("data: {"):
            data = json.loads(line.removeprefix("data: "))
            if data["type"] == "response.reasoning_summary_text.done" and len(first_two) < 2:
                first_two[data["summary_index"]] = data["text"]
    with serve_sse([path.read_bytes()]) as server:
        assert main(["run", "--config", write_config(clean_env, server.url), "--native", "-m", "openai/o3-mini",
                     "hi"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert first_two[0] + "\n\n" + first_two[1] in out


# -- turnout models -----------------------------------------------------------------------------


def test_models_shows_where_values_come_from(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = clean_env / "turnout.toml"
    config.write_text(
        '[provider.openai]\noptions = { apiKey = "{env:MY_OPENAI_KEY}" }\n'
        '[provider.openai.models."gpt-4.1-mini"]\n'
        '[provider.acme]\nnpm = "@ai-sdk/openai-compatible"\napi = "https://llm.acme.test/v1"\n'
    )
    assert main(["models", "--json"]) == 0  # ./turnout.toml is found
    rows = {row["provider"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["openai"]["source"] == "built-in + turnout.toml"
    assert rows["openai"]["api_key"] == {"configured": False, "from": "{env:MY_OPENAI_KEY}"}
    assert rows["openai"]["models"]["gpt-4.1-mini"]["source"] == "turnout.toml"
    assert rows["acme"]["source"] == "turnout.toml" and rows["acme"]["base_url"] == "https://llm.acme.test/v1"
    assert rows["anthropic"]["source"] == "built-in"
    assert main(["models", "--provider", "acme"]) == 0
    text = capsys.readouterr().out
    assert "acme — " in text and "from turnout.toml; no key" in text


def test_models_without_a_zen_login_or_key_shows_only_the_free_models(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "--provider", "opencode", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert list(row["models"]) == ["big-pickle"]
    assert row["source"].startswith("built-in + ")
