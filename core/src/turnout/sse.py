"""Server-sent events: response body bytes → ``SSEFrame`` objects.

Implements the parsing rules of the WHATWG HTML standard ("Server-sent events", §9.2.6), for any
chunking of the byte stream:

- lines end with ``\\r\\n``, ``\\r`` or ``\\n`` (a ``\\r`` ending one chunk and a ``\\n`` starting
  the next are one line break); a UTF-8 byte order mark at the start of the stream is skipped;
  bytes that are not UTF-8 decode to U+FFFD;
- ``:`` starts a comment; ``field: value`` loses one space after the colon; a line without a
  colon is a field with an empty value; unknown fields are ignored;
- ``data`` lines accumulate, joined with ``\\n``; a blank line dispatches the frame, unless no
  ``data`` line was seen (then nothing is dispatched and the event name is reset);
- ``id`` sets the last event id, which persists across frames (an id containing NUL is
  ignored); ``retry`` (ASCII digits only) sets the reconnection time;
- at the end of the stream an unfinished frame (no blank line after it) is dropped.

Memory is bounded: the decoder buffers at most ``max_frame_bytes`` of a frame still waiting for
the blank line that ends it (default ``DEFAULT_MAX_FRAME_BYTES``, 16 MiB, far above any real
provider event; ``$TURNOUT_SSE_MAX_FRAME_BYTES`` overrides it). A longer frame, such as a line
that never ends, raises ``turnout.errors.FrameTooLargeError`` as soon as the buffer passes the
limit. (A whole frame inside one chunk is already in memory and is not refused.)

The decoder is on the per-event hot path, so it works on whole buffers: it splits bytes at the
last frame boundary, decodes complete lines at once, and never loops over single bytes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from turnout.errors import ConfigError, FrameTooLargeError

__all__ = ["DEFAULT_MAX_FRAME_BYTES", "SSEDecoder", "SSEFrame", "aiter_sse"]

_BOM = b"\xef\xbb\xbf"

DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
"""The default limit on one SSE frame, in bytes (16 MiB)."""

_MAX_FRAME_ENV = "TURNOUT_SSE_MAX_FRAME_BYTES"


def _default_limit() -> int:
    text = os.environ.get(_MAX_FRAME_ENV)
    if text is None:
        return DEFAULT_MAX_FRAME_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"expected a positive number of bytes, got {text!r}", source=f"${_MAX_FRAME_ENV}")
    return value


@dataclass(slots=True)
class SSEFrame:
    """One dispatched server-sent event."""

    event: str = "message"
    """The event name (``event:`` field), ``"message"`` when the frame named none."""
    data: str = ""
    """The ``data:`` lines of the frame, joined with ``\\n``."""
    id: str | None = None
    """The last event id seen on the stream so far (``id:`` persists across frames)."""
    retry: int | None = None
    """The reconnection time in milliseconds, when this frame carried a valid ``retry:`` field."""


class SSEDecoder:
    """Incremental SSE decoder: feed it byte chunks, get back the frames they complete.

    >>> decoder = SSEDecoder()
    >>> decoder.feed(b"event: ping\\ndata: {}\\n")
    []
    >>> decoder.feed(b"\\n")
    [SSEFrame(event='ping', data='{}', id=None, retry=None)]

    :param max_frame_bytes: the longest frame accepted, in bytes (default:
        ``$TURNOUT_SSE_MAX_FRAME_BYTES``, else ``DEFAULT_MAX_FRAME_BYTES``); ``feed`` raises
        ``FrameTooLargeError`` beyond it.
    """

    __slots__ = (
        "_buffer",
        "_closed",
        "_last_id",
        "_partial_at_close",
        "_skip_lf",
        "_started",
        "max_frame_bytes",
        "retry",
    )

    def __init__(self, *, max_frame_bytes: int | None = None) -> None:
        if max_frame_bytes is not None and max_frame_bytes <= 0:
            raise ValueError(f"max_frame_bytes must be positive, not {max_frame_bytes!r}")
        self.max_frame_bytes = _default_limit() if max_frame_bytes is None else max_frame_bytes
        """The longest frame accepted, in bytes."""
        self._buffer = bytearray()
        """Bytes after the last frame boundary (``\\n``-normalised), not decoded yet."""
        self._skip_lf = False
        """The previous chunk ended with ``\\r``: a ``\\n`` opening the next one is part of it."""
        self._started = False
        """Whether the start of the stream (and its optional BOM) has been seen."""
        self._last_id: str | None = None
        self._closed = False
        self._partial_at_close = False
        self.retry: int | None = None
        """The stream's reconnection time in milliseconds (last valid ``retry:``), if any."""

    @property
    def last_event_id(self) -> str | None:
        """The last event id the stream set, or ``None`` if it never sent ``id:``."""
        return self._last_id

    @property
    def pending(self) -> bool:
        """Whether buffered input has begun a frame that no blank line has finished yet."""
        if not self._started or not self._buffer:
            return False
        lines = self._buffer.decode("utf-8", "replace").split("\n")
        return any(line and not line.startswith(":") for line in lines)

    @property
    def had_partial_frame(self) -> bool:
        """After ``close()``: whether the stream was cut in the middle of a frame."""
        return self._partial_at_close

    def feed(self, chunk: bytes) -> list[SSEFrame]:
        """Consume the next chunk of the body; return the frames it completes, in order."""
        text = self._complete(chunk)
        return self._parse(text) if text else []

    def feed_data(self, chunk: bytes) -> list[str]:
        """Like ``feed``, but return only the ``data`` of each frame the chunk completes.

        For parsers that read nothing else (JSON events): no ``SSEFrame`` is built on the usual
        one-frame chunk. The decoder still tracks ``last_event_id`` and ``retry``.

        >>> SSEDecoder().feed_data(b"event: ping\\ndata: {}\\n\\ndata: 2\\n\\n")
        ['{}', '2']
        """
        text = self._complete(chunk)
        if not text:
            return []
        start = _lone_data_start(text)
        if start >= 0:
            return [text[start:-1]]
        return [frame.data for frame in self._parse_lines(text)]

    def _complete(self, chunk: bytes) -> str:
        """Buffer ``chunk``; return the text of the whole lines now up to a frame boundary, or ``""``."""
        if not self._started:
            chunk = self._strip_bom(chunk)
            if not self._started:
                return ""
        if self._skip_lf or 13 in chunk:  # 13 is "\r"; an int test is a memchr
            chunk = self._normalise_line_breaks(chunk)
        buffer = self._buffer
        if buffer:
            # Only the newly added bytes (and the one before them) can hold a new boundary.
            search_from = len(buffer) - 1
            buffer += chunk
            end = buffer.rfind(b"\n\n", search_from)
            if end < 0:
                if len(buffer) > self.max_frame_bytes:
                    self._too_large()
                return ""
            complete: bytes | bytearray = buffer[: end + 1]
            del buffer[: end + 2]
        else:
            end = chunk.rfind(b"\n\n")
            if end < 0:
                buffer += chunk
                if len(buffer) > self.max_frame_bytes:
                    self._too_large()
                return ""
            if end + 2 == len(chunk):
                complete = chunk[:-1]
            else:
                complete = chunk[: end + 1]
                buffer += chunk[end + 2 :]
        if len(buffer) > self.max_frame_bytes:
            self._too_large()
        try:
            return complete.decode()
        except UnicodeDecodeError:
            return complete.decode("utf-8", "replace")

    def _too_large(self) -> None:
        """Drop the unfinished frame that outgrew the limit and raise ``FrameTooLargeError``."""
        self._buffer = bytearray()
        raise FrameTooLargeError(
            f"an SSE frame exceeded the {_describe_size(self.max_frame_bytes)} limit without ending "
            f"(raise it with ${_MAX_FRAME_ENV} or SSEDecoder(max_frame_bytes=...))",
            limit=self.max_frame_bytes,
        )

    def close(self) -> list[SSEFrame]:
        """Signal the end of the stream; returns the frames still due (none, per the SSE rules).

        An unfinished frame is dropped; ``had_partial_frame`` tells whether there was one.
        """
        if not self._closed:
            self._closed = True
            self._partial_at_close = self.pending
            self._buffer.clear()
        return []

    def _strip_bom(self, chunk: bytes) -> bytes:
        """Drop a UTF-8 BOM at the very start of the stream, even when it arrives in pieces."""
        head = bytes(self._buffer) + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._buffer[:] = head
            return b""
        self._buffer.clear()
        self._started = True
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _normalise_line_breaks(self, chunk: bytes) -> bytes:
        """Turn ``\\r\\n`` and lone ``\\r`` into ``\\n``, across chunk boundaries."""
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if chunk.endswith(b"\r"):
            self._skip_lf = True
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _parse(self, text: str) -> list[SSEFrame]:
        """Parse whole lines that end at a frame boundary (the blank line's own break removed)."""
        start = _lone_data_start(text)
        if start >= 0:
            event = "message" if start == 6 else text[7 : start - 7] or "message"
            return [SSEFrame(event, text[start:-1], self._last_id)]
        return self._parse_lines(text)

    def _parse_lines(self, text: str) -> list[SSEFrame]:
        """``_parse`` for any text: every field of every frame, line by line."""
        frames: list[SSEFrame] = []
        data: list[str] = []
        event = ""
        retry: int | None = None
        # Splitting leaves "" as the last item: the blank line that ends the last frame.
        for line in text.split("\n"):
            if not line:
                if data:
                    frames.append(SSEFrame(event or "message", "\n".join(data), self._last_id, retry))
                    data = []
                event = ""
                retry = None
                continue
            field, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                event = value
            elif field == "id":
                if "\0" not in value:
                    self._last_id = value
            elif field == "retry" and value.isascii() and value.isdigit():
                retry = self.retry = int(value)
            # Anything else is a comment (empty field name) or an unknown field: ignored.
        return frames


def _lone_data_start(text: str) -> int:
    """Where the data of ``text`` starts when it is one frame of a shape providers send, one
    frame per chunk (``event: E\\ndata: D\\n`` or ``data: D\\n``); else -1 (the general loop)."""
    if text.startswith("event: "):
        newline = text.find("\n")
        if text.startswith("data: ", newline + 1) and text.find("\n", newline + 7) == len(text) - 1:
            return newline + 7
    elif text.startswith("data: ") and text.find("\n", 6) == len(text) - 1:
        return 6
    return -1


def _describe_size(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    return f"{size:,} byte"


async def aiter_sse(chunks: AsyncIterable[bytes], decoder: SSEDecoder | None = None) -> AsyncIterator[SSEFrame]:
    """Yield the frames of an SSE byte stream, e.g. ``aiter_sse(response.aiter_bytes())``.

    A frame left unfinished at the end of the stream is dropped; pass your own ``decoder`` to
    check ``decoder.had_partial_frame`` afterwards.
    """
    decoder = SSEDecoder() if decoder is None else decoder
    feed = decoder.feed
    async for chunk in chunks:
        for frame in feed(chunk):
            yield frame
    decoder.close()
