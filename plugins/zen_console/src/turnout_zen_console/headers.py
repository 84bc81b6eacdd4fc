"""What a Zen request carries: the ``x-opencode-*`` session headers, and the console credentials
(only toward the hosts that may receive them)."""

from __future__ import annotations

import logging
from collections.abc import Collection

from turnout.plugin_api import LLMRequest, ResolvedModel

from turnout_zen_console.server import origin

__all__ = ["console_headers", "opencode_headers"]

logger = logging.getLogger("turnout.zen_console")


_OPENCODE_HEADERS = (
    ("x-opencode-project", "project_id"),
    ("x-opencode-session", "session_id"),
    ("x-opencode-request", "request_id"),
    ("x-opencode-client", "client"),
)


def opencode_headers(request: LLMRequest, model: ResolvedModel) -> dict[str, str]:
    """The reference's ``x-opencode-*`` headers for providers whose id starts with ``opencode``.

    From ``request.metadata``: ``project_id``, ``session_id``, ``request_id`` (the user message id)
    and ``client`` (default ``cli``); missing values are left out.
    """
    if not model.provider.startswith("opencode"):
        return {}
    values = {"client": "cli", **request.metadata}
    return {header: value for header, key in _OPENCODE_HEADERS if isinstance(value := values.get(key), str) and value}


def console_headers(
    model: ResolvedModel,
    url: str,
    *,
    token: str,
    org_id: str | None,
    trusted: Collection[tuple[str, str, int]],
) -> dict[str, str] | None:
    """``authorization`` and ``x-org-id`` for a console-managed model, or ``None``.

    Credentials are returned only when ``model`` is console-managed and ``url`` points at the
    console or one of the proxy hosts its remote config names (``trusted`` origins); anywhere
    else (a local ``baseURL`` override, another provider) nothing is added. The org id is the
    provider's own ``x-org-id`` header when it has one, else the account's active org.
    """
    if not model.console_managed:
        return None
    if origin(url) not in trusted:
        logger.debug("not sending console credentials for %s: its URL is not a console host", model.ref)
        return None
    headers = {"authorization": f"Bearer {token}"}
    provider_org = next((value for name, value in model.headers.items() if name.lower() == "x-org-id"), None)
    org = provider_org or org_id
    if org:
        headers["x-org-id"] = org
    return headers
