"""Upstream failures as OpenAI-style errors with the right status; bad requests; disconnects."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx2
import pytest
from conftest import Served
from gateway_support import (
    GATEWAY_KEY,
    Failing,
    failing_upstream,
    gateway,
    make_runtime,
    recording,
    responses_recorded,
    running_gateway,
    settings,
    upstream,
)
from turnout.plugin_api import RetryPolicy, Timeouts

AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}


@pytest.fixture(scope="module")
def failing() -> Iterator[tuple[Failing, str]]:
    """A gateway (no retries, 0.3 s to the first byte) in front of an upstream that fails."""
    runtime_options = {"retry": RetryPolicy(max_retries=0), "timeouts": Timeouts(first_byte=0.3)}
    with failing_upstream() as state, gateway(make_runtime(state.url, **runtime_options)) as url:
        yield state, url


def errors_body(name: str) -> bytes:
    """The body of a recorded OpenAI error response."""
    return json.dumps(json.loads(recording("errors", name))["body"]).encode()


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (429, b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}', {"retry-after": "7"}, 429),
        (400, errors_body("pydantic-ai__openai-responses-400-invalid-temperature.0.http.json"), {}, 400),
        (401, errors_body("mirascope__openai-responses-401.0.http.json"), {}, 502),
        (500, b'{"error": {"message": "boom"}}', {}, 502),
    ],
    ids=["rate-limit", "bad-request", "upstream-auth", "server-error"],
)
def test_upstream_errors_map_to_openai_style_errors(
    status: int, body: bytes, headers: dict[str, str], expected: int, failing: tuple[Failing, str]
) -> None:
    state, url = failing
    state.status, state.body, state.headers = status, body, headers
    for stream in (False, True):
        response = httpx2.post(
            f"{url}/v1/responses", json={"model": "openai/gpt-4o", "input": "Hi", "stream": stream}, headers=AUTH
        )
        assert response.status_code == expected
        error = response.json()["error"]
        assert error["message"] and error["type"]
        assert "sk-upstream" not in response.text
        if expected == 429:
            assert response.headers["retry-after"] == "7"


def test_upstream_silence_is_a_504(failing: tuple[Failing, str]) -> None:
    state, url = failing
    state.status = 0
    response = httpx2.post(f"{url}/v1/responses", json={"model": "openai/gpt-4o", "input": "Hi"}, headers=AUTH)
    assert response.status_code == 504
    assert response.json()["error"]["type"] == "timeout_error"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"{not json", None),
        (b'{"input": "Hi"}', "model"),
        (b'{"model": "openai/gpt-4o", "input": "Hi", "previous_response_id": "resp_1"}', "previous_response_id"),
        (b'{"model": "openai/gpt-4o", "input": "Hi", "tools": [{"type": "web_search"}]}', "tools[0]"),
        (
            b'{"model": "openai/gpt-4o", "input": [{"type": "function_call", "call_id": "c", "name": "f", '
            b'"arguments": "{oops"}]}',
            "input[0].arguments",
        ),
        (b'{"model": "openai/gpt-4o", "input": "Hi", "temperature": "hot"}', "temperature"),
    ],
    ids=["not-json", "no-model", "stateful", "hosted-tool", "bad-arguments", "bad-type"],
)
def test_bad_requests_are_400_naming_the_field(body: bytes, param: str | None, served: Served) -> None:
    up, url = served.upstream, served.url
    response = httpx2.post(f"{url}/v1/responses", content=body, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert up.requests == []


DISCONNECT_CASES = {
    "responses-streamed": ("openai-responses", "mirascope__thinking-gpt-5.0.sse", "/v1/responses", True),
    "responses-whole": ("openai-responses", "mirascope__thinking-gpt-5.0.sse", "/v1/responses", False),
    "chat-streamed": ("openai-chat", "vercel-ai__text-gpt-4.1-nano.sse", "/v1/chat/completions", True),
}


@pytest.mark.parametrize("case", list(DISCONNECT_CASES))
def test_client_disconnect_closes_the_upstream_within_a_second(case: str) -> None:
    subdir, name, path, stream = DISCONNECT_CASES[case]
    body = recording(subdir, name)
    model = "openai/gpt-4o" if subdir == "openai-responses" else "compat/gpt-4o"
    request = {"model": model, "stream": stream, "input": "Hi", "messages": [{"role": "user", "content": "Hi"}]}
    if path == "/v1/responses":
        del request["messages"]
    else:
        del request["input"]
    # The upstream sends the first half of the stream, then holds the connection open.
    with upstream(body, hang_after=len(body) // 2) as up, gateway(make_runtime(up.url)) as url:
        client = httpx2.Client(base_url=url, headers=AUTH, timeout=30)
        if stream:
            with client.stream("POST", path, json=request) as response:
                assert response.status_code == 200
                assert next(response.iter_bytes())
                assert up.sent_partial.wait(5)
                left = time.monotonic()
        else:
            with pytest.raises(httpx2.ReadTimeout):
                client.post(path, json=request, timeout=httpx2.Timeout(5.0, read=0.5))
            left = time.monotonic()
        client.close()
        assert up.closed.wait(1.0), "the upstream connection was still open 1 s after the client left"
        assert up.closed_at is not None and up.closed_at - left < 1.0


@pytest.mark.parametrize("finishes", [True, False], ids=["finishes-in-time", "cut-at-timeout"])
def test_shutdown_drains_in_flight_streams_up_to_the_timeout(finishes: bool) -> None:
    body = recording("openai-responses", "mirascope__text-gpt-4o.0.sse")
    expected = responses_recorded(body)
    resume_after = 0.3 if finishes else None  # else the upstream never finishes
    events: list[dict[str, object]] = []
    with (
        upstream(body, hang_after=len(body) // 2, resume_after=resume_after) as up,
        running_gateway(make_runtime(up.url), settings(drain_timeout=1.0)) as running,
    ):
        client = httpx2.Client(base_url=running.url, headers=AUTH, timeout=30)
        request = {"model": "openai/gpt-4o", "input": "Hi", "stream": True}
        with client.stream("POST", "/v1/responses", json=request) as response:
            assert up.sent_partial.wait(5)
            running.server.should_exit = True  # what SIGTERM does
            try:
                events += [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:")]
            except httpx2.RemoteProtocolError:
                assert not finishes  # cut when the drain timeout ran out
        running.thread.join(timeout=10)
        assert not running.thread.is_alive()
        with pytest.raises(httpx2.TransportError):  # the listener is closed
            client.get("/healthz")
        if not finishes:
            assert up.closed.wait(1.0)
    text = "".join(str(event["delta"]) for event in events if event["type"] == "response.output_text.delta")
    if finishes:
        assert events[-1]["type"] == "response.completed"
        assert text == expected.text
    else:
        assert all(event["type"] != "response.completed" for event in events)
