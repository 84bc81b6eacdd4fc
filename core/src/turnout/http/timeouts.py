"""``Timeouts``: how long each phase of an HTTP exchange may take."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx2

__all__ = ["Timeouts"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Time limits in seconds for one request; ``None`` means unbounded.

    A phase that runs out raises ``turnout.errors.TimeoutError`` whose ``phase`` names it.
    """

    connect: float | None = 10.0
    """Opening the connection (TCP and TLS), and waiting for a free pooled connection."""
    first_byte: float | None = None
    """From sending the request to the response headers; ``None`` means the same as ``idle``."""
    idle: float | None = 120.0
    """The longest silence between two chunks of the response body."""
    total: float | None = 900.0
    """The whole exchange, from sending to the end of the body: 15 minutes by default, so an
    endless stream cannot hold a call forever. Raise it for very long generations, or set
    ``None`` for no limit."""

    def __post_init__(self) -> None:
        for name in ("connect", "first_byte", "idle", "total"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"Timeouts.{name} must be a number of seconds or None, not {value!r}")
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"Timeouts.{name} must be a positive number of seconds or None, not {value!r}")

    @property
    def effective_first_byte(self) -> float | None:
        """The time-to-first-byte limit actually applied (``idle`` when ``first_byte`` is unset)."""
        return self.idle if self.first_byte is None else self.first_byte

    def as_httpx(self, *, read: float | None) -> httpx2.Timeout:
        """The httpx2 timeout with this connect limit and the given per-read limit."""
        import httpx2

        return httpx2.Timeout(connect=self.connect, read=read, write=self.effective_first_byte, pool=self.connect)
