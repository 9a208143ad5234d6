"""Metric sources as written in a canary's `analysis.source:`: each configuration opens its source
(`cfg.open(interpolate)`), and the union a plan validates against is derived from one list, `METRIC_SOURCES`.
`source: router` (the router's own per-pool counters) needs no configuration: the canary opens it from its router.
Adding a source is one config class here plus its MetricSource in golive.analysis.sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Union

from pydantic import Field

from golive.core.fields import Strict

if TYPE_CHECKING:
    from golive.analysis.sources import MetricSource


class SourceConfig(Strict):
    """What every configured metric source does: open itself, `${VAR}`s in its URL read when the step runs."""

    def open(self, interpolate: Callable[[str], str]) -> MetricSource:
        raise NotImplementedError


class PrometheusConfig(Strict):
    """PromQL over the Prometheus HTTP API; `$version` in a query is the pool name."""

    url: str = Field(min_length=1)
    requests: str | None = None
    errors: str | None = None
    latency_buckets: str | None = None
    p95: str | None = None
    p99: str | None = None


class JsonConfig(Strict):
    """Any JSON endpoint; numbers picked by JSONPath (`$.a.b`), `$version` replaced by the pool name."""

    url: str = Field(min_length=1)
    requests: str = Field(min_length=1)
    errors: str = Field(min_length=1)
    p95_ms: str | None = None
    p99_ms: str | None = None
    cumulative: bool = True


class FromPrometheus(SourceConfig):
    prometheus: PrometheusConfig

    def open(self, interpolate: Callable[[str], str]) -> MetricSource:
        from golive.analysis import sources

        q = sources.PromQueries()
        for name in ("requests", "errors", "latency_buckets", "p95", "p99"):
            if getattr(self.prometheus, name) is not None:
                setattr(q, name, getattr(self.prometheus, name))
        return sources.PrometheusSource(interpolate(self.prometheus.url), q)


class FromJson(SourceConfig):
    json_: JsonConfig = Field(alias="json")

    def open(self, interpolate: Callable[[str], str]) -> MetricSource:
        from golive.analysis import sources

        j = self.json_
        return sources.JsonSource(interpolate(j.url), sources.JsonPaths(j.requests, j.errors, j.p95_ms, j.p99_ms),
                                  cumulative=j.cumulative)


#: Every metric source a plan may configure; the one place the list lives.
METRIC_SOURCES: tuple[type[SourceConfig], ...] = (FromPrometheus, FromJson)
if TYPE_CHECKING:
    MetricSourceConfig = SourceConfig
else:
    MetricSourceConfig = Union[METRIC_SOURCES]  # noqa: UP007
