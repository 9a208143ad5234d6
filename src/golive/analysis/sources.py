"""Metric sources: where one interval's numbers for one version come from.

- PrometheusSource: PromQL over the HTTP API. Counters (requests, errors, latency `_bucket` series) are
  read as cumulative counters with a range query over [since, until] and differenced by golive, so the
  counts are exact (PromQL `increase()` extrapolates to the window edges and returns fractions);
  quantile queries are instant queries at `until`.
- RouterSource: the router's own cumulative per-backend counters, two snapshots make a Sample.
- JsonSource: any JSON endpoint, numbers picked with a JSONPath; cumulative counters are differenced
  between calls like the router's.

In every query, URL and path, `$version` is replaced by the version (backend) name and `$window` by the
interval length in seconds ("30s"); JSON URLs also get `$since` / `$until` (Unix seconds).
Empty answers are "no data" (a Sample with 0 requests, which the judge calls inconclusive), never an
invented zero error rate on real traffic.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from golive.analysis import stats
from golive.analysis.model import BackendCounters, CounterReader, Sample
from golive.errors import MetricSourceError


class MetricSource(Protocol):
    """Anything that can say what one version did between two instants (Unix seconds)."""

    def prime(self, versions: Sequence[str]) -> None:
        """Take a first reading before traffic moves, so the first interval has a start (a source that asks for
        intervals directly, like Prometheus, has nothing to do)."""

    def sample(self, version: str, since: float, until: float) -> Sample: ...


def _substitute(text: str, values: Mapping[str, str]) -> str:
    return re.sub(r"\$(version|window|since|until)\b", lambda m: values.get(m.group(1), m.group(0)), text)


def _promql_string(value: str) -> str:
    """Escape a value for use inside a double-quoted PromQL string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _window(since: float, until: float) -> str:
    return f"{max(1, round(until - since))}s"


def _counter_delta(points: list[tuple[float, float]], window_start: float, step: float) -> float:
    """Increase of a cumulative counter over the points of a range query, without extrapolation.

    A series whose first point comes later than the window start was born inside the window (a new
    version, a first error code), so it counts from zero. A drop is a counter reset (process restart):
    the value after the drop is all new.
    """
    if not points:
        return 0.0
    first_t, first_v = points[0]
    total = first_v if first_t > window_start + step / 2 else 0.0
    prev = first_v
    for _, v in points[1:]:
        total += v - prev if v >= prev else v
        prev = v
    return total


def _histogram_quantiles(sample: Sample) -> Sample:
    """Fill p95/p99 from the interval's histogram when the source gave none."""
    if sample.latency_buckets and sample.requests > 0:
        bounds = sorted(sample.latency_buckets)
        counts = stats.cumulative_to_bins(sample.latency_buckets, bounds)
        if sample.p95_ms is None:
            sample.p95_ms = stats.quantile_from_bins(bounds, counts, 0.95)
        if sample.p99_ms is None:
            sample.p99_ms = stats.quantile_from_bins(bounds, counts, 0.99)
    return sample


# -- Prometheus ------------------------------------------------------------------------------------


@dataclass
class PromQueries:
    """PromQL per measurement. Counter queries must return cumulative counters (one series, or
    `sum by (le)` for buckets); quantile queries a number in milliseconds (or None to skip)."""

    requests: str = 'sum(http_requests_total{version="$version"})'
    errors: str = 'sum(http_requests_total{version="$version",code=~"5.."})'
    latency_buckets: str | None = 'sum by (le) (http_request_duration_seconds_bucket{version="$version"})'
    p95: str | None = None
    p99: str | None = None
    #: Bucket `le` values are multiplied by this to get milliseconds (Prometheus convention: seconds).
    bucket_unit_ms: float = 1000.0


