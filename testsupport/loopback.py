"""Loopback HTTP servers for tests: 127.0.0.1, an ephemeral port, a thread, shut down on exit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 in a thread; yields the origin (``http://127.0.0.1:<port>``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Served:
    """What the server was asked, and where it listens."""

    url: str
    bodies: list[bytes]
    requests: list[dict[str, object]] = field(default_factory=list)


@contextmanager
def serve_sse(bodies: list[bytes]) -> Iterator[Served]:
    """Answer each POST with the next of ``bodies`` (SSE; the last one repeats)."""
    served = Served(url="", bodies=bodies)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            served.requests.append({"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)})
            body = served.bodies[min(len(served.requests), len(served.bodies)) - 1]
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Handler) as origin:
        served.url = origin
        yield served
