"""Running the gateway on uvicorn: one process, or ``--workers N`` processes sharing the port.

Stateless: each worker builds its own ``Runtime`` from the same configuration (passed to the
workers through ``$TURNOUT_CONFIG``). On SIGTERM/SIGINT uvicorn stops accepting connections and
gives in-flight streams ``drain_timeout`` seconds to finish before closing them.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

__all__ = ["serve", "server_options"]


def server_options(drain_timeout: float) -> dict[str, Any]:
    """The uvicorn options the gateway always runs with (for ``uvicorn.run`` or ``uvicorn.Config``)."""
    return {
        "access_log": False,  # the gateway writes its own structured line per request
        "log_level": "info",
        "timeout_graceful_shutdown": drain_timeout,  # in-flight requests get this long on shutdown
    }


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
        **server_options(drain_timeout),
    )
