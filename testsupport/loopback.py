"""Loopback HTTP servers for tests: 127.0.0.1, an ephemeral port, a thread, shut down on exit."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


@dataclass
class KeepAliveServer:
    """An HTTP/1.1 keep-alive server's record: connections accepted, requests, closes seen."""

    url: str = ""
    connections: int = 0
    """TCP connections accepted."""
    requests: int = 0
    """Requests answered (or begun), over all connections."""
    closed_mid_stream: threading.Event = field(default_factory=threading.Event)
    """Set when the client closed a connection while its answer was still going out or held."""


@contextmanager
def serve_keepalive_sse(frames: list[bytes], *, hold_after: int | None = None) -> Iterator[KeepAliveServer]:
    """Answer every POST on a keep-alive connection with ``frames``, one chunk per frame.

    With ``hold_after``, each answer stops after that many frames and waits (at most 10 s) for
    the client to close the connection, which sets ``closed_mid_stream``.
    """
    record = KeepAliveServer()
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    chunks = [b"%x\r\n%s\r\n" % (len(frame), frame) for frame in frames]
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        while True:
            request_line = reader.readline()
            if not request_line:
                return  # the client closed an idle connection
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            reader.read(length)
            record.requests += 1
            try:
                conn.sendall(head)
                for index, chunk in enumerate(chunks):
                    if index == hold_after:
                        if not conn.recv(1):
                            record.closed_mid_stream.set()
                        return
                    conn.sendall(chunk)
                conn.sendall(b"0\r\n\r\n")
            except TimeoutError:
                return
            except OSError:  # the client closed (or reset) the connection while the answer was going out
                record.closed_mid_stream.set()
                return

    def handle(conn: socket.socket) -> None:
        conn.settimeout(10)
        with conn, suppress(OSError):
            answer(conn)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            record.connections += 1
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        record.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        yield record
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
