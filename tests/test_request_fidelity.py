"""What reaches the wire: every OpenAI option and default, the HTTP overlay and the header order,
on the native runtime and on the fallback side by side, checked at a loopback capture server.

Expected bodies are written out from the reference (seed behaviour §2.2, §4), not computed by
the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
import turnout
import turnout_aisdk_fallback.plugin as fallback_plugin
import turnout_native_openai.plugin as native_plugin
import turnout_zen_console.plugin as zen_plugin
from turnout.errors import UnsupportedRequestError
from turnout.request import Generation, LLMRequest, user

from tests.fidelity_support import (
    KEY,
    capture,
    config_for,
    generate,
    recorded_stream,
    runtime,
    sse_payloads,
    wires,
)

BOTH = pytest.mark.parametrize("runtime_id", ["native-openai", "aisdk-fallback"])
TEXT = "mirascope__text-gpt-4o.0"
USER_AGENT = f"turnout/{turnout.__version__}"

EVERY_OPTION = {
    "store": True,
    "serviceTier": "flex",
    "promptCacheKey": "cache-1",
    "promptCacheRetention": "24h",
    "include": ["file_search_call.results"],
    "includeEncryptedReasoning": True,
    "reasoningEffort": "low",
    "reasoningSummary": "detailed",
    "textVerbosity": "high",
    "instructions": "Be terse.",
    "parallelToolCalls": False,
    "maxToolCalls": 3,
    "user": "user-1",
    "safetyIdentifier": "safety-1",
    "metadata": {"team": "search"},
    "previousResponseId": "resp_previous",
    "truncation": "auto",
    "logprobs": True,
    "topLogprobs": 2,
}
EVERY_OPTION_ON_THE_WIRE = {
    "store": True,
    "service_tier": "flex",
    "prompt_cache_key": "cache-1",
    "prompt_cache_retention": "24h",
    "include": ["file_search_call.results", "reasoning.encrypted_content", "message.output_text.logprobs"],
    "reasoning": {"effort": "low", "summary": "detailed"},
    "text": {"verbosity": "high"},
    "instructions": "Be terse.",
    "parallel_tool_calls": False,
    "max_tool_calls": 3,
    "user": "user-1",
    "safety_identifier": "safety-1",
    "metadata": {"team": "search"},
    "previous_response_id": "resp_previous",
    "truncation": "auto",
    "top_logprobs": 2,
}


@BOTH
def test_every_option_reaches_the_wire(runtime_id: str) -> None:
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], provider_options={"openai": EVERY_OPTION})
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert {key: wire.body.get(key) for key in EVERY_OPTION_ON_THE_WIRE} == EVERY_OPTION_ON_THE_WIRE


def test_native_body_is_exact_and_in_the_reference_order() -> None:
    request = LLMRequest(
        model="openai/gpt-4o",
        messages=[user("hi")],
        generation=Generation(max_tokens=64, temperature=0.5, top_p=0.9),
        provider_options={"openai": {**EVERY_OPTION, "background": True, "conversation": "conv_1"}},
    )
    with capture(recorded_stream(TEXT)) as served:
        generate("native-openai", config_for(served), request)
    (wire,) = wires(served)
    assert list(wire.body) == [
        "model",
        "input",
        "instructions",
        "store",
        "service_tier",
        "prompt_cache_key",
        "include",
        "reasoning",
        "text",
        "max_output_tokens",
        "temperature",
        "top_p",
        "parallel_tool_calls",
        "max_tool_calls",
        "user",
        "safety_identifier",
        "metadata",
        "previous_response_id",
        "conversation",
        "truncation",
        "background",
        "top_logprobs",
        "prompt_cache_retention",
        "stream",
    ]
    assert (wire.body["background"], wire.body["conversation"], wire.body["stream"]) == (True, "conv_1", True)


@BOTH
def test_reference_defaults_for_gpt_5_x_with_a_session(runtime_id: str) -> None:
    request = LLMRequest(model="openai/gpt-5.2", messages=[user("hi")], metadata={"session_id": "ses_42"})
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    expected = {
        "store": False,
        "prompt_cache_key": "ses_42",
        "reasoning": {"effort": "medium", "summary": "auto"},
        "text": {"verbosity": "low"},
    }
    assert {key: wire.body.get(key) for key in expected} == expected
    assert wire.header("x-session-affinity") == ["ses_42"]
    assert wire.header("user-agent") == [USER_AGENT]


@BOTH
@pytest.mark.parametrize(
    ("model_id", "reasoning", "verbosity"),
    [
        ("gpt-5-pro", None, None),
        ("gpt-5-chat-latest", None, None),
        ("gpt-5", {"effort": "medium", "summary": "auto"}, None),
        ("gpt-5.1-codex", {"effort": "medium", "summary": "auto"}, None),
        ("gpt-4.1-mini", None, None),
    ],
)
def test_gpt_5_defaults_follow_the_model_id(
    runtime_id: str, model_id: str, reasoning: dict[str, str] | None, verbosity: str | None
) -> None:
    request = LLMRequest(model=f"openai/{model_id}", messages=[user("hi")])
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["store"] is False
    assert wire.body.get("reasoning") == reasoning
    assert (wire.body.get("text") or {}).get("verbosity") == verbosity
    assert "prompt_cache_key" not in wire.body  # no session id given


@BOTH
def test_request_options_override_the_defaults(runtime_id: str) -> None:
    request = LLMRequest(
        model="openai/gpt-5.2",
        messages=[user("hi")],
        metadata={"session_id": "ses_42"},
        provider_options={"openai": {"store": True, "reasoningEffort": "high", "textVerbosity": None}},
    )
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["store"] is True
    assert wire.body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert "text" not in wire.body


def test_zen_gpt_5_2_codex_body_matches_the_reference_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("TURNOUT_DATA_DIR", str(tmp_path))  # no console login: the Zen plugin stays anonymous
    lookup = turnout.Tool(
        name="lookup",
        description="Look a word up.",
        input_schema={"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
    )
    request = LLMRequest(
        model="opencode/gpt-5.2-codex",
        system="You are terse.",
        messages=[user("Look up 'turnout'.")],
        tools=[lookup],
        tool_choice="required",
        generation=Generation(max_tokens=32000),
        metadata={"session_id": "ses_zen", "project_id": "prj_1", "request_id": "msg_1"},
    )
    with capture(recorded_stream(TEXT)) as served:
        generate("native-openai", config_for(served, "opencode"), request, zen_plugin)
    (wire,) = wires(served)
    assert wire.path == "/v1/responses"
    assert wire.body == {
        "model": "gpt-5.2-codex",
        "input": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": [{"type": "input_text", "text": "Look up 'turnout'."}]},
        ],
        "tools": [
            {
                "type": "function",
                "name": "lookup",
                "description": "Look a word up.",
                "parameters": lookup.input_schema,
                "strict": False,
            }
        ],
        "tool_choice": "required",
        "store": False,
        "prompt_cache_key": "ses_zen",
        "reasoning": {"effort": "medium", "summary": "auto"},
        "max_output_tokens": 32000,
        "stream": True,
    }
    assert list(wire.body) == [
        "model",
        "input",
        "tools",
        "tool_choice",
        "store",
        "prompt_cache_key",
        "reasoning",
        "max_output_tokens",
        "stream",
    ]
    assert wire.header("x-opencode-project") == ["prj_1"]
    assert wire.header("x-opencode-session") == ["ses_zen"]
    assert wire.header("x-opencode-request") == ["msg_1"]
    assert wire.header("x-opencode-client") == ["cli"]
    assert wire.header("x-session-affinity") == []  # Zen gets the x-opencode-* set instead
    assert wire.header("authorization") == [f"Bearer {KEY}"]


@BOTH
def test_caller_headers_never_replace_auth_and_content_type_comes_last(runtime_id: str) -> None:
    request = LLMRequest(
        model="openai/gpt-4o",
        messages=[user("hi")],
        headers={"Authorization": "Bearer stolen", "x-caller": "a"},
        http={"headers": {"x-caller": "b", "Content-Type": "text/plain"}},
    )
    with capture(recorded_stream(TEXT)) as served:
        config = config_for(served)
        config["provider"]["openai"]["options"]["headers"] = {"x-model": "m"}
        generate(runtime_id, config, request)
    (wire,) = wires(served)
    assert wire.header("authorization") == [f"Bearer {KEY}"]
    assert wire.header("x-caller") == ["b"]  # http.headers over request.headers
    assert wire.header("x-model") == ["m"]
    assert wire.header("content-type") == ["application/json"]
    assert wire.header("user-agent") == [USER_AGENT]
    if runtime_id == "native-openai":  # the order the native runtime layers them in
        names = [name.lower() for name, _ in wire.headers]
        assert names.index("x-model") < names.index("x-caller") < names.index("authorization")
        assert names.index("authorization") < names.index("content-type")


@BOTH
def test_http_overlay_body_reaches_the_wire(runtime_id: str) -> None:
    request = LLMRequest(
        model="openai/gpt-4o",
        messages=[user("hi")],
        http={"body": {"context_management": [{"type": "compaction"}], "extra": {"a": 1}}},
    )
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["context_management"] == [{"type": "compaction"}]
    assert wire.body["extra"] == {"a": 1}


def test_http_query_reaches_native_and_the_fallback_declines_it() -> None:
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], http={"query": {"api-version": "v9"}})
    with capture(recorded_stream(TEXT)) as served:
        generate("native-openai", config_for(served), request)
        reasons = runtime("aisdk-fallback", config_for(served)).select(request).reasons("aisdk-fallback")
    (wire,) = wires(served)
    assert wire.path == "/v1/responses?api-version=v9"
    assert any("http.query" in reason for reason in reasons)


def test_http_body_deep_merges_into_the_native_body() -> None:
    request = LLMRequest(
        model="openai/gpt-5",
        messages=[user("hi")],
        http={"body": {"reasoning": {"effort": "minimal"}}},
    )
    with capture(recorded_stream(TEXT)) as served:
        generate("native-openai", config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["reasoning"] == {"effort": "minimal", "summary": "auto"}


@pytest.mark.parametrize("key", ["model", "input", "messages", "tools", "stream"])
def test_http_body_may_not_touch_protocol_keys(key: str) -> None:
    with pytest.raises(ValueError, match=f"protocol-owned keys \\['{key}'\\]"):
        LLMRequest(model="openai/gpt-4o", http={"body": {key: 1}})


@BOTH
def test_a_request_timeout_overrides_the_runtime_one(runtime_id: str) -> None:
    import http.server
    import time

    from testsupport.loopback import serve

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(3)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Slow) as origin:
        config = {"provider": {"openai": {"options": {"apiKey": KEY, "baseURL": f"{origin}/v1"}}}}
        request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], http={"timeout": 0.3})
        with pytest.raises(turnout.errors.TimeoutError):
            runtime(runtime_id, config).generate_sync(request)


# -- refusing out loud ------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"generation": Generation(stop=["END"])}, "generation.stop"),
        ({"generation": Generation(seed=7)}, "generation.seed"),
        ({"generation": Generation(top_k=5)}, "generation.top_k"),
        ({"provider_options": {"openai": {"reasoningEffort": "max"}}}, "providerOptions.openai.reasoningEffort 'max'"),
        ({"provider_options": {"openai": {"serviceTier": "turbo"}}}, "providerOptions.openai.serviceTier 'turbo'"),
        ({"provider_options": {"openai": {"noSuchOption": 1}}}, "providerOptions.openai.noSuchOption"),
    ],
)
def test_what_a_runtime_cannot_send_makes_it_decline_naming_the_option(
    runtime_id: str, changes: dict[str, Any], named: str
) -> None:
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], **changes)
    rt = runtime(runtime_id, {"provider": {"openai": {"options": {"apiKey": KEY, "baseURL": "http://127.0.0.1:9/v1"}}}})
    selection = rt.select(request)
    assert selection.runtime is None
    assert any(named in reason for reason in selection.reasons(runtime_id)), selection.reasons(runtime_id)
    with pytest.raises(UnsupportedRequestError, match=named.replace("[", "\\[").replace("'", ".")):
        rt.generate_sync(request)


def test_falling_back_keeps_the_meaning_of_stop_sequences() -> None:
    """Native declines stop sequences; the fallback's Responses route cannot send them either, so
    the request fails clearly instead of going out without them."""
    rt = turnout.Runtime(
        native=True,
        config={"provider": {"openai": {"options": {"apiKey": KEY, "baseURL": "http://127.0.0.1:9/v1"}}}},
        plugins=[native_plugin, fallback_plugin],
        load_entry_points=False,
    )
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], generation=Generation(stop=["END"]))
    selection = rt.select(request)
    assert selection.runtime is None
    assert selection.reasons("native-openai") == ["OpenAI Responses does not support generation.stop"]
    assert selection.reasons("aisdk-fallback") == ["the fallback (openai-responses) does not support generation.stop"]


@BOTH
def test_tool_choice_string_names_a_tool(runtime_id: str) -> None:
    schema = {"type": "object", "properties": {}}
    tools = [turnout.Tool(name="lookup", input_schema=schema), turnout.Tool(name="other", input_schema=schema)]
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], tools=tools, tool_choice="lookup")
    with capture(recorded_stream(TEXT)) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["tool_choice"] == {"type": "function", "name": "lookup"}


def test_a_nameless_tool_choice_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs the name of the tool"):
        LLMRequest(model="openai/gpt-4o", tool_choice={"type": "tool"})


def test_pdf_goes_to_native_as_an_input_file() -> None:
    pdf = turnout.MediaPart(media_type="application/pdf", data=b"%PDF-1.4 tiny", filename="tiny.pdf")
    request = LLMRequest(model="openai/gpt-4o", messages=[user("summarize", pdf)])
    with capture(recorded_stream(TEXT)) as served:
        generate("native-openai", config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["input"][0]["content"][1] == {
        "type": "input_file",
        "filename": "tiny.pdf",
        "file_data": "data:application/pdf;base64,JVBERi0xLjQgdGlueQ==",
    }


@BOTH
def test_finish_carries_the_provider_metadata(runtime_id: str) -> None:
    body = recorded_stream(TEXT)
    response_id = next(p["response"]["id"] for p in sse_payloads(body) if p["type"] == "response.completed")
    with capture(body) as served:
        response = generate(runtime_id, config_for(served), LLMRequest(model="openai/gpt-4o", messages=[user("hi")]))
    finish = response.events[-1]
    assert finish.type == "finish"
    assert response.response_id == response_id
    assert [values.get("responseId") for values in (finish.provider_metadata or {}).values()] == [response_id]
