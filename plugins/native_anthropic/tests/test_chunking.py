"""The same recorded bytes, chunked any way the network likes (and with CRLF line ends), give the
same events as the whole body."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from turnout.errors import StreamDecodeError
from turnout.sse import aiter_sse
from turnout_native_anthropic.stream import parse_messages_stream

from plugins.native_anthropic.tests.messages_support import RECORDED_STREAMS, dump_events
from testsupport import recorded_path

SMALL = "vercel-ai__tool-no-args.sse"  # text + a tool call with pings in between, under 2 KB
THINKING = "pydantic-ai__anthropic-code-execution-tool-stream.0.sse"  # thinking, server tool, result


async def _chunks(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def parse_chunks(chunks: Sequence[bytes]) -> list[dict[str, object]]:
    return dump_events([event async for event in parse_messages_stream(aiter_sse(_chunks(chunks)))])


def events_for(chunks: Sequence[bytes]) -> list[dict[str, object]]:
    return asyncio.run(parse_chunks(chunks))


def chunks_at(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``data`` cut at the given offsets."""
    bounds = [0, *sorted(set(cuts)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def test_every_single_cut_and_byte_by_byte_give_the_same_events(recorded_dir: Path) -> None:
    data = (recorded_dir / SMALL).read_bytes()

    async def run() -> None:
        whole = await parse_chunks([data])
        assert [e["type"] for e in whole].count("tool-call") == 1
        assert await parse_chunks([data[i : i + 1] for i in range(len(data))]) == whole
        for cut in range(1, len(data)):
            assert await parse_chunks([data[:cut], data[cut:]]) == whole, f"cut at byte {cut}"

    asyncio.run(run())


@pytest.mark.parametrize("name", [SMALL, THINKING])
def test_crlf_line_ends_byte_by_byte_give_the_same_events(recorded_dir: Path, name: str) -> None:
    data = (recorded_dir / name).read_bytes()
    crlf = data.replace(b"\n", b"\r\n")
    whole = events_for([data])
    assert whole and whole[-1]["type"] == "step-finish"
    assert events_for([crlf]) == whole
    assert events_for([crlf[i : i + 1] for i in range(len(crlf))]) == whole


@pytest.mark.parametrize("path", RECORDED_STREAMS, ids=lambda path: path.stem)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_chunkings_of_every_recording_give_the_same_events(path: Path, data: st.DataObject) -> None:
    body = path.read_bytes()
    if data.draw(st.booleans(), label="crlf"):
        body = body.replace(b"\n", b"\r\n")
    cuts = data.draw(st.lists(st.integers(min_value=1, max_value=len(body) - 1), max_size=40))
    assert events_for(chunks_at(body, cuts)) == events_for([body])


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_a_stream_cut_before_message_stop_never_succeeds(cut: int) -> None:
    body = recorded_path("anthropic-messages", SMALL).read_bytes()
    stop_at = body.index(b"event: message_stop")
    with pytest.raises(StreamDecodeError, match="ended before message_stop"):
        events_for([body[: cut % stop_at]])
