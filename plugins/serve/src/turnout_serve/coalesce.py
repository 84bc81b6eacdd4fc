"""Fewer, larger writes: chunks that are ready together go to the socket as one.

A response body is written once per chunk the ASGI app yields, and each write costs far more than
encoding an event. ``coalesced`` runs the source in its own task and, each time the server is
ready for more, joins everything already produced: an idle stream still sends every event at
once, a fast one sends them in batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio

__all__ = ["coalesced"]

_DONE = b""
_CLOSE_TIMEOUT = 2.0


async def coalesced(source: AsyncIterator[bytes], *, pending: int = 256) -> AsyncIterator[bytes]:
    """Yield ``source``'s chunks, joining those produced while the previous write was under way.

    Closing or cancelling this iterator cancels the source's task and waits (shielded, briefly)
    for it to clean up, so the source's ``finally`` blocks still run.
    """
    queue: asyncio.Queue[bytes] = asyncio.Queue(pending)

    async def pump() -> None:
        async for chunk in source:
            if chunk:
                await queue.put(chunk)
        await queue.put(_DONE)

    task = asyncio.create_task(pump())
    try:
        done = False
        while not done:
            parts = [await queue.get()]
            while not queue.empty():
                parts.append(queue.get_nowait())
            done = parts[-1] == _DONE
            yield b"".join(parts)
        await task  # re-raises what the source raised
    finally:
        if not task.done():
            task.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_TIMEOUT):
            await asyncio.gather(task, return_exceptions=True)
