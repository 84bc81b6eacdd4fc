"""An httpx2 transport for tests that must see requests exactly as sent."""

from __future__ import annotations

import httpx2

__all__ = ["SentRequests"]


class SentRequests(httpx2.AsyncBaseTransport):
    """Keeps every request as sent (credentials included, unlike a cassette) and passes it on."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
