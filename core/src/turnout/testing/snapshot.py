"""Event-stream snapshots: a syrupy extension that stores a stream as JSONL.

Each snapshot is one ``.jsonl`` file under ``__snapshots__/<test file>/<test name>.jsonl``, one
event per line: ``event.model_dump(mode="json", exclude_none=True)`` with ``type`` first and the
other keys sorted (nested objects too), so a changed event shows as a changed line in the diff.

Volatile values (ids, timestamps) are normalized with a syrupy matcher; ``normalize()`` builds
one::

    assert events == event_snapshot(matcher=normalize(ids=("id",), patterns={r"\\d{10}": "<ts>"}))
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

if TYPE_CHECKING:
    from syrupy.types import (
        PropertyFilter,
        PropertyMatcher,
        PropertyPath,
        SerializableData,
        SerializedData,
    )

__all__ = ["JSONLSnapshotExtension", "event_lines", "normalize"]


def _event_data(event: Any) -> Any:
    if hasattr(event, "model_dump"):
        return event.model_dump(mode="json", exclude_none=True)
    if isinstance(event, Mapping):
        return dict(event)
    raise TypeError(
        f"an event snapshot takes pydantic events or dicts, got {type(event).__name__}; "
        "pass the list of events (e.g. `response.events`)"
    )


def _ordered(value: Any, *, top: bool = False) -> Any:
    if isinstance(value, Mapping):
        keys = sorted(value, key=str)
        if top and "type" in value:
            keys = ["type", *(k for k in keys if k != "type")]
        return {str(k): _ordered(value[k]) for k in keys}
    if isinstance(value, list | tuple):
        return [_ordered(item) for item in value]
    return value


def _apply_matcher(value: Any, matcher: PropertyMatcher, path: PropertyPath) -> Any:
    value = cast(Any, matcher)(data=value, path=path)
    if isinstance(value, dict):
        return {k: _apply_matcher(v, matcher, (*path, (k, type(v)))) for k, v in value.items()}
    if isinstance(value, list):
        return [_apply_matcher(v, matcher, (*path, (i, type(v)))) for i, v in enumerate(value)]
    return value


def event_lines(events: Iterable[Any], *, matcher: PropertyMatcher | None = None) -> str:
    """The JSONL text of a stream: one event per line, ``type`` first, keys sorted."""
    if hasattr(events, "events") and not isinstance(events, Mapping):
        events = cast(Any, events).events  # a turnout.Response
    lines = []
    for index, event in enumerate(events):
        data = _ordered(_event_data(event), top=True)
        if matcher is not None:
            data = _apply_matcher(data, matcher, ((index, type(data)),))
        lines.append(json.dumps(data, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


class JSONLSnapshotExtension(SingleFileSnapshotExtension):
    """Stores an event stream (a list of events, or a ``turnout.Response``) as one JSONL file."""

    file_extension = "jsonl"
    _write_mode = WriteMode.TEXT

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        """Turn the events into JSONL text (``exclude``/``include`` are not supported)."""
        if exclude is not None or include is not None:
            raise TypeError("event snapshots do not support exclude/include; use a matcher (see normalize())")
        return event_lines(data, matcher=matcher)


def normalize(
    ids: Iterable[str] = ("id",),
    patterns: Mapping[str | re.Pattern[str], str] | None = None,
) -> PropertyMatcher:
    """A syrupy matcher that makes volatile values stable.

    :param ids: keys whose string values are ids: each distinct value becomes ``<key>-1``,
        ``<key>-2`` … in order of first appearance, so equal ids stay equal.
    :param patterns: regex → replacement, applied to every string value (after ``ids``), e.g.
        ``{r"\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z": "<timestamp>"}``.

    Create one per assertion: the id numbering runs over everything it sees.
    """
    id_keys = frozenset(ids)
    compiled = [(re.compile(p), r) for p, r in (patterns or {}).items()]
    seen: dict[tuple[str, str], str] = {}

    def matcher(*, data: Any, path: PropertyPath) -> Any:
        if not isinstance(data, str):
            return data
        key = path[-1][0] if path else None
        if isinstance(key, str) and key in id_keys:
            counter = sum(1 for k, _ in seen if k == key)
            data = seen.setdefault((key, data), f"{key}-{counter + 1}")
        for pattern, replacement in compiled:
            data = pattern.sub(replacement, data)
        return data

    return cast("PropertyMatcher", matcher)
