"""PrometheusSource against the real Debian `prometheus`, scraping a tiny loopback service that exposes
per-version request counters and a latency histogram in the Prometheus text format."""

from __future__ import annotations

import itertools
import math
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from golive.analysis.judge import Judge
from golive.analysis.model import Thresholds
from golive.analysis.sources import PrometheusSource, PromQueries
from golive.errors import MetricSourceError

BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Metrics:
    """Counters per (version, code) and latency observations per version, guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: dict[tuple[str, str], int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def observe(self, version: str, code: int, seconds: float) -> None:
        with self.lock:
            key = (version, str(code))
            self.requests[key] = self.requests.get(key, 0) + 1
            self.latencies.setdefault(version, []).append(seconds)

    def text(self) -> str:
        with self.lock:
            lines = ["# TYPE http_requests_total counter"]
            for (version, code), n in sorted(self.requests.items()):
                lines.append(f'http_requests_total{{version="{version}",code="{code}"}} {n}')
            lines.append("# TYPE http_request_duration_seconds histogram")
            for version, lat in sorted(self.latencies.items()):
                for le in BUCKETS_S:
                    n = sum(1 for x in lat if x <= le)
                    lines.append(f'http_request_duration_seconds_bucket{{version="{version}",le="{le}"}} {n}')
                lines.append(f'http_request_duration_seconds_bucket{{version="{version}",le="+Inf"}} {len(lat)}')
                lines.append(f'http_request_duration_seconds_sum{{version="{version}"}} {sum(lat)}')
                lines.append(f'http_request_duration_seconds_count{{version="{version}"}} {len(lat)}')
            return "\n".join(lines) + "\n"


def serve(metrics: Metrics) -> ThreadingHTTPServer:
    """/metrics for Prometheus; /work?version=v&code=200&ms=30 is one request of the demo service whose
    latency (given, so the test knows every bucket) and status are recorded."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/metrics":
                body = metrics.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
            elif url.path == "/work":
                q = parse_qs(url.query)
                code = int(q.get("code", ["200"])[0])
                metrics.observe(q["version"][0], code, float(q.get("ms", ["5"])[0]) / 1000)
                body = b"ok\n"
                self.send_response(code)
            else:
                body = b"not found\n"
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, cond: Callable[[], bool], deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if cond():
                return
        except (httpx.HTTPError, MetricSourceError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")


@dataclass
class Prom:
    url: str
    metrics: Metrics
    service_port: int
    log: Path


@pytest.fixture
def prom(tmp_path: Path) -> Iterator[Prom]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("the `prometheus` binary is missing: `apt-get install -y prometheus`"
                    " (it is listed in scripts/system-packages.txt)")
    metrics = Metrics()
    server = serve(metrics)
    service_port = server.server_address[1]
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: demo\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{service_port}']\n")
    log = tmp_path / "prometheus.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"prometheus ready on {url} (log: {log})",
                 lambda: proc.poll() is None and httpx.get(f"{url}/-/ready", timeout=2).status_code == 200)
        yield Prom(url, metrics, service_port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        server.shutdown()
        server.server_close()


def total(source: PrometheusSource, version: str) -> float:
    result = source.query(f'sum(http_requests_total{{version="{version}"}})', time.time())
    return result[0][1] if result else -1.0


def last_scrape(source: PrometheusSource) -> float:
    """Timestamp (Unix seconds) of the newest stored scrape of the demo target."""
    result = source.query('timestamp(up{job="demo"})', time.time())
    return result[0][1] if result else 0.0


def test_prometheus_source_reads_one_interval_exactly(prom: Prom) -> None:
    source = PrometheusSource(prom.url, PromQueries(
        p95='histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{version="$version"}'
            '[$window]))) * 1000'))
    work = f"http://127.0.0.1:{prom.service_port}/work"
    with httpx.Client(timeout=5) as client:
        # Traffic before the interval must not count.
        for _ in range(10):
            client.get(work, params={"version": "stable", "ms": "20"})
        wait_for("the first scrape of the stable counters", lambda: total(source, "stable") == 10)
        since = time.time()
        # A scrape stamped just before `since` may still be reading /metrics; wait until one stamped after
        # `since` is stored (scrapes of one target are sequential), so the value at `since` is exactly 10.
        wait_for("a scrape that started after the interval began", lambda: last_scrape(source) > since)
        for i in range(40):
            client.get(work, params={"version": "stable", "ms": "20" if i % 10 else "200"})
        for i in range(20):
            client.get(work, params={"version": "canary", "code": "500" if i < 3 else "200",
                                     "ms": "800" if i >= 18 else "30"})
    wait_for("Prometheus to scrape the interval's traffic",
             lambda: total(source, "stable") == 50 and total(source, "canary") == 20)
    until = time.time()

    stable = source.sample("stable", since, until)
    canary = source.sample("canary", since, until)
    assert (stable.requests, stable.errors) == (40, 0)
    assert (canary.requests, canary.errors) == (20, 3)
    assert canary.source == "prometheus" and canary.latencies_ms == []
    assert canary.latency_buckets is not None
    got = {round(k, 6) if not math.isinf(k) else k: v for k, v in canary.latency_buckets.items()}
    assert got == {10.0: 0, 25.0: 0, 50.0: 18, 100.0: 18, 250.0: 18, 500.0: 18, 1000.0: 20, 2500.0: 20,
                   math.inf: 20}
    assert stable.latency_buckets is not None
    assert stable.latency_buckets[25.0] == 36 and stable.latency_buckets[250.0] == 40
    # The quantile query ran (an instant query at `until` over the interval); Prometheus interpolates.
    assert canary.p95_ms is not None and 500.0 < canary.p95_ms <= 1000.0

    # An interval shorter than the range query's step, holding exactly one scrape that saw new requests:
    # the grid's only point is `since`, so the end point must come from the instant query at `until`.
    raw = httpx.get(f"{prom.url}/api/v1/query", params={
        "query": 'http_requests_total{version="stable",code="200"}[5m]', "time": f"{until:.3f}"}).json()
    scrapes = [(float(t), float(v)) for t, v in raw["data"]["result"][0]["values"]]
    (_, before), (t, after) = next((a, b) for a, b in itertools.pairwise(scrapes) if b[1] > a[1])
    assert after - before > 0
    short = source.sample("stable", t - 0.5, t + 0.3)
    assert short.requests == after - before

    # A version nobody has served is "no data", which the judge calls inconclusive, never a pass.
    nothing = source.sample("v9", since, until)
    assert (nothing.requests, nothing.errors, nothing.latency_buckets) == (0, 0, None)
    judge = Judge(Thresholds(max_error_rate=0.01, max_p95_ms=None, max_p99_ms=None, min_requests=10))
    assert judge.evaluate(nothing, None).outcome == "inconclusive"
    v = judge.evaluate(canary, stable)
    assert v.numbers["canary_errors"] == 3 and v.numbers["baseline_requests"] == 40


def test_prometheus_errors_are_clear(prom: Prom) -> None:
    with pytest.raises(MetricSourceError, match="Prometheus rejected query"):
        PrometheusSource(prom.url, PromQueries(requests="sum(")).sample("stable", time.time() - 30, time.time())
    with pytest.raises(MetricSourceError, match="unreachable"):
        PrometheusSource(f"http://127.0.0.1:{free_port()}", timeout=2).sample("x", time.time() - 30, time.time())
    with pytest.raises(MetricSourceError, match="empty interval"):
        PrometheusSource(prom.url).sample("stable", 10.0, 10.0)
