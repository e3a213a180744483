"""A small HTTP server on loopback serving fixed answers by path, and recording each request:
the stand-in for issuer registries, CASE providers and LTI platforms' key sets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StubServer:
    origin: str = ""
    # path (with query) -> (status, content type, body)
    answers: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def json(self, path: str, data: Any, status: int = 200) -> str:
        self.answers[path] = (status, "application/json", json.dumps(data).encode())
        return self.origin + path

    def text(self, path: str, body: str, content_type: str, status: int = 200) -> str:
        self.answers[path] = (status, content_type, body.encode())
        return self.origin + path

    def count(self, path: str) -> int:
        return self.hits.count(path)


class QuietHandler(BaseHTTPRequestHandler):
    """A stub's request handler: tests read what the stub recorded, not its access log."""

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free loopback port for the block; yields the origin."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _handler(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            stub.hits.append(self.path)
            status, content_type, body = stub.answers.get(
                self.path, (404, "application/json", b'{"error": "not_found"}')
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def running_stub() -> Iterator[StubServer]:
    stub = StubServer()
    with serving(_handler(stub)) as origin:
        stub.origin = origin
        yield stub
