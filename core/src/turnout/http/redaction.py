"""Keeping secrets out of errors and logs: URLs, headers and free text.

These helpers are for diagnostics only; what goes on the wire is never altered.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import cast
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = [
    "CREDENTIAL_HEADERS",
    "REDACTED",
    "excerpt",
    "is_credential_header",
    "redact_headers",
    "redact_text",
    "redact_url",
    "secrets_in_env",
    "secrets_in_headers",
    "secrets_in_url",
]

REDACTED = "[REDACTED]"
"""What a redacted value is replaced with."""

CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-goog-api-key",
        "x-amz-security-token",
        "x-org-id",
        "openai-organization",
        "openai-project",
    }
)
"""Headers that carry credentials or account ids, by name; ``is_credential_header`` also
catches any name containing token, secret, key, auth, password, credential, signature or cookie.
The one definition: the HTTP layer, header injection and the testing kit all use it."""
_SENSITIVE_NAME_PARTS = (
    "token",
    "secret",
    "key",
    "auth",
    "password",
    "credential",
    "signature",
    "cookie",
)
_SENSITIVE_QUERY = frozenset({"key", "sig", "code", "apikey", "api_key", "api-key", "access_token", "auth"})

_SECRET_PATTERNS = (
    # "Bearer <token>" keeps the scheme, so the message still says what kind of credential it was.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), REDACTED),  # OpenAI / Anthropic style keys
    (re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"), REDACTED),  # Google API keys
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), REDACTED),  # GitHub tokens
)


def is_credential_header(name: str) -> bool:
    """True for header names that carry credentials (authorization, keys, tokens, cookies, org ids)."""
    name = name.lower()
    return name in CREDENTIAL_HEADERS or any(part in name for part in _SENSITIVE_NAME_PARTS)


def _pairs(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return cast("Mapping[str, str]", headers).items()
    return headers


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with credentials (authorization, keys, cookies, org ids) redacted."""
    items = _pairs(headers)
    return {name: REDACTED if is_credential_header(name) else value for name, value in items}


def _is_sensitive_query_name(name: str) -> bool:
    name = name.lower()
    return name in _SENSITIVE_QUERY or any(part in name for part in _SENSITIVE_NAME_PARTS)


def redact_url(url: object) -> str:
    """``url`` without user info and with sensitive query values (``key``, ``token``…) redacted."""
    text = str(url)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - validates the port, raising ValueError when it is bad
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = []
        for pair in query.split("&"):
            name, equals, _ = pair.partition("=")
            pairs.append(f"{name}={REDACTED}" if equals and _is_sensitive_query_name(name) else pair)
        query = "&".join(pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def secrets_in_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[str]:
    """The credential values in ``headers`` (whole values, and the token after a scheme)."""
    items = _pairs(headers)
    found: list[str] = []
    for name, value in items:
        if is_credential_header(name) and value:
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                found.append(token.strip())
    return found


def secrets_in_url(url: object) -> list[str]:
    """The values of sensitive query parameters in ``url`` (as sent, and decoded)."""
    try:
        query = urlsplit(str(url)).query
    except ValueError:
        return []
    found: list[str] = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and _is_sensitive_query_name(name):
            found += {value, unquote(value)}
    return found


_ENV_SECRET_MIN = 8  # shorter environment values ("1", "true", "ollama") are not worth masking


def secrets_in_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The values of environment variables whose names look like credentials.

    A name counts when ``is_credential_header`` would say so for a header of that name
    (``OPENAI_API_KEY``, ``OPENCODE_CONSOLE_TOKEN``, ``AWS_SECRET_ACCESS_KEY``…); values
    shorter than 8 characters are skipped.
    """
    env = os.environ if env is None else env
    return [
        value
        for name, value in env.items()
        if len(value) >= _ENV_SECRET_MIN and is_credential_header(name.replace("_", "-"))
    ]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secret values and well-known credential patterns redacted.

    The one redaction pass every diagnostic goes through (error messages, in-stream error
    events, decode-error frames, tool errors sent to the model, log records). Redacted are:
    the given ``secrets`` and the values of credential-named environment variables
    (``secrets_in_env``), each as is and URL-encoded (values shorter than 6 characters are
    left alone: they would match too much), and, whether known or not, bearer tokens and
    ``sk-…``, ``AIza…``, ``AKIA…`` and ``gh?_…`` keys.
    """
    known = {s for s in (*secrets, *secrets_in_env()) if s and len(s) >= 6}
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, REDACTED)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingLogFilter(logging.Filter):
    """Redacts log records: URLs (userinfo, sensitive query values) and secrets in any text.

    The message and every string or exception argument go through ``redact_url`` (for URLs)
    or ``redact_text``. Installed by ``install_log_redaction`` on httpx2's logger (it logs
    every request URL) and on turnout's own loggers, whose records may quote provider text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops a record."""
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact_arg(value) for key, value in record.args.items()}
        return True


def _redact_arg(value: object) -> object:
    if _looks_like_url(value):
        return redact_url(value)
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, BaseException):
        return redact_text(str(value))
    return value


def _looks_like_url(value: object) -> bool:
    text = str(value) if type(value).__name__ == "URL" else value
    return isinstance(text, str) and "://" in text[:16] and " " not in text


LOGGERS = (
    "httpx2",
    "turnout",
    "turnout.config",
    "turnout.selection",
    "turnout.plugins",
    "turnout.cli",
    "turnout.tools",
    "turnout.aisdk_fallback",
    "turnout.zen_console",
)
"""The loggers whose records can quote URLs or provider text (filters are per logger)."""


def install_log_redaction(logger_names: Iterable[str] = LOGGERS) -> None:
    """Add one ``RedactingLogFilter`` to each named logger (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingLogFilter) for f in logger.filters):
            logger.addFilter(RedactingLogFilter())


def excerpt(text: str, limit: int, secrets: Iterable[str] = ()) -> str:
    """At most ``limit`` characters of ``text`` for a message, redacted (see ``redact_text``).

    Redacts before cutting, so a secret straddling the cut cannot leak its first half; a cut
    excerpt ends with ``…``.
    """
    redacted = redact_text(text[: limit * 4], secrets)
    return redacted if len(redacted) <= limit else redacted[: limit - 1] + "…"


install_log_redaction()
