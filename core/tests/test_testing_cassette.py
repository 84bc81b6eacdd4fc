"""Cassettes: format, matching, modes, redaction and the secret scan (``turnout.testing``)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from turnout.testing.cassette import (
    Cassette,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteModeError,
    CassetteNotFoundError,
    CassetteSecretError,
    CassetteTransport,
    CassetteUnplayedError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    resolve_mode,
)
from turnout.testing.redaction import REDACTED, Redactor, scan_for_secrets

SSE_BODY = b'data: {"n": 0}\n\ndata: {"n": 1}\n\n'


class _Handler(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.received.append({"path": self.path, "headers": dict(self.headers), "body": body})  # type: ignore[attr-defined]
        payload = self.server.payload  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", self.server.content_type)  # type: ignore[attr-defined]
        self.send_header("x-request-id", "req_123")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    """A loopback HTTP server answering every POST with ``server.payload``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.received = []  # type: ignore[attr-defined]
    httpd.payload = SSE_BODY  # type: ignore[attr-defined]
    httpd.content_type = "text/event-stream"  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def url_of(server: ThreadingHTTPServer, path: str = "/v1/echo") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def post(
    transport: CassetteTransport, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, list[bytes]]:
    async def run() -> tuple[int, list[bytes]]:
        async with (
            httpx2.AsyncClient(transport=transport) as client,
            client.stream("POST", url, json=body, headers=headers or {}) as response,
        ):
            return response.status_code, [chunk async for chunk in response.aiter_raw()]

    return asyncio.run(run())


def interaction(body: str = '{"a": 1}', url: str = "http://svc.test/v1/echo", response: str = "ok") -> Interaction:
    return Interaction(
        RecordedRequest("POST", url, {"accept": "*/*", "content-type": "application/json"}, body),
        RecordedResponse(200, {"content-type": "text/plain"}, response),
    )


# -- format --------------------------------------------------------------------------------------


def test_cassette_file_is_pretty_json_with_version_metadata_and_trailing_newline(tmp_path: Path) -> None:
    cassette = Cassette("hello", [interaction()], metadata={"provider": "echo"})
    path = cassette.save(tmp_path / "hello.json")
    text = path.read_text()
    assert text.endswith("}\n")
    assert text.startswith('{\n  "version": 1,\n  "metadata": {\n    "name": "hello"')
    data = json.loads(text)
    assert data["metadata"] == {"name": "hello", "provider": "echo"}
    assert data["interactions"][0]["response"]["bodyEncoding"] == "text"
    again = load_cassette(path)
    assert again.to_json() == text
    assert again.interactions == cassette.interactions


def test_loading_a_missing_cassette_says_how_to_record_it(tmp_path: Path) -> None:
    with pytest.raises(CassetteNotFoundError, match="--turnout-record"):
        load_cassette(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"version": 2, "interactions": []}', "unsupported cassette version 2"),
        ('{"version": 1, "interactions": [{"request": {}}]}', r"interactions\[0\] is malformed"),
    ],
)
def test_malformed_cassettes_are_reported_with_the_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CassetteFormatError, match=message) as info:
        load_cassette(path)
    assert str(path) in str(info.value)


# -- record and replay ---------------------------------------------------------------------------


