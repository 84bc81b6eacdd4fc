"""A complete turnout runtime plugin: gate, lowering and stream for a plain-text SSE service."""

import json
from collections.abc import AsyncIterator

import turnout
from turnout.errors import UnsupportedRequestError
from turnout.plugin_api import HTTPClient, aiter_sse

RUNTIME = "minimal-lines"
turnout_manifest = turnout.Manifest(hooks_version=2, runtimes=(RUNTIME,))


@turnout.hookimpl
def turnout_check_support(model: turnout.ResolvedModel) -> turnout.Verdict:
    """Offer the runtime for models of the ``@example/lines`` package."""
    if model.package != "@example/lines" or not model.base_url:
        return turnout.Verdict(RUNTIME, False, "provider package is not @example/lines")
    return turnout.Verdict(RUNTIME, True)


@turnout.hookimpl
def turnout_lower_request(request: turnout.LLMRequest, model: turnout.ResolvedModel) -> turnout.WireRequest:
    """``POST {base}/complete`` with the conversation as one prompt."""
    parts = [part for message in request.messages for part in message.content]
    if not all(isinstance(part, turnout.TextPart) for part in parts):
        raise UnsupportedRequestError("the lines service takes text only")
    prompt = "\n".join(part.text for part in parts if isinstance(part, turnout.TextPart))
    return turnout.WireRequest(url=f"{model.base_url}/complete", json={"model": model.api_id, "prompt": prompt})


@turnout.hookimpl
async def turnout_open_stream(wire: turnout.WireRequest, http: HTTPClient) -> AsyncIterator[turnout.LLMEvent]:
    """Each SSE frame carries ``{"text": …}``; the core opens and closes the step and the block."""
    async with http.stream(wire) as response:
        async for frame in aiter_sse(response.aiter_bytes()):
            yield turnout.TextDelta(id="text", text=json.loads(frame.data)["text"])
    yield turnout.StepFinish(reason="stop")
