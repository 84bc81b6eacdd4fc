"""Snapshots (JSONL, one event per line) of recorded streams replayed through ``Runtime.stream``.

Normalized for review: encrypted reasoning blobs and other long strings are shortened, so the
snapshot shows the stream's shape and ids, not kilobytes of opaque data.
"""

from __future__ import annotations

from typing import Any

import pytest

from plugins.native_openai.tests.responses_support import replay_body

REPRESENTATIVE = {
    "text": "mirascope__text-gpt-4o.0",
    "reasoning-encrypted": "vercel-ai__azure-reasoning-encrypted-content.1.part1",
    "parallel-function-calls": "mirascope__parallel-tools-gpt-4o.0",
    "hosted-tool": "pydantic-ai__file-search-tool-stream.3",
    "refusal": "mirascope__refusal-gpt-4o.0",
    "incomplete": "mirascope__max-tokens-gpt-4o.0",
    "failed": "vercel-ai__error.1",
}
LONG = 80


def _shorten(*, data: Any, path: Any) -> Any:
    if isinstance(data, str) and len(data) > LONG:
        key = path[-1][0] if path else None
        if key == "reasoningEncryptedContent":
            return f"<encrypted, {len(data)} chars>"
        return f"{data[:LONG]}…<{len(data)} chars>"
    return data


@pytest.mark.parametrize("stem", REPRESENTATIVE.values(), ids=list(REPRESENTATIVE))
def test_event_stream_snapshot(stem: str, recorded_dir: Any, event_snapshot: Any) -> None:
    events, _ = replay_body((recorded_dir / f"{stem}.sse").read_bytes())
    assert events == event_snapshot(matcher=_shorten)
