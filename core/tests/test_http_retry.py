"""``RetryPolicy`` and ``RetryTransport``: what is retried, how often, and how long it waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx2
import pytest
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks
from turnout.http import RetryPolicy, RetryTransport

URL = "https://api.example.com/v1/responses"


@pytest.fixture(autouse=True)
def instant_retries() -> Iterator[None]:
    """stamina's test mode: no waiting, and our own attempt count (capped at 10)."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


class TrackedStream(httpx2.AsyncByteStream):
    """A response body that records whether it was closed."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.closed = False

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self.body

    async def aclose(self) -> None:
        self.closed = True


class Script:
    """A mock upstream answering each request with the next scripted response (or raising)."""

    def __init__(self, *steps: httpx2.Response | Exception) -> None:
        self.steps = list(steps)
        self.calls = 0
        self.streams: list[TrackedStream] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if isinstance(step, Exception):
            raise step
        stream = TrackedStream(step.content)
        self.streams.append(stream)
        return httpx2.Response(step.status_code, headers=step.headers, stream=stream)


def response(status: int, headers: dict[str, str] | None = None, body: bytes = b"{}") -> httpx2.Response:
    return httpx2.Response(status, headers=headers, content=body)


def send(script: Script, policy: RetryPolicy | None = None) -> httpx2.Response:
    async def go() -> httpx2.Response:
        async with httpx2.AsyncClient(transport=RetryTransport(httpx2.MockTransport(script), policy)) as client:
            return await client.post(URL, json={"model": "m"})

    return asyncio.run(go())


def test_429_with_retry_after_is_retried_then_succeeds() -> None:
    script = Script(response(429, {"retry-after": "1"}), response(200, body=b"ok"))
    result = send(script)
    assert (result.status_code, result.content, script.calls) == (200, b"ok", 2)


def test_500_is_retried_twice_then_the_last_response_is_returned() -> None:
    script = Script(response(500, body=b"boom"))
    result = send(script)
    assert script.calls == 3
    assert (result.status_code, result.content) == (500, b"boom")


def test_discarded_responses_are_closed() -> None:
    script = Script(response(503), response(503), response(200))
    send(script)
    assert [stream.closed for stream in script.streams[:2]] == [True, True]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_are_not_retried(status: int) -> None:
    script = Script(response(status))
    assert send(script).status_code == status
    assert script.calls == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_every_retryable_status_is_retried(status: int) -> None:
    script = Script(response(status), response(200))
    assert send(script).status_code == 200
    assert script.calls == 2


def test_retry_after_beyond_the_cap_fails_at_once() -> None:
    script = Script(response(429, {"retry-after": "3600"}, b'{"error": {"message": "wait"}}'))
    result = send(script)
    assert script.calls == 1
    assert result.headers["retry-after"] == "3600"
    assert result.content == b'{"error": {"message": "wait"}}'


def test_x_should_retry_false_stops_a_retryable_status() -> None:
    script = Script(response(503, {"x-should-retry": "false"}), response(200))
    assert send(script).status_code == 503
    assert script.calls == 1


def test_x_should_retry_true_retries_any_status() -> None:
    script = Script(response(400, {"x-should-retry": "true"}), response(200))
    assert send(script).status_code == 200
    assert script.calls == 2


def test_exhausted_quota_is_not_retried() -> None:
    body = b'{"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}'
    script = Script(response(429, body=body), response(200))
    result = send(script)
    assert (result.status_code, result.content, script.calls) == (429, body, 1)


def test_connect_errors_are_retried() -> None:
    script = Script(httpx2.ConnectError("refused"), httpx2.ConnectTimeout("slow"), response(200))
    assert send(script).status_code == 200
    assert script.calls == 3


def test_connect_errors_give_up_after_max_retries() -> None:
    script = Script(httpx2.ConnectError("refused"))
    with pytest.raises(httpx2.ConnectError):
        send(script)
    assert script.calls == 3


@pytest.mark.parametrize("exc", [httpx2.ReadTimeout("slow"), httpx2.ReadError("reset"), httpx2.WriteError("pipe")])
def test_failures_after_sending_are_not_retried(exc: Exception) -> None:
    script = Script(exc, response(200))
    with pytest.raises(type(exc)):
        send(script)
    assert script.calls == 1


def test_max_retries_is_configurable() -> None:
    script = Script(response(503))
    send(script, RetryPolicy(max_retries=4))
    assert script.calls == 5
    script = Script(response(503))
    send(script, RetryPolicy(max_retries=0))
    assert script.calls == 1


def test_request_body_is_sent_again_on_retry() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(request.content)
        return httpx2.Response(503 if len(bodies) < 3 else 200)

    async def go() -> int:
        async with httpx2.AsyncClient(transport=RetryTransport(httpx2.MockTransport(handler))) as client:
            return (await client.post(URL, json={"input": "hi"})).status_code

    assert asyncio.run(go()) == 200
    assert bodies == [b'{"input":"hi"}'] * 3


def test_waits_honour_retry_after_ms_then_retry_after_and_backoff() -> None:
    """Outside test mode, with waits of milliseconds: stamina is told the waits we computed."""
    waits: list[float] = []

    def record(details: RetryDetails) -> None:
        waits.append(details.wait_for)

    script = Script(
        response(429, {"retry-after-ms": "3", "retry-after": "50"}),
        response(503, {"retry-after": "0.002"}),
        response(200),
    )
    set_on_retry_hooks([record])
    try:
        with stamina.set_testing(False):
            assert send(script).status_code == 200
            script = Script(response(500), response(500), response(200))
            send(script, RetryPolicy(backoff_initial=0.001, backoff_max=0.0015))
    finally:
        set_on_retry_hooks(None)
    assert waits[:2] == [0.003, 0.002]
    assert 0.00075 <= waits[2] <= 0.001  # 0.001 · 2⁰, less up to 25 % jitter
    assert 0.001125 <= waits[3] <= 0.0015  # 0.001 · 2¹ = 0.002, capped at 0.0015


@pytest.mark.parametrize(
    ("retry_number", "low", "high"),
    [(0, 0.375, 0.5), (1, 0.75, 1.0), (2, 1.5, 2.0), (4, 6.0, 8.0), (9, 6.0, 8.0)],
)
def test_default_backoff_is_exponential_with_jitter_and_capped(retry_number: int, low: float, high: float) -> None:
    policy = RetryPolicy()
    delays = [policy.backoff(retry_number) for _ in range(200)]
    assert all(low <= delay <= high for delay in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("status", "headers", "retry_number", "expected"),
    [
        (429, {"retry-after": "1"}, 0, 1.0),
        (429, {"retry-after": "60"}, 0, 60.0),
        (429, {"retry-after": "61"}, 0, None),
        (503, {"retry-after-ms": "250"}, 1, 0.25),
        (503, {"retry-after": "1"}, 2, None),
        (400, {"retry-after": "1"}, 0, None),
        (400, {"x-should-retry": "true", "retry-after": "1"}, 0, 1.0),
        (529, {"x-should-retry": "false"}, 0, None),
    ],
)
def test_delay_after(status: int, headers: dict[str, str], retry_number: int, expected: float | None) -> None:
    # The cap on Retry-After, without the overall budget (tested in test_http_limits.py).
    assert RetryPolicy(budget=None).delay_after(status, headers, retry_number) == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(max_retries=-1),
        lambda: RetryPolicy(backoff_initial=-0.1),
        lambda: RetryPolicy(max_retry_after=-1),
    ],
)
def test_bad_policy_values_are_refused(make: Callable[[], RetryPolicy]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        make()
