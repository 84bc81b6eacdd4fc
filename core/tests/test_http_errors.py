"""``turnout.http.errors``: error statuses and bodies → typed errors, with nothing secret kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from turnout.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidRequestError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
)
from turnout.http import error_from_response
from turnout.http.errors import BODY_EXCERPT_LIMIT, is_context_overflow, parse_error_body
from turnout.http.headers import parse_retry_after, request_id, should_retry_header

from testsupport import recorded_files, recorded_path

URL = "https://api.example.com/v1/responses"


def openai_body(message: str, code: str | None = None, type_: str = "invalid_request_error") -> str:
    return json.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (429, RateLimitError),
        (400, InvalidRequestError),
        (404, InvalidRequestError),
        (409, InvalidRequestError),
        (413, InvalidRequestError),
        (422, InvalidRequestError),
        (500, ProviderServerError),
        (502, ProviderServerError),
        (503, ProviderServerError),
        (504, ProviderServerError),
        (529, ProviderServerError),
        (418, ProviderHTTPError),
        (408, ProviderHTTPError),
    ],
)
def test_status_maps_to_its_error_class(status: int, expected: type[ProviderHTTPError]) -> None:
    error = error_from_response(status, {}, openai_body("nope", "some_code"), URL)
    assert type(error) is expected
    assert error.status == status
    assert error.code == "some_code"
    assert error.url == URL


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (503, True),
        (529, True),
        (400, False),
        (401, False),
        (501, False),
    ],
)
def test_retryable_follows_the_status(status: int, retryable: bool) -> None:
    assert error_from_response(status, {}, "", URL).retryable is retryable


def test_x_should_retry_overrides_retryable() -> None:
    assert error_from_response(503, {"x-should-retry": "false"}, "", URL).retryable is False
    assert error_from_response(400, {"x-should-retry": "true"}, "", URL).retryable is True


def test_message_names_host_status_provider_message_code_and_request_id() -> None:
    error = error_from_response(
        404,
        {"x-request-id": "req_123"},
        openai_body("The model `x` does not exist", "model_not_found"),
        URL,
    )
    assert str(error) == (
        "request to api.example.com failed with HTTP 404: The model `x` does not exist"
        " (code model_not_found, request id req_123)"
    )
    assert error.request_id == "req_123"


def test_rate_limit_carries_retry_after_from_headers() -> None:
    error = error_from_response(429, {"retry-after": "20"}, openai_body("slow down", "rate_limit_exceeded"), URL)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 20.0
    assert error.retryable
    assert "retry after 20 s" in str(error)


def test_insufficient_quota_is_a_rate_limit_that_is_not_retryable() -> None:
    body = openai_body("You exceeded your current quota", "insufficient_quota", "insufficient_quota")
    error = error_from_response(429, {}, body, URL)
    assert isinstance(error, RateLimitError)
    assert error.retryable is False


def test_anthropic_shape_uses_type_as_code_and_body_request_id() -> None:
    body = json.dumps(
        {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
            "request_id": "req_9",
        }
    )
    error = error_from_response(529, {}, body, URL)
    assert isinstance(error, ProviderServerError)
    assert (error.code, error.request_id) == ("overloaded_error", "req_9")
    assert "Overloaded" in str(error)


def test_error_as_plain_string_and_top_level_message_shapes() -> None:
    assert parse_error_body('{"error": "model overloaded"}') == ("model overloaded", None)
    assert parse_error_body('{"message": "bad thing", "code": "E1"}') == ("bad thing", "E1")
    assert parse_error_body('{"detail": "Not Found"}') == ("Not Found", None)
    assert parse_error_body('{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}') == (
        "bad",
        "INVALID_ARGUMENT",
    )
    assert parse_error_body("<html>oops</html>") == (None, None)
    assert parse_error_body("[1, 2]") == (None, None)


def test_non_json_short_body_is_quoted_and_long_body_is_not() -> None:
    assert str(error_from_response(502, {}, "<html>Bad gateway</html>", URL)).endswith(
        "HTTP 502: <html>Bad gateway</html>"
    )
    long_error = error_from_response(502, {}, "x" * 5000, URL)
    assert str(long_error).endswith("HTTP 502: Bad Gateway")
    assert len(long_error.body) == BODY_EXCERPT_LIMIT
    assert str(error_from_response(500, {}, "", URL)).endswith("HTTP 500: Internal Server Error (no body)")


@pytest.mark.parametrize(
    "message",
    [
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        "prompt is too long: 210000 tokens > 200000 maximum",
        "Your input exceeds the context window of this model.",
        "Request Entity Too Large",
        "Too many tokens in the request",
    ],
)
def test_context_overflow_messages(message: str) -> None:
    error = error_from_response(400, {}, openai_body(message), URL)
    assert type(error) is ContextOverflowError
    assert isinstance(error, InvalidRequestError)


def test_context_overflow_code_wins_whatever_the_message() -> None:
    error = error_from_response(400, {}, openai_body("Input is bad.", "context_length_exceeded"), URL)
    assert type(error) is ContextOverflowError


@pytest.mark.parametrize(
    "message",
    [
        "Rate limit reached: too many tokens per minute",
        "Too many requests",
        "Invalid 'temperature'",
    ],
)
def test_not_context_overflow(message: str) -> None:
    assert type(error_from_response(400, {}, openai_body(message), URL)) is InvalidRequestError


def test_bare_400_and_413_count_as_overflow_but_bare_404_does_not() -> None:
    assert is_context_overflow(413, None, None, "")
    assert is_context_overflow(400, None, None, "  ")
    assert type(error_from_response(404, {}, "", URL)) is InvalidRequestError


def test_overflow_is_only_for_invalid_request_statuses() -> None:
    error = error_from_response(500, {}, openai_body("prompt is too long", "context_length_exceeded"), URL)
    assert type(error) is ProviderServerError


def test_provider_echo_of_the_key_never_reaches_the_error() -> None:
    key = "sk-live-0123456789abcdefABCDEF"
    body = openai_body(f"Incorrect API key provided: {key}. Authorization: Bearer {key}", "invalid_api_key")
    error = error_from_response(
        401,
        {},
        body,
        f"https://u:{key}@api.example.com/v1?key={key}",
        secrets=[f"Bearer {key}", key],
    )
    for text in (str(error), repr(error), error.body, str(error.url), *map(str, error.args)):
        assert key not in text
    assert "[REDACTED]" in error.body


def test_unknown_secret_values_are_scrubbed_when_passed() -> None:
    secret = "console-token-XYZ-987654"
    error = error_from_response(403, {}, json.dumps({"error": f"token {secret} expired"}), URL, secrets=[secret])
    assert secret not in str(error)
    assert secret not in error.body


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "-3"}) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after-ms": "nan", "retry-after": "4"}) == 4.0
    assert parse_retry_after({}) is None
    date = "Wed, 21 Oct 2015 07:28:30 GMT"
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert parse_retry_after({"retry-after": date}, now=now) == 30.0


def test_retry_after_from_anthropic_rate_limit_resets() -> None:
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    headers = {
        "anthropic-ratelimit-requests-remaining": "12",
        "anthropic-ratelimit-requests-reset": "2015-10-21T07:29:00Z",
        "Anthropic-RateLimit-Output-Tokens-Remaining": "0",
        "anthropic-ratelimit-output-tokens-reset": "2015-10-21T07:28:20Z",
        "anthropic-ratelimit-tokens-remaining": "0",
        "anthropic-ratelimit-tokens-reset": "2015-10-21T07:28:45+00:00",
    }
    # the latest reset among the exhausted limits; the requests limit is not exhausted
    assert parse_retry_after(headers, now=now) == 45.0
    assert parse_retry_after({**headers, "retry-after": "7"}, now=now) == 7.0
    assert parse_retry_after({"anthropic-ratelimit-tokens-remaining": "0"}, now=now) is None
    assert parse_retry_after({**headers, "anthropic-ratelimit-tokens-reset": "later"}, now=now) == 20.0


def test_should_retry_and_request_id_headers() -> None:
    assert should_retry_header({"x-should-retry": "TRUE"}) is True
    assert should_retry_header({"x-should-retry": "false"}) is False
    assert should_retry_header({"x-should-retry": "maybe"}) is None
    assert request_id({"cf-ray": "abc", "request-id": "req_1"}) == "req_1"
    assert request_id({"CF-Ray": "abc"}) == "abc"
    assert request_id({}) is None


def test_real_errors_directory_is_present() -> None:
    assert recorded_path("errors").is_dir()


REAL_ERRORS = recorded_files("errors", "*.http.json")


def real_error(path: Path) -> tuple[int, dict[str, str], str, dict[str, object]]:
    """Status, headers, body text and parsed body of a recorded error response."""
    recorded = json.loads(path.read_text())
    # The body-only quota fixture has no status; OpenAI sends insufficient_quota with 429.
    status = recorded["status"] or 429
    body_text = recorded.get("body_raw") or json.dumps(recorded["body"])
    return status, recorded["headers"], body_text, recorded["body"]


@pytest.mark.parametrize("path", REAL_ERRORS, ids=[p.name.removesuffix(".http.json") for p in REAL_ERRORS])
def test_real_error_response_maps_to_typed_error(path: Path) -> None:
    status, headers, body_text, body = real_error(path)
    error = error_from_response(status, headers, body_text, "https://api.openai.com/v1/responses")
    expected = {
        401: AuthenticationError,
        400: InvalidRequestError,
        404: InvalidRequestError,
        429: RateLimitError,
    }
    assert type(error) is expected[status]
    details = body["error"]
    assert isinstance(details, dict)
    assert error.code == (details.get("code") or details["type"])
    assert details["message"] in str(error)
    assert error.request_id == body.get("request_id")
    assert error.retry_after == parse_retry_after(headers)
    assert error.retryable is False  # auth, bad requests and exhausted quota do not heal
