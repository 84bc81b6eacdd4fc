"""Cassettes: ``match_on``, replaying recordings whose request body and headers are not ours."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from turnout.testing.cassette import (
    MATCH_ALL,
    Cassette,
    CassetteMismatchError,
    CassetteTransport,
    CassetteUnplayedError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
)

URL = "http://svc.test/v1/responses"


def foreign_recording(*bodies: str, url: str = URL) -> Cassette:
    """Responses recorded by another client: its request body and headers are unknown."""
    return Cassette(
        "foreign",
        [
            Interaction(
                RecordedRequest("POST", url, {"x-other-client": "1"}, '{"unknown": true}'),
                RecordedResponse(200, {"content-type": "text/plain"}, body),
            )
            for body in bodies
        ],
    )


def post_all(transport: CassetteTransport, *requests: tuple[str, Any]) -> list[bytes]:
    async def run() -> list[bytes]:
        async with httpx2.AsyncClient(transport=transport) as client:
            return [(await client.post(url, json=body)).content for url, body in requests]

    return asyncio.run(run())


def test_matching_on_method_and_url_answers_in_recorded_order_whatever_the_body() -> None:
    transport = CassetteTransport(foreign_recording("turn one", "turn two"), match_on=("method", "url"))
    assert post_all(transport, (URL, {"turn": 1}), (URL, {"turn": 2, "tool_output": "x"})) == [
        b"turn one",
        b"turn two",
    ]
    transport.verify()


def test_the_default_still_compares_body_and_headers() -> None:
    assert set(CassetteTransport(foreign_recording("x")).match_on) == set(MATCH_ALL)
    transport = CassetteTransport(foreign_recording("x"))
    with pytest.raises(CassetteMismatchError, match=r'-  "unknown": true'):
        post_all(transport, (URL, {"turn": 1}))


def test_a_different_url_still_fails_with_a_diff_of_the_compared_parts_only() -> None:
    transport = CassetteTransport(foreign_recording("x"), match_on=("method", "url"))
    with pytest.raises(CassetteMismatchError) as info:
        post_all(transport, ("http://svc.test/v1/chat/completions", {"turn": 1}))
    message = str(info.value)
    assert f"-POST {URL}" in message and "+POST http://svc.test/v1/chat/completions" in message
    assert "unknown" not in message and "x-other-client" not in message, "ignored parts stay out of the diff"
    assert transport.errors == [info.value]


def test_unplayed_recordings_still_fail_when_the_body_is_ignored() -> None:
    transport = CassetteTransport(foreign_recording("turn one", "turn two"), match_on=("method", "url"))
    post_all(transport, (URL, {"turn": 1}))
    with pytest.raises(CassetteUnplayedError, match="1 of 2 recorded interactions were never requested"):
        transport.verify()


@pytest.mark.parametrize("match_on", [(), ("method", "query")])
def test_match_on_must_name_known_parts(match_on: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="match_on must be a non-empty subset"):
        CassetteTransport(Cassette("c"), match_on=match_on)  # type: ignore[arg-type]
