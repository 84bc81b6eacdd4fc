"""Cassettes: recorded HTTP exchanges, and the httpx2 transport that records and replays them.

A cassette is one JSON file (``version: 1``, pretty-printed, trailing newline)::

    {
      "version": 1,
      "metadata": {"name": "...", "recordedAt": "2025-01-01T00:00:00Z", ...},
      "interactions": [
        {"request":  {"method": "POST", "url": "...", "headers": {...}, "body": "..."},
         "response": {"status": 200, "headers": {...}, "body": "...", "bodyEncoding": "text"}}
      ]
    }

Only allow-listed headers are stored; URLs and bodies pass through a ``Redactor``; before every
write the whole cassette is scanned for secrets and nothing is written if any is found.

``CassetteTransport`` sits where the network transport would be. Modes:

- ``replay`` (default): every request must match a recorded one (method, URL, allow-listed
  headers, JSON body with keys sorted; other bodies as strings); there is no network transport
  at all, and an unmatched request raises ``CassetteMismatchError`` with a unified diff against
  the closest recorded request. ``match_on`` narrows what is compared, e.g. to replay a recording
  made by another client, whose request body and headers are not yours;
- ``record``: every request goes to the network and the cassette is rewritten from scratch;
- ``auto``: replay what matches, record what is missing; refused when ``$CI`` is set.
"""

from __future__ import annotations

import base64
import difflib
import json
import os
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

import httpx2

from turnout.errors import TurnoutError
from turnout.http.client import network_transport
from turnout.testing.redaction import Redactor, SecretFinding, scan_for_secrets

__all__ = [
    "CASSETTE_VERSION",
    "MATCH_ALL",
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteModeError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "CassetteTransport",
    "CassetteUnplayedError",
    "Interaction",
    "MatchField",
    "Mode",
    "RecordedRequest",
    "RecordedResponse",
    "load_cassette",
    "resolve_mode",
]

CASSETTE_VERSION = 1
"""The cassette format version this module reads and writes."""

Mode: TypeAlias = Literal["replay", "record", "auto"]
"""How a ``CassetteTransport`` treats requests (see the module docstring)."""

MatchField: TypeAlias = Literal["method", "url", "headers", "body"]
"""A part of a request that matching compares."""

MATCH_ALL: tuple[MatchField, ...] = ("method", "url", "headers", "body")
"""The default: a request matches a recorded one when all four parts are equal."""

_RECORD_HINT = "record it with `pytest --turnout-record` (or TURNOUT_RECORD=1)"
_BINARY_TYPES = (
    "application/octet-stream",
    "application/vnd.amazon.eventstream",
    "application/pdf",
    "image/",
    "audio/",
    "video/",
)


# -------------------------------------------------------------------------
# Errors
# -------------------------------------------------------------------------


class CassetteError(TurnoutError):
    """Base class of the cassette errors."""


class CassetteNotFoundError(CassetteError):
    """Replay was asked for a cassette file that does not exist."""


class CassetteFormatError(CassetteError):
    """A cassette file is not valid JSON of the expected shape."""


class CassetteModeError(CassetteError):
    """The requested mode is not allowed here (``auto`` under CI) or not understood."""


class CassetteMismatchError(CassetteError):
    """A request in replay mode matched no recorded interaction; the message has the diff."""


class CassetteUnplayedError(CassetteError):
    """Recorded interactions were never requested."""


class CassetteSecretError(CassetteError):
    """The cassette was not written because it contains something that looks like a secret."""

    def __init__(self, message: str, *, findings: Iterable[SecretFinding]) -> None:
        self.findings: tuple[SecretFinding, ...] = tuple(findings)
        """Where each possible secret was found and what it looks like (never the value)."""
        super().__init__(message)


# -------------------------------------------------------------------------
# The format
# -------------------------------------------------------------------------


