"""Event construction cost: turnout's delta events vs a pydantic-model baseline vs a bare dataclass.

Events are built once per token, so building one must stay cheap (target: ≤ 1 µs per delta
event). Three ways to build the same three delta events (``TextDelta``, ``ReasoningDelta``,
``ToolInputDelta``, keyword arguments, the same fields), interleaved round by round in one
process so the machine's drift cancels out:

(a) pydantic: ``pydantic.BaseModel`` subclasses defined here (how events were built before);
(b) turnout: ``turnout.TextDelta`` … as shipped;
(c) dataclass: bare ``@dataclass(slots=True)`` classes defined here (the floor).

Also times ``event.model_dump(mode="json", exclude_none=True)`` (what the CLI and snapshots do
per event) for (a) and (b). Prints the median µs per event over the rounds, CPU time
(``time.process_time``) and wall time, and the ratios against (a) and (c).

    python bench/bench_events.py [--rounds 7] [--events 30000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import turnout
from pydantic import BaseModel

Metadata = dict[str, dict[str, Any]]


class PydanticTextDelta(BaseModel):
    type: Literal["text-delta"] = "text-delta"
    id: str
    text: str
    provider_metadata: Metadata | None = None


class PydanticReasoningDelta(BaseModel):
    type: Literal["reasoning-delta"] = "reasoning-delta"
    id: str
    text: str
    provider_metadata: Metadata | None = None


class PydanticToolInputDelta(BaseModel):
    type: Literal["tool-input-delta"] = "tool-input-delta"
    id: str
    name: str
    text: str
    provider_metadata: Metadata | None = None


@dataclass(slots=True, kw_only=True)
class BareTextDelta:
    type: Literal["text-delta"] = "text-delta"
    id: str
    text: str
    provider_metadata: Metadata | None = None


@dataclass(slots=True, kw_only=True)
class BareReasoningDelta:
    type: Literal["reasoning-delta"] = "reasoning-delta"
    id: str
    text: str
    provider_metadata: Metadata | None = None


@dataclass(slots=True, kw_only=True)
class BareToolInputDelta:
    type: Literal["tool-input-delta"] = "tool-input-delta"
    id: str
    name: str
    text: str
    provider_metadata: Metadata | None = None


def builder(text: Any, reasoning: Any, tool_input: Any) -> Callable[[int], list[Any]]:
    """A function building ``n`` delta events with the given classes, a third of each kind."""

    def build(n: int) -> list[Any]:
        out = []
        for _ in range(n // 3):
            out.append(text(id="msg_1", text="Hello"))
            out.append(reasoning(id="rs_1", text="think"))
            out.append(tool_input(id="call_1", name="get_weather", text='{"city'))
        return out

    return build


def timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per event for one call of ``fn`` producing ``n`` events."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6


def main() -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=30_000)
    args = parser.parse_args()
    n = args.events - args.events % 3

    builds = {
        "pydantic": builder(PydanticTextDelta, PydanticReasoningDelta, PydanticToolInputDelta),
        "turnout": builder(turnout.TextDelta, turnout.ReasoningDelta, turnout.ToolInputDelta),
        "dataclass": builder(BareTextDelta, BareReasoningDelta, BareToolInputDelta),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in [*builds, "dump pydantic", "dump turnout"]}
    events = {name: build(n) for name, build in builds.items()}  # warm up, and something to dump

    def dump(items: list[Any]) -> Callable[[], Any]:
        return lambda: [e.model_dump(mode="json", exclude_none=True) for e in items]

    for _ in range(args.rounds):
        for name, build in builds.items():
            samples[name].append(timed(partial(build, n), n))
        for name in ("pydantic", "turnout"):
            samples[f"dump {name}"].append(timed(dump(events[name]), n))

    def med(name: str, which: int) -> float:
        return statistics.median(s[which] for s in samples[name])

    print(f"{n} delta events per round, {args.rounds} rounds, median µs per event (CPU / wall)")
    for name in samples:
        print(f"  {name:<14} {med(name, 1):6.2f} CPU  {med(name, 0):6.2f} wall")
    for which, label in ((1, "CPU"), (0, "wall")):
        ours = med("turnout", which)
        print(
            f"build ({label}): turnout / pydantic = {ours / med('pydantic', which):.2f}; "
            f"turnout / bare dataclass = {ours / med('dataclass', which):.2f}; "
            f"dump turnout / dump pydantic = {med('dump turnout', which) / med('dump pydantic', which):.2f}"
        )


if __name__ == "__main__":
    main()
