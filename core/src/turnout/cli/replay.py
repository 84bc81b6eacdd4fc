"""``turnout replay CASSETTE``: run a recorded exchange through the full stack, offline.

A cassette written by ``turnout run --record PATH`` carries the request it answered and the
provider's package and base URL (metadata ``turnout``), so replaying it needs nothing but the
file — not the configuration of the current directory: the request goes through selection,
lowering, headers, the HTTP executor (answered from the cassette), the parser, the guard and
the tools, exactly as when it was recorded. ``--config`` replays under a configuration instead.
"""

from __future__ import annotations

import argparse
from typing import Any

from turnout.cli.render import EventPrinter, stream_and_print
from turnout.config import Config, ResolvedModel, load_config
from turnout.errors import ConfigError
from turnout.request import LLMRequest
from turnout.runtime import Runtime

__all__ = ["recording_metadata", "register"]

PLACEHOLDER_KEY = "replayed-without-a-key"
"""The API key used when replaying without one configured: cassettes never store keys."""

RECORD_HINT = "record it again with `turnout run --record PATH -m MODEL PROMPT`"
"""What to do when a cassette does not match (``turnout replay`` is not a pytest run)."""


def register(cli: Any) -> None:
    """Add ``replay``."""
    parser = cli.add_command(
        "replay", help="run a recorded exchange (turnout run --record) through the full stack", handler=_replay
    )
    parser.add_argument("cassette", help="the cassette file (JSON)")
    parser.add_argument("--json", action="store_true", help="one JSON event per line; the last is finish")


def recording_metadata(request: LLMRequest, model: ResolvedModel, *, native: bool, max_steps: int) -> dict[str, Any]:
    """What ``run --record`` stores so that ``replay`` can send the same request again: the
    request, and the provider's package and base URL (never its key or headers)."""
    return {
        "turnout": {
            "request": request.model_dump(mode="json", exclude={"tools"}, exclude_none=True),
            "provider": {"npm": model.package, "api": model.base_url},
            "native": native,
            "max_steps": max_steps,
        }
    }


def _replay(args: argparse.Namespace) -> int:
    from turnout.testing.cassette import CassetteTransport, load_cassette

    cassette = load_cassette(args.cassette, record_hint=RECORD_HINT)
    recorded = cassette.metadata.get("turnout")
    if not isinstance(recorded, dict) or "request" not in recorded:
        raise ConfigError(
            "the cassette does not say which request it answers (no metadata.turnout.request); "
            "record one with `turnout run --record PATH ...`",
            source=args.cassette,
        )
    request = LLMRequest.model_validate(recorded["request"])
    if args.config:
        config = load_config(args.config)
    else:
        stored = {k: v for k, v in (recorded.get("provider") or {}).items() if isinstance(v, str)}
        config = Config.from_data({"provider": {request.provider_id: stored}}, source=f"{args.cassette} (metadata)")
    if config.resolve(request.model).api_key is None:
        provider = config.provider[request.provider_id]
        provider.options = {**provider.options, "apiKey": PLACEHOLDER_KEY}
    transport = CassetteTransport(cassette, "replay", record_hint=RECORD_HINT)
    runtime = Runtime(native=bool(recorded.get("native")), config=config, transport=transport)
    args.printer = printer = EventPrinter(as_json=args.json)
    outcome = stream_and_print(runtime, request, max_steps=int(recorded.get("max_steps", 1)), printer=printer)
    transport.verify()
    return outcome.exit_code
