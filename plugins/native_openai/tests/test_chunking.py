"""The same recorded bytes, chunked any way the network likes, give the same events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from turnout.errors import StreamDecodeError
from turnout.sse import aiter_sse
from turnout_native_openai.stream import parse_responses_stream

from plugins.native_openai.tests.responses_support import RECORDED_STREAMS, chunks_at, dump_events
from testsupport import recorded_path

SMALL = "vercel-ai__azure-tool-call.1.sse"  # function call + text in under 7 KB


async def _chunks(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def parse_chunks(chunks: Sequence[bytes]) -> list[dict[str, object]]:
    return dump_events([event async for event in parse_responses_stream(aiter_sse(_chunks(chunks)))])


def events_for(chunks: Sequence[bytes]) -> list[dict[str, object]]:
    return asyncio.run(parse_chunks(chunks))


def test_every_single_cut_and_byte_by_byte_give_the_same_events(recorded_dir: Path) -> None:
    data = (recorded_dir / SMALL).read_bytes()

    async def run() -> None:
        whole = await parse_chunks([data])
        assert [e["type"] for e in whole].count("tool-call") == 1
        assert await parse_chunks([data[i : i + 1] for i in range(len(data))]) == whole
        for cut in range(1, len(data)):
            assert await parse_chunks([data[:cut], data[cut:]]) == whole, f"cut at byte {cut}"

    asyncio.run(run())


@pytest.mark.parametrize("path", RECORDED_STREAMS, ids=lambda path: path.stem)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_chunkings_of_every_recording_give_the_same_events(path: Path, data: st.DataObject) -> None:
    body = path.read_bytes()
    cuts = data.draw(st.lists(st.integers(min_value=1, max_value=len(body) - 1), max_size=40))
    assert events_for(chunks_at(body, cuts)) == events_for([body])


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_a_stream_cut_before_its_terminal_event_never_succeeds(cut: int) -> None:
    body = recorded_path("openai-responses", SMALL).read_bytes()
    terminal_at = body.index(b"event: response.completed")
    truncated = body[: cut % terminal_at]
    with pytest.raises(StreamDecodeError, match="ended before"):
        events_for([truncated])
