"""Secrets echoed by the provider never reach events, errors or logs (loopback provider)."""

from __future__ import annotations

import json
import logging

import pytest
from turnout import LLMRequest, Runtime, user
from turnout.errors import StreamDecodeError
from turnout_native_openai import plugin

from testsupport.loopback import serve_sse

KEY = "sk-proj-echoedkey0123456789abcdef"
PLAIN_KEY = "plainkeywithoutanyprefix0123"


def runtime(url: str, key: str) -> Runtime:
    config = {"provider": {"openai": {"options": {"apiKey": key, "baseURL": f"{url}/v1"}}}}
    return Runtime(native=True, config=config, plugins=[plugin], load_entry_points=False)


def frame(event: dict[str, object]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY])
def test_an_in_stream_error_echoing_the_key_is_redacted(key: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = {
        "type": "error",
        "code": "invalid_api_key",
        "message": f"Incorrect API key provided: {key}. Also seen: sk-other-unknownkey987654321.",
    }
    with serve_sse([frame(error)]) as served:
        response = runtime(served.url, key).generate_sync(LLMRequest(model="openai/gpt-4o", messages=[user("hi")]))
    (sent,) = served.requests
    headers = {name.lower(): value for name, value in sent["headers"].items()}  # type: ignore[attr-defined]
    assert headers["authorization"] == f"Bearer {key}"
    errors = [event for event in response.events if event.type == "provider-error"]
    assert [e.message for e in errors] == [
        "invalid_api_key: Incorrect API key provided: [REDACTED]. Also seen: [REDACTED]."
    ]
    dumped = json.dumps([event.model_dump(mode="json") for event in response.events])
    for secret in (key, "sk-other-unknownkey987654321"):
        assert secret not in dumped and secret not in caplog.text


def test_a_decode_error_quotes_its_frame_redacted() -> None:
    body = b"event: response.created\ndata: {not json, Bearer " + KEY.encode() + b" and " + KEY.encode() + b"}\n\n"
    with serve_sse([body]) as served:
        rt = runtime(served.url, KEY)
        with pytest.raises(StreamDecodeError) as caught:
            rt.generate_sync(LLMRequest(model="openai/gpt-4o", messages=[user("hi")]))
    error = caught.value
    assert error.frame == "{not json, Bearer [REDACTED] and [REDACTED]}"
    for text in (str(error), repr(error), repr(error.args)):
        assert KEY not in text


def test_log_records_quoting_provider_text_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("turnout.selection").warning("provider said %s", f"Incorrect API key provided: {KEY}")
    logging.getLogger("turnout.selection").warning(f"inline Bearer {PLAIN_KEY}")
    assert KEY not in caplog.text and PLAIN_KEY not in caplog.text
    assert "Incorrect API key provided: [REDACTED]" in caplog.text
    assert "inline Bearer [REDACTED]" in caplog.text


def test_error_reprs_never_show_a_key() -> None:
    from turnout.errors import PluginError, TransportError

    for error in (
        PluginError(f"hook raised ValueError: bad key {KEY}", plugin="p"),
        TransportError(f"broke: Bearer {PLAIN_KEY}"),
    ):
        assert KEY not in repr(error) and PLAIN_KEY not in str(error)
