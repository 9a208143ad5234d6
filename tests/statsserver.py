"""A /stats/<version> endpoint with cumulative counters per version, as services expose them, for canary tests that
watch a run in a browser: every read adds 1000 requests to that version. The canary (green) turns bad from its 4th
read on: 8% errors, and the p95 the test gives for a bad read."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Stats:
    def __init__(self, p95: Callable[[str, bool], float]) -> None:
        self.p95 = p95
        self.reads: dict[str, int] = {}
        self.totals: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        stats = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(stats.read(self.path.rsplit("/", 1)[-1])).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stats/$version"

    def read(self, version: str) -> dict[str, float]:
        with self.lock:
            n = self.reads[version] = self.reads.get(version, 0) + 1
            bad = version == "green" and n >= 4
            totals = self.totals.setdefault(version, [0.0, 0.0])
            totals[0] += 1000
            totals[1] += 80 if bad else 2
            return {"requests": totals[0], "errors": totals[1], "p95_ms": self.p95(version, bad)}
