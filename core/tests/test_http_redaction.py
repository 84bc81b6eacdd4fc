"""``turnout.http`` redaction helpers: URLs, headers and free text."""

from __future__ import annotations

import logging

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from turnout.http import redact_headers, redact_text, redact_url
from turnout.http.redaction import secrets_in_headers, secrets_in_url


def test_redact_url_removes_userinfo_and_sensitive_query_values() -> None:
    url = "https://user:pass@example.com:8443/v1/models?key=AIzaSECRET&alt=sse&access_token=t0k&X-Amz-Signature=s"
    assert redact_url(url) == (
        "https://example.com:8443/v1/models?key=[REDACTED]&alt=sse&access_token=[REDACTED]&X-Amz-Signature=[REDACTED]"
    )


@pytest.mark.parametrize("name", ["api_key", "apikey", "api-key", "token", "sig", "signature", "code", "client_secret"])
def test_redact_url_query_names(name: str) -> None:
    assert redact_url(f"https://h/p?{name}=v4lue&keep=1") == f"https://h/p?{name}=[REDACTED]&keep=1"


def test_redact_url_leaves_plain_urls_alone_and_handles_bad_ones() -> None:
    assert redact_url("https://api.openai.com/v1/responses") == "https://api.openai.com/v1/responses"
    assert redact_url("http://[::1/") == "<unparsable URL>"
    assert redact_url("http://h:notaport/") == "<unparsable URL>"


def test_redact_headers() -> None:
    headers = {
        "Authorization": "Bearer sk-123",
        "x-api-key": "k",
        "Cookie": "a=b",
        "x-org-id": "org_1",
        "OpenAI-Organization": "org-2",
        "x-goog-api-key": "g",
        "X-Console-Token": "t",
        "x-client-secret": "s",
        "content-type": "application/json",
        "x-request-id": "req_1",
    }
    redacted = redact_headers(headers)
    assert redacted == {
        **{name: "[REDACTED]" for name in list(headers)[:8]},
        "content-type": "application/json",
        "x-request-id": "req_1",
    }
    assert redact_headers([("authorization", "x")]) == {"authorization": "[REDACTED]"}


def test_secrets_in_headers_include_the_bare_token() -> None:
    found = secrets_in_headers({"authorization": "Bearer sk-abc123456", "accept": "text/event-stream"})
    assert found == ["Bearer sk-abc123456", "sk-abc123456"]


def test_secrets_in_url_are_the_sensitive_query_values() -> None:
    assert sorted(secrets_in_url("https://h/p?key=a%2Fb&alt=sse&token=t")) == ["a%2Fb", "a/b", "t"]
    assert secrets_in_url("http://[::1/") == []


def test_redact_text_scrubs_given_secrets_plain_and_url_encoded() -> None:
    secret = "my secret/value+1"
    text = f"got {secret} and my%20secret%2Fvalue%2B1"
    assert redact_text(text, [secret]) == "got [REDACTED] and [REDACTED]"


def test_redact_text_scrubs_well_known_patterns_without_being_told() -> None:
    text = (
        "Authorization: Bearer eyJhbGciOi.payload.sig key sk-proj-ABCDEFGHIJKLMNOP "
        "ant sk-ant-api03-abcdefghijkl google AIzaSyA1234567890abcdefghijklmnop"
        " aws AKIAIOSFODNN7EXAMPLE"
    )
    redacted = redact_text(text)
    for leaked in ("eyJhbGciOi", "sk-proj-ABC", "sk-ant-api03", "AIzaSyA", "AKIAIOSFODNN7EXAMPLE"):
        assert leaked not in redacted
    assert "Bearer [REDACTED]" in redacted


def test_redact_text_keeps_ordinary_text_and_ignores_tiny_secrets() -> None:
    text = "The model `gpt-4.1` does not exist; masked key invalid-*****2345"
    assert redact_text(text, ["", "a", "gpt"]) == text


@settings(max_examples=200, derandomize=True)
@given(
    prefix=st.text(max_size=30),
    suffix=st.text(max_size=30),
    # Without brackets a secret cannot re-form across the "[REDACTED]" marker.
    secret=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="[]"), min_size=6),
)
def test_redact_text_never_leaves_a_given_secret(prefix: str, suffix: str, secret: str) -> None:
    assume(secret not in "[REDACTED]")
    assert secret not in redact_text(prefix + secret + suffix, [secret])


def test_httpx2_request_log_lines_never_show_query_keys(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    import httpx2
    from turnout.http import HTTPClient
    from turnout.wire import WireRequest

    caplog.set_level(logging.INFO, logger="httpx2")
    client = HTTPClient(transport=httpx2.MockTransport(lambda request: httpx2.Response(200, text="ok")))

    async def send() -> None:
        async with client.stream(WireRequest(url="https://generativelanguage.googleapis.com/v1?key=AIzaSECRET123456")):
            pass
        await client.aclose()

    asyncio.run(send())
    assert "HTTP Request: POST" in caplog.text
    assert "AIzaSECRET123456" not in caplog.text and "key=" in caplog.text
