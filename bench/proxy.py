"""Throughput and added latency of golive's built-in proxy vs HAProxy vs going direct, measured with wrk on
loopback.

The backend is a real nginx answering `200 ok` from memory (one worker), so what is measured is the
proxy, not a slow backend. Three targets get the same wrk run (keep-alive connections): the backend
directly, HAProxy in front of it (runtime-API config as golive's tests use it), and the built-in proxy
(`python -m golive.traffic.proxy`) in front of it. Rounds are interleaved (direct, HAProxy, built-in,
direct, ...) so a busy neighbour on a shared machine hits all three alike; the median round is reported.
Added latency is the target's median latency minus the direct median.

    .venv/bin/python bench/proxy.py [--duration 8] [--connections 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from golive.traffic.local import LocalHAProxy, LocalProxy, _Process, _spawn, free_port, require_binary, wait_port

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class StaticNginx(_Process):
    """nginx answering every request with `200 ok` (the fastest backend at hand)."""

    def __init__(self, directory: Path) -> None:
        binary = require_binary("nginx")
        self.port = free_port()
        prefix = directory / "backend-nginx"
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        tmp = prefix / "tmp"
        tmp.mkdir(exist_ok=True)
        self.log = prefix / "logs" / "stderr.log"
        conf = prefix / "nginx.conf"
        conf.write_text(f"""worker_processes 1;
pid {prefix / 'logs' / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
        self.proc = _spawn([binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], self.log)
        wait_port(self.port, self.proc, what="backend nginx")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        raise ValueError(f"cannot read wrk latency '{text}'")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, duration: float, connections: int) -> WrkResult:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", url],
                         capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    dist = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return WrkResult(rps, _ms(dist["50"]), _ms(dist["99"]), errors)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench/proxy needs wrk: apt-get install -y wrk")
        return 2
    results: dict[str, list[WrkResult]] = {"direct": [], "haproxy": [], "builtin": []}
    with tempfile.TemporaryDirectory(prefix="golive-bench-proxy-") as tmp:
        d = Path(tmp)
        with StaticNginx(d) as backend, \
                LocalHAProxy(d, {"app": backend.address}, {"app": 100}) as ha, \
                LocalProxy(d, {"app": [backend.address]}, {"app": 100}) as builtin:
            urls = {"direct": f"http://{backend.address}/", "haproxy": ha.url, "builtin": builtin.url}
            for url in urls.values():  # warm-up: connections, caches, the proxy's upstream pool
                wrk(url, 1, args.connections)
            for rnd in range(1, args.rounds + 1):
                for name, url in urls.items():
                    r = wrk(url, args.duration, args.connections)
                    results[name].append(r)
                    print(f"round {rnd} {name:<8} {r.rps:>10,.0f} req/s  p50 {r.p50_ms:7.3f} ms"
                          f"  p99 {r.p99_ms:7.3f} ms  errors {r.errors}", flush=True)
    med = {name: WrkResult(statistics.median(r.rps for r in rs), statistics.median(r.p50_ms for r in rs),
                           statistics.median(r.p99_ms for r in rs), sum(r.errors for r in rs))
           for name, rs in results.items()}
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration:g}s on loopback, median of {args.rounds} interleaved"
          " rounds; backend: nginx `return 200`")
    print(f"{'target':<9} {'req/s':>10} {'vs direct':>10} {'p50 ms':>8} {'added p50':>10} {'p99 ms':>8}"
          f" {'added p99':>10} {'errors':>7}")
    base = med["direct"]
    for name, r in med.items():
        print(f"{name:<9} {r.rps:>10,.0f} {r.rps / base.rps:>9.2f}x {r.p50_ms:>8.3f} {r.p50_ms - base.p50_ms:>+9.3f}"
              f" {r.p99_ms:>8.3f} {r.p99_ms - base.p99_ms:>+9.3f} {r.errors:>7}")
    b, h = med["builtin"], med["haproxy"]
    print(f"built-in / HAProxy: throughput {b.rps / h.rps:.2f}x, added p50 latency"
          f" {(b.p50_ms - base.p50_ms) / max(h.p50_ms - base.p50_ms, 1e-9):.1f}x HAProxy's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
