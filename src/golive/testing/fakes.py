"""Fakes for testing a plan or a plug-in against golive without the real thing behind it: a router, a metric
source, the notification sender and the step runner. Each satisfies the same protocol golive's real one does
(golive.traffic.router.Router, golive.analysis.sources.MetricSource, golive.notify.send.Sender,
golive.engine.step_runner.StepExecutor), so the engine, the traffic steps and the notifier cannot tell them apart.

    from golive.testing import FakeClock, FakeStepRunner
    runner = FakeStepRunner(fail={"2.1"})            # step 2.1 fails, every other step succeeds
    drive_run(store, run_id, FakeClock(), DriveOptions(environ={}, executor=runner))
    assert runner.ran == ["1.1", "2.1", "1.1.undo"]  # what ran, in order: the rollback included
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.analysis.model import DEFAULT_LATENCY_BUCKETS_MS, BackendCounters, Sample
from golive.core.step import StepContext, StepResult
from golive.errors import RouterError
from golive.notify.send import Delivery
from golive.traffic.router import normalize_weights


class FakeRouter:
    """A Router that keeps its split and its per-pool counters in memory. `serve(pool, requests, errors,
    latency_ms)` adds traffic as a real router would count it; `history` is every split that was set, in order;
    `fail_next` makes the next `set_weights` raise RouterError (a router that refuses a change)."""

    kind = "fake"

    def __init__(self, pools: Sequence[str] = ("stable", "canary"), weights: Mapping[str, int] | None = None) -> None:
        self._pools = list(pools)
        self._weights = normalize_weights(self._pools, weights or {self._pools[0]: 100})
        self._counters = {p: BackendCounters(0, 0, {b: 0 for b in DEFAULT_LATENCY_BUCKETS_MS}, 0.0)
                          for p in self._pools}
        self.history: list[dict[str, int]] = []
        self.healthy: dict[str, bool] = {p: True for p in self._pools}
        self.fail_next: str | None = None
        self.closed = False

    def pools(self) -> list[str]:
        return list(self._pools)

    def weights(self) -> dict[str, int]:
        return dict(self._weights)

    def set_weights(self, weights: Mapping[str, int]) -> None:
        if self.fail_next is not None:
            why, self.fail_next = self.fail_next, None
            raise RouterError(why)
        self._weights = normalize_weights(self._pools, weights)
        self.history.append(dict(self._weights))

    def serve(self, pool: str, requests: int, errors: int = 0, latency_ms: float = 10.0) -> None:
        c = self._counters[pool]
        buckets = {b: n + (requests if latency_ms <= b else 0) for b, n in c.latency_buckets.items()}
        self._counters[pool] = BackendCounters(c.requests + requests, c.errors + errors, buckets,
                                               c.latency_sum_ms + requests * latency_ms)

    def counters(self) -> dict[str, BackendCounters]:
        return dict(self._counters)

    def health(self) -> dict[str, bool]:
        return dict(self.healthy)

    def close(self) -> None:
        self.closed = True


class FakeMetricSource:
    """A MetricSource that answers with the samples given per version, in order; the last one repeats.
    `asked` records each (version, since, until) the judge asked for."""

    def __init__(self, samples: Mapping[str, Iterable[Sample]]) -> None:
        self._samples = {v: list(s) for v, s in samples.items()}
        self.asked: list[tuple[str, float, float]] = []

    def prime(self, versions: Sequence[str]) -> None:
        """Nothing to read in advance: the samples are given."""

    def sample(self, version: str, since: float, until: float) -> Sample:
        self.asked.append((version, since, until))
        queue = self._samples.get(version) or [Sample(0, 0, [])]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    @staticmethod
    def healthy(requests: int = 1000, error_rate: float = 0.0, latency_ms: float = 50.0) -> Sample:
        """One interval of `requests` with the given error rate, every request at `latency_ms`."""
        return Sample(requests, math.floor(requests * error_rate), [latency_ms] * min(requests, 1000))


@dataclass
class SentMessage:
    urls: list[str]
    title: str
    body: str
    config: Path | None


@dataclass
class FakeSender:
    """The notification Sender that records each message instead of delivering it (`sent`); `fail=True`
    answers every send with a failed Delivery, as an unreachable channel would."""

    fail: bool = False
    sent: list[SentMessage] = field(default_factory=list)

    def send(self, urls: list[str], title: str, body: str, config: Path | None = None) -> Delivery:
        self.sent.append(SentMessage(list(urls), title, body, config))
        return Delivery(False, "fake channel refused the message") if self.fail else Delivery(True)


@dataclass
class FakeStepRunner:
    """A StepExecutor that runs nothing: every step succeeds unless its id is in `fail` (or `results` names its
    StepResult). `ran` lists the step ids in the order the engine asked for them, undo and rollback steps
    included, so a test states what a plan's gates and rollback levels do."""

    fail: set[str] = field(default_factory=set)
    results: dict[str, StepResult] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)

    def run(self, step: Any, ctx: StepContext) -> StepResult:
        sid = str(ctx.step_id)
        self.ran.append(sid)
        if sid in self.results:
            return self.results[sid]
        if sid in self.fail:
            return StepResult.failed(f"fake failure of {sid}")
        return StepResult.passed(f"fake run of {getattr(step, 'kind', 'step')} {sid}")
