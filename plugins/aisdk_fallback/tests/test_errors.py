"""Failures: HTTP error statuses raise the core's typed errors (no secrets), in-stream errors
become ``provider-error``, and the SDKs never retry on their own (the core's transport does)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
import turnout
from fallback_support import (
    RECORDED_BASE_URL,
    LoopbackServer,
    provider_config,
    recording,
    replay_recorded,
    run_fallback,
)
from turnout import errors

from testsupport import recorded_files

ERRORS = [p for p in recorded_files("errors", "*.http.json") if "nonstream" not in p.name]
_EXPECTED = {
    401: errors.AuthenticationError,
    403: errors.AuthenticationError,
    404: errors.InvalidRequestError,
    400: errors.InvalidRequestError,
    429: errors.RateLimitError,
}


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.name.removesuffix(".http.json"))
def test_recorded_http_errors_raise_typed_errors(path: Path) -> None:
    recorded = json.loads(path.read_text(encoding="utf-8"))
    status = recorded["status"] or 429
    body = recorded.get("body_raw") or json.dumps(recorded["body"])
    response = recording(body, status=status, content_type="application/json", headers={"x-should-retry": "false"})
    package, endpoint = (
        ("@ai-sdk/anthropic", "messages") if "anthropic" in path.name else ("@ai-sdk/openai", "responses")
    )
    config = provider_config(RECORDED_BASE_URL, package, provider="p")
    request = turnout.LLMRequest(model="p/m", messages=[turnout.user("hi")])
    sent: list[httpx2.Request] = []
    with pytest.raises(errors.ProviderHTTPError) as caught:
        replay_recorded(config, request, f"{RECORDED_BASE_URL}/{endpoint}", response, sent=sent)
    assert isinstance(caught.value, _EXPECTED[status])
    assert caught.value.status == status
    assert "test-key" not in str(caught.value) + caught.value.body
    assert len(sent) == 1  # no SDK retry


_EVERY_SDK = [
    ("@ai-sdk/openai", "m"),
    ("@ai-sdk/azure", "m"),
    ("@ai-sdk/openai-compatible", "m"),
    ("@openrouter/ai-sdk-provider", "openai/m"),
    ("@ai-sdk/anthropic", "m"),
    ("@ai-sdk/google", "m"),
    ("@ai-sdk/google-vertex", "m"),
    ("@ai-sdk/mistral", "m"),
]
"""Every SDK the fallback builds a client for (package, model id)."""


@pytest.mark.parametrize(("package", "model_id"), _EVERY_SDK, ids=[p for p, _ in _EVERY_SDK])
def test_server_errors_are_retried_by_the_core_only(loopback: LoopbackServer, package: str, model_id: str) -> None:
    loopback.serve(
        b'{"error": {"message": "busy"}}',
        status=503,
        content_type="application/json",
        headers={"retry-after-ms": "1"},
    )
    config = provider_config(loopback.base_url, package)
    with pytest.raises(errors.ProviderServerError, match="busy") as caught:
        run_fallback(config, turnout.LLMRequest(model=f"p/{model_id}", messages=[turnout.user("hi")]))
    assert caught.value.status == 503
    assert len(loopback.requests) == 3  # the core's policy: the first try and at most 2 retries; no SDK retry


def test_connection_refused_is_a_transport_error() -> None:
    config = provider_config("http://127.0.0.1:9/v1", "@ai-sdk/openai-compatible")
    with pytest.raises(errors.TransportError) as caught:
        run_fallback(config, turnout.LLMRequest(model="p/m", messages=[turnout.user("hi")]))
    assert caught.value.url == "http://127.0.0.1:9/v1/chat/completions"  # the endpoint, as the native path names it
