"""The front users reach (stdlib only, so it starts at once): each request goes to the port named in the
active-port file, which `loansctl.py switch` replaces atomically. That file is the blue/green switch.

    python front.py --port 18080 --state DIR
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class FrontHandler(BaseHTTPRequestHandler):
    """The public entry point: each request goes to the port named in the active-port file (the switch)."""

    active_file: Path

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        try:
            port = int(self.active_file.read_text().strip())
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(self.command, self.path, body=body,
                         headers={"Content-Type": self.headers.get("Content-Type") or "application/json"})
            resp = conn.getresponse()
            status, raw = resp.status, resp.read()
            conn.close()
        except (OSError, ValueError) as exc:
            status, raw = 502, json.dumps({"error": f"backend unavailable: {exc}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _handle


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--state", type=Path, required=True)
    args = ap.parse_args()
    FrontHandler.active_file = args.state / "active_port"
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", args.port), FrontHandler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
