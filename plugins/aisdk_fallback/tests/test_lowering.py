"""Lowering: LLMRequest → pydantic-ai messages, tools, settings; continuation state round-trips."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import turnout
from fallback_support import (
    LoopbackServer,
    anthropic_stream,
    anthropic_text,
    anthropic_thinking,
    provider_config,
    run_fallback,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic_ai import messages as pai
from turnout.config import Config
from turnout.errors import UnsupportedRequestError
from turnout_aisdk_fallback import plugin

PNG = b"\x89PNG\r\n\x1a\n-image-bytes"


def lower(
    request: turnout.LLMRequest,
    package: str = "@ai-sdk/openai",
    tools: list[turnout.Tool] | None = None,
) -> Any:
    model = Config.from_data(provider_config("http://127.0.0.1:9/v1", package)).resolve(request.model)
    wire = plugin.turnout_lower_request(request, model, tools or [])
    assert wire is not None
    return wire


def test_messages_parts_and_settings() -> None:
    request = turnout.LLMRequest(
        model="p/m",
        system=["Be brief.", "Be kind."],
        messages=[
            turnout.user(
                "look",
                turnout.MediaPart(media_type="image/png", data=base64.b64encode(PNG).decode()),
            ),
            turnout.assistant(turnout.ToolCallPart(id="call_1", name="weather", input={"city": "Oslo"})),
            turnout.tool_message(
                turnout.ToolResultPart(id="call_1", name="weather", result=turnout.ToolResultValue(value={"t": 3})),
            ),
            turnout.tool_message(
                turnout.ToolResultPart(
                    id="call_2",
                    name="weather",
                    result=turnout.ToolResultValue(type="error", value="boom"),
                ),
            ),
            turnout.user("and now?"),
        ],
        tool_choice={"type": "tool", "name": "weather"},
        generation=turnout.Generation(max_tokens=64, temperature=0.2, top_p=0.9, seed=7, stop=["END"]),
        provider_options={"p": {"reasoning_effort": "low"}},
        headers={"x-trace": "abc"},
    )
    tool = turnout.Tool(name="weather", description="Weather.", input_schema={"type": "object", "properties": {}})
    # Chat Completions: the route that can send seed and stop sequences (Responses cannot: refused).
    wire = lower(request, "@ai-sdk/openai-compatible", tools=[tool])
    lowered = wire.payload
    first, response, last = lowered.messages
    assert [p.content for p in first.parts[:2]] == ["Be brief.", "Be kind."]
    text, image = first.parts[2].content
    assert text == "look" and image.data == PNG and image.media_type == "image/png"
    (call,) = response.parts
    assert (call.tool_name, call.tool_call_id, call.args) == ("weather", "call_1", {"city": "Oslo"})
    ok, failed, prompt = last.parts
    assert (ok.content, ok.outcome) == ({"t": 3}, "success")
    assert (failed.content, failed.outcome) == ("boom", "failed")
    assert prompt.content == "and now?"
    assert lowered.settings == {
        "max_tokens": 64,
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "stop_sequences": ["END"],
        "tool_choice": ["weather"],
        "openai_reasoning_effort": "low",
    }
    (definition,) = lowered.parameters.function_tools
    assert (definition.name, definition.description) == ("weather", "Weather.")
    # the route's auth and content type; the core layers caller headers (x-trace) over the model's
    assert wire.headers == {"authorization": "Bearer test-key", "content-type": "application/json"}
    assert wire.url == "http://127.0.0.1:9/v1"


def test_reasoning_state_from_events_goes_back_as_thinking_parts() -> None:
    metadata_openai = {"openai": {"itemId": "rs_1", "reasoningEncryptedContent": "enc"}}
    request = turnout.LLMRequest(
        model="p/m",
        messages=[
            turnout.user("q"),
            turnout.assistant(
                turnout.ReasoningPart(text="Plan.", provider_metadata=metadata_openai),
                turnout.ReasoningPart(text="More.", provider_metadata={"openai": {"itemId": "rs_1"}}),
                turnout.TextPart(text="A.", provider_metadata={"openai": {"itemId": "msg_1"}}),
            ),
            turnout.user("again"),
        ],
    )
    response = lower(request).payload.messages[1]
    first, second, text = response.parts
    assert isinstance(first, pai.ThinkingPart)
    assert (first.id, first.signature, first.provider_name) == ("rs_1", "enc", "openai")
    assert (second.id, second.signature) == ("rs_1", None)
    assert (text.id, text.provider_name) == ("msg_1", "openai")
    assert response.provider_name == "openai"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (
            turnout.user(turnout.ToolCallPart(id="c", name="t")),
            "user message cannot hold a 'tool-call'",
        ),
        (
            turnout.Message(role="tool", content=[turnout.TextPart(text="x")]),
            "only hold tool results",
        ),
        (
            turnout.user(turnout.MediaPart(media_type="image/png", data="not base64!")),
            "valid base64",
        ),
    ],
)
def test_input_it_cannot_send_is_a_clear_unsupported_request(message: turnout.Message, error: str) -> None:
    with pytest.raises(UnsupportedRequestError, match=error):
        lower(turnout.LLMRequest(model="p/m", messages=[message]))


@given(st.binary(max_size=256), st.sampled_from(["raw", "base64", "data-url"]))
def test_media_bytes_survive_every_encoding(data: bytes, form: str) -> None:
    encoded = base64.b64encode(data).decode()
    value: str | bytes = {
        "raw": data,
        "base64": encoded,
        "data-url": f"data:image/png;base64,{encoded}",
    }[form]
    wire = lower(
        turnout.LLMRequest(
            model="p/m",
            messages=[turnout.user("x", turnout.MediaPart(media_type="image/png", data=value))],
        )
    )
    assert wire.payload.messages[0].parts[0].content[1].data == data


_THINKING = anthropic_stream(
    anthropic_thinking("Hmm.", signature="sig-9"),
    anthropic_text("Yes."),
    usage={"input_tokens": 3, "output_tokens": 1},
    stop_reason="end_turn",
    output_tokens=4,
    model="c",
)


def test_anthropic_thinking_signature_round_trips_over_the_wire(loopback: LoopbackServer) -> None:
    """A reasoning-end's metadata, sent back in a ReasoningPart, reaches Anthropic signed."""
    loopback.serve(_THINKING)
    config = provider_config(loopback.base_url, "@ai-sdk/anthropic")
    first = turnout.LLMRequest(model="p/m", messages=[turnout.user("q")])
    events, _ = run_fallback(config, first)
    (end,) = [e for e in events if e.type == "reasoning-end"]
    assert end.provider_metadata == {"anthropic": {"signature": "sig-9"}}
    follow_up = first.model_copy(
        update={
            "messages": [
                *first.messages,
                turnout.assistant(
                    turnout.ReasoningPart(text="Hmm.", provider_metadata=end.provider_metadata),
                    "Yes.",
                ),
                turnout.user("why?"),
            ]
        }
    )
    run_fallback(config, follow_up)
    sent = loopback.requests[-1].body["messages"][1]
    assert sent["role"] == "assistant"
    assert sent["content"][0] == {"type": "thinking", "thinking": "Hmm.", "signature": "sig-9"}
    assert sent["content"][1]["text"] == "Yes."
