"""The official openai SDK, unchanged, against the gateway; upstreams replay recorded streams.

Expected text, tool calls and usage are read from the recordings' payloads (``gateway_support``).
"""

from __future__ import annotations

import json

import openai
import pytest
from conftest import Served
from gateway_support import (
    GATEWAY_KEY,
    chat_recorded,
    payloads,
    recording,
    responses_recorded,
)

TEXT = ("openai-responses", "mirascope__text-gpt-4o.0.sse")
CALLS = ("openai-responses", "mirascope__parallel-tools-gpt-4o.0.sse")
AFTER_CALLS = ("openai-responses", "mirascope__parallel-tools-gpt-4o.1.sse")
CHAT_TEXT = ("openai-chat", "mirascope__text-gpt-4o.0.sse")
CHAT_CALLS = ("openai-chat", "mirascope__parallel-tools-gpt-4o.0.sse")
CHAT_AFTER_CALLS = ("openai-chat", "mirascope__parallel-tools-gpt-4o.1.sse")


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0)


def usage_of(usage: object) -> dict[str, int]:
    data = usage.model_dump()  # type: ignore[attr-defined]
    if "prompt_tokens" in data:
        return {
            "input": data["prompt_tokens"],
            "output": data["completion_tokens"],
            "total": data["total_tokens"],
            "cached": data["prompt_tokens_details"]["cached_tokens"],
            "reasoning": data["completion_tokens_details"]["reasoning_tokens"],
        }
    return {
        "input": data["input_tokens"],
        "output": data["output_tokens"],
        "total": data["total_tokens"],
        "cached": data["input_tokens_details"]["cached_tokens"],
        "reasoning": data["output_tokens_details"]["reasoning_tokens"],
    }


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_responses_create_gives_the_recorded_text_and_usage(stream: bool, served: Served) -> None:
    body = recording(*TEXT)
    expected = responses_recorded(body)
    up, url = served.upstream, served.url
    up.play(body)
    if stream:
        events = list(client(url).responses.create(model="openai/gpt-4o", input="Hi", stream=True))
        assert [e.sequence_number for e in events] == list(range(len(events)))
        assert events[0].type == "response.created"
        assert events[-1].type == "response.completed"
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        response = events[-1].response
        assert response.output_text == text
    else:
        response = client(url).responses.create(model="openai/gpt-4o", input="Hi")
        text = response.output_text
    assert text == expected.text
    assert usage_of(response.usage) == expected.usage
    assert response.status == "completed"
    assert up.json_requests()[0]["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]


def test_responses_stream_helper_gives_the_final_response(served: Served) -> None:
    body = recording(*TEXT)
    expected = responses_recorded(body)
    up, url = served.upstream, served.url
    up.play(body)
    with client(url).responses.stream(model="openai/gpt-4o", input="Hi") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == expected.text
    assert final.output_text == expected.text
    assert usage_of(final.usage) == expected.usage


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_chat_completions_give_the_recorded_text_and_usage(stream: bool, served: Served) -> None:
    body = recording(*CHAT_TEXT)
    expected = chat_recorded(body)
    up, url = served.upstream, served.url
    up.play(body)
    chat = client(url).chat.completions
    messages = [{"role": "user", "content": "Hi"}]
    if stream:
        chunks = list(
            chat.create(model="compat/gpt-4o", messages=messages, stream=True, stream_options={"include_usage": True})
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
        assert chunks[-1].choices == []
        usage = chunks[-1].usage
    else:
        completion = chat.create(model="compat/gpt-4o", messages=messages)
        text = completion.choices[0].message.content or ""
        assert completion.choices[0].finish_reason == "stop"
        usage = completion.usage
    assert text == expected.text
    assert usage_of(usage) == expected.usage
    assert up.json_requests()[0]["messages"] == [{"role": "user", "content": "Hi"}]


def test_streamed_chat_without_include_usage_sends_no_usage_chunk(served: Served) -> None:
    up, url = served.upstream, served.url
    up.play(recording(*CHAT_TEXT))
    chunks = list(
        client(url).chat.completions.create(
            model="compat/gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    )
    assert all(chunk.choices and chunk.usage is None for chunk in chunks)


TOOL = {
    "type": "function",
    "name": "secret_retrieval_tool",
    "description": "A tool that requires a password to retrieve a secret.",
    "parameters": {"type": "object", "properties": {"password": {"type": "string"}}, "required": ["password"]},
}


def test_responses_function_tool_round_trip(served: Served) -> None:
    first, second = recording(*CALLS), recording(*AFTER_CALLS)
    calls, answer = responses_recorded(first), responses_recorded(second)
    up, url = served.upstream, served.url
    up.play(first, second)
    sdk = client(url)
    step1 = sdk.responses.create(model="openai/gpt-4o", input="Secrets for mellon, radiance?", tools=[TOOL])
    made = [(item.call_id, item.name, json.loads(item.arguments)) for item in step1.output]
    assert made == calls.calls
    outputs = [{"type": "function_call_output", "call_id": call_id, "output": "ok"} for call_id, _, _ in made]
    follow_up = [{"role": "user", "content": "Secrets for mellon, radiance?"}, *step1.output, *outputs]
    step2 = sdk.responses.create(model="openai/gpt-4o", input=follow_up, tools=[TOOL])
    assert step2.output_text == answer.text
    assert usage_of(step2.usage) == answer.usage
    sent = up.json_requests()[1]["input"]
    assert [
        (i["call_id"], i["name"], json.loads(i["arguments"])) for i in sent if i.get("type") == "function_call"
    ] == (calls.calls)
    assert [(i["call_id"], i["output"]) for i in sent if i.get("type") == "function_call_output"] == [
        (call_id, "ok") for call_id, _, _ in calls.calls
    ]
    assert up.json_requests()[0]["tools"][0]["name"] == TOOL["name"]


def test_chat_function_tool_round_trip_streamed(served: Served) -> None:
    first, second = recording(*CHAT_CALLS), recording(*CHAT_AFTER_CALLS)
    calls, answer = chat_recorded(first), chat_recorded(second)
    chat_tool = {"type": "function", "function": {k: TOOL[k] for k in ("name", "description", "parameters")}}
    up, url = served.upstream, served.url
    up.play(first, second)
    chat = client(url).chat.completions
    messages: list[dict[str, object]] = [{"role": "user", "content": "Secrets for mellon, radiance?"}]
    chunks = list(chat.create(model="compat/gpt-4o", messages=messages, tools=[chat_tool], stream=True))
    slots: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for call in chunk.choices[0].delta.tool_calls or []:
            slot = slots.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
            slot["id"] = call.id or slot["id"]
            slot["name"] += call.function.name or ""
            slot["arguments"] += call.function.arguments or ""
    made = [(s["id"], s["name"], json.loads(s["arguments"])) for s in slots.values()]
    assert made == calls.calls
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    messages.append(
        {
            "role": "assistant",
            "tool_calls": [
                {"id": s["id"], "type": "function", "function": {"name": s["name"], "arguments": s["arguments"]}}
                for s in slots.values()
            ],
        }
    )
    messages += [{"role": "tool", "tool_call_id": call_id, "content": "ok"} for call_id, _, _ in made]
    completion = chat.create(model="compat/gpt-4o", messages=messages, tools=[chat_tool])
    assert completion.choices[0].message.content == answer.text
    sent = up.json_requests()[1]["messages"]
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == [call_id for call_id, _, _ in calls.calls]


def test_encrypted_reasoning_round_trips_to_the_upstream(served: Served) -> None:
    first = recording("openai-responses", "pydantic-ai__moderation-stream.0.sse")
    recorded_items = [event["item"] for event in payloads(first) if event["type"] == "response.output_item.done"]
    up, url = served.upstream, served.url
    up.play(first, recording(*TEXT))
    sdk = client(url)
    options = {"store": False, "include": ["reasoning.encrypted_content"], "reasoning": {"effort": "low"}}
    step1 = sdk.responses.create(model="openai/gpt-4o", input="Hi", **options)
    reasoning = [item for item in step1.output if item.type == "reasoning"]
    assert [item.encrypted_content for item in reasoning] == [
        item["encrypted_content"] for item in recorded_items if item["type"] == "reasoning"
    ]
    follow_up = [{"role": "user", "content": "Hi"}, *(item.model_dump() for item in step1.output)]
    sdk.responses.create(model="openai/gpt-4o", input=[*follow_up, {"role": "user", "content": "More"}], **options)
    first_sent, second_sent = up.json_requests()
    assert first_sent["store"] is False and first_sent["reasoning"] == {"effort": "low"}
    assert first_sent["include"] == ["reasoning.encrypted_content"]
    sent_reasoning = [item for item in second_sent["input"] if item.get("type") == "reasoning"]
    assert [(item["id"], item["encrypted_content"]) for item in sent_reasoning] == [
        (item["id"], item["encrypted_content"]) for item in recorded_items if item["type"] == "reasoning"
    ]
