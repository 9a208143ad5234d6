"""RouterSource (two snapshots of a router's cumulative counters -> one Sample) and JsonSource (a real
loopback JSON endpoint)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from golive.analysis.judge import Judge
from golive.analysis.model import BackendCounters, Thresholds
from golive.analysis.sources import JsonPaths, JsonSource, RouterSource
from golive.errors import MetricSourceError
from localhttp import JsonHandler, serving


@dataclass
class Router:
    """A CounterReader as a router offers it: cumulative counters per backend."""

    backends: dict[str, BackendCounters] = field(default_factory=dict)

    def counters(self) -> dict[str, BackendCounters]:
        return self.backends

    def serve(self, name: str, n: int, errors: int, ms: float) -> None:
        old = self.backends.get(name, BackendCounters(0, 0, {b: 0 for b in (50.0, 100.0, 500.0, math.inf)}))
        buckets = {b: c + (n if ms <= b else 0) for b, c in old.latency_buckets.items()}
        self.backends[name] = BackendCounters(old.requests + n, old.errors + errors, buckets,
                                              old.latency_sum_ms + n * ms)


def test_router_source_turns_two_snapshots_into_a_sample() -> None:
    router = Router()
    router.serve("stable", 1000, 5, 40)  # before the canary: must not count
    source = RouterSource.of(router)
    router.serve("stable", 270, 1, 40)
    router.serve("canary", 30, 3, 300)
    s = source.sample("stable", 0, 30)
    c = source.sample("canary", 0, 30)
    assert (s.requests, s.errors, s.source) == (270, 1, "router")
    assert (c.requests, c.errors) == (30, 3)
    assert c.latency_buckets == {50.0: 0, 100.0: 0, 500.0: 30, math.inf: 30}
    assert c.p95_ms is not None and 100.0 < c.p95_ms <= 500.0
    # The next interval starts where the last one ended.
    router.serve("canary", 10, 0, 20)
    c2 = source.sample("canary", 30, 60)
    assert (c2.requests, c2.errors) == (10, 0)
    assert c2.latency_buckets == {50.0: 10, 100.0: 10, 500.0: 10, math.inf: 10}
    # A backend the router does not know yet is no data.
    assert source.sample("green", 0, 30).requests == 0


def test_router_source_counter_reset_and_broken_reader() -> None:
    router = Router()
    router.serve("canary", 500, 0, 20)
    source = RouterSource.of(router)
    router.backends.clear()  # router restarted: counters start again from zero
    router.serve("canary", 60, 2, 20)
    assert (source.sample("canary", 0, 1).requests, source.sample("canary", 0, 1).requests) == (60, 0)

    def broken() -> dict[str, BackendCounters]:
        raise OSError("admin socket gone")

    with pytest.raises(MetricSourceError, match="admin socket gone"):
        RouterSource(broken)


def test_router_source_feeds_the_judge() -> None:
    router = Router()
    source = RouterSource.of(router)
    judge = Judge(Thresholds(max_error_rate=0.01, max_p95_ms=None, max_p99_ms=None))
    router.serve("stable", 2700, 13, 40)
    router.serve("canary", 300, 30, 40)
    v = judge.evaluate(source.sample("canary", 0, 30), source.sample("stable", 0, 30))
    assert v.outcome == "fail", v.reason
    assert "canary errors 10%" in v.reason


# -- JSON endpoint -----------------------------------------------------------------------------------


@dataclass
class JsonEndpoint:
    url: str
    doc: dict[str, Any]
    status: int = 200


@pytest.fixture
def endpoint() -> Iterator[JsonEndpoint]:
    state = JsonEndpoint("", {})
    seen: list[str] = []

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = json.dumps(state.doc).encode() if state.status != 299 else b"<html>"
            self.send_response(200 if state.status == 299 else state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as port:
        state.url = f"http://127.0.0.1:{port}"
        yield state


def test_json_source_cumulative_counters(endpoint: JsonEndpoint) -> None:
    endpoint.doc = {"versions": {"v1.4": {"requests": 1000, "errors": 4, "latency": {"p95": 210.5}}}}
    source = JsonSource(endpoint.url + "/stats", JsonPaths(
        requests="$.versions['$version'].requests", errors="$.versions['$version'].errors",
        p95_ms="$.versions['$version'].latency.p95"))
    source.prime(["v1.4", "v1.5"])
    endpoint.doc = {"versions": {"v1.4": {"requests": 1300, "errors": 5, "latency": {"p95": 220.0}},
                                 "v1.5": {"requests": 40, "errors": 2, "latency": {"p95": 250.0}}}}
    old = source.sample("v1.4", time.time() - 30, time.time())
    new = source.sample("v1.5", time.time() - 30, time.time())
    assert (old.requests, old.errors, old.p95_ms, old.source) == (300, 1, 220.0, "json")
    assert (new.requests, new.errors, new.p95_ms) == (40, 2, 250.0)
    assert source.sample("v9", 0, 1).requests == 0  # not in the document: no data


def test_json_source_windowed_endpoint(endpoint: JsonEndpoint) -> None:
    endpoint.doc = {"n": 120, "e": 0, "lat": [10, 20.5, 30]}
    source = JsonSource(endpoint.url + "/window?v=$version&from=$since&to=$until", JsonPaths(
        requests="$.n", errors="$.e", latencies_ms="$.lat"), cumulative=False)
    s = source.sample("green", 100.0, 130.0)
    assert (s.requests, s.errors, s.latencies_ms) == (120, 0, [10.0, 20.5, 30.0])


def test_json_source_errors_are_clear(endpoint: JsonEndpoint) -> None:
    endpoint.doc = {"requests": "many", "errors": 0}
    source = JsonSource(endpoint.url, JsonPaths(requests="$.requests", errors="$.errors"), cumulative=False)
    with pytest.raises(MetricSourceError, match="not a number"):
        source.sample("x", 0, 1)
    bad_path = JsonSource(endpoint.url, JsonPaths(requests="requests", errors="$.errors"), cumulative=False)
    with pytest.raises(MetricSourceError, match="must start with"):
        bad_path.sample("x", 0, 1)
    endpoint.status = 503
    with pytest.raises(MetricSourceError, match="HTTP 503"):
        source.sample("x", 0, 1)
    endpoint.status = 299
    with pytest.raises(MetricSourceError, match="did not answer JSON"):
        source.sample("x", 0, 1)
