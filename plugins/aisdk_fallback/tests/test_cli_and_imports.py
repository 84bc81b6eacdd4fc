"""Must-shows 4 and 5: ``turnout run`` end to end through the CLI with only the core and the
fallback plugin, and plugin discovery that imports no pydantic-ai / provider SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fallback_support import LoopbackServer, anthropic_stream, anthropic_text, provider_config, sse

TURNOUT = Path(sys.executable).parent / "turnout"

HELLO = anthropic_stream(
    anthropic_text("Hello from ", "the fallback."),
    usage={"input_tokens": 9, "output_tokens": 1},
    stop_reason="end_turn",
    output_tokens=6,
)


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    config = tmp_path / "turnout.toml"
    config.write_text(
        f'[provider.anthropic]\noptions = {{apiKey = "test-key", baseURL = "http://127.0.0.1:{port}/v1"}}\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TURNOUT_", "ANTHROPIC_"))}
    env.update(TURNOUT_CONFIG=str(config), TURNOUT_PLUGINS="aisdk_fallback", TURNOUT_DATA_DIR=str(tmp_path / "data"))
    return env


@pytest.mark.slow
def test_turnout_run_anthropic_through_the_cli(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.serve(HELLO)
    args = [str(TURNOUT), "run", "-m", "anthropic/claude-test", "--json", "Say hello"]
    done = subprocess.run(
        args,
        env=_env(tmp_path, loopback.port),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    (request,) = loopback.requests
    assert request.path == "/v1/messages"
    assert request.body["model"] == "claude-test"
    assert request.body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Say hello"}]}]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert "".join(e["text"] for e in events if e["type"] == "text-delta") == "Hello from the fallback."
    assert events[-1]["type"] == "finish" and events[-1]["reason"] == "stop"
    assert events[-1]["usage"]["input_tokens"] == 9 and events[-1]["usage"]["output_tokens"] == 6
    assert "test-key" not in done.stdout + done.stderr


@pytest.mark.slow
def test_discovery_imports_no_provider_sdk(tmp_path: Path) -> None:
    """``import turnout`` + ``Runtime()`` with this plugin discovered, and a selection through it,
    import neither pydantic-ai nor a provider SDK."""
    code = (
        "import sys, turnout\n"
        "rt = turnout.Runtime()\n"
        "assert 'aisdk_fallback' in rt.plugins.infos, sorted(rt.plugins.infos)\n"
        "request = turnout.LLMRequest(model='anthropic/claude-x', messages=[turnout.user('hi')])\n"
        "selection = rt.select(request)\n"
        "assert selection.runtime == 'aisdk-fallback', selection\n"
        "heavy = ('pydantic_ai', 'openai', 'anthropic', 'google.genai', 'mistralai')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
    env.update(
        TURNOUT_PLUGINS="aisdk_fallback",
        ANTHROPIC_API_KEY="test-key",
        TURNOUT_CONFIG=str(tmp_path / "none.toml"),
    )
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_request_imports_only_its_providers_sdk(loopback: LoopbackServer) -> None:
    """A Chat Completions request in a fresh process loads the openai SDK and pydantic-ai's
    OpenAI model, and no other provider's SDK or pydantic-ai model (OpenRouter's included)."""
    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    loopback.serve(
        sse(
            {**chunk, "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]},
            {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            named=False,
            done=True,
        )
    )
    code = (
        "import asyncio, sys, turnout\n"
        "from turnout_aisdk_fallback import plugin\n"
        f"config = {provider_config(loopback.base_url, '@ai-sdk/openai-compatible')!r}\n"
        "async def main():\n"
        "    async with turnout.Runtime(config=config, plugins=[plugin], load_entry_points=False) as rt:\n"
        "        request = turnout.LLMRequest(model='p/m', messages=[turnout.user('hi')])\n"
        "        return (await rt.generate(request)).text\n"
        "assert asyncio.run(main()) == 'hi'\n"
        "heavy = ('openai', 'anthropic', 'google.genai', 'mistralai')\n"
        "models = ('openai', 'openrouter', 'anthropic', 'google', 'mistral')\n"
        "heavy += tuple(f'pydantic_ai.models.{name}' for name in models)\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['openai', 'pydantic_ai.models.openai']"