@pytest.mark.usefixtures("each_transport")
def test_recorded_stream_replays_byte_for_byte_with_the_server_stopped(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "echo.json"
    url = url_of(server)
    status, recorded = post(CassetteTransport(path, "record"), url, {"prompt": "hi"})
    assert status == 200 and b"".join(recorded) == SSE_BODY
    server.shutdown()
    server.server_close()

    replay = CassetteTransport(path)
    status, replayed = post(replay, url, {"prompt": "hi"})
    assert status == 200
    assert b"".join(replayed) == SSE_BODY
    assert len(replayed) > 1, "a replayed body is handed out in chunks, like a live stream"
    replay.verify()


def test_replay_matches_json_bodies_regardless_of_key_order(tmp_path: Path) -> None:
    cassette = Cassette("c", [interaction(body='{"b": [1, {"y": 2, "x": 1}], "a": "z"}')])
    transport = CassetteTransport(cassette)
    status, chunks = post(transport, "http://svc.test/v1/echo", {"a": "z", "b": [1, {"x": 1, "y": 2}]})
    assert (status, b"".join(chunks)) == (200, b"ok")


def test_replay_answers_identical_requests_in_recorded_order(tmp_path: Path) -> None:
    cassette = Cassette("c", [interaction(response="first"), interaction(response="second")])
    transport = CassetteTransport(cassette)
    bodies = [b"".join(post(transport, "http://svc.test/v1/echo", {"a": 1})[1]) for _ in range(2)]
    assert bodies == [b"first", b"second"]
    transport.verify()


def test_changed_request_body_fails_with_a_diff_against_the_closest_request() -> None:
    cassette = Cassette(
        "c",
        [
            interaction(body='{"model": "m", "messages": ["hello"], "stream": true}'),
            interaction(body='{"totally": "different"}', url="http://svc.test/v1/other"),
        ],
    )
    transport = CassetteTransport(cassette)
    with pytest.raises(CassetteMismatchError) as info:
        post(transport, "http://svc.test/v1/echo", {"model": "m", "messages": ["goodbye"], "stream": True})
    message = str(info.value)
    assert "Closest recorded request: interaction 0 of 2" in message
    assert '-    "hello"' in message and '+    "goodbye"' in message
    assert "--- recorded (interaction 0)" in message and "+++ sent" in message
    assert "--turnout-record" in message
    assert transport.errors == [info.value], "kept for the teardown check even if a client swallows it"


def test_replay_never_touches_the_network(server: ThreadingHTTPServer) -> None:
    transport = CassetteTransport(Cassette("empty"))
    with pytest.raises(CassetteMismatchError, match="no interactions"):
        post(transport, url_of(server), {"a": 1})
    assert server.received == []  # type: ignore[attr-defined]


def test_unplayed_interactions_are_reported() -> None:
    transport = CassetteTransport(Cassette("c", [interaction(), interaction(body='{"a": 2}')]))
    post(transport, "http://svc.test/v1/echo", {"a": 1})
    with pytest.raises(CassetteUnplayedError, match=r"1 of 2 recorded interactions were never requested") as info:
        transport.verify()
    assert "interaction 1: POST http://svc.test/v1/echo" in str(info.value)


def test_replay_of_a_missing_cassette_fails_on_the_first_request(tmp_path: Path) -> None:
    transport = CassetteTransport(tmp_path / "missing.json")
    transport.verify()  # nothing requested, nothing recorded: nothing to complain about
    with pytest.raises(CassetteNotFoundError, match=r"missing\.json"):
        post(transport, "http://svc.test/v1/echo", {})
    assert [type(error) for error in transport.errors] == [CassetteNotFoundError]


@pytest.mark.usefixtures("each_transport")
def test_auto_mode_records_only_what_is_missing(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "auto.json"
    url = url_of(server)
    post(CassetteTransport(path, "record"), url, {"turn": 1})
    assert len(server.received) == 1  # type: ignore[attr-defined]

    auto = CassetteTransport(path, "auto", env={})
    post(auto, url, {"turn": 1})
    post(auto, url, {"turn": 2})
    assert len(server.received) == 2, "the known request was replayed, only the new one was sent"  # type: ignore[attr-defined]
    assert [json.loads(i.request.body) for i in load_cassette(path).interactions] == [{"turn": 1}, {"turn": 2}]


def test_auto_mode_is_refused_under_ci(tmp_path: Path) -> None:
    with pytest.raises(CassetteModeError, match="refused when CI is set"):
        CassetteTransport(tmp_path / "x.json", "auto", env={"CI": "true"})
    CassetteTransport(tmp_path / "x.json", "auto", env={"CI": "0"})


@pytest.mark.parametrize(
    ("flag", "env", "mode"),
    [
        (False, {}, "replay"),
        (True, {}, "record"),
        (False, {"TURNOUT_RECORD": "1"}, "record"),
        (False, {"TURNOUT_RECORD": "auto"}, "auto"),
        (False, {"TURNOUT_RECORD": "0"}, "replay"),
        (True, {"TURNOUT_RECORD": "0"}, "record"),
    ],
)
def test_mode_comes_from_the_option_then_the_environment(flag: bool, env: dict[str, str], mode: str) -> None:
    assert resolve_mode(flag, env) == mode


def test_an_unknown_turnout_record_value_is_rejected() -> None:
    with pytest.raises(CassetteModeError, match="got 'sometimes'"):
        resolve_mode(False, {"TURNOUT_RECORD": "sometimes"})


@pytest.mark.usefixtures("each_transport")
def test_binary_response_bodies_are_stored_as_base64(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    server.payload = bytes(range(256))  # type: ignore[attr-defined]
    server.content_type = "application/octet-stream"  # type: ignore[attr-defined]
    path = tmp_path / "bin.json"
    post(CassetteTransport(path, "record"), url_of(server), {})
    stored = json.loads(path.read_text())["interactions"][0]["response"]
    assert stored["bodyEncoding"] == "base64"
    _, chunks = post(CassetteTransport(path), url_of(server), {})
    assert b"".join(chunks) == bytes(range(256))


# -- redaction -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("each_transport")
def test_recording_keeps_only_allow_listed_headers_and_redacts_query_credentials(
    server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "redacted.json"
    url = url_of(server, "/v1/echo?api_key=abc123&mode=fast")
    headers = {"authorization": "Bearer abc", "x-org-id": "org_1", "anthropic-version": "2023-06-01"}
    post(CassetteTransport(path, "record"), url, {"a": 1}, headers)
    assert server.received[0]["headers"]["authorization"] == "Bearer abc", "the live request was untouched"  # type: ignore[attr-defined]
    stored = json.loads(path.read_text())["interactions"][0]
    assert stored["request"]["headers"] == {
        "accept": "*/*",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
    }
    assert stored["request"]["url"].endswith("/v1/echo?api_key=[REDACTED]&mode=fast")
    assert stored["response"]["headers"] == {"content-type": "text/event-stream"}
    other_key = {**headers, "authorization": "Bearer other"}
    _, chunks = post(CassetteTransport(path), url_of(server, "/v1/echo?api_key=other&mode=fast"), {"a": 1}, other_key)
    assert b"".join(chunks) == SSE_BODY, "live requests are redacted the same way before matching"


def test_redactor_rules_rewrite_urls_and_bodies_and_sensitive_json_fields() -> None:
    redactor = Redactor(
        request_headers={"Content-Type", "Authorization"},
        url_rules=[(r"http://127\.0\.0\.1:\d+", "http://svc.test")],
        body_rules=[(r"wrk_[A-Z0-9]+", "wrk_redacted"), str.strip],
    )
    assert redactor.url("http://user:pw@127.0.0.1:4321/v1?token=t&x=1") == f"http://svc.test/v1?token={REDACTED}&x=1"
    assert redactor.request_header_map([("Authorization", "Bearer x"), ("Content-Type", "a/b"), ("X-Other", "1")]) == {
        "authorization": REDACTED,
        "content-type": "a/b",
    }
    assert redactor.body(' {"id": "wrk_AB12"} ') == '{"id": "wrk_redacted"}'
    assert json.loads(redactor.body('{"refresh_token": "r-1", "nested": [{"apiKey": "k"}], "n": 1}')) == {
        "refresh_token": REDACTED,
        "nested": [{"apiKey": REDACTED}],
        "n": 1,
    }
    assert redactor.body("not json {") == "not json {"


# -- the secret scan -----------------------------------------------------------------------------

SECRETS = {
    "bearer": ("Bearer abcdefghijklmnop1234", "a bearer token"),
    "openai": ("sk-proj-abcdefghijklmnopqrstuv", "an OpenAI-style key"),
    "anthropic": ("sk-ant-api03-abcdefghijkl", "an Anthropic-style key"),
    "google": ("AIzaSyA-abcdefghijklmnopqrstuvwxyz12345", "a Google API key"),
    "aws": ("AKIAABCDEFGHIJKLMNOP", "an AWS access key id"),
    "github": ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token"),
    "pem": ("-----BEGIN RSA PRIVATE KEY-----\nMIIB", "a PEM private key"),
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_secret_scan_names_the_place_and_kind_without_the_value(kind: str) -> None:
    secret, what = SECRETS[kind]
    findings = scan_for_secrets([("interactions[0].request.body", f"line one\nbefore {secret} after")], env={})
    assert [f.what.startswith(what) for f in findings] == [True]
    assert findings[0].where == "interactions[0].request.body (line 2, column 8)"
    assert secret not in str(findings[0])


def test_secret_scan_finds_values_of_secret_looking_environment_variables() -> None:
    env = {
        "MY_SERVICE_TOKEN": "tok-4f9a8b7c6d5e",
        "OPENAI_API_KEY": "fixture-openai-key",
        "SHORT_SECRET": "abc",
        "HOME": "/home/someone-long-enough",
    }
    fields = [
        ("a", "uses tok-4f9a8b7c6d5e here"),
        ("b", "fixture-openai-key is a placeholder"),
        ("c", "abc and /home/someone-long-enough"),
    ]
    assert [str(f) for f in scan_for_secrets(fields, env=env)] == ["a: the value of $MY_SERVICE_TOKEN"]


def test_secret_scan_leaves_ordinary_traffic_alone() -> None:
    body = 'data: {"type":"response.output_text.delta","delta":"skeleton keys","item_id":"msg_123"}\n\n'
    assert scan_for_secrets([("body", body), ("url", "https://api.openai.com/v1/responses")], env={}) == []


def test_recording_a_secret_in_a_header_is_refused_and_names_where(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "leak.json"
    redactor = Redactor(request_headers={"content-type", "x-debug"})
    transport = CassetteTransport(path, "record", redactor=redactor, env={})
    with pytest.raises(CassetteSecretError) as info:
        post(transport, url_of(server), {"a": 1}, {"x-debug": "sk-abcdefghijklmnopqrstuvwx"})
    message = str(info.value)
    assert "Refusing to write cassette 'leak'" in message
    assert "interactions[0].request.headers['x-debug']: an OpenAI-style key (sk-…)" in message
    assert "sk-abcdefghijklmnopqrstuvwx" not in message
    assert not path.exists()
    assert transport.errors == [info.value]


def test_recording_a_secret_in_a_body_keeps_the_existing_cassette(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "keep.json"
    post(CassetteTransport(path, "record", env={}), url_of(server), {"prompt": "fine"})
    before = path.read_text()

    env = {"ACME_CREDENTIAL": "acme-9f8e7d6c5b4a"}
    with pytest.raises(CassetteSecretError) as info:
        post(CassetteTransport(path, "record", env=env), url_of(server), {"prompt": "use acme-9f8e7d6c5b4a"})
    assert "interactions[0].request.body: the value of $ACME_CREDENTIAL" in str(info.value)
    assert "acme-9f8e7d6c5b4a" not in str(info.value)
    assert path.read_text() == before


def test_a_secret_in_a_response_body_is_refused(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    server.payload = b'data: {"echo": "AKIAABCDEFGHIJKLMNOP"}\n\n'  # type: ignore[attr-defined]
    with pytest.raises(CassetteSecretError, match=r"interactions\[0\]\.response\.body \(line 1, column 17\)"):
        post(CassetteTransport(tmp_path / "r.json", "record", env={}), url_of(server), {})


# -- properties ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


def _shuffled(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shuffled(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_shuffled(v) for v in value]
    return value


@given(json_values)
def test_canonical_form_ignores_key_order_and_whitespace(value: Any) -> None:
    a = RecordedRequest("post", "u", {}, json.dumps(value))
    b = RecordedRequest("POST", "u", {}, json.dumps(_shuffled(value), indent=3))
    assert a.canonical() == b.canonical()


@given(st.text(max_size=60))
def test_redacting_any_body_never_raises_and_is_stable(text: str) -> None:
    redactor = Redactor()
    once = redactor.body(text)
    assert redactor.body(once) == once


@given(st.text(alphabet="abc xyz\n", max_size=30), st.text(alphabet="abc xyz\n", max_size=30))
def test_a_finding_never_contains_the_secret_it_found(before: str, after: str) -> None:
    secret = "tok-9f8e7d6c5b4a3"
    findings = scan_for_secrets([("body", before + secret + after)], env={"SERVICE_TOKEN": secret})
    assert [f.what for f in findings] == ["the value of $SERVICE_TOKEN"]
    assert all(secret not in str(f) for f in findings)


def test_the_kit_exports_resolve_lazily() -> None:
    import turnout.guard
    import turnout.testing

    assert turnout.testing.check_events is turnout.guard.check_events
    assert turnout.testing.EventProtocolError is turnout.guard.EventProtocolError
    for name in turnout.testing.__all__:
        assert getattr(turnout.testing, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        turnout.testing.nope  # noqa: B018
