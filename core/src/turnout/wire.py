"""``WireRequest``: a request lowered for one runtime, ready for headers and sending."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WireRequest"]


class WireRequest(BaseModel):
    """What ``turnout_lower_request`` returns and ``turnout_open_stream`` receives.

    HTTP runtimes fill ``url`` and ``json``; runtimes that talk through an SDK keep their
    lowered form in ``payload``. The core merges injected headers into ``headers`` before the
    stream is opened (credentials only toward the model's own host).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)

    method: str = "POST"
    """The HTTP method."""
    url: str
    """The full URL the request goes to (its host decides where credentials may go)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers to send; lowering sets provider and auth headers, the core merges the rest."""
    json_body: Any = Field(default=None, alias="json")
    """The JSON body, for HTTP runtimes."""
    payload: Any = None
    """Runtime-private lowered data (e.g. SDK message objects), never sent as is."""
    timeout: float | None = None
    """Seconds this request may take in total (``LLMRequest.http.timeout``); ``None``: the runtime's."""
