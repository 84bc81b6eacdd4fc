"""Property tests of ``turnout.sse``: any chunking decodes to the frames a stream was built from."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st
from turnout.sse import SSEDecoder, SSEFrame, aiter_sse

# Field values: any text without line breaks or NUL (and no lone surrogates, which UTF-8 cannot
# encode), including non-ASCII, colons and leading spaces.
VALUE = st.text(st.characters(blacklist_characters="\r\n\0", blacklist_categories=["Cs"]), max_size=12)
NEWLINE = st.sampled_from(["\n", "\r\n", "\r"])


@dataclass
class Block:
    """One frame as generated: its lines (field, value) and what it should dispatch."""

    lines: list[tuple[str, str]] = field(default_factory=list)


@st.composite
def blocks(draw: st.DrawFn) -> Block:
    lines: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["data", "data", "data", "event", "id", "retry", "comment", "unknown"]))
        if kind == "retry":
            lines.append(("retry", str(draw(st.integers(0, 10**6)))))
        elif kind == "comment":
            lines.append(("", draw(VALUE)))
        elif kind == "unknown":
            lines.append((draw(st.sampled_from(["foo", "Data", "ID", "event "])), draw(VALUE)))
        else:
            lines.append((kind, draw(VALUE)))
    return Block(lines)


@st.composite
def encode_line(draw: st.DrawFn, name: str, value: str) -> str:
    """One line of the wire form, choosing among the spellings that mean the same thing."""
    if not name:
        return ":" + value
    if value == "" and draw(st.booleans()):
        return name  # a field without a colon has an empty value
    if value.startswith(" ") or draw(st.booleans()):
        return f"{name}: {value}"
    return f"{name}:{value}"


def expected_frames(stream: list[Block]) -> list[SSEFrame]:
    """What the WHATWG rules dispatch for the generated blocks."""
    frames: list[SSEFrame] = []
    last_id: str | None = None
    for block in stream:
        data: list[str] = []
        event = ""
        retry: int | None = None
        for name, value in block.lines:
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                last_id = value
            elif name == "retry":
                retry = int(value)
        if data:
            frames.append(SSEFrame(event or "message", "\n".join(data), last_id, retry))
    return frames


@st.composite
def sse_streams(draw: st.DrawFn) -> tuple[bytes, list[SSEFrame]]:
    """A generated stream: its bytes and the frames it encodes."""
    stream = draw(st.lists(blocks(), max_size=6))
    lines: list[str] = []
    for block in stream:
        lines += [draw(encode_line(name, value)) for name, value in block.lines]
        lines.append("")  # the blank line that ends the frame
    text = ""
    previous_newline = ""
    for line in lines:
        newline = draw(NEWLINE)
        if previous_newline == "\r" and not line and newline == "\n":
            newline = "\r\n"  # "\r" + "\n" would be one line break, not a line and a blank line
        text += line + newline
        previous_newline = newline
    body = text.encode()
    if draw(st.booleans()):
        body = b"\xef\xbb\xbf" + body
    return body, expected_frames(stream)


def decode_in_pieces(body: bytes, cuts: list[int]) -> tuple[list[SSEFrame], SSEDecoder]:
    decoder = SSEDecoder()
    frames: list[SSEFrame] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(body)]:
        frames += decoder.feed(body[start:cut])
        start = cut
    frames += decoder.close()
    return frames, decoder


@settings(max_examples=500, derandomize=True, deadline=None)
@given(stream=sse_streams(), data=st.data())
def test_any_chunking_decodes_to_the_generated_frames(
    stream: tuple[bytes, list[SSEFrame]], data: st.DataObject
) -> None:
    body, expected = stream
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=20), label="cuts")
    whole, _ = decode_in_pieces(body, [])
    pieces, decoder = decode_in_pieces(body, cuts)
    assert whole == expected
    assert pieces == whole
    assert not decoder.had_partial_frame


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    stream=sse_streams(),
    tail=VALUE,
    newline=st.sampled_from(["", "\n", "\r\n", "\r"]),
    data=st.data(),
)
def test_a_frame_cut_off_at_the_end_is_dropped(
    stream: tuple[bytes, list[SSEFrame]], tail: str, newline: str, data: st.DataObject
) -> None:
    body, expected = stream
    cut_body = body + f"data: {tail}{newline}".encode()
    cuts = data.draw(st.lists(st.integers(0, len(cut_body)), max_size=10), label="cuts")
    frames, decoder = decode_in_pieces(cut_body, cuts)
    assert frames == expected
    assert decoder.had_partial_frame


@settings(max_examples=200, derandomize=True, deadline=None)
@given(body=st.binary(max_size=200), data=st.data())
def test_arbitrary_bytes_never_raise_and_chunking_does_not_matter(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=10), label="cuts")
    whole, _ = decode_in_pieces(body, [])
    pieces, _ = decode_in_pieces(body, cuts)
    assert pieces == whole


def data_in_pieces(body: bytes, cuts: list[int]) -> tuple[list[str], SSEDecoder]:
    """``SSEDecoder.feed_data`` over ``body`` cut at ``cuts``."""
    decoder = SSEDecoder()
    data: list[str] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(body)]:
        data += decoder.feed_data(body[start:cut])
        start = cut
    return data, decoder


def frames_through_aiter_sse(body: bytes, cuts: list[int]) -> list[SSEFrame]:
    """The public path: ``aiter_sse`` over ``body`` cut at ``cuts``."""

    async def chunks() -> AsyncIterator[bytes]:
        start = 0
        for cut in [*sorted(set(cuts)), len(body)]:
            yield body[start:cut]
            start = cut

    async def collect() -> list[SSEFrame]:
        return [frame async for frame in aiter_sse(chunks())]

    return asyncio.run(collect())


@settings(max_examples=300, derandomize=True, deadline=None)
@given(stream=sse_streams(), data=st.data())
def test_feed_data_gives_the_data_of_every_frame_for_any_chunking(
    stream: tuple[bytes, list[SSEFrame]], data: st.DataObject
) -> None:
    body, expected = stream
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=20), label="cuts")
    got, decoder = data_in_pieces(body, cuts)
    _, reference = decode_in_pieces(body, cuts)
    assert got == [frame.data for frame in expected]
    assert (decoder.last_event_id, decoder.retry) == (reference.last_event_id, reference.retry)


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@st.composite
def json_event_streams(draw: st.DrawFn) -> bytes:
    """Provider-shaped streams: ``event:`` + ``data: <JSON>`` frames (sometimes data only, or
    with a comment or ``id:``), any line breaks."""
    text = ""
    for payload in draw(st.lists(JSON_VALUE, max_size=6)):
        lines = [f"data: {json.dumps(payload, ensure_ascii=draw(st.booleans()))}"]
        if draw(st.booleans()):
            lines.insert(0, f"event: {draw(VALUE)}")
        if draw(st.integers(0, 4)) == 0:
            lines.insert(0, draw(st.sampled_from([": keep-alive", "id: 7", "retry: 10"])))
        newline = draw(NEWLINE)
        text += newline.join([*lines, "", ""])
    return text.encode()


@settings(max_examples=300, derandomize=True, deadline=None)
@given(body=json_event_streams(), data=st.data())
def test_fused_json_path_equals_aiter_sse_and_json_loads(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=20), label="cuts")
    fused, _ = data_in_pieces(body, cuts)
    reference = [json.loads(frame.data) for frame in frames_through_aiter_sse(body, [])]
    assert [json.loads(text) for text in fused] == reference


@settings(max_examples=200, derandomize=True, deadline=None)
@given(body=st.binary(max_size=200), data=st.data())
def test_feed_data_on_arbitrary_bytes_matches_feed(body: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=10), label="cuts")
    frames, _ = decode_in_pieces(body, cuts)
    got, _ = data_in_pieces(body, cuts)
    assert got == [frame.data for frame in frames]
