"""``LLMRequest`` → the Messages request: headers, body keys, media, tools, options, errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import SecretStr
from turnout.config import ResolvedModel
from turnout.errors import UnsupportedRequestError
from turnout.request import (
    LLMRequest,
    MediaPart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    ToolResultValue,
    assistant,
    tool_message,
    user,
)
from turnout.tools import Tool
from turnout_native_anthropic.lowering import default_max_tokens, lower_request

PNG = b"\x89PNG\r\n\x1a\n-image-bytes"
PDF = b"%PDF-1.7 tiny"
NO_CACHE = {"anthropic": {"cache": "none"}}


def model(**changes: Any) -> ResolvedModel:
    values: dict[str, Any] = {
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "api_id": "claude-sonnet-4-5",
        "package": "@ai-sdk/anthropic",
        "base_url": None,
        "api_key": SecretStr("sk-ant-test"),
    }
    return ResolvedModel(**{**values, **changes})


def request(*messages: Any, **changes: Any) -> LLMRequest:
    changes.setdefault("provider_options", NO_CACHE)
    return LLMRequest(model="anthropic/claude-sonnet-4-5", messages=list(messages) or [user("hi")], **changes)


def tool(name: str = "lookup") -> Tool:
    return Tool(
        name=name, description="Look up.", input_schema={"type": "object", "properties": {}}, execute=lambda a, c: ""
    )


def test_url_headers_and_minimal_body() -> None:
    wire = lower_request(
        request(headers={"x-trace": "t1"}),
        model(base_url="https://proxy.test/v1/", headers={"x-team": "a"}, options={"betas": ["files-api-2025-04-14"]}),
        [],
    )
    assert wire.url == "https://proxy.test/v1/messages"
    assert wire.headers == {
        "x-api-key": "sk-ant-test",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        "anthropic-beta": "files-api-2025-04-14",
        "x-team": "a",
        "x-trace": "t1",
    }
    assert wire.json_body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64_000,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "stream": True,
    }
    assert list(wire.json_body) == ["model", "max_tokens", "messages", "stream"]


def test_the_http_overlay_reaches_the_wire() -> None:
    overlay = {"body": {"metadata": {"user_id": "u-1"}, "max_tokens": 10}, "query": {"beta": "true"}, "timeout": 7.5}
    wire = lower_request(request(http=overlay), model(), [])
    assert wire.url == "https://api.anthropic.com/v1/messages?beta=true"
    assert wire.json_body["metadata"] == {"user_id": "u-1"}
    assert wire.json_body["max_tokens"] == 10  # the overlay is merged last and wins
    assert wire.timeout == 7.5


@pytest.mark.parametrize(
    ("model_id", "limit"),
    [
        ("claude-opus-4-1-20250805", 32_000),
        ("claude-opus-4-5", 64_000),
        ("claude-sonnet-4-20250514", 64_000),
        ("claude-haiku-4-5", 64_000),
        ("claude-3-5-haiku-latest", 8_192),
        ("claude-3-haiku-20240307", 4_096),
        ("some-proxy/claude-sonnet-4-5", 64_000),
    ],
)
def test_max_tokens_defaults_per_family(model_id: str, limit: int) -> None:
    assert default_max_tokens(model_id) == limit


def test_generation_settings_and_stop_sequences() -> None:
    generation = {"max_tokens": 100, "temperature": 0.2, "top_p": 0.9, "top_k": 5, "stop": ["END"]}
    body = lower_request(request(generation=generation), model(), []).json_body
    assert body["max_tokens"] == 100
    assert (body["temperature"], body["top_p"], body["top_k"], body["stop_sequences"]) == (0.2, 0.9, 5, ["END"])
    with pytest.raises(UnsupportedRequestError, match=r"generation\.seed"):
        lower_request(request(generation={"seed": 1}), model(), [])


def test_media_images_and_pdf_documents() -> None:
    message = user(
        "look",
        MediaPart(media_type="image/png", data=PNG),
        MediaPart(media_type="application/pdf", data=base64.b64encode(PDF).decode(), filename="spec.pdf"),
    )
    content = lower_request(request(message), model(), []).json_body["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "look"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
        },
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(PDF).decode()},
            "title": "spec.pdf",
        },
    ]
    with pytest.raises(UnsupportedRequestError, match="not audio/wav"):
        lower_request(request(user(MediaPart(media_type="audio/wav", data=b"RIFF"))), model(), [])


@pytest.mark.parametrize(
    ("choice", "options", "expected"),
    [
        ("auto", {}, {"type": "auto"}),
        ("required", {}, {"type": "any"}),
        ("none", {}, {"type": "none"}),
        ({"type": "tool", "name": "lookup"}, {}, {"type": "tool", "name": "lookup"}),
        ("required", {"disableParallelToolUse": True}, {"type": "any", "disable_parallel_tool_use": True}),
        (None, {"disable_parallel_tool_use": True}, {"type": "auto", "disable_parallel_tool_use": True}),
        (None, {}, None),
    ],
)
def test_tool_choice(choice: Any, options: dict[str, Any], expected: Any) -> None:
    body = lower_request(
        request(tool_choice=choice, provider_options={"anthropic": {"cache": "none", **options}}), model(), [tool()]
    ).json_body
    assert body["tools"] == [
        {"name": "lookup", "description": "Look up.", "input_schema": {"type": "object", "properties": {}}}
    ]
    assert body.get("tool_choice") == expected


def test_no_tool_choice_without_tools() -> None:
    assert "tool_choice" not in lower_request(request(tool_choice="required"), model(), []).json_body


def test_thinking_options() -> None:
    adaptive = {"anthropic": {"cache": "none", "thinking": {"type": "adaptive"}, "effort": "low"}}
    body = lower_request(request(generation={"temperature": 1}, provider_options=adaptive), model(), []).json_body
    assert (body["thinking"], body["output_config"], "temperature" in body) == (
        {"type": "adaptive"},
        {"effort": "low"},
        False,
    )
    for bad in ({"type": "enabled"}, {"type": "enabled", "budgetTokens": 10}, {"type": "sometimes"}):
        with pytest.raises(UnsupportedRequestError, match="thinking"):
            lower_request(request(provider_options={"anthropic": {"thinking": bad}}), model(), [])
    with pytest.raises(UnsupportedRequestError, match="effort"):
        lower_request(request(provider_options={"anthropic": {"effort": "extreme"}}), model(), [])
    with pytest.raises(UnsupportedRequestError, match="cache"):
        lower_request(request(provider_options={"anthropic": {"cache": "always"}}), model(), [])


def test_history_blocks_and_merged_tool_results() -> None:
    history = [
        user("q"),
        assistant(
            ReasoningPart(text="hmm", provider_metadata={"anthropic": {"signature": "sig"}}),
            ReasoningPart(text="openai summary", provider_metadata={"openai": {"itemId": "rs_1"}}),
            TextPart(text=""),
            TextPart(text="calling"),
            ToolCallPart(id="toolu_1", name="lookup", input={"q": 1}),
            ToolCallPart(id="toolu_2", name="lookup", input=None),
        ),
        tool_message(
            ToolResultPart(id="toolu_1", name="lookup", result=ToolResultValue(type="json", value={"a": [1, "é"]})),
            ToolResultPart(id="toolu_2", name="lookup", result=ToolResultValue(type="error", value="boom")),
        ),
        user(TextPart(text="and?", provider_metadata={"anthropic": {"cacheControl": {"type": "ephemeral"}}})),
    ]
    messages = lower_request(request(*history), model(), []).json_body["messages"]
    assert messages == [
        {"role": "user", "content": [{"type": "text", "text": "q"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "text", "text": "calling"},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": 1}},
                {"type": "tool_use", "id": "toolu_2", "name": "lookup", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"a":[1,"é"]}'},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "boom", "is_error": True},
                {"type": "text", "text": "and?", "cache_control": {"type": "ephemeral"}},
            ],
        },
    ]


def test_hosted_tool_blocks_go_back_only_when_anthropic_made_them() -> None:
    server = {"anthropic": {"blockType": "server_tool_use"}}
    result = {"anthropic": {"blockType": "web_search_tool_result"}}
    hosted = assistant(
        ToolCallPart(
            id="srvtoolu_1", name="web_search", input={"query": "q"}, provider_executed=True, provider_metadata=server
        ),
        ToolResultPart(
            id="srvtoolu_1",
            name="web_search",
            result=ToolResultValue(value=[{"type": "web_search_result", "url": "https://a.test"}]),
            provider_executed=True,
            provider_metadata=result,
        ),
        ToolCallPart(id="ws_1", name="web_search", input={}, provider_executed=True, provider_metadata={"openai": {}}),
        ToolResultPart(id="ws_1", name="web_search", result=ToolResultValue(value={}), provider_executed=True),
        TextPart(text="found it"),
    )
    messages = lower_request(request(user("q"), hosted), model(), []).json_body["messages"]
    assert messages[1]["content"] == [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_1",
            "content": [{"type": "web_search_result", "url": "https://a.test"}],
        },
        {"type": "text", "text": "found it"},
    ]


def test_unsupported_parts_raise_before_sending() -> None:
    with pytest.raises(UnsupportedRequestError, match="user messages cannot hold reasoning"):
        lower_request(request(user(ReasoningPart(text="x"))), model(), [])
    with pytest.raises(UnsupportedRequestError, match="tool results only"):
        lower_request(
            request(
                user("q"),
                tool_message(ToolResultPart(id="a", name="b", result=ToolResultValue())).model_copy(
                    update={"content": [TextPart(text="x")]}
                ),
            ),
            model(),
            [],
        )
    with pytest.raises(UnsupportedRequestError, match="serverTools"):
        lower_request(request(provider_options={"anthropic": {"serverTools": "web_search"}}), model(), [])
    with pytest.raises(UnsupportedRequestError, match="API key"):
        lower_request(request(), model(api_key=None), [])
