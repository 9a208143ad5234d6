"""Tiny loopback HTTP servers for tests that need a real peer answering over a real socket, and the real built-in
proxy (`golive proxy serve`) in front of two real backends."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from golive.traffic.local import LocalBackend, free_ports, wait_port


class JsonHandler(BaseHTTPRequestHandler):
    """A handler that answers with JSON and keeps the test output clean."""

    def reply_json(self, body: Any, headers: dict[str, str] | None = None, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve on a free loopback port in a thread; yields the port and stops the server afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def golive_proxy(workdir: Path) -> Iterator[tuple[str, str, LocalBackend, LocalBackend]]:
    """The built-in proxy started through the real `golive proxy serve`, with two real HTTP backends, blue and
    green, behind it: yields the proxy's URL, its admin address and the two backends; stops them afterwards."""
    with LocalBackend(workdir, "blue") as blue, LocalBackend(workdir, "green") as green:
        port, admin_port = free_ports(2)  # distinct (one at a time, the same free port can come back)
        admin = f"127.0.0.1:{admin_port}"
        proc = subprocess.Popen([sys.executable, "-m", "golive", "proxy", "serve", "--listen", f"127.0.0.1:{port}",
                                 "--admin", admin, "--pool", f"blue={blue.address}", "--pool",
                                 f"green={green.address}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_port(port, proc, what="golive proxy serve")
            wait_port(admin_port, proc, what="golive proxy admin")
            yield f"http://127.0.0.1:{port}/", admin, blue, green
        finally:
            proc.terminate()
            proc.wait(10)


def proxy_weights(admin: str) -> dict[str, int]:
    """The built-in proxy's weights now, as its admin API reports them."""
    from golive.traffic.proxy.router import BuiltinRouter

    router = BuiltinRouter(admin)
    try:
        return router.weights()
    finally:
        router.close()
