"""The hook implementations (registered under the entry-point group ``turnout``).

Kept light: it imports only the turnout core; the stream parser is imported when a stream opens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import turnout
from turnout.errors import UnsupportedRequestError

from turnout_example_plugin import PACKAGE, RUNTIME_ID

if TYPE_CHECKING:
    from turnout.plugin_api import HTTPClient

USER_AGENT = "turnout-example-plugin/0.1"

turnout_manifest = turnout.Manifest(hooks_version=2, runtimes=(RUNTIME_ID,))


@turnout.hookimpl
def turnout_check_support(request: turnout.LLMRequest, model: turnout.ResolvedModel) -> turnout.Verdict:
    """Offer ``example-echo`` for echo models with a key and no tools; say why not otherwise."""
    if model.package != PACKAGE:
        return turnout.Verdict(RUNTIME_ID, False, f"provider package is not {PACKAGE}")
    if model.api_key is None:
        return turnout.Verdict(RUNTIME_ID, False, "echo API key is not configured")
    if not model.base_url:
        return turnout.Verdict(RUNTIME_ID, False, "echo base URL is not configured")
    if request.tools:
        return turnout.Verdict(RUNTIME_ID, False, "the echo service cannot call tools")
    return turnout.Verdict(RUNTIME_ID, True)


@turnout.hookimpl
def turnout_lower_request(request: turnout.LLMRequest, model: turnout.ResolvedModel) -> turnout.WireRequest:
    """``POST {base}/chat`` with the conversation as plain text messages."""
    messages = [{"role": "system", "text": text} for text in request.system]
    for message in request.messages:
        texts = []
        for part in message.content:
            if not isinstance(part, turnout.TextPart):
                raise UnsupportedRequestError(f"the echo service takes text only, got a {type(part).__name__}")
            texts.append(part.text)
        messages.append({"role": message.role, "text": "".join(texts)})
    assert model.api_key is not None and model.base_url  # the gate checked both
    return turnout.WireRequest(
        url=f"{model.base_url.rstrip('/')}/chat",
        headers={
            "authorization": f"Bearer {model.api_key.get_secret_value()}",
            "content-type": "application/json",
            "accept": "text/event-stream",
            "x-echo-client": USER_AGENT,
        },
        json={"model": model.api_id, "messages": messages, "stream": True},
    )


@turnout.hookimpl
def turnout_open_stream(wire: turnout.WireRequest, http: HTTPClient) -> AsyncIterator[turnout.LLMEvent]:
    """Send the request and parse the echo stream."""
    from turnout_example_plugin.stream import stream_events

    return stream_events(wire, http)
