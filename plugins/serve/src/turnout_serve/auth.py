"""Client authentication: the presented key against every configured key, in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from turnout_serve.settings import GatewayKey, digest

__all__ = ["authenticate", "presented_key"]


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``Authorization: Bearer <key>`` (or ``x-api-key``), if any."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        return value.strip() or None if scheme.lower() == "bearer" else None
    return headers.get("x-api-key") or None


def authenticate(headers: Mapping[str, str], keys: tuple[GatewayKey, ...]) -> GatewayKey | None:
    """The key the request presents, or ``None``.

    The presented key is hashed and compared with every configured digest, without stopping at
    the first match, so timing reveals neither the key nor which one matched.
    """
    presented = presented_key(headers)
    if presented is None:
        return None
    candidate = digest(presented)
    found: GatewayKey | None = None
    for key in keys:
        if hmac.compare_digest(candidate, key.digest) and found is None:
            found = key
    return found
