"""Running the gateway on uvicorn: one process, or ``--workers N`` processes sharing the port.

Stateless: each worker builds its own ``Runtime`` from the same configuration (passed to the
workers through ``$TURNOUT_CONFIG``). On SIGTERM/SIGINT uvicorn stops accepting connections and
gives in-flight streams ``drain_timeout`` seconds to finish before closing them.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["serve"]


def _configure_access_log() -> None:
    logger = logging.getLogger("turnout.serve.access")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def serve(*, host: str, port: int, workers: int, config: str | None, drain_timeout: float) -> None:
    """Serve until interrupted (blocks)."""
    import uvicorn

    if config is not None:
        os.environ["TURNOUT_CONFIG"] = os.path.abspath(config)  # the workers read it
    _configure_access_log()
    uvicorn.run(
        "turnout_serve.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the gateway writes its own, structured, line
        timeout_graceful_shutdown=int(drain_timeout) if drain_timeout else None,
        log_level="info",
    )
