"""Which console to talk to, and which hosts may receive its credentials."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

__all__ = ["CLIENT_ID", "DEFAULT_SERVER", "TOKEN_ENV", "console_server", "normalize_server", "origin"]

DEFAULT_SERVER = "https://console.opencode.ai"
"""The public opencode console."""

CLIENT_ID = "opencode-cli"
"""The OAuth client id the console knows the command-line client by."""

TOKEN_ENV = "OPENCODE_CONSOLE_TOKEN"
"""The variable remote configs read the console token from (``{env:OPENCODE_CONSOLE_TOKEN}``):
the only one a remote config's templates may read."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_server(url: str) -> str:
    """``url`` without trailing slashes; raises ``ValueError`` unless it is an http(s) URL."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"the console URL must be an http:// or https:// URL, got {url!r}")
    return url


def console_server(explicit: str | None = None) -> str:
    """The console URL: ``explicit``, else ``$TURNOUT_CONSOLE_URL``, else the public console."""
    return normalize_server(explicit or os.environ.get("TURNOUT_CONSOLE_URL") or DEFAULT_SERVER)


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of ``url`` (default ports filled in), or ``None`` if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]
