"""A loopback HTTP server for tests: answers each POST with the next canned body."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    """What the server was asked, and where it listens."""

    url: str
    bodies: list[bytes]
    requests: list[dict[str, object]] = field(default_factory=list)


@contextmanager
def serve_sse(bodies: list[bytes]) -> Iterator[Served]:
    """Serve ``bodies`` (SSE, one per POST, the last repeated) on 127.0.0.1; stops on exit."""
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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
