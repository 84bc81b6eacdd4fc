"""``turnout demo``: an offline tour — selection with reasons, a streamed answer, a tool round
trip and usage, through every installed runtime, answered from hand-written sample exchanges."""

from __future__ import annotations

import argparse
import asyncio
import json
from importlib import resources
from typing import Any

import httpx2

from turnout.cli.inspect import selection_as_dict
from turnout.cli.render import EventPrinter, print_json
from turnout.events import LLMEvent
from turnout.request import LLMRequest, user
from turnout.runtime import Runtime

__all__ = ["register"]

MODEL = "openai/gpt-4.1-mini"
CONFIG = {"provider": {"openai": {"options": {"apiKey": "demo-key-not-secret"}}}}


def register(cli: Any) -> None:
    """Add ``demo``."""
    parser = cli.add_command("demo", help="offline tour: selection, streaming, a tool round trip, usage", handler=_demo)
    parser.add_argument("--json", action="store_true", help="print each section as JSON")


def get_weather(city: str) -> dict[str, Any]:
    """Get the current weather for a city.

    Args:
        city: The city name.
    """
    return {"city": city, "temperature_c": 21, "sky": "sunny"}


def _exchanges() -> dict[str, bytes]:
    data = json.loads(resources.files("turnout.cli").joinpath("demo_data/exchanges.json").read_text("utf-8"))
    return {i["request"]["when"]: i["response"]["body"].encode() for i in data["interactions"]}


def _transport(requests_seen: list[dict[str, Any]]) -> httpx2.MockTransport:
    bodies = _exchanges()

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        items = body.get("input") or []
        if any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
            when = "tool-output"
        elif body.get("tools"):
            when = "tools"
        else:
            when = "plain"
        requests_seen.append({"url": str(request.url), "answered_with": when})
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=bodies[when])

    return httpx2.MockTransport(answer)


async def _section(
    runtime: Runtime, request: LLMRequest, max_steps: int, printer: EventPrinter | None
) -> list[LLMEvent]:
    events = []
    async for event in runtime.stream(request, max_steps=max_steps):
        events.append(event)
        if printer is not None:
            printer(event)
    return events


def _demo(args: argparse.Namespace) -> int:
    seen: list[dict[str, Any]] = []
    runtimes = {native: Runtime(native=native, config=CONFIG, transport=_transport(seen)) for native in (True, False)}
    plain = LLMRequest(model=MODEL, system=["You are concise."], messages=[user("What does a railway turnout do?")])
    weather = LLMRequest(model=MODEL, messages=[user("What is the weather in Paris?")], tools=[get_weather])
    sections: list[dict[str, Any]] = []
    say = (lambda *a: None) if args.json else print

    say("turnout demo — offline: every HTTP request is answered from hand-written sample exchanges\n")
    say(f"1. Selection for {MODEL}")
    for native, runtime in runtimes.items():
        selection = runtime.select(plain)
        sections.append({"section": "selection", "native_flag": native, **selection_as_dict(selection, native)})
        say(f"   native flag {'on ' if native else 'off'} → {selection.runtime or 'nothing'}")
        for verdict in selection.verdicts:
            say(
                f"      {'✓' if verdict.supported else '✗'} {verdict.runtime:<15} ({verdict.plugin}) "
                f"{verdict.reason or ''}".rstrip()
            )
    chosen = {native: rt.select(plain).runtime for native, rt in runtimes.items()}

    async def tour() -> None:
        for number, (title, request, steps) in enumerate(
            [("A streamed answer", plain, 1), ("A tool round trip (max_steps=2)", weather, 2)], start=2
        ):
            for native, runtime in runtimes.items():
                if chosen[native] is None:
                    continue
                say(f"\n{number}. {title} through {chosen[native]}")
                printer = None if args.json else EventPrinter(as_json=False)
                before = len(seen)
                events = await _section(runtime, request, steps, printer)
                sections.append(
                    {
                        "section": title,
                        "runtime": chosen[native],
                        "requests": seen[before:],
                        "events": [e.model_dump(mode="json", exclude_none=True) for e in events],
                    }
                )
                say(f"   ({len(events)} events; {len(seen) - before} request(s) to {seen[before]['url']})")
        for runtime in runtimes.values():
            await runtime.aclose()

    asyncio.run(tour())
    if args.json:
        print_json(sections)
    else:
        print("\nTry: turnout explain -m openai/gpt-4.1-mini --native   ·   turnout plugins   ·   turnout models")
    return 0
