"""Non-streaming Responses bodies (usage, finish reason) and recorded HTTP errors (typed errors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from turnout import errors
from turnout.testing.cassette import RecordedResponse
from turnout_native_openai.stream import finish_reason, usage_from_response

from plugins.native_openai.tests.responses_support import foreign_cassette, replay
from testsupport import recorded_files, recorded_path

NONSTREAM = recorded_files("openai-responses-nonstream", "*.http.json")
OPENAI_ERRORS = [path for path in recorded_files("errors", "*.http.json") if "openai" in path.name]


def test_fixture_directories_are_present() -> None:
    assert sorted(recorded_path("openai-responses-nonstream").glob("*.http.json")) == NONSTREAM
    assert OPENAI_ERRORS


@pytest.mark.parametrize("path", NONSTREAM, ids=lambda path: path.name.removesuffix(".http.json"))
def test_non_streaming_body_usage_and_finish_reason(path: Path) -> None:
    body = json.loads(path.read_text())["body"]
    raw = body["usage"]
    usage = usage_from_response(body)
    assert usage is not None
    cached = raw["input_tokens_details"]["cached_tokens"]
    assert usage.model_dump(exclude_none=True) == {
        "input_tokens": raw["input_tokens"],
        "output_tokens": raw["output_tokens"],
        "non_cached_input_tokens": raw["input_tokens"] - cached,
        "cache_read_input_tokens": cached,
        "reasoning_tokens": raw["output_tokens_details"]["reasoning_tokens"],
        "total_tokens": raw["total_tokens"],
        "provider_metadata": {"openai": raw},
    }
    called = any(item["type"] == "function_call" for item in body["output"])
    expected = (
        "length"
        if (body.get("incomplete_details") or {}).get("reason") == "max_output_tokens"
        else ("tool-calls" if called else "stop")
    )
    assert finish_reason(body, called_function=called) == expected


def _expected_error(status: int, body: dict[str, Any]) -> type[errors.ProviderHTTPError]:
    code = (body.get("error") or {}).get("code")
    if status in (401, 403):
        return errors.AuthenticationError
    if status == 429:
        return errors.RateLimitError
    if code == "context_length_exceeded":
        return errors.ContextOverflowError
    if status in (400, 404, 409, 413, 422):
        return errors.InvalidRequestError
    return errors.ProviderServerError


@pytest.mark.parametrize("path", OPENAI_ERRORS, ids=lambda path: path.name.removesuffix(".http.json"))
def test_recorded_error_bodies_raise_typed_errors_through_the_native_runtime(path: Path) -> None:
    recorded = json.loads(path.read_text())
    # The quota body was recorded without its status; OpenAI sends it with 429.
    status = recorded["status"] or 429
    content = recorded.get("body_raw") or json.dumps(recorded["body"])
    headers = {"content-type": "application/json", **recorded["headers"]}
    cassette = foreign_cassette(path.stem, RecordedResponse(status, headers, content))

    with pytest.raises(errors.ProviderHTTPError) as caught:
        replay(cassette, no_retry=True)
    assert type(caught.value) is _expected_error(status, recorded["body"])
    assert caught.value.status == status
    assert "sk-test" not in str(caught.value) and "sk-test" not in caught.value.body


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (
            429,
            {"retry-after": "7"},
            {"error": {"code": "rate_limit_exceeded", "message": "slow down"}},
            errors.RateLimitError,
        ),
        (
            400,
            {},
            {"error": {"code": "context_length_exceeded", "message": "too long"}},
            errors.ContextOverflowError,
        ),
        (
            500,
            {},
            {"error": {"code": "server_error", "message": "oops"}},
            errors.ProviderServerError,
        ),
    ],
)
def test_status_classes_map_to_typed_errors(
    status: int, headers: dict[str, str], body: dict[str, Any], expected: type[Exception]
) -> None:
    response = RecordedResponse(status, {"content-type": "application/json", **headers}, json.dumps(body))

    with pytest.raises(expected) as caught:
        replay(foreign_cassette(f"status-{status}", response), no_retry=True)
    if expected is errors.RateLimitError:
        assert caught.value.retry_after == 7  # type: ignore[attr-defined]
