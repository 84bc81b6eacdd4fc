"""Running the gateway on uvicorn: one process, or ``--workers N`` processes sharing the port.

Imported only when ``turnout serve`` runs (never at plugin discovery). Stateless: each worker
builds its own ``Runtime`` from the same configuration (passed to the workers through
``$TURNOUT_CONFIG``). On SIGTERM/SIGINT uvicorn stops accepting connections and
gives in-flight streams ``drain_timeout`` seconds to finish before closing them.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

__all__ = ["serve", "server_options"]


def server_options(drain_timeout: float) -> dict[str, Any]:
    """The uvicorn options the gateway always runs with (for ``uvicorn.run`` or ``uvicorn.Config``)."""
    return {
        "access_log": False,  # the gateway writes its own structured line per request
        "log_level": "info",
        "timeout_graceful_shutdown": drain_timeout,  # in-flight requests get this long on shutdown
    }


class _Config(uvicorn.Config):
    """uvicorn's configuration, with a listening socket that keeps responses prompt."""

    def bind_socket(self) -> socket.socket:
        """The shared socket of ``--workers``. uvicorn creates it without naming the protocol, so
        asyncio would leave Nagle's algorithm on for every connection (+40 ms per response)."""
        sock = super().bind_socket()
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def serve(*, host: str, port: int, workers: int, config: str | None, drain_timeout: float) -> None:
    """Serve until interrupted (blocks)."""
    if config is not None:
        os.environ["TURNOUT_CONFIG"] = os.path.abspath(config)  # the workers read it
    server_config = _Config(
        "turnout_serve.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **server_options(drain_timeout),
    )
    if workers > 1:
        Multiprocess(server_config, sockets=[server_config.bind_socket()]).run()
    else:
        uvicorn.Server(server_config).run()
