"""The app each fleet host runs: answers its version, and /health 200 (500 for a version containing
"broken", so a test can ship a release that fails its health check; a version containing "errors" answers
/ with 500 while /health stays 200); `/slow?s=N` answers after N seconds (a
long request to drain). Standalone (no golive import) so a restart costs only an interpreter start.
Usage: fleetapp.py DIR ADDRESS PORT NAME (DIR holds `version`)."""

from __future__ import annotations

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST_DIR = Path(sys.argv[1])
VERSION = (HOST_DIR / "version").read_text().strip()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 500 if self.path == "/health" and "broken" in VERSION else 200
        if self.path == "/" and "errors" in VERSION:
            status = 500  # healthy on its own, failing its users: what a bake's analysis is for
        if self.path.startswith("/slow?s="):
            time.sleep(min(float(self.path.split("=", 1)[1]), 60.0))
        body = f"{VERSION}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Version", VERSION)
        self.send_header("X-Backend", f"{sys.argv[4]}@{VERSION}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    server = Server((sys.argv[2], int(sys.argv[3])), Handler)
    (HOST_DIR / "app.pid").write_text(str(os.getpid()))
    server.serve_forever()


if __name__ == "__main__":
    main()
