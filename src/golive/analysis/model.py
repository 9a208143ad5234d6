"""Data the judge works on: what a metric source observed, what the plan demands, what the judge decided.

Kept free of I/O and of any router or source so that routers, sources, steps and the judge can all
import it without importing each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Protocol

Outcome = Literal["pass", "fail", "inconclusive"]

#: Upper bounds (ms, inclusive) of the latency histogram buckets routers keep per backend. Fine enough
#: below 1 s for a p95 to within ~10%; the last bucket is open (math.inf).
DEFAULT_LATENCY_BUCKETS_MS: tuple[float, ...] = (
    1, 2, 3, 5, 7.5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 100, 125, 150, 175, 200, 250, 300, 350, 400,
    450, 500, 600, 700, 800, 900, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 4000, 5000, 7500, 10000,
    15000, 30000, 60000, math.inf,
)


@dataclass
class Sample:
    """One interval's observations for one version (canary or baseline).

    `latencies_ms` may be empty when a source only gives quantiles (Prometheus) or a histogram (routers):
    then `p95_ms` / `p99_ms` carry what the source knows, and `latency_buckets` (if set) the histogram of
    this interval (upper bound ms -> count of requests at or below it, cumulative like Prometheus `le`).
    """

    requests: int
    errors: int
    latencies_ms: list[float]
    p95_ms: float | None = None
    p99_ms: float | None = None
    latency_buckets: dict[float, int] | None = None
    #: Where the numbers came from, for the evidence log ("prometheus", "router", "json").
    source: str = ""

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests > 0 else None


@dataclass
class Thresholds:
    """What the plan demands of the canary. `None` disables that absolute check."""

    max_error_rate: float | None
    max_p95_ms: float | None
    max_p99_ms: float | None
    #: Fewer canary requests than this in an interval -> `inconclusive`, never `pass`.
    min_requests: int = 50
    #: This many `inconclusive` verdicts in a row -> `fail`.
    max_inconclusive: int = 3
    #: Planned number of analysis intervals; the sequential alpha is spent over these. Looks beyond it
    #: keep testing at the last (smallest) level, which stays conservative.
    max_looks: int = 20
    #: Canary-vs-baseline comparisons: a regression must be at least this large to fail the canary
    #: (absolute error-rate difference, and p95 latency increase in ms) so that a huge baseline does
    #: not make a 0.01% difference "significant".
    min_error_rate_increase: float = 0.0
    min_latency_increase_ms: float = 0.0


@dataclass
class Verdict:
    """One analysis interval's decision; `reason` is the line `golive log` shows, `numbers` the evidence."""

    outcome: Outcome
    reason: str
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass
class BackendCounters:
    """Cumulative counters a router keeps for one backend since it started (monotonic, never reset while
    the router lives). Two snapshots make one interval's `Sample`.

    `latency_buckets`: upper bound in ms (inclusive) -> number of requests whose latency was at or below
    it, cumulative like Prometheus `le` buckets; use DEFAULT_LATENCY_BUCKETS_MS and include math.inf.
    An error is a 5xx response or a failed connection to the backend.
    """

    requests: int
    errors: int
    latency_buckets: dict[float, int] = field(default_factory=dict)
    latency_sum_ms: float = 0.0


class CounterReader(Protocol):
    """What a router offers to RouterSource: cumulative counters per backend (keyed by backend/version
    name)."""

    def counters(self) -> dict[str, BackendCounters]: ...
