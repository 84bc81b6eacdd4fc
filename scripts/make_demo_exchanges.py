"""Write ``turnout/cli/demo_data/exchanges.json``: the sample exchanges ``turnout demo`` replays.

They are written by hand (here), in the cassette format (version 1), in the OpenAI Responses
streaming wire format, so the demo exercises the real parsers offline. Run it again after
changing the texts: ``.venv/bin/python scripts/make_demo_exchanges.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "core/src/turnout/cli/demo_data/exchanges.json"
MODEL = "gpt-4.1-mini-2025-04-14"


def sse(events: list[dict[str, Any]]) -> str:
    frames = []
    for number, event in enumerate(events):
        event = {"type": event.pop("type"), "sequence_number": number, **event}
        frames.append(f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n")
    return "".join(frames)


def response(rid: str, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": rid,
        "object": "response",
        "created_at": 1763900000,
        "status": status,
        "model": MODEL,
        "output": output,
        "usage": usage,
        "incomplete_details": None,
        "error": None,
    }


def usage(inp: int, out: int, cached: int = 0, reasoning: int = 0) -> dict[str, Any]:
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": inp + out,
    }


def text_stream(rid: str, mid: str, text: str, use: dict[str, Any]) -> str:
    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1].rstrip()
    item = {
        "id": mid,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "annotations": [], "text": text}],
    }
    events = [
        {"type": "response.created", "response": response(rid, "in_progress", [], None)},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {
            "type": "response.content_part.added",
            "item_id": mid,
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "output_text", "annotations": [], "text": ""},
        },
    ]
    events += [
        {"type": "response.output_text.delta", "item_id": mid, "output_index": 0, "content_index": 0, "delta": w}
        for w in words
    ]
    events += [
        {"type": "response.output_text.done", "item_id": mid, "output_index": 0, "content_index": 0, "text": text},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response(rid, "completed", [item], use)},
    ]
    return sse(events)


def call_stream(rid: str, fid: str, call_id: str, name: str, arguments: str, use: dict[str, Any]) -> str:
    item = {
        "id": fid,
        "type": "function_call",
        "status": "completed",
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }
    events = [
        {"type": "response.created", "response": response(rid, "in_progress", [], None)},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "arguments": ""},
        },
    ]
    for start in range(0, len(arguments), 4):
        events.append(
            {
                "type": "response.function_call_arguments.delta",
                "item_id": fid,
                "output_index": 0,
                "delta": arguments[start : start + 4],
            }
        )
    events += [
        {"type": "response.function_call_arguments.done", "item_id": fid, "output_index": 0, "arguments": arguments},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response(rid, "completed", [item], use)},
    ]
    return sse(events)


def interaction(when: str, body: str) -> dict[str, Any]:
    return {
        "transport": "http",
        "request": {"method": "POST", "url": "https://api.openai.com/v1/responses", "when": when},
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "body": body},
    }


def main() -> None:
    cassette = {
        "version": 1,
        "metadata": {
            "name": "turnout-demo",
            "notes": "Hand-written sample exchanges for `turnout demo`; "
            "`when` says which request each answers (plain, tools offered, tool output sent back).",
        },
        "interactions": [
            interaction(
                "plain",
                text_stream(
                    "resp_demo_plain",
                    "msg_demo_plain",
                    "A turnout is the railway switch that sets the points: each request runs down the native "
                    "track or the fallback track, and the events look the same either way.",
                    usage(42, 31, cached=16),
                ),
            ),
            interaction(
                "tools",
                call_stream(
                    "resp_demo_call",
                    "fc_demo_call",
                    "call_demo_paris",
                    "get_weather",
                    '{"city":"Paris"}',
                    usage(88, 17),
                ),
            ),
            interaction(
                "tool-output",
                text_stream("resp_demo_answer", "msg_demo_answer", "It is 21 °C and sunny in Paris.", usage(121, 12)),
            ),
        ],
    }
    OUT.write_text(json.dumps(cassette, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
