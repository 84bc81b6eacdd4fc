"""``FastTransport`` specifics: body framings, keep-alive, limits, malformed answers, TLS, and
how ``network_transport()`` picks it. The shared loopback suites run against it too (``each_transport``)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from turnout.errors import ConfigError, TimeoutError, TransportError, TurnoutError
from turnout.http import HTTPClient, RetryPolicy, Timeouts, fast_transport, network_transport
from turnout.http.fast_transport import FastTransport
from turnout.testing import CassetteTransport, load_cassette
from turnout.wire import WireRequest

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
NO_RETRIES = RetryPolicy(max_retries=0)


@asynccontextmanager
async def serving(script: Script, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[str, list[int]]]:
    """A server on 127.0.0.1 running ``script`` per connection; yields its base URL and a
    one-item list counting the connections it accepted."""
    accepted = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted[0] += 1
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", accepted
    finally:
        server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request's head and content-length body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    return head + await reader.readexactly(length)


def answer_with(*responses: bytes, keep_open: bool = True) -> Script:
    """A script answering each request on a connection with the next of ``responses``."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for response in responses:
            await read_request(reader)
            writer.write(response)
            await writer.drain()
        if keep_open:
            await reader.read()  # until the client leaves

    return script


async def fetch(url: str, transport: httpx2.AsyncBaseTransport, **kwargs: object) -> httpx2.Response:
    async with httpx2.AsyncClient(transport=transport) as client:
        return await client.post(url, json={"q": 1}, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "keep_open"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world", True),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nhello world", False),  # ends with the connection
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world", True),
    ],
    ids=["content-length", "chunked", "close-delimited", "interim-100"],
)
def test_every_body_framing_arrives_whole(raw: bytes, keep_open: bool) -> None:
    async def main() -> httpx2.Response:
        async with serving(answer_with(raw, keep_open=keep_open)) as (url, _):
            return await fetch(url, FastTransport())

    response = asyncio.run(main())
    assert (response.status_code, response.content, response.http_version) == (200, b"hello world", "HTTP/1.1")


def test_a_large_body_read_slowly_arrives_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_transport, "_HIGH_WATER", 1024)  # reading pauses and resumes at every read
    payload = bytes(range(256)) * 16_384  # 4 MiB
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(payload), payload)

    async def main() -> bytes:
        async with (
            serving(answer_with(raw)) as (url, _),
            httpx2.AsyncClient(transport=FastTransport()) as client,
            client.stream("GET", url) as response,
        ):
            parts = []
            async for part in response.aiter_raw():
                parts.append(part)
                await asyncio.sleep(0.001)
            return b"".join(parts)

    assert asyncio.run(main()) == payload


