"""Lowering an ``LLMRequest`` to the Responses wire request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr
from turnout.config import ResolvedModel
from turnout.errors import UnsupportedRequestError
from turnout.request import (
    Generation,
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
from turnout_native_openai.lowering import lower_request

MODEL = ResolvedModel(
    provider="openai",
    model="gpt-5",
    api_id="gpt-5",
    package="@ai-sdk/openai",
    base_url="https://proxy.example/v1/",
    api_key=SecretStr("sk-test-key"),
    headers={"x-team": "search"},
)


def lower(
    request: LLMRequest, tools: list[Tool] | None = None, model: ResolvedModel = MODEL
) -> dict[str, Any]:
    return lower_request(request, model, tools or []).json_body  # type: ignore[no-any-return]


def request(**changes: Any) -> LLMRequest:
    return LLMRequest(model="openai/gpt-5", **{"messages": [user("hello")], **changes})


def test_url_headers_and_minimal_body() -> None:
    wire = lower_request(request(), MODEL, [])
    assert wire.method == "POST"
    assert wire.url == "https://proxy.example/v1/responses"
    assert list(wire.headers.items()) == [  # model headers, then auth, content-type last
        ("x-team", "search"),
        ("authorization", "Bearer sk-test-key"),
        ("content-type", "application/json"),
    ]
    assert wire.json_body == {  # the reference's gpt-5 defaults: not stored, medium effort, summaries
        "model": "gpt-5",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "hello"}]}],
        "store": False,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "stream": True,
    }


def test_default_base_url() -> None:
    wire = lower_request(request(), MODEL.model_copy(update={"base_url": None}), [])
    assert wire.url == "https://api.openai.com/v1/responses"


def test_every_option_in_reference_order() -> None:
    tool = Tool(
        name="lookup",
        description="Look up.",
        input_schema={"type": "object", "properties": {"q": {"type": "string"}}},
    )
    body = lower(
        request(
            system=["Be brief.", "Be kind."],
            tool_choice={"type": "tool", "name": "lookup"},
            generation=Generation(max_tokens=512, temperature=0, top_p=0.5),
            provider_options={
                "openai": {
                    "store": False,
                    "promptCacheKey": "session-1",
                    "reasoningEffort": "high",
                    "reasoning_summary": "auto",
                    "textVerbosity": "low",
                    "includeEncryptedReasoning": True,
                }
            },
        ),
        [tool],
    )
    assert list(body) == [
        "model",
        "input",
        "tools",
        "tool_choice",
        "store",
        "prompt_cache_key",
        "include",
        "reasoning",
        "text",
        "max_output_tokens",
        "temperature",
        "top_p",
        "stream",
    ]
    assert body["input"][0] == {"role": "system", "content": "Be brief.\nBe kind."}
    assert body["tools"] == [
        {
            "type": "function",
            "name": "lookup",
            "description": "Look up.",
            "parameters": tool.input_schema,
            "strict": False,
        }
    ]
    assert body["tool_choice"] == {"type": "function", "name": "lookup"}
    assert (body["store"], body["prompt_cache_key"], body["include"]) == (
        False,
        "session-1",
        ["reasoning.encrypted_content"],
    )
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["text"] == {"verbosity": "low"}
    assert (body["max_output_tokens"], body["temperature"], body["top_p"]) == (512, 0, 0.5)


def test_request_options_win_over_configured_ones() -> None:
    model = MODEL.model_copy(update={"options": {"store": True, "reasoningEffort": "low"}})
    body = lower(request(provider_options={"openai": {"reasoning_effort": "medium"}}), model=model)
    assert body["store"] is True
    assert body["reasoning"] == {"effort": "medium", "summary": "auto"}  # summary: the gpt-5 default


def test_images_become_data_urls() -> None:
    body = lower(
        request(messages=[user("see", MediaPart(media_type="image/png", data="iVBORw0KGgo="))])
    )
    assert body["input"][0]["content"][1] == {
        "type": "input_image",
        "image_url": "data:image/png;base64,iVBORw0KGgo=",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"generation": Generation(stop=["END"])},
        {"generation": Generation(top_k=3)},
        {"provider_options": {"openai": {"reasoningEffort": "max"}}},
        {"messages": [assistant(MediaPart(media_type="image/png", data="AA=="))]},
    ],
)
def test_input_it_cannot_send_is_unsupported_before_sending(changes: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedRequestError):
        lower(request(**changes))


def test_continuation_sends_reasoning_calls_and_outputs_back() -> None:
    reasoning = {"openai": {"itemId": "rs_1", "reasoningEncryptedContent": "gAAA"}}
    history = [
        user("weather?"),
        assistant(
            ReasoningPart(text="think a", provider_metadata=reasoning),
            ReasoningPart(text="think b", provider_metadata=reasoning),
            ReasoningPart(text="", provider_metadata={"openai": {"itemId": "rs_plain"}}),
            TextPart(text="Let me look."),
            ToolCallPart(
                id="call_1",
                name="lookup",
                input={"q": "Paris"},
                provider_metadata={"openai": {"itemId": "fc_1"}},
            ),
            ToolCallPart(id="ws_1", name="web_search", input={}, provider_executed=True),
        ),
        tool_message(
            ToolResultPart(
                id="call_1",
                name="lookup",
                result=ToolResultValue(type="json", value={"sky": "sunny"}),
            ),
        ),
        tool_message(
            ToolResultPart(
                id="call_2", name="lookup", result=ToolResultValue(type="error", value="boom")
            )
        ),
    ]
    body = lower(request(messages=history, provider_options={"openai": {"store": False}}))
    assert body["input"][1:] == [
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [
                {"type": "summary_text", "text": "think a"},
                {"type": "summary_text", "text": "think b"},
            ],
            "encrypted_content": "gAAA",
        },
        {"role": "assistant", "content": [{"type": "output_text", "text": "Let me look."}]},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "lookup",
            "arguments": json.dumps({"q": "Paris"}, separators=(",", ":")),
        },
        {"type": "function_call_output", "call_id": "call_1", "output": '{"sky":"sunny"}'},
        {"type": "function_call_output", "call_id": "call_2", "output": "boom"},
    ]