def _encode_body(content: bytes, content_type: str) -> tuple[str, Literal["text", "base64"]]:
    if not content_type.lower().startswith(_BINARY_TYPES):
        try:
            return content.decode("utf-8"), "text"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(content).decode("ascii"), "base64"


def _decode_body(body: str, encoding: str) -> bytes:
    return base64.b64decode(body) if encoding == "base64" else body.encode("utf-8")


@dataclass
class RecordedRequest:
    """A request as stored: redacted URL, allow-listed headers, body text (or base64)."""

    method: str
    """The HTTP method, upper-case."""
    url: str
    """The redacted URL."""
    headers: dict[str, str] = field(default_factory=dict)
    """The allow-listed headers, lower-case names."""
    body: str = ""
    """The body: text, or base64 when ``body_encoding == "base64"``."""
    body_encoding: Literal["text", "base64"] = "text"
    """How ``body`` is stored."""

    def __repr__(self) -> str:
        return f"RecordedRequest({self.method} {self.url}, body: {len(self.body)} chars)"

    def canonical(self, match_on: Collection[MatchField] = MATCH_ALL) -> tuple[object, ...]:
        """The form requests are matched by: the ``match_on`` parts, in ``MATCH_ALL`` order, with
        JSON bodies' keys sorted (other bodies as strings)."""
        parts: dict[MatchField, object] = {
            "method": self.method.upper(),
            "url": self.url,
            "headers": tuple(sorted(self.headers.items())),
            "body": _canonical_body(self.body) if "body" in match_on else None,
        }
        return tuple(parts[name] for name in MATCH_ALL if name in match_on)

    def readable(self, match_on: Collection[MatchField] = MATCH_ALL) -> list[str]:
        """Lines for a diff of the ``match_on`` parts: request line, headers, blank line, body
        (JSON pretty-printed)."""
        request_line = " ".join(
            part for name, part in (("method", self.method.upper()), ("url", self.url)) if name in match_on
        )
        lines = [request_line] if request_line else []
        if "headers" in match_on:
            lines += [f"{name}: {value}" for name, value in sorted(self.headers.items())]
        if "body" in match_on:
            lines.append("")
            try:
                lines += json.dumps(json.loads(self.body), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
            except ValueError:
                lines += self.body.splitlines()
        return lines

    def to_data(self) -> dict[str, Any]:
        """The JSON form."""
        data: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body,
        }
        if self.body_encoding != "text":
            data["bodyEncoding"] = self.body_encoding
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RecordedRequest:
        """Read the JSON form."""
        return cls(
            method=str(data["method"]),
            url=str(data["url"]),
            headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
            body=str(data.get("body") or ""),
            body_encoding=_body_encoding(data.get("bodyEncoding", "text")),
        )