def test_a_head_answer_has_no_body_whatever_its_content_length() -> None:
    async def main() -> httpx2.Response:
        async with (
            serving(answer_with(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n")) as (url, _),
            httpx2.AsyncClient(transport=FastTransport(), timeout=5) as client,
        ):
            return await client.head(url)

    response = asyncio.run(main())
    assert (response.status_code, response.content) == (200, b"")


def test_a_gzip_body_is_decoded_by_httpx2() -> None:
    import gzip

    packed = gzip.compress(b'{"ok": true}')
    raw = b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: %d\r\n\r\n%s" % (len(packed), packed)

    async def main() -> httpx2.Response:
        async with serving(answer_with(raw)) as (url, _):
            return await fetch(url, FastTransport())

    assert asyncio.run(main()).json() == {"ok": True}


def test_twenty_requests_share_one_kept_alive_connection() -> None:
    body = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"

    async def main() -> tuple[list[bytes], int]:
        async with serving(answer_with(*[body] * 20)) as (url, accepted), HTTPClient(transport=FastTransport()) as http:
            bodies = []
            for _ in range(20):
                async with http.stream(WireRequest(url=url, json={})) as response:
                    bodies.append(await response.aread())
            return bodies, accepted[0]

    assert asyncio.run(main()) == ([b"ok"] * 20, 1)


def test_closing_a_finished_response_late_leaves_the_next_exchange_alone() -> None:
    body = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"

    async def main() -> tuple[bytes, int]:
        transport = FastTransport()
        async with serving(answer_with(body, body, body)) as (url, accepted):
            first = await transport.handle_async_request(httpx2.Request("GET", url))
            assert b"".join([part async for part in first.stream]) == b"ok"  # type: ignore[union-attr]
            second = await transport.handle_async_request(httpx2.Request("GET", url))  # same connection
            await first.aclose()
            content = b"".join([part async for part in second.stream])  # type: ignore[union-attr]
            third = await transport.handle_async_request(httpx2.Request("GET", url))  # still the same one
            await third.aclose()
            await transport.aclose()
            return content, accepted[0]

    assert asyncio.run(main()) == (b"ok", 1)


def test_a_kept_alive_connection_the_server_dropped_is_replaced_once() -> None:
    ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await answer_with(ok, keep_open=False)(reader, writer)
        await read_request(reader)  # the next request on this connection goes unanswered

    async def main() -> tuple[list[bytes], int]:
        async with serving(script) as (url, accepted), httpx2.AsyncClient(transport=FastTransport()) as client:
            bodies = [(await client.post(url, json={})).content for _ in range(2)]
            return bodies, accepted[0]

    assert asyncio.run(main()) == ([b"ok", b"ok"], 2)


def test_a_streamed_request_body_is_sent_chunked() -> None:
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readuntil(b"0\r\n\r\n"))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await writer.drain()

    async def parts() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"defg"

    async def main() -> int:
        async with serving(script) as (url, _), httpx2.AsyncClient(transport=FastTransport()) as client:
            return (await client.post(url, content=parts())).status_code

    assert asyncio.run(main()) == 204
    assert seen[0].endswith(b"\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
    assert b"transfer-encoding: chunked" in seen[0].lower()


def test_many_concurrent_streams_share_a_small_pool() -> None:
    body = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"

    async def main() -> tuple[list[bytes], int]:
        transport = FastTransport(limits=httpx2.Limits(max_connections=4, max_keepalive_connections=4))
        async with serving(answer_with(*[body] * 50)) as (url, accepted), HTTPClient(transport=transport) as http:

            async def one() -> bytes:
                async with http.stream(WireRequest(url=url, json={})) as response:
                    await asyncio.sleep(0.01)
                    return await response.aread()

            bodies = await asyncio.gather(*(one() for _ in range(50)))
            return bodies, accepted[0]

    bodies, connections = asyncio.run(main())
    assert bodies == [b"ok"] * 50
    assert 1 <= connections <= 4  # the others waited for a connection to come free


def test_a_busy_pool_times_out_as_a_connect_timeout() -> None:
    held = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n"  # never ends

    async def main() -> None:
        transport = FastTransport(limits=httpx2.Limits(max_connections=1))
        timeouts = Timeouts(connect=0.2)
        async with (
            serving(answer_with(held)) as (url, _),
            HTTPClient(transport=transport, timeouts=timeouts, retry=NO_RETRIES) as http,
            http.stream(WireRequest(url=url, json={})),  # holds the only connection
            http.stream(WireRequest(url=url, json={})),
        ):
            pass

    with pytest.raises(TimeoutError) as caught:
        asyncio.run(main())
    assert caught.value.phase == "connect"


def test_a_server_that_never_reads_gives_a_write_timeout() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def main() -> None:
        async with serving(script) as (url, _):
            await fetch(url, FastTransport(), content=b"x" * 64_000_000, timeout=httpx2.Timeout(5, write=0.2))

    with pytest.raises(httpx2.WriteTimeout):
        asyncio.run(main())


def test_unknown_schemes_are_refused_like_httpcore_does() -> None:
    with pytest.raises(httpx2.UnsupportedProtocol):
        asyncio.run(fetch("ftp://127.0.0.1/x", FastTransport()))


RESPONSE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda status, head, tail: b"HTTP/1.1 %d OK\r\n" % status + head + tail,
        st.integers(0, 999),
        st.sampled_from([b"content-length: 5\r\n\r\n", b"transfer-encoding: chunked\r\n\r\n", b"\r\n", b""]),
        st.binary(max_size=100),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSE_BYTES)
def test_whatever_the_server_sends_gives_a_response_or_a_typed_error(raw: bytes) -> None:
    async def main() -> None:
        async with serving(answer_with(raw, keep_open=False)) as (url, _):
            timeouts = Timeouts(connect=2, first_byte=2, idle=2)
            async with (
                HTTPClient(transport=FastTransport(), timeouts=timeouts, retry=NO_RETRIES) as http,
                http.stream(WireRequest(url=url, json={})) as response,
            ):
                await response.aread()

    with contextlib.suppress(TurnoutError):  # typed: a transport error, a timeout or an HTTP status error
        asyncio.run(main())


def test_a_garbled_status_line_is_a_transport_error() -> None:
    async def main() -> None:
        async with (
            serving(answer_with(b"HTTP/1.1 abc\r\n\r\n")) as (url, _),
            HTTPClient(transport=FastTransport(), retry=NO_RETRIES) as http,
            http.stream(WireRequest(url=url, json={})),
        ):
            pass

    with pytest.raises(TransportError, match="RemoteProtocolError"):
        asyncio.run(main())


# -- TLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "turnout test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def tls_fetch(certificate: tuple[Path, Path], transport: FastTransport) -> bytes:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*certificate)
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret"

    async def main() -> bytes:
        async with serving(answer_with(raw), tls=server_context) as (url, _):
            return (await fetch(url, transport)).content

    return asyncio.run(main())


def test_tls_with_a_trusted_certificate(certificate: tuple[Path, Path]) -> None:
    assert tls_fetch(certificate, FastTransport(verify=ssl.create_default_context(cafile=certificate[0]))) == b"secret"


def test_tls_honours_ssl_cert_file_as_httpx2_does(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert tls_fetch(certificate, FastTransport()) == b"secret"


def test_tls_refuses_an_untrusted_certificate(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(httpx2.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        tls_fetch(certificate, FastTransport())


# -- choosing the transport -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, FastTransport), ("auto", FastTransport), ("fast", FastTransport), ("httpx2", httpx2.AsyncHTTPTransport)],
)
def test_the_environment_picks_the_transport(
    value: str | None, expected: type[httpx2.AsyncBaseTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("TURNOUT_HTTP_TRANSPORT", raising=False)
    else:
        monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", value)
    assert type(network_transport()) is expected
    assert type(HTTPClient().retry_transport.inner) is expected


def test_without_httptools_auto_falls_back_and_fast_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httptools", None)  # as if not installed
    monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", "auto")
    assert type(network_transport()) is httpx2.AsyncHTTPTransport
    monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", "fast")
    with pytest.raises(ConfigError, match=r"\$TURNOUT_HTTP_TRANSPORT: .*pip install 'turnout\[fast\]'"):
        network_transport()


def test_an_unknown_transport_name_lists_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", "curl")
    with pytest.raises(ConfigError, match="unknown HTTP transport 'curl'; expected one of auto, fast, httpx2"):
        network_transport()


@pytest.mark.parametrize(("value", "shown"), [("fast", "FastTransport"), ("httpx2", "AsyncHTTPTransport")])
def test_turnout_plugins_shows_the_transport_in_effect(
    value: str, shown: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from turnout.cli import main

    monkeypatch.setenv("TURNOUT_PLUGINS", "")
    monkeypatch.setenv("TURNOUT_HTTP_TRANSPORT", value)
    assert main(["plugins"]) == 0
    assert f"http transport: {shown} " in capsys.readouterr().out


def test_import_turnout_does_not_import_httptools() -> None:
    code = "import sys, turnout, turnout.http; assert 'httptools' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_cassette_records_over_the_fast_transport(tmp_path: Path) -> None:
    raw = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"

    async def main() -> bytes:
        async with serving(answer_with(raw)) as (url, _):
            transport = CassetteTransport(tmp_path / "c.json", mode="record", network=FastTransport())
            async with httpx2.AsyncClient(transport=transport) as client:
                return (await client.post(f"{url}/v1/x", json={"a": 1})).content

    assert asyncio.run(main()) == b"hello"
    assert load_cassette(tmp_path / "c.json").interactions[0].response.body == "hello"
