"""The event → wire writers on hand-made event sequences (edge cases the recordings lack)."""

from __future__ import annotations

from turnout.plugin_api import (
    Finish,
    ProviderError,
    Source,
    StepFinish,
    StepStart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolError,
    ToolInputDelta,
    ToolInputStart,
    Usage,
)
from turnout_serve.chat_stream import ChatWriter
from turnout_serve.errors import GatewayError
from turnout_serve.responses_stream import ResponsesWriter


def run(writer: ResponsesWriter | ChatWriter, events: list[object]) -> list[dict[str, object]]:
    out = writer.start()
    for event in events:
        out += writer.feed(event)  # type: ignore[arg-type]
    return out


def test_responses_sequence_numbers_count_from_zero_and_a_malformed_call_ends_incomplete() -> None:
    writer = ResponsesWriter("p/m", {})
    wire = run(
        writer,
        [
            StepStart(),
            ToolInputStart(id="call_1", name="lookup"),
            ToolInputDelta(id="call_1", name="lookup", text='{"q": '),
            ToolError(id="call_1", name="lookup", message="invalid JSON arguments"),
            StepFinish(reason="tool-calls"),
            Finish(reason="tool-calls", usage=Usage(input_tokens=3, output_tokens=4)),
        ],
    )
    assert [event["sequence_number"] for event in wire] == list(range(len(wire)))
    item = writer.result()["output"][0]
    assert (item["type"], item["status"], item["arguments"]) == ("function_call", "incomplete", '{"q": ')
    assert writer.result()["usage"]["total_tokens"] == 7


def test_responses_provider_error_ends_in_response_failed() -> None:
    writer = ResponsesWriter("p/m", {})
    wire = run(
        writer,
        [StepStart(), ProviderError(message="server_error: boom", code="server_error"), Finish(reason="error")],
    )
    assert wire[-1]["type"] == "response.failed"
    assert writer.failed and writer.result()["error"] == {"code": "server_error", "message": "server_error: boom"}


def test_responses_failure_after_the_start_is_an_error_event_then_failed() -> None:
    writer = ResponsesWriter("p/m", {})
    run(writer, [StepStart(), TextStart(id="t"), TextDelta(id="t", text="Hel")])
    wire = writer.fail(GatewayError(502, "upstream error: connection reset", type="upstream_error"))
    assert [event["type"] for event in wire] == ["error", "response.failed"]
    assert writer.result()["output"][0]["status"] == "in_progress"


def test_client_executed_openai_tools_come_back_as_their_items() -> None:
    writer = ResponsesWriter("p/m", {})
    call = ToolCall(
        id="call_9",
        name="local_shell",
        input={"type": "exec", "command": ["ls"]},
        provider_executed=True,
        provider_metadata={"openai": {"itemId": "lsh_1", "itemType": "local_shell_call"}},
    )
    run(writer, [StepStart(), call, Finish(reason="stop")])
    assert writer.result()["output"] == [
        {
            "id": "lsh_1",
            "type": "local_shell_call",
            "status": "completed",
            "call_id": "call_9",
            "action": {"type": "exec", "command": ["ls"]},
        }
    ]


def test_chat_refusal_and_tool_call_without_deltas() -> None:
    writer = ChatWriter("p/m", include_usage=True)
    refusal = {"openai": {"refusal": True}}
    chunks = run(
        writer,
        [
            StepStart(),
            TextStart(id="r", provider_metadata=refusal),
            TextDelta(id="r", text="I can't."),
            TextEnd(id="r"),
            ToolCall(id="call_1", name="f", input={"a": 1}),
            Finish(reason="stop", usage=Usage(input_tokens=1, output_tokens=2, total_tokens=3)),
        ],
    )
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks if chunk["choices"]]  # type: ignore[index]
    assert deltas[0] == {"role": "assistant", "refusal": "I can't."}
    calls = [call for delta in deltas for call in delta.get("tool_calls", [])]
    assert calls[0]["id"] == "call_1" and calls[1]["function"] == {"arguments": '{"a":1}'}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"  # type: ignore[index]
    assert chunks[-1]["usage"]["total_tokens"] == 3  # type: ignore[index]
    message = writer.completion()["choices"][0]["message"]
    assert message["refusal"] == "I can't." and message["content"] is None


def test_sources_become_annotations_of_the_text_they_cite() -> None:
    writer = ResponsesWriter("p/m", {})
    source = Source(id="s1", kind="url", url="https://example.org", title="Ex", text_id="t", start=0, end=5)
    wire = run(
        writer,
        [StepStart(), TextStart(id="t"), TextDelta(id="t", text="Hello"), TextEnd(id="t"), source, Finish()],
    )
    added = [event for event in wire if event["type"] == "response.output_text.annotation.added"]
    expected = {"type": "url_citation", "url": "https://example.org", "title": "Ex", "start_index": 0, "end_index": 5}
    assert [event["annotation"] for event in added] == [expected]
    assert writer.result()["output"][0]["content"][0]["annotations"] == [expected]