@dataclass
class RecordedResponse:
    """A response as stored: status, allow-listed headers, the whole body."""

    status: int
    """The HTTP status code."""
    headers: dict[str, str] = field(default_factory=dict)
    """The allow-listed headers, lower-case names."""
    body: str = ""
    """The full body (for streams, the whole transcript): text, or base64."""
    body_encoding: Literal["text", "base64"] = "text"
    """How ``body`` is stored (``base64`` for binary content types)."""

    def __repr__(self) -> str:
        return f"RecordedResponse({self.status}, body: {len(self.body)} chars)"

    @property
    def content(self) -> bytes:
        """The body as bytes."""
        return _decode_body(self.body, self.body_encoding)

    def to_data(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
            "bodyEncoding": self.body_encoding,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RecordedResponse:
        """Read the JSON form."""
        return cls(
            status=int(data["status"]),
            headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
            body=str(data.get("body") or ""),
            body_encoding=_body_encoding(data.get("bodyEncoding", "text")),
        )


@dataclass
class Interaction:
    """One request and the response it got."""

    request: RecordedRequest
    """What was sent (redacted)."""
    response: RecordedResponse
    """What came back (redacted)."""

    def to_data(self) -> dict[str, Any]:
        """The JSON form."""
        return {"request": self.request.to_data(), "response": self.response.to_data()}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Interaction:
        """Read the JSON form."""
        return cls(RecordedRequest.from_data(data["request"]), RecordedResponse.from_data(data["response"]))


def _body_encoding(value: Any) -> Literal["text", "base64"]:
    if value == "base64":
        return "base64"
    if value == "text":
        return "text"
    raise ValueError(f"bodyEncoding must be 'text' or 'base64', got {value!r}")


def _canonical_body(body: str) -> str:
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return body


@dataclass
class Cassette:
    """A named list of recorded interactions, with metadata, and where it lives on disk."""

    name: str
    """The cassette name (the file name without ``.json`` by default)."""
    interactions: list[Interaction] = field(default_factory=list)
    """The recorded exchanges, in recording order."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """``name``, ``recordedAt`` and whatever the recorder added (provider, tags …)."""
    path: Path | None = None
    """The file it was loaded from or is saved to."""

    def __repr__(self) -> str:
        return f"Cassette({self.name!r}, {len(self.interactions)} interactions, path={self.path})"

    def to_json(self) -> str:
        """The file content: pretty-printed JSON with a trailing newline."""
        data = {
            "version": CASSETTE_VERSION,
            "metadata": {
                "name": self.name,
                **{k: v for k, v in self.metadata.items() if k != "name"},
            },
            "interactions": [interaction.to_data() for interaction in self.interactions],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, *, path: Path | None = None) -> Cassette:
        """Parse the file content; raises ``CassetteFormatError`` naming the file and problem."""
        source = str(path) if path else "cassette"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CassetteFormatError(f"{source}: not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CassetteFormatError(f"{source}: expected a JSON object at the top level")
        if data.get("version") != CASSETTE_VERSION:
            raise CassetteFormatError(
                f"{source}: unsupported cassette version {data.get('version')!r} (expected {CASSETTE_VERSION})"
            )
        metadata = data.get("metadata") or {}
        raw = data.get("interactions")
        if not isinstance(metadata, dict) or not isinstance(raw, list):
            raise CassetteFormatError(f"{source}: expected 'metadata' to be an object and 'interactions' a list")
        interactions = []
        for index, item in enumerate(raw):
            try:
                interactions.append(Interaction.from_data(item))
            except (KeyError, TypeError, ValueError) as exc:
                raise CassetteFormatError(f"{source}: interactions[{index}] is malformed: {exc!r}") from None
        name = str(metadata.get("name") or (path.stem if path else "cassette"))
        return cls(name=name, interactions=interactions, metadata=dict(metadata), path=path)

    def find_secrets(self, env: Mapping[str, str] | None = None) -> list[SecretFinding]:
        """Everything in the cassette that looks like a secret (see ``scan_for_secrets``)."""
        return scan_for_secrets(self._scanned_fields(), env)

    def check_secrets(self, env: Mapping[str, str] | None = None, *, target: Path | None = None) -> None:
        """Raise ``CassetteSecretError`` listing where possible secrets are, if there are any."""
        __tracebackhide__ = True  # keep the environment out of pytest's traceback
        findings = self.find_secrets(env)
        if findings:
            listing = "\n".join(f"  - {finding}" for finding in findings)
            where = target or self.path
            raise CassetteSecretError(
                f"Refusing to write cassette {self.name!r}{f' ({where})' if where else ''}: "
                f"possible secrets found:\n{listing}\n"
                "Nothing was written; an existing cassette is left unchanged. Keep such values "
                "out of the recording: narrow the header allow-list or add url_rules/body_rules "
                "to the Redactor.",
                findings=findings,
            )

    def save(self, path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None) -> Path:
        """Scan for secrets, then write the file atomically; returns its path.

        Raises ``CassetteSecretError`` (and writes nothing, leaving any existing file as it was)
        when the scan finds anything.
        """
        __tracebackhide__ = True  # keep the environment out of pytest's traceback
        target = Path(path) if path is not None else self.path
        if target is None:
            raise CassetteError(f"cassette {self.name!r} has no path to save to")
        self.check_secrets(env, target=target)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(self.to_json(), encoding="utf-8")
        os.replace(temporary, target)
        self.path = target
        return target

    def _scanned_fields(self) -> Iterator[tuple[str, str]]:
        yield "metadata", json.dumps(self.metadata, ensure_ascii=False)
        for index, interaction in enumerate(self.interactions):
            for side, part in (
                ("request", interaction.request),
                ("response", interaction.response),
            ):
                where = f"interactions[{index}].{side}"
                if isinstance(part, RecordedRequest):
                    yield f"{where}.url", part.url
                for name, value in part.headers.items():
                    yield f"{where}.headers[{name!r}]", f"{name}: {value}"
                body = part.body
                if part.body_encoding == "base64":
                    body = _decode_body(part.body, "base64").decode("latin-1")
                yield f"{where}.body", body


def load_cassette(path: str | os.PathLike[str], *, record_hint: str = _RECORD_HINT) -> Cassette:
    """Read a cassette file; raises ``CassetteNotFoundError`` or ``CassetteFormatError``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteNotFoundError(f"cassette not found: {file}; {record_hint}") from None
    except OSError as exc:
        raise CassetteFormatError(f"{file}: cannot read the file: {exc.strerror}") from None
    return Cassette.from_json(text, path=file)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def resolve_mode(record: bool = False, env: Mapping[str, str] | None = None) -> Mode:
    """The mode to use: ``record`` when asked (``--turnout-record``), else ``$TURNOUT_RECORD``.

    ``TURNOUT_RECORD`` accepts ``1``/``true``/``record``, ``auto``, or ``0``/``false``/``replay``
    (unset means replay).
    """
    if record:
        return "record"
    value = (os.environ if env is None else env).get("TURNOUT_RECORD", "").strip().lower()
    if value in ("", "0", "false", "no", "off", "replay"):
        return "replay"
    if value in ("1", "true", "yes", "on", "record"):
        return "record"
    if value == "auto":
        return "auto"
    raise CassetteModeError(f"TURNOUT_RECORD must be 1 (record), auto, or 0 (replay); got {value!r}")


# -------------------------------------------------------------------------
# The transport
# -------------------------------------------------------------------------


class _RecordedBody(httpx2.AsyncByteStream):
    """A stored body handed out line by line, so parsers see a real stream of chunks."""

    def __init__(self, content: bytes, transport: CassetteTransport) -> None:
        self._content = content
        self._transport = transport
        self._closed = False
        transport.open_responses += 1

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._content.splitlines(keepends=True):
            yield chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.open_responses -= 1


async def _fetch(network: httpx2.AsyncBaseTransport, request: httpx2.Request) -> tuple[httpx2.Response, bytes]:
    live = await network.handle_async_request(request)
    try:
        return live, await live.aread()
    finally:
        await live.aclose()


class CassetteTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport that replays (or records) the exchanges of one cassette.

    :param cassette: a ``Cassette``, or the path of its file (read lazily, on the first request).
    :param mode: ``"replay"`` (default), ``"record"`` or ``"auto"``; ``auto`` raises
        ``CassetteModeError`` when ``$CI`` is set.
    :param redactor: what is kept of each exchange (default: ``Redactor()``).
    :param network: the transport that reaches the network when recording (default: a new
        ``turnout.http.network_transport()`` per request, closed once the response is read); never
        used in replay mode. Responses are read in full while recording.
    :param metadata: extra metadata to store (e.g. ``{"provider": "openai", "tags": [...]}``).
    :param env: the environment for the secret scan and the CI check (default ``os.environ``).
    :param match_on: the parts of a request compared when matching (default ``MATCH_ALL``:
        method, URL, allow-listed headers and body). Narrow it to replay a recording made by
        another client, e.g. ``("method", "url")``: identical requests are still answered in
        recorded order, so a cassette of two turns answers the first request with the first
        response and the second with the second.
    :param record_hint: how to record the cassette, quoted in errors (default: the pytest option).
    """

    def __init__(
        self,
        cassette: Cassette | str | os.PathLike[str],
        mode: Mode = "replay",
        *,
        redactor: Redactor | None = None,
        network: httpx2.AsyncBaseTransport | None = None,
        metadata: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        match_on: Iterable[MatchField] = MATCH_ALL,
        record_hint: str = _RECORD_HINT,
    ) -> None:
        self.record_hint = record_hint
        """How to (re-)record the cassette, quoted in mismatch errors."""
        if mode not in ("replay", "record", "auto"):
            raise CassetteModeError(f"mode must be 'replay', 'record' or 'auto', got {mode!r}")
        self.match_on: frozenset[MatchField] = frozenset(match_on)
        """The parts of a request compared when matching."""
        if not self.match_on or not self.match_on <= set(MATCH_ALL):
            raise ValueError(f"match_on must be a non-empty subset of {MATCH_ALL}, got {sorted(self.match_on)}")
        self._env = os.environ if env is None else env
        if mode == "auto" and _truthy(self._env.get("CI")):
            raise CassetteModeError(
                "cassette mode 'auto' is refused when CI is set: CI replays the committed "
                "cassettes. Record locally with `pytest --turnout-record` (or TURNOUT_RECORD=1) "
                "and commit them."
            )
        self.mode: Mode = mode
        """The mode this transport runs in."""
        self.redactor = redactor or Redactor()
        """What is kept of each exchange."""
        self._network = network
        self._metadata = dict(metadata or {})
        self._cassette: Cassette | None = None
        self._path: Path | None = Path(cassette) if not isinstance(cassette, Cassette) else cassette.path
        if isinstance(cassette, Cassette):
            self._cassette = cassette
            if mode == "record":
                self._cassette = Cassette(cassette.name, metadata=dict(cassette.metadata), path=cassette.path)
        self.played: set[int] = set()
        """Indices of the interactions requested so far (recorded ones included)."""
        self.errors: list[CassetteError] = []
        """Every mismatch and refusal raised so far (kept in case a client swallowed them)."""
        self.open_responses = 0
        """Responses handed out and not yet closed."""

    @property
    def name(self) -> str:
        """The cassette name."""
        if self._cassette is not None:
            return self._cassette.name
        return self._path.stem if self._path else "cassette"

    @property
    def cassette(self) -> Cassette:
        """The cassette (loaded on first use; a fresh, empty one when recording)."""
        if self._cassette is None:
            assert self._path is not None
            if self.mode == "record" or (self.mode == "auto" and not self._path.exists()):
                self._cassette = Cassette(name=self._path.stem, metadata=dict(self._metadata), path=self._path)
            else:
                self._cassette = load_cassette(self._path, record_hint=self.record_hint)
        return self._cassette

    @property
    def _where(self) -> str:
        return f" ({self._path})" if self._path else ""

    def unplayed(self) -> list[int]:
        """Indices of recorded interactions nobody requested."""
        if self._cassette is None and self.mode == "replay" and self._path is not None and not self._path.exists():
            return []
        return [i for i in range(len(self.cassette.interactions)) if i not in self.played]

    def verify(self) -> None:
        """Raise the first error seen during the test, else ``CassetteUnplayedError`` if any
        recorded interaction was never requested."""
        if self.errors:
            raise self.errors[0]
        unplayed = self.unplayed()
        if unplayed:
            cassette = self.cassette
            listing = "\n".join(
                f"  - interaction {i}: {request.method} {request.url}"
                for i, request in ((i, cassette.interactions[i].request) for i in unplayed)
            )
            raise CassetteUnplayedError(
                f"cassette {self.name!r}{self._where}: {len(unplayed)} of "
                f"{len(cassette.interactions)} "
                f"recorded interactions were never requested:\n{listing}\n"
                "The code under test sent fewer requests than were recorded; fix it or "
                f"re-record ({self.record_hint})."
            )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer from the cassette, or (record/auto) from the network, recording the exchange."""
        body = await request.aread()
        recorded = self._snapshot_request(request, body)
        try:
            cassette = self.cassette
        except CassetteError as unreadable:  # missing or malformed file
            self.errors.append(unreadable)
            raise
        if self.mode != "record":
            index = self._find(recorded)
            if index is not None:
                self.played.add(index)
                response = cassette.interactions[index].response
                return httpx2.Response(
                    response.status,
                    headers=response.headers,
                    stream=_RecordedBody(response.content, self),
                    request=request,
                )
            if self.mode == "replay":
                error = CassetteMismatchError(self._mismatch_message(recorded))
                self.errors.append(error)
                raise error
        return await self._record(request, recorded)

    def _snapshot_request(self, request: httpx2.Request, body: bytes) -> RecordedRequest:
        text, encoding = _encode_body(body, request.headers.get("content-type", ""))
        if encoding == "text":
            text = self.redactor.body(text)
        return RecordedRequest(
            method=request.method.upper(),
            url=self.redactor.url(str(request.url)),
            headers=self.redactor.request_header_map(request.headers.multi_items()),
            body=text,
            body_encoding=encoding,
        )

    def _find(self, recorded: RecordedRequest) -> int | None:
        wanted = recorded.canonical(self.match_on)
        matches = [
            i for i, it in enumerate(self.cassette.interactions) if it.request.canonical(self.match_on) == wanted
        ]
        for index in matches:
            if index not in self.played:
                return index
        return matches[0] if matches else None

    def _mismatch_message(self, recorded: RecordedRequest) -> str:
        cassette = self.cassette
        head = (
            f"cassette {self.name!r}{self._where} has no recorded request matching "
            f"{recorded.method} {recorded.url} (replay mode: the network is not used)."
        )
        if not cassette.interactions:
            return f"{head}\nThe cassette has no interactions; {self.record_hint}."
        sent = recorded.readable(self.match_on)
        scored = [
            (difflib.SequenceMatcher(None, it.request.readable(self.match_on), sent).ratio(), -i, i)
            for i, it in enumerate(cassette.interactions)
        ]
        _, _, closest = max(scored)
        diff = difflib.unified_diff(
            cassette.interactions[closest].request.readable(self.match_on),
            sent,
            fromfile=f"recorded (interaction {closest})",
            tofile="sent",
            lineterm="",
        )
        return (
            f"{head}\nClosest recorded request: interaction {closest} of "
            f"{len(cassette.interactions)}.\n" + "\n".join(diff) + f"\nIf the change is intended, {self.record_hint}."
        )

    async def _record(self, request: httpx2.Request, recorded: RecordedRequest) -> httpx2.Response:
        if self._network is not None:
            live, content = await _fetch(self._network, request)
        else:
            async with network_transport() as network:
                live, content = await _fetch(network, request)
        content_type = live.headers.get("content-type", "")
        text, encoding = _encode_body(content, content_type)
        if encoding == "text":
            text = self.redactor.body(text)
        response = RecordedResponse(
            status=live.status_code,
            headers=self.redactor.response_header_map(live.headers.multi_items()),
            body=text,
            body_encoding=encoding,
        )
        cassette = self.cassette
        cassette.interactions.append(Interaction(recorded, response))
        cassette.metadata = {
            **cassette.metadata,
            **self._metadata,
            "name": cassette.name,
            "recordedAt": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        }
        try:
            if cassette.path is None:
                cassette.check_secrets(self._env)
            else:
                cassette.save(env=self._env)
        except CassetteSecretError as error:
            cassette.interactions.pop()
            self.errors.append(error)
            raise
        self.played.add(len(cassette.interactions) - 1)
        headers = [
            (k, v)
            for k, v in live.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(live.status_code, headers=headers, stream=_RecordedBody(content, self), request=request)
