"""Wire fidelity: a recorded native exchange replayed through the gateway, read by the openai SDK,
gives the recording's own final ``Response``: the same output items, text and usage (ids aside)."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from conftest import Served
from gateway_support import GATEWAY_KEY, payloads, recording, responses_recorded

RECORDINGS = [
    "mirascope__text-gpt-4o.0.sse",
    "mirascope__thinking-gpt-5.0.sse",
    "mirascope__max-tokens-gpt-4o.0.sse",
    "mirascope__parallel-tools-gpt-4o.0.sse",
    "mirascope__refusal-gpt-4o.0.sse",
    "pydantic-ai__moderation-stream.0.sse",
    "pydantic-ai__phase-text-then-function-call.0.sse",
    "pydantic-ai__web-search-tool-stream.0.sse",
]


SDK_ONLY = {"parsed", "parsed_arguments"}  # what the SDK's stream helper adds to the items it parses
NOT_CARRIED = {"phase"}  # a message's phase: the native runtime's events do not carry it (yet)


def without_ids(value: Any) -> Any:
    """``value`` without ``id`` keys (ids are the gateway's own), SDK-only keys, and empty values
    (an absent field and an empty one say the same)."""
    if isinstance(value, dict):
        return {
            key: without_ids(item)
            for key, item in value.items()
            if key != "id" and key not in SDK_ONLY | NOT_CARRIED and item not in (None, [])
        }
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


@pytest.mark.parametrize("name", RECORDINGS)
def test_gateway_stream_rebuilds_the_recorded_response(name: str, served: Served) -> None:
    body = recording("openai-responses", name)
    original = responses_recorded(body).terminal
    assert original is not None
    # OpenAI sends a reasoning item's encrypted state twice, encrypted anew each time; the native
    # runtime keeps the one from ``output_item.done``, so that is the one to compare with.
    for event in payloads(body):
        if event["type"] == "response.output_item.done" and "encrypted_content" in event["item"]:
            original["output"][event["output_index"]]["encrypted_content"] = event["item"]["encrypted_content"]
    up, url = served.upstream, served.url
    up.play(body)
    sdk = openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0)
    events = list(sdk.responses.create(model="openai/gpt-4o", input="replay", stream=True))
    final = events[-1].response.model_dump(mode="json", exclude_unset=True, warnings=False)
    expected = original
    assert without_ids(final["output"]) == without_ids(expected["output"])
    assert final["usage"] == expected["usage"]
    assert final["status"] == expected["status"]
    assert final.get("incomplete_details") == expected.get("incomplete_details")
