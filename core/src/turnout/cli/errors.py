"""Turning any exception the CLI meets into one readable line."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import ValidationError

from turnout.errors import TurnoutError, UnsupportedRequestError

__all__ = ["describe", "plugins_hint"]


def describe(exc: BaseException) -> tuple[str, bool]:
    """The one-line message for ``exc``, and whether it is an error turnout expects to meet
    (``False`` means a bug somewhere: the message asks for ``-v``)."""
    if isinstance(exc, UnsupportedRequestError):
        hint = plugins_hint()
        return (f"{exc}\n{hint}" if hint else str(exc)), True
    if isinstance(exc, TurnoutError):
        return str(exc), True
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"invalid {exc.title}{f' {where}' if where else ''}: {first['msg']}", True
    if isinstance(exc, OSError) and exc.strerror:
        return (f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror), True
    return f"{type(exc).__name__}: {exc}", False


def plugins_hint(env: Mapping[str, str] | None = None) -> str | None:
    """Why plugins may be missing: ``$TURNOUT_PLUGINS`` empty, or naming plugins not installed."""
    value = (os.environ if env is None else env).get("TURNOUT_PLUGINS")
    if value is None:
        return None
    import importlib_metadata

    from turnout.plugins import ENTRY_POINT_GROUP, allowed_from_env

    installed = sorted({ep.name for ep in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP)})
    allowed = allowed_from_env({"TURNOUT_PLUGINS": value}) or []
    listing = ", ".join(installed) or "none"
    if not allowed:
        return f"hint: TURNOUT_PLUGINS is set but empty, so no plugin was loaded (installed: {listing})"
    unknown = [name for name in allowed if name not in installed]
    if unknown:
        return (
            f"hint: TURNOUT_PLUGINS names {', '.join(map(repr, unknown))}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not installed (installed: {listing})"
        )
    return f"hint: TURNOUT_PLUGINS={value} limits the plugins loaded (installed: {listing})"
