"""The order headers are layered in, the reference's: who wins when two set the same header.

Lowest to highest precedence (and wire order):

1. ``User-Agent: turnout/<version>`` and the session-affinity headers (``x-session-affinity``,
   ``x-parent-session-id`` from ``request.metadata``, for providers that are not a console's);
2. the lowered request's own headers (route static headers, then the model's headers);
3. headers plugins inject (non-credential ones);
4. the caller's headers: ``request.headers``, then ``request.http.headers``;
5. auth: credentials the lowering set (e.g. ``authorization: Bearer <key>``) and credentials
   plugins inject — a caller's header never replaces the runtime's auth;
6. ``content-type``, when the lowering set one, forced last.

Names are lower-cased. Nothing here imports an HTTP library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from turnout.http.redaction import is_credential_header

if TYPE_CHECKING:
    from turnout.config import ResolvedModel
    from turnout.request import LLMRequest

__all__ = ["USER_AGENT", "affinity_headers", "layer_headers"]


def _user_agent() -> str:
    from turnout import __version__

    return f"turnout/{__version__}"


USER_AGENT = _user_agent()
"""The ``User-Agent`` every provider request carries (``turnout/<version>``)."""


def affinity_headers(request: LLMRequest, model: ResolvedModel) -> dict[str, str]:
    """``x-session-affinity`` / ``x-parent-session-id`` from the request's session, for generic providers.

    Providers whose id starts with ``opencode`` get the ``x-opencode-*`` set from the Zen plugin instead.
    """
    if model.provider.startswith("opencode"):
        return {}
    headers: dict[str, str] = {}
    if request.session_id:
        headers["x-session-affinity"] = request.session_id
    parent = request.metadata.get("parent_session_id")
    if isinstance(parent, str) and parent:
        headers["x-parent-session-id"] = parent
    return headers


def layer_headers(
    request: LLMRequest,
    model: ResolvedModel,
    lowered: Mapping[str, str],
    injected: Iterable[Mapping[str, str]],
) -> dict[str, str]:
    """The headers to send, layered in the order of the module docstring.

    :param lowered: the lowering's headers (route static, model headers, its auth, content type).
    :param injected: what each plugin returned, in plugin order, already filtered by host.
    """
    model_names = {name.lower() for name in model.headers}
    headers: dict[str, str] = {"user-agent": USER_AGENT, **affinity_headers(request, model)}
    auth: dict[str, str] = {}
    content_type: str | None = None
    for name, value in lowered.items():
        key = name.lower()
        if key == "content-type":
            content_type = value
        elif is_credential_header(key) and key not in model_names:
            auth[key] = value
        else:
            _put(headers, key, value)
    for extra in injected:
        for name, value in extra.items():
            key = name.lower()
            if is_credential_header(key):
                auth[key] = value
            else:
                _put(headers, key, value)
    for caller in (request.headers, request.http.headers):
        for name, value in caller.items():
            _put(headers, name.lower(), value)
    for key, value in auth.items():
        _put(headers, key, value)
    if content_type is not None:
        _put(headers, "content-type", content_type)
    return headers


def _put(headers: dict[str, str], key: str, value: str) -> None:
    """Set ``key`` at the end (a later layer moves a header after the earlier ones)."""
    headers.pop(key, None)
    headers[key] = value
