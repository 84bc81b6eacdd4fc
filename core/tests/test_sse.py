"""Unit tests of ``turnout.sse``: each SSE parsing rule, chunking, end of stream, real streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from turnout.sse import SSEDecoder, SSEFrame, aiter_sse

from testsupport import recorded_files, recorded_path


def decode(body: bytes, chunk_size: int | None = None) -> list[SSEFrame]:
    """Decode ``body`` fed whole (or in ``chunk_size`` pieces), then close the decoder."""
    decoder = SSEDecoder()
    frames: list[SSEFrame] = []
    step = chunk_size or max(len(body), 1)
    for start in range(0, len(body), step):
        frames += decoder.feed(body[start : start + step])
    frames += decoder.close()
    return frames


def decode_bytewise(body: bytes) -> list[SSEFrame]:
    return decode(body, chunk_size=1)


def test_event_and_data_fields_make_a_frame() -> None:
    assert decode(b"event: greeting\ndata: hello\n\n") == [SSEFrame("greeting", "hello")]


def test_frame_without_event_field_is_a_message() -> None:
    assert decode(b"data: hello\n\n") == [SSEFrame("message", "hello")]


def test_nothing_is_dispatched_before_the_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: hello\n") == []
    assert decoder.pending
    assert decoder.feed(b"\n") == [SSEFrame(data="hello")]
    assert not decoder.pending


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_every_line_ending_is_accepted(newline: bytes) -> None:
    body = b"event: e" + newline + b"data: a" + newline + b"data: b" + newline + newline
    assert decode(body) == [SSEFrame("e", "a\nb")]
    assert decode_bytewise(body) == [SSEFrame("e", "a\nb")]


def test_mixed_line_endings_in_one_stream() -> None:
    body = b"data: 1\r\n\r\ndata: 2\r\rdata: 3\n\ndata: 4\r\n\n"
    assert [frame.data for frame in decode(body)] == ["1", "2", "3", "4"]


def test_cr_at_chunk_end_followed_by_lf_is_one_line_break() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # Were "\r" and "\n" two line breaks, this "\n" would be the blank line dispatching "a".
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: b\r") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\r") == [SSEFrame(data="a\nb")]
    assert decoder.feed(b"\ndata: c\r\n\r\n") == [SSEFrame(data="c")]


def test_cr_then_empty_chunk_then_lf_is_still_one_line_break() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [SSEFrame(data="a\nb")]


def test_cr_then_cr_is_a_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [SSEFrame(data="a")]


def test_comment_lines_are_ignored() -> None:
    body = b": keep-alive\ndata: a\n:another comment\ndata: b\n\n:\n\n"
    assert decode(body) == [SSEFrame(data="a\nb")]


def test_comment_only_frames_dispatch_nothing() -> None:
    assert decode(b": ping\n\n: ping\n\n") == []


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert decode(b"data: first\ndata:\ndata: third\n\n") == [SSEFrame(data="first\n\nthird")]


def test_field_without_colon_has_an_empty_value() -> None:
    assert decode(b"data\ndata\n\n") == [SSEFrame(data="\n")]
    assert decode(b"event\ndata: x\n\n") == [SSEFrame("message", "x")]


def test_only_one_leading_space_is_removed() -> None:
    assert decode(b"data:  two spaces\n\n") == [SSEFrame(data=" two spaces")]
    assert decode(b"data:no space\n\n") == [SSEFrame(data="no space")]
    assert decode(b"event:  e\ndata: x \n\n") == [SSEFrame(" e", "x ")]


def test_value_may_contain_colons() -> None:
    assert decode(b'data: {"a": "b:c"}\n\n') == [SSEFrame(data='{"a": "b:c"}')]


def test_frame_without_data_is_not_dispatched_and_resets_the_event_name() -> None:
    assert decode(b"event: lonely\n\ndata: x\n\n") == [SSEFrame("message", "x")]


def test_empty_data_field_still_dispatches_an_empty_frame() -> None:
    # WHATWG: "data:" appends "\n" to the data buffer, so the buffer is not empty.
    assert decode(b"data:\n\n") == [SSEFrame(data="")]


def test_unknown_fields_are_ignored_and_field_names_are_case_sensitive() -> None:
    assert decode(b"foo: bar\nData: no\nEVENT: no\ndata: yes\n\n") == [SSEFrame(data="yes")]


def test_id_persists_across_frames_until_changed() -> None:
    frames = decode(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n")
    assert [frame.id for frame in frames] == ["1", "1", "2", ""]


def test_id_is_set_even_by_a_frame_without_data() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 7\n\ndata: x\n\n") == [SSEFrame(data="x", id="7")]
    assert decoder.last_event_id == "7"


def test_id_containing_nul_is_ignored() -> None:
    assert decode(b"id: 1\n\nid: a\x00b\ndata: x\n\n") == [SSEFrame(data="x", id="1")]


def test_retry_is_kept_only_when_it_is_all_ascii_digits() -> None:
    decoder = SSEDecoder()
    frames = decoder.feed(b"retry: 1500\ndata: a\n\nretry: 2s\ndata: b\n\nretry: \xd9\xa3\ndata: c\n\n")
    assert [frame.retry for frame in frames] == [1500, None, None]
    assert decoder.retry == 1500


def test_retry_only_frame_sets_the_reconnection_time_without_dispatching() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 3000\n\n") == []
    assert decoder.retry == 3000


def test_bom_at_stream_start_is_skipped_once() -> None:
    body = b"\xef\xbb\xbfdata: a\n\n"
    assert decode(body) == [SSEFrame(data="a")]
    assert decode_bytewise(body) == [SSEFrame(data="a")]
    # A second BOM is not at the start of the stream: it is part of the field name "\ufeffdata".
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n") == []


def test_bom_split_across_chunks_is_skipped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    assert decoder.feed(b"\xbb") == []
    assert decoder.feed(b"\xbfdata: a\n\n") == [SSEFrame(data="a")]


def test_bom_like_prefix_that_diverges_is_kept_as_text() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    # "\xef" then ":" is not a BOM: the invalid byte becomes U+FFFD in the field name.
    assert decoder.feed(b"data: x\n\n") == []
    assert decoder.feed(b"data: y\n\n") == [SSEFrame(data="y")]


def test_multi_byte_character_split_across_chunks() -> None:
    body = "data: café ☕ 😀 Ж\n\n".encode()
    for size in range(1, 8):
        assert decode(body, size) == [SSEFrame(data="café ☕ 😀 Ж")]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert decode(b"data: a\xffb\n\n") == [SSEFrame(data="a\ufffdb")]


def test_several_frames_in_one_chunk_and_one_frame_over_many_chunks() -> None:
    body = b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\n"
    expected = [SSEFrame("a", "1"), SSEFrame("b", "2")]
    assert decode(body) == expected
    assert decode_bytewise(body) == expected


def test_extra_blank_lines_between_frames_are_harmless() -> None:
    assert decode(b"\n\ndata: a\n\n\n\n\ndata: b\n\n\n") == [SSEFrame(data="a"), SSEFrame(data="b")]


def test_partial_frame_at_end_of_stream_is_dropped_and_reported() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: complete\n\ndata: cut") == [SSEFrame(data="complete")]
    assert decoder.pending
    assert decoder.close() == []
    assert decoder.had_partial_frame


def test_partial_frame_with_complete_lines_is_still_dropped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\ndata: almost\n") == []
    assert decoder.close() == []
    assert decoder.had_partial_frame


def test_clean_end_of_stream_reports_no_partial_frame() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n: trailing comment\n")
    assert not decoder.pending
    assert decoder.close() == []
    assert not decoder.had_partial_frame


def test_large_frame_in_many_small_chunks() -> None:
    payload = "x" * 200_000
    body = f"data: {payload}\n\n".encode()
    assert decode(body, 997) == [SSEFrame(data=payload)]


async def _chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def test_aiter_sse_yields_frames_from_async_chunks() -> None:
    async def collect() -> list[SSEFrame]:
        parts = [b"event: a\nda", b"ta: 1\n", b"\ndata: 2\r", b"\n\r\ndata: cut"]
        return [frame async for frame in aiter_sse(_chunks(parts))]

    assert asyncio.run(collect()) == [SSEFrame("a", "1"), SSEFrame("message", "2")]


def test_aiter_sse_with_own_decoder_reports_a_cut_stream() -> None:
    decoder = SSEDecoder()

    async def collect() -> list[SSEFrame]:
        return [frame async for frame in aiter_sse(_chunks([b"data: 1\n\ndata: 2\n"]), decoder)]

    assert asyncio.run(collect()) == [SSEFrame(data="1")]
    assert decoder.had_partial_frame


def test_real_streams_directory_is_present() -> None:
    assert recorded_path("").is_dir()


REAL_STREAMS = recorded_files("", "*/*.sse")


@pytest.mark.parametrize("path", REAL_STREAMS, ids=[f"{p.parent.name}/{p.stem}" for p in REAL_STREAMS])
def test_real_stream_decodes_identically_for_any_chunking(path: Path) -> None:
    body = path.read_bytes()
    whole = decode(body)
    assert whole, "a recorded stream has frames"
    for size in (1, 7, 64, 4096):
        assert decode(body, size) == whole
    assert decode(body.replace(b"\n", b"\r\n"), 13) == whole
    for frame in whole:
        if frame.data == "[DONE]":
            continue
        payload = json.loads(frame.data)
        if frame.event == "message":
            continue
        if path.parent.name.endswith("-chat"):
            # Chat-completions dialects name only an in-stream error frame (Groq: `event: error`
            # with an OpenAI-style `{"error": {...}}` body, no `type`).
            assert frame.event == "error" and isinstance(payload["error"], dict)
        else:  # Anthropic Messages and OpenAI Responses name every frame after its payload type
            assert frame.event == payload["type"]
