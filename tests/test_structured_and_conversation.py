"""Structured output and conversation state, on both runtimes, over recorded Responses streams.

Expected values come from the recordings' own JSON payloads, read independently of the parsers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field
from turnout.errors import OutputValidationError
from turnout.request import LLMRequest, ReasoningPart, user

from tests.fidelity_support import capture, config_for, generate, recorded_stream, sse_payloads, wires
from testsupport import recorded_path

BOTH = pytest.mark.parametrize("runtime_id", ["native-openai", "aisdk-fallback"])
JSON_SCHEMA = "mirascope__json-schema-gpt-4o.0"


class Author(BaseModel):
    """The author of a book."""

    first_name: str
    last_name: str


class Book(BaseModel):
    """A book with a rating. The title should be in all caps!"""

    title: str
    author: Author
    rating: int = Field(description="For testing purposes, the rating should be 7")


def recorded_text(name: str) -> str:
    """The final text of a recorded stream (its ``response.output_text.done`` events)."""
    return "".join(p["text"] for p in sse_payloads(recorded_stream(name)) if p["type"] == "response.output_text.done")


def recorded_request(name: str) -> dict[str, Any]:
    """The request body the recording was made with."""
    body: dict[str, Any] = json.loads(recorded_path("openai-responses", f"{name}.json").read_text())["request_body"]
    return body


@BOTH
def test_a_model_class_round_trips_to_an_instance(runtime_id: str) -> None:
    request = LLMRequest(
        model="openai/gpt-4o",
        messages=[user("Please recommend the most popular book by Patrick Rothfuss")],
        response_format=Book,
    )
    with capture(recorded_stream(JSON_SCHEMA)) as served:
        response = generate(runtime_id, config_for(served), request)
    expected = json.loads(recorded_text(JSON_SCHEMA))
    assert isinstance(response.output, Book)
    assert response.output.model_dump() == expected
    assert response.text == recorded_text(JSON_SCHEMA)  # streaming still yields the JSON as text
    (wire,) = wires(served)
    sent = wire.body["text"]["format"]
    assert (sent["type"], sent["name"], sent["strict"]) == ("json_schema", "Book", True)
    if runtime_id == "native-openai":  # the same strict schema the recording's client sent
        assert sent == recorded_request(JSON_SCHEMA)["text"]["format"]


@BOTH
def test_a_schema_dict_gives_plain_data(runtime_id: str) -> None:
    schema = recorded_request(JSON_SCHEMA)["text"]["format"]["schema"]
    request = LLMRequest(
        model="openai/gpt-4o", messages=[user("a book")], response_format={"name": "Book", "schema": schema}
    )
    with capture(recorded_stream(JSON_SCHEMA)) as served:
        response = generate(runtime_id, config_for(served), request)
    assert response.output == json.loads(recorded_text(JSON_SCHEMA))
    (wire,) = wires(served)
    sent = wire.body["text"]["format"]["schema"]
    if runtime_id == "native-openai":
        assert sent == schema
    else:  # pydantic-ai's strict-schema transform drops titles; the shape stays
        assert (list(sent["properties"]), sent["required"]) == (list(schema["properties"]), schema["required"])


class Movie(BaseModel):
    director: str


@BOTH
def test_output_that_does_not_validate_raises_with_the_raw_text(runtime_id: str) -> None:
    request = LLMRequest(model="openai/gpt-4o", messages=[user("a movie")], response_format=Movie)
    with capture(recorded_stream(JSON_SCHEMA)) as served, pytest.raises(OutputValidationError) as caught:
        generate(runtime_id, config_for(served), request)
    assert caught.value.raw == recorded_text(JSON_SCHEMA)
    assert "Movie" in str(caught.value)


def test_plain_text_is_not_json() -> None:
    request = LLMRequest(model="openai/gpt-4o", messages=[user("hi")], response_format="json")
    with capture(recorded_stream("mirascope__text-gpt-4o.0")) as served, pytest.raises(OutputValidationError):
        generate("native-openai", config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["text"]["format"] == {"type": "json_object"}


# -- conversation state -------------------------------------------------------------------------


def reasoning_items(name: str) -> list[dict[str, Any]]:
    """The reasoning output items of a recorded stream (``response.output_item.done``)."""
    return [
        p["item"]
        for p in sse_payloads(recorded_stream(name))
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "reasoning"
    ]


@BOTH
def test_two_turns_unstored_carry_encrypted_reasoning(runtime_id: str) -> None:
    first_stream = "pydantic-ai__thinking-part-iter.0"
    items = reasoning_items(first_stream)
    assert items and all(item.get("encrypted_content") for item in items)
    options = {"openai": {"store": False, "includeEncryptedReasoning": True}}
    with capture(recorded_stream(first_stream), recorded_stream("mirascope__text-gpt-4o.0")) as served:
        config = config_for(served)
        first = generate(
            runtime_id, config, LLMRequest(model="openai/o3-mini", messages=[user("cross?")], provider_options=options)
        )
        assert any(isinstance(p, ReasoningPart) for m in first.messages for p in m.content)
        follow_up = LLMRequest(
            model="openai/o3-mini",
            messages=[user("cross?"), *first.messages, user("and then?")],
            provider_options=options,
        )
        generate(runtime_id, config, follow_up)
    first_wire, second_wire = wires(served)
    assert "reasoning.encrypted_content" in first_wire.body["include"]
    sent = [item for item in second_wire.body["input"] if item.get("type") == "reasoning"]
    assert [item["encrypted_content"] for item in sent] == [item["encrypted_content"] for item in items]
    last = second_wire.body["input"][-1]  # pydantic-ai sends a lone text as a string
    assert last["role"] == "user" and "and then?" in json.dumps(last["content"])
    assert any(item.get("role") == "assistant" for item in second_wire.body["input"])


@BOTH
def test_two_turns_stored_refer_to_the_reasoning_item(runtime_id: str) -> None:
    first_stream = "mirascope__thinking-gpt-5.0"
    (item,) = reasoning_items(first_stream)
    options = {"openai": {"store": True}}
    with capture(recorded_stream(first_stream), recorded_stream("mirascope__text-gpt-4o.0")) as served:
        config = config_for(served)
        first = generate(
            runtime_id, config, LLMRequest(model="openai/gpt-5", messages=[user("primes?")], provider_options=options)
        )
        assert first.response_id == next(
            p["response"]["id"]
            for p in sse_payloads(recorded_stream(first_stream))
            if p["type"] == "response.completed"
        )
        follow_up = LLMRequest(
            model="openai/gpt-5", messages=[user("primes?"), *first.messages, user("sure?")], provider_options=options
        )
        generate(runtime_id, config, follow_up)
    second = wires(served)[1].body["input"]
    referenced = [entry for entry in second if entry.get("id") == item["id"]]
    assert len(referenced) == 1
    if runtime_id == "native-openai":
        assert referenced == [{"type": "item_reference", "id": item["id"]}]
    else:  # pydantic-ai sends the stored item's id with its summary
        assert referenced[0]["type"] == "reasoning"


@BOTH
def test_previous_response_id_passes_through(runtime_id: str) -> None:
    request = LLMRequest(
        model="openai/gpt-4o",
        messages=[user("and then?")],
        provider_options={"openai": {"store": True, "previousResponseId": "resp_abc"}},
    )
    with capture(recorded_stream("mirascope__text-gpt-4o.0")) as served:
        generate(runtime_id, config_for(served), request)
    (wire,) = wires(served)
    assert wire.body["previous_response_id"] == "resp_abc"
