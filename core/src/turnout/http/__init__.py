"""The HTTP executor: one client, retries, timeouts, typed errors and redaction.

::

    HTTPClient                  the shared httpx2.AsyncClient and ``stream(wire)``
      └── RetryTransport        retries before a response reaches a parser (RetryPolicy)
            └── network         network_transport(): FastTransport (turnout[fast]) or
                                httpx2.AsyncHTTPTransport; a mock / cassette in tests

Names are imported on first use, so ``import turnout.http`` stays cheap (the redaction and
error helpers do not import httpx2 at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from turnout.http.client import HTTPClient, network_transport
    from turnout.http.errors import error_from_response
    from turnout.http.redaction import redact_headers, redact_text, redact_url
    from turnout.http.retry import RetryPolicy, RetryTransport
    from turnout.http.timeouts import Timeouts

__all__ = [
    "HTTPClient",
    "RetryPolicy",
    "RetryTransport",
    "Timeouts",
    "error_from_response",
    "network_transport",
    "redact_headers",
    "redact_text",
    "redact_url",
]

_MODULES = {
    "HTTPClient": "client",
    "RetryPolicy": "retry",
    "RetryTransport": "retry",
    "Timeouts": "timeouts",
    "error_from_response": "errors",
    "network_transport": "client",
    "redact_headers": "redaction",
    "redact_text": "redaction",
    "redact_url": "redaction",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"turnout.http.{module}" for name, module in _MODULES.items()}, __all__
)
