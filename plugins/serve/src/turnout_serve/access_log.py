"""The access log: one structured line per request, never a secret.

Logger ``turnout.serve.access``; the message is one JSON object with ``method``, ``path``,
``status``, ``key_id`` (the configured id, never the key), ``model``, ``runtime``, ``stream``,
``input_tokens``, ``output_tokens``, ``latency_ms`` and ``outcome`` (``ok``, ``error``,
``client_disconnected``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field

from turnout.plugin_api import Usage

__all__ = ["AccessRecord", "log_to_stderr", "logger"]

logger = logging.getLogger("turnout.serve.access")


@dataclass(slots=True)
class AccessRecord:
    """What one request did; ``emit()`` writes it once."""

    method: str
    path: str
    status: int = 200
    key_id: str | None = None
    model: str | None = None
    runtime: str | None = None
    stream: bool | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    outcome: str = "ok"
    started: float = field(default_factory=time.perf_counter, repr=False)

    def usage(self, usage: Usage | None) -> None:
        """Record the token counts."""
        if usage is not None:
            self.input_tokens = usage.input_tokens
            self.output_tokens = usage.output_tokens

    def emit(self) -> None:
        """Write the line (latency measured now)."""
        self.latency_ms = round((time.perf_counter() - self.started) * 1000, 2)
        fields = asdict(self)
        del fields["started"]
        logger.info(json.dumps(fields, separators=(",", ":")))


def log_to_stderr() -> None:
    """Write the access lines to stderr, as they are (what ``turnout serve`` does in each worker)."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
