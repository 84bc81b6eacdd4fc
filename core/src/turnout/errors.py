"""The exceptions turnout raises.

Every error has a readable message and never carries a secret (API keys, console tokens and org
ids are redacted before they reach a message, a ``repr`` or a log line)::

    TurnoutError
    ├── ConfigError                  bad configuration: names the file, the key and what was expected
    ├── PluginError                  a plugin broke the contract: names the plugin and the rule
    ├── UnsupportedRequestError      no runtime can handle the request; lists every reason
    ├── StreamDecodeError            the provider's stream could not be decoded (frame kept, redacted)
    │   └── FrameTooLargeError       one SSE line or frame outgrew the size limit
    ├── OutputValidationError        structured output is not valid JSON / does not fit the model class
    ├── TransportError               the request could not be sent or the connection broke
    │   └── TimeoutError             connect, first byte, idle gap or total time ran out
    └── ProviderHTTPError            the provider answered with an HTTP error status
        ├── AuthenticationError      401 / 403
        ├── RateLimitError           429 (``retry_after`` in seconds)
        ├── InvalidRequestError      400 / 404 / 409 / 413 / 422
        │   └── ContextOverflowError the prompt does not fit the model's context window
        ├── ProviderServerError      5xx and 529
        └── RedirectError            3xx: the base URL is probably wrong (redirects are not followed)
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from turnout.http.redaction import redact_text

if TYPE_CHECKING:
    from turnout.selection import Verdict

__all__ = [
    "AuthenticationError",
    "ConfigError",
    "ContextOverflowError",
    "FrameTooLargeError",
    "InvalidRequestError",
    "OutputValidationError",
    "PluginError",
    "ProviderHTTPError",
    "ProviderServerError",
    "RateLimitError",
    "RedirectError",
    "StreamDecodeError",
    "TimeoutError",
    "TransportError",
    "TurnoutError",
    "UnsupportedRequestError",
]


class TurnoutError(Exception):
    """Base class of every error turnout raises on purpose.

    The message goes through ``turnout.http.redaction.redact_text`` (known credentials,
    credential-named environment values, bearer tokens and ``sk-…``-style keys), so neither
    ``str`` nor ``repr`` of any turnout error can show a secret, whoever raised it.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(redact_text(str(message)))


class ConfigError(TurnoutError):
    """The configuration is invalid: the message names the source, the key and what was expected."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None) -> None:
        self.source = source
        """Where the bad value came from (a file path, an environment variable, ``"code"``)."""
        self.key = key
        """The dotted key of the bad value, e.g. ``provider.openai.options.baseURL``."""
        where = ", ".join(part for part in (source, key and f"key {key!r}") if part)
        super().__init__(f"{where}: {message}" if where else message)


class PluginError(TurnoutError):
    """A plugin broke the plugin contract (a hook raised, or its stream broke an event rule)."""

    def __init__(self, message: str, *, plugin: str | None = None, rule: str | None = None) -> None:
        self.plugin = plugin
        """The name of the plugin at fault, when known."""
        self.rule = rule
        """The rule it broke (e.g. ``"rule 2: every *-start has one *-end"``), when one applies."""
        prefix = f"plugin {plugin!r}: " if plugin else ""
        suffix = f" ({rule})" if rule else ""
        super().__init__(f"{prefix}{message}{suffix}")


class UnsupportedRequestError(TurnoutError):
    """No runtime can handle the request, or a runtime found input it cannot lower.

    Raised by plugins from ``turnout_lower_request`` (the core then tries the next candidate),
    and by the core when no candidate is left, with every verdict's reason in the message.
    """

    def __init__(self, message: str, *, verdicts: Sequence[Verdict] = ()) -> None:
        self.verdicts: tuple[Verdict, ...] = tuple(verdicts)
        """Every verdict that was collected, supported or not (empty when raised by a plugin)."""
        if self.verdicts:
            lines = [message]
            for verdict in self.verdicts:
                state = "supported" if verdict.supported else "declined"
                lines.append(
                    f"  - {verdict.runtime} ({state} by {verdict.plugin or '?'}): {verdict.reason or 'no reason given'}"
                )
            message = "\n".join(lines)
        super().__init__(message)


class StreamDecodeError(TurnoutError):
    """The provider's stream could not be decoded (bad framing, invalid JSON, ended early)."""

    def __init__(self, message: str, *, frame: str | None = None, secrets: Iterable[str] = ()) -> None:
        if frame is not None:
            frame = redact_text(frame, secrets)
        self.frame = frame
        """The offending frame, shortened and with secrets redacted, when there is one."""
        super().__init__(f"{message}: {frame}" if frame else message)


class FrameTooLargeError(StreamDecodeError):
    """A server-sent-events line or frame grew past the limit without ending."""

    def __init__(self, message: str, *, limit: int) -> None:
        self.limit = limit
        """The limit that was exceeded, in bytes."""
        super().__init__(message)


class OutputValidationError(TurnoutError):
    """The model's structured output is not valid JSON, or does not validate against the model class."""

    def __init__(self, message: str, *, raw: str) -> None:
        self.raw = raw
        """The text the model produced, as received."""
        super().__init__(message)


class TransportError(TurnoutError):
    """The request could not be sent, or the connection broke while reading the response."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        """The request URL with credentials and sensitive query parameters redacted."""
        super().__init__(f"{message} ({url})" if url else message)


class TimeoutError(TransportError, builtins.TimeoutError):
    """A connect, first-byte, idle-gap or total timeout ran out."""

    def __init__(self, message: str, *, url: str | None = None, phase: str | None = None) -> None:
        self.phase = phase
        """Which timeout ran out: ``connect``, ``first_byte``, ``idle`` or ``total``."""
        super().__init__(message, url=url)


class ProviderHTTPError(TurnoutError):
    """The provider answered with an error (≥ 400) or redirect (3xx) status before any event."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: str = "",
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        code: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        """The HTTP status code."""
        self.body = body
        """An excerpt of the response body (at most 2,000 characters, secrets redacted)."""
        self.request_id = request_id
        """The provider's request id (``x-request-id`` and friends), when sent."""
        self.retryable = retryable
        """Whether retrying the same request later may succeed."""
        self.retry_after = retry_after
        """Seconds the provider asked to wait before retrying, when it said so."""
        self.code = code
        """The provider's machine-readable error code (e.g. ``context_length_exceeded``)."""
        self.url = url
        """The request URL, redacted."""
        super().__init__(message)


class AuthenticationError(ProviderHTTPError):
    """401 or 403: the credentials are missing, wrong, or lack permission."""


class RateLimitError(ProviderHTTPError):
    """429: too many requests or quota exhausted; see ``retry_after``."""


class InvalidRequestError(ProviderHTTPError):
    """400, 404, 409, 413 or 422: the provider rejected the request as sent."""


class ContextOverflowError(InvalidRequestError):
    """The prompt does not fit the model's context window."""


class ProviderServerError(ProviderHTTPError):
    """5xx or 529: the provider failed; usually retryable."""


class RedirectError(ProviderHTTPError):
    """3xx: the provider redirected the request; turnout does not follow provider redirects."""