class PrometheusSource:
    """Reads a version's interval from the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`)."""

    def __init__(self, url: str, queries: PromQueries | None = None, *, timeout: float = 10.0,
                 max_points: int = 120, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.queries = queries or PromQueries()
        self.timeout = timeout
        self.max_points = max_points
        self._client = client

    def _get(self, path: str, params: dict[str, str]) -> Any:
        try:
            if self._client is not None:
                resp = self._client.get(self.url + path, params=params, timeout=self.timeout)
            else:
                with httpx.Client(timeout=self.timeout) as client:
                    resp = client.get(self.url + path, params=params)
        except httpx.HTTPError as exc:
            raise MetricSourceError(f"Prometheus at {self.url} unreachable: {exc}") from exc
        try:
            body = resp.json()
        except ValueError:
            raise MetricSourceError(f"Prometheus at {self.url} answered HTTP {resp.status_code} without JSON") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            err = body.get("error", "no error text") if isinstance(body, dict) else "not an object"
            raise MetricSourceError(f"Prometheus rejected query {params.get('query', '')!r}: {err}")
        return body.get("data", {})

    def query(self, promql: str, at: float) -> list[tuple[dict[str, str], float]]:
        """Instant query: (labels, value) per series; NaN values (e.g. a quantile of nothing) dropped."""
        data = self._get("/api/v1/query", {"query": promql, "time": f"{at:.3f}"})
        out: list[tuple[dict[str, str], float]] = []
        if data.get("resultType") == "scalar":
            value = float(data["result"][1])
            return [] if math.isnan(value) else [({}, value)]
        for series in data.get("result", []):
            value = float(series["value"][1])
            if not math.isnan(value):
                out.append((dict(series.get("metric", {})), value))
        return out

    def query_range(self, promql: str, since: float, until: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Range query: (labels, [(t, value)]) per series."""
        data = self._get("/api/v1/query_range", {"query": promql, "start": f"{since:.3f}", "end": f"{until:.3f}",
                                                 "step": f"{step:.3f}"})
        return [(dict(s.get("metric", {})), [(float(t), float(v)) for t, v in s.get("values", [])])
                for s in data.get("result", [])]

    def _counter(self, promql: str, since: float, until: float, step: float) -> dict[str, float] | None:
        """Delta per series keyed by its `le` label ("" when absent); None when no series at all.

        A range query evaluates at since, since + step, ... and stops at the last step not after `until`,
        so the end of the interval is usually not one of its points: everything scraped after the last
        step would be missed (for an interval shorter than one step, everything). An instant query at
        `until` supplies the end point whenever the grid does not land on it.
        """
        series: dict[str, list[tuple[float, float]]] = {
            labels.get("le", ""): points for labels, points in self.query_range(promql, since, until, step)}
        if not series or any(not pts or pts[-1][0] < until - 0.001 for pts in series.values()):
            for labels, value in self.query(promql, until):
                points = series.setdefault(labels.get("le", ""), [])
                if not points or points[-1][0] < until - 0.001:
                    points.append((until, value))
        if not series:
            return None
        return {le: _counter_delta(points, since, step) for le, points in series.items()}

    def prime(self, versions: Sequence[str]) -> None:
        """Prometheus answers for any interval: nothing to read in advance."""

    def sample(self, version: str, since: float, until: float) -> Sample:
        if until <= since:
            raise MetricSourceError(f"empty interval: until ({until}) must be after since ({since})")
        q = self.queries
        values = {"version": _promql_string(version), "window": _window(since, until)}
        step = max(1.0, (until - since) / self.max_points)
        requests = self._counter(_substitute(q.requests, values), since, until, step)
        if requests is None:
            return Sample(0, 0, [], source="prometheus")
        errors = self._counter(_substitute(q.errors, values), since, until, step) or {}
        n = round(sum(requests.values()))
        e = min(round(sum(errors.values())), n)
        buckets: dict[float, int] | None = None
        if q.latency_buckets:
            raw = self._counter(_substitute(q.latency_buckets, values), since, until, step)
            if raw:
                try:
                    buckets = {float(le) * q.bucket_unit_ms if le != "+Inf" else math.inf: round(v)
                               for le, v in raw.items()}
                except ValueError:
                    raise MetricSourceError(f"latency bucket query must return series with an `le` label,"
                                            f" got {sorted(raw)[:5]}") from None
        p95 = self._quantile(q.p95, values, until)
        p99 = self._quantile(q.p99, values, until)
        return _histogram_quantiles(Sample(n, e, [], p95_ms=p95, p99_ms=p99, latency_buckets=buckets,
                                           source="prometheus"))

    def _quantile(self, promql: str | None, values: Mapping[str, str], until: float) -> float | None:
        if not promql:
            return None
        result = self.query(_substitute(promql, values), until)
        return result[0][1] if result else None


# -- cumulative counters: router and JSON ---------------------------------------------------------


def _diff(now: BackendCounters, before: BackendCounters | None) -> Sample:
    """One interval from two cumulative snapshots; a drop in requests means the counters were reset."""
    if before is None or now.requests < before.requests or now.errors < before.errors:
        before = BackendCounters(0, 0, {}, 0.0)
    buckets = None
    if now.latency_buckets:
        buckets = {le: max(0, c - before.latency_buckets.get(le, 0)) for le, c in now.latency_buckets.items()}
    requests = now.requests - before.requests
    return _histogram_quantiles(Sample(requests, min(now.errors - before.errors, requests), [],
                                       latency_buckets=buckets))


@dataclass
class RouterSource:
    """Turns a router's cumulative per-backend counters into interval Samples.

    The first snapshot is taken when the source is made (make it when the canary starts); each
    `sample(version, ...)` then covers the time since the previous call for that version. `since` and
    `until` are not used: the router's counters are read now, which is the end of the interval.
    A backend the router does not report yet is "no data".
    """

    read: Callable[[], dict[str, BackendCounters]]
    _last: dict[str, BackendCounters] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._last = self._snapshot()

    def prime(self, versions: Sequence[str] = ()) -> None:
        """Start the next interval of every backend now (call when the canary starts)."""
        self._last = self._snapshot()

    @classmethod
    def of(cls, reader: CounterReader) -> RouterSource:
        return cls(reader.counters)

    def _snapshot(self) -> dict[str, BackendCounters]:
        try:
            snap = self.read()
        except MetricSourceError:
            raise
        except Exception as exc:  # a router adapter failing is a source error, not a crash
            raise MetricSourceError(f"router counters could not be read: {exc}") from exc
        return {name: BackendCounters(c.requests, c.errors, dict(c.latency_buckets), c.latency_sum_ms)
                for name, c in snap.items()}

    def sample(self, version: str, since: float, until: float) -> Sample:
        snap = self._snapshot()
        now = snap.get(version)
        if now is None:
            return Sample(0, 0, [], source="router")
        out = _diff(now, self._last.get(version))
        self._last[version] = now
        out.source = "router"
        return out


@dataclass
class JsonPaths:
    """JSONPaths (golive's subset: `$.a.b`, `[0]`, `['key']`) to the numbers; `$version` is replaced."""

    requests: str
    errors: str
    p95_ms: str | None = None
    p99_ms: str | None = None
    #: A list of raw latencies in ms for this interval (only meaningful with cumulative=False).
    latencies_ms: str | None = None


class JsonSource:
    """Any JSON endpoint. With `cumulative=True` (counters since the service started, the common case for
    a /stats endpoint) requests and errors are differenced between calls; with False the endpoint is
    expected to answer for the window given by `$since` / `$until` / `$window` in its URL."""

    def __init__(self, url: str, paths: JsonPaths, *, cumulative: bool = True, timeout: float = 10.0,
                 headers: Mapping[str, str] | None = None) -> None:
        self.url = url
        self.paths = paths
        self.cumulative = cumulative
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._last: dict[str, BackendCounters] = {}

    def _fetch(self, url: str) -> Any:
        try:
            with httpx.Client(timeout=self.timeout) as client:
                resp = client.get(url, headers=self.headers)
        except httpx.HTTPError as exc:
            raise MetricSourceError(f"metrics endpoint unreachable: {exc}") from exc
        if resp.status_code != 200:
            raise MetricSourceError(f"metrics endpoint answered HTTP {resp.status_code}")
        try:
            return resp.json()
        except ValueError:
            raise MetricSourceError("metrics endpoint did not answer JSON") from None

    @staticmethod
    def _number(doc: Any, path: str, what: str, required: bool) -> float | None:
        from golive.core.jsonpath import PathNotFound, resolve_json_path

        try:
            value = resolve_json_path(doc, path)
        except PathNotFound as exc:
            if required:
                raise MetricSourceError(f"{what}: {exc}") from None
            return None
        except ValueError as exc:
            raise MetricSourceError(f"{what}: {exc}") from None
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MetricSourceError(f"{what}: {path} is {value!r}, not a number")
        return float(value)

    def prime(self, versions: Sequence[str]) -> None:
        """Read the cumulative counters of `versions` now, so the first interval starts here (call when the
        canary starts). Without it the first cumulative reading of a version is "no data"."""
        now = time.time()
        for version in versions:
            counters = self._read(version, now, now)[0]
            # Not in the document yet: the version has served nothing, its counters start at zero.
            self._last[version] = counters if counters.requests >= 0 else BackendCounters(0, 0)

    def _read(self, version: str, since: float, until: float) -> tuple[BackendCounters, Sample]:
        """Counters as the endpoint gives them (requests == -1: the endpoint has no such version)."""
        values = {"version": version, "window": _window(since, until), "since": f"{since:.3f}",
                  "until": f"{until:.3f}"}
        doc = self._fetch(_substitute(self.url, values))
        p = self.paths
        sub = {"version": version}
        requests = self._number(doc, _substitute(p.requests, sub), "requests", required=False)
        if requests is None:
            return BackendCounters(-1, 0), Sample(0, 0, [], source="json")
        errors = self._number(doc, _substitute(p.errors, sub), "errors", required=False) or 0.0
        p95 = self._number(doc, _substitute(p.p95_ms, sub), "p95_ms", required=False) if p.p95_ms else None
        p99 = self._number(doc, _substitute(p.p99_ms, sub), "p99_ms", required=False) if p.p99_ms else None
        latencies: list[float] = []
        if p.latencies_ms:
            from golive.core.jsonpath import PathNotFound, resolve_json_path

            try:
                raw = resolve_json_path(doc, _substitute(p.latencies_ms, sub))
            except PathNotFound:
                raw = []
            if not isinstance(raw, list) or not all(isinstance(x, int | float) and not isinstance(x, bool)
                                                    for x in raw):
                raise MetricSourceError(f"latencies_ms: {p.latencies_ms} is not a list of numbers")
            latencies = [float(x) for x in raw]
        n = round(requests)
        if n < 0 or errors < 0:
            raise MetricSourceError(f"negative counts for {version}: {n} requests, {errors:g} errors")
        return BackendCounters(n, round(errors)), Sample(n, min(round(errors), n), latencies, p95_ms=p95,
                                                         p99_ms=p99, source="json")

    def sample(self, version: str, since: float, until: float) -> Sample:
        counters, window = self._read(version, since, until)
        if counters.requests < 0 or not self.cumulative:
            return window
        before = self._last.get(version)
        self._last[version] = counters
        if before is None:
            return Sample(0, 0, [], source="json")  # first reading: only the start of the next interval
        out = _diff(counters, before)
        out.p95_ms, out.p99_ms, out.source = window.p95_ms, window.p99_ms, "json"
        return out
