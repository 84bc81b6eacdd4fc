"""Every fenced code block in README.md and docs/*.md is run or checked, so the docs cannot drift.

The first word of a block's info string says what it is, an optional second word how it is used;
a block that fits none of these fails (nothing escapes silently):

- ``python``: executed (cwd: a scratch directory; ``$TURNOUT_CONFIG`` points OpenAI at a loopback
  server answering with the demo's sample exchanges); a module-level ``turnout_manifest`` is also
  registered as a plugin, so the contract is checked.
- ``python fragment``: compiled: a piece of a larger file (a pytest fixture, a test using the
  reader's own helpers).
- ``toml``: a turnout configuration: validated, and every model it lists resolves, with the
  package it names.
- ``toml pyproject``: packaging metadata: parsed; it declares a ``turnout`` entry point.
- ``json`` / ``jsonl``: parsed (``jsonl excerpt``: ``...`` lines allowed).
- ``sh`` / ``console``: each ``turnout …`` line (optionally fed by ``echo TEXT |``) runs
  in-process against the loopback server and must exit 0.
- ``sh setup`` / ``console setup``: installs or runs other tools (pip, uv, pytest): shown, not run.
- ``text``: output or an error message, for reading.
- ``dockerfile``: a container image recipe: shown, not built (no container engine in the tests).
"""

from __future__ import annotations

import io
import json
import re
import shlex
import tomllib
import types
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from turnout.cli import main
from turnout.config import Config
from turnout.plugins import PluginSet

from core.tests.test_cli import demo_bodies
from testsupport.cli import MODEL
from testsupport.loopback import serve

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.S | re.M)
KINDS = {
    ("python", ""),
    ("python", "fragment"),
    ("toml", ""),
    ("toml", "pyproject"),
    ("json", ""),
    ("jsonl", ""),
    ("jsonl", "excerpt"),
    ("sh", ""),
    ("console", ""),
    ("sh", "setup"),
    ("console", "setup"),
    ("text", ""),
    ("dockerfile", ""),
}


@dataclass(frozen=True)
class Block:
    """One fenced code block."""

    path: Path
    line: int
    language: str
    usage: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}:{self.language}{'-' + self.usage if self.usage else ''}"


def blocks() -> list[Block]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            words = match["info"].split()
            line = text.count("\n", 0, match.start()) + 1
            language, usage = [*words, "", ""][:2]
            found.append(Block(path, line, language, usage, match["body"]))
    return found


BLOCKS = blocks()


def test_every_markdown_file_has_its_blocks_found() -> None:
    for path in DOCS:
        fences = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("```"))
        assert fences == 2 * sum(1 for b in BLOCKS if b.path == path), f"{path}: an unbalanced or odd fence"


def answer(body: dict[str, Any]) -> bytes:
    """The demo's sample exchanges: plain text, a tool call, the answer after the tool result."""
    items = body.get("input") or []
    if any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
        return demo_bodies()["tool-output"]
    return demo_bodies()["tools" if body.get("tools") else "plain"]


class Loopback(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        payload = answer(json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}"))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"an attachment")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def docs_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch cwd and a loopback server as OpenAI in $TURNOUT_CONFIG."""
    for name in ("TURNOUT_EXPERIMENTAL_NATIVE_LLM", "TURNOUT_EXPERIMENTAL", "TURNOUT_PLUGINS", "TURNOUT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNOUT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPENAI_API_KEY", "fixture-docs-key")
    monkeypatch.chdir(tmp_path)
    with serve(Loopback) as origin:
        config = tmp_path / "loopback.toml"
        config.write_text(f'[provider.openai]\noptions = {{ baseURL = "{origin}/v1" }}\n')
        monkeypatch.setenv("TURNOUT_CONFIG", str(config))
        monkeypatch.setenv("DOCS_LOOPBACK", origin)
        yield tmp_path


def record_cassettes_named_in(block: Block) -> None:
    """Record, through the loopback server, each ``tests/cassettes/*.json`` the block loads."""
    for name in re.findall(r"tests/cassettes/[\w-]+\.json", block.code):
        assert main(["run", "--no-log", "--record", name, "-m", MODEL, "hi"]) == 0


def run_python(block: Block) -> None:
    namespace: dict[str, Any] = {"__name__": f"doc_example_{block.line}"}
    exec(compile(block.code, block.id, "exec"), namespace)
    if "turnout_manifest" in namespace:  # a plugin: registering checks it against the contract
        module = types.ModuleType(namespace["__name__"])
        module.__dict__.update(namespace)
        PluginSet().register(module)


def check_config(block: Block) -> None:
    data = tomllib.loads(block.code)
    config = Config.from_data(data, source=block.id)
    for provider_id, provider in (data.get("provider") or {}).items():
        for model_id, model in (provider.get("models") or {}).items():
            resolved = config.resolve(f"{provider_id}/{model_id}")
            expected = (model.get("provider") or {}).get("npm")
            if expected:
                assert resolved.package == expected, f"{provider_id}/{model_id}: the override does nothing"


def run_commands(block: Block, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    commands = [line for line in block.code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands, f"{block.id}: no command"
    for command in commands:
        words = shlex.split(command, comments=True)
        stdin = ""
        if words[0] == "echo" and "|" in words:
            bar = words.index("|")
            stdin, words = " ".join(words[1:bar]) + "\n", words[bar + 1 :]
        assert words[0] == "turnout", f"{block.id}: {command!r} is not a turnout command; mark the block 'setup'"
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(words[1:])
        _, err = capsys.readouterr()
        assert code == 0, f"{block.id}: {command!r} exited {code}: {err}"
        assert "Traceback" not in err


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_doc_block(
    block: Block, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = (block.language, block.usage)
    assert kind in KINDS, f"{block.id}: unclassified block ```{' '.join(kind).strip()} (see this module's docstring)"
    match kind:
        case ("python", ""):
            request.getfixturevalue("docs_env")
            record_cassettes_named_in(block)
            capsys.readouterr()
            run_python(block)
        case ("python", "fragment"):
            compile(block.code, block.id, "exec")
        case ("toml", ""):
            check_config(block)
        case ("toml", "pyproject"):
            data = tomllib.loads(block.code)
            assert data["project"]["entry-points"]["turnout"], f"{block.id}: no turnout entry point"
        case ("json", ""):
            json.loads(block.code)
        case ("jsonl", usage):
            for line in block.code.splitlines():
                if not (usage == "excerpt" and line.strip() == "..."):
                    json.loads(line)
        case ("sh" | "console", ""):
            request.getfixturevalue("docs_env")
            run_commands(block, capsys, monkeypatch)
        case _:
            pass  # setup commands, text and recipes: shown, not run (classified above)


def test_the_quickstart_prints_the_answer_and_then_the_runtime_on_its_own_line(
    docs_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quickstart = next(b for b in BLOCKS if b.path.name == "README.md" and b.language == "python")
    run_python(quickstart)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "runtime: aisdk-fallback"
    assert lines[-2] == "It is 21 °C and sunny in Paris."
