"""The judge: at each analysis interval of one canary, pass / fail / inconclusive. Pure: no I/O, no clock.

Method (docs/analysis.md says why): every check runs on the canary's *cumulative* data since the canary
started, at a per-look level from an alpha-spending plan (Pocock-type spending over `max_looks`,
Bonferroni-split over the checks), so looking every interval does not inflate false alarms. Checks:

- absolute error rate: exact binomial test that the true rate exceeds the limit (a lower confidence
  bound above the limit), never the raw point estimate;
- absolute p95 / p99: exact binomial test that more than 5% / 1% of requests were slower than the limit
  (from raw latencies or a histogram); a source that only gives a quantile is judged on the point
  estimate, but an excess is only `inconclusive`, so it needs `max_inconclusive` intervals in a row to fail;
- errors vs the baseline running at the same time: one-sided Fisher exact test;
- latency vs the baseline: one-sided Mann-Whitney U (scipy on raw latencies, or the same statistic on
  histograms).

Too little data is `inconclusive`, never `pass`; `max_inconclusive` in a row is `fail`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from golive.analysis import stats
from golive.analysis.model import DEFAULT_LATENCY_BUCKETS_MS, Outcome, Sample, Thresholds, Verdict

#: Raw latencies kept per side for scipy's Mann-Whitney; beyond this the judge uses its histograms only.
RAW_CAP = 100_000


def fmt_pct(rate: float) -> str:
    text = f"{rate * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def fmt_p(p: float) -> str:
    return f"{p:.2g}"


def fmt_ms(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms:,.0f} ms"


@dataclass
class _Side:
    """Cumulative observations of one version since the canary started."""

    requests: int = 0
    errors: int = 0
    raw: list[float] | None = field(default_factory=list)  # None once raw latencies stop being available
    bins: list[float] | None = None  # per-bin counts over Judge._bounds; None until a sample had latencies

    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


@dataclass
class _Check:
    outcome: Outcome
    reason: str


def _validate(sample: Sample, who: str) -> None:
    if sample.requests < 0 or sample.errors < 0:
        raise ValueError(f"{who} sample has negative counts ({sample.requests} requests, {sample.errors} errors)")
    if sample.errors > sample.requests:
        raise ValueError(f"{who} sample has more errors ({sample.errors}) than requests ({sample.requests})")


class Judge:
    """Keeps the sequential state across the intervals of one canary run; make a new Judge per canary."""

    def __init__(self, thresholds: Thresholds, alpha: float = 0.01) -> None:
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
        if thresholds.min_requests < 1 or thresholds.max_inconclusive < 1 or thresholds.max_looks < 1:
            raise ValueError("min_requests, max_inconclusive and max_looks must be at least 1")
        if thresholds.max_error_rate is not None and not 0 <= thresholds.max_error_rate < 1:
            raise ValueError(f"max_error_rate must be a fraction in [0, 1), got {thresholds.max_error_rate}")
        self.thresholds = thresholds
        self.alpha = alpha
        #: Checks sharing the alpha (Bonferroni): the two baseline comparisons plus each configured limit.
        self.checks = 2 + sum(
            x is not None for x in (thresholds.max_error_rate, thresholds.max_p95_ms, thresholds.max_p99_ms)
        )
        self.look = 0  # looks that had enough canary data to test
        self.interval = 0  # every call to evaluate
        self.inconclusive_streak = 0
        self._canary = _Side()
        self._baseline = _Side()
        self._bounds: list[float] | None = None

    # -- accumulation --------------------------------------------------------------------------------

    def _sample_bins(self, sample: Sample) -> list[float] | None:
        """This interval's per-bin latency counts over the judge's bounds, or None without latency data."""
        if sample.latencies_ms:
            if self._bounds is None:
                self._bounds = list(DEFAULT_LATENCY_BUCKETS_MS)
            return [float(x) for x in stats.bin_latencies(sample.latencies_ms, self._bounds)]
        if sample.latency_buckets:
            buckets = dict(sample.latency_buckets)
            if math.inf not in buckets:
                buckets[math.inf] = max(max(buckets.values()), sample.requests)
            keys = sorted(buckets)
            if self._bounds is None:
                self._bounds = keys
            elif keys != self._bounds:
                self._coarsen([b for b in self._bounds if b in buckets])
            return stats.cumulative_to_bins(buckets, self._bounds)
        return None

    def _coarsen(self, keep: list[float]) -> None:
        """Merge bins so only the bounds in `keep` (plus +inf) remain: the only way to add histograms
        whose buckets differ without inventing data."""
        assert self._bounds is not None
        keep_set = set(keep) | {math.inf}
        new_bounds = [b for b in self._bounds if b in keep_set]
        for side in (self._canary, self._baseline):
            if side.bins is None:
                continue
            cum = np.cumsum(side.bins)
            picked = [float(cum[i]) for i, b in enumerate(self._bounds) if b in keep_set]
            side.bins = [picked[0]] + [picked[i] - picked[i - 1] for i in range(1, len(picked))]
        self._bounds = new_bounds

    def _add(self, side: _Side, sample: Sample) -> None:
        side.requests += sample.requests
        side.errors += sample.errors
        bins = self._sample_bins(sample)
        if bins is not None:
            side.bins = bins if side.bins is None else [a + b for a, b in zip(side.bins, bins, strict=True)]
        if side.raw is not None:
            if sample.latencies_ms and len(side.raw) + len(sample.latencies_ms) <= RAW_CAP:
                side.raw.extend(sample.latencies_ms)
            elif sample.requests > 0:
                side.raw = None  # a sample without raw latencies: Mann-Whitney falls back to histograms

    # -- evaluation ----------------------------------------------------------------------------------

    def evaluate(self, canary: Sample, baseline: Sample | None) -> Verdict:
        """Judge one more interval. Raises ValueError on impossible samples (a source bug, not a canary
        problem)."""
        _validate(canary, "canary")
        if baseline is not None:
            _validate(baseline, "baseline")
        self.interval += 1
        self._add(self._canary, canary)
        if baseline is not None:
            self._add(self._baseline, baseline)
        t = self.thresholds
        numbers: dict[str, float] = {
            "interval": float(self.interval),
            "interval_canary_requests": float(canary.requests),
            "interval_canary_errors": float(canary.errors),
            "canary_requests": float(self._canary.requests),
            "canary_errors": float(self._canary.errors),
        }
        if baseline is not None:
            numbers["interval_baseline_requests"] = float(baseline.requests)
            numbers["interval_baseline_errors"] = float(baseline.errors)
        if self._baseline.requests:
            numbers["baseline_requests"] = float(self._baseline.requests)
            numbers["baseline_errors"] = float(self._baseline.errors)

        if canary.requests < t.min_requests:
            return self._inconclusive(
                f"canary served {canary.requests} requests this interval, fewer than the {t.min_requests} needed",
                numbers)

        self.look += 1
        level = stats.look_alpha(self.alpha, self.look, t.max_looks) / self.checks
        numbers["look"] = float(self.look)
        numbers["alpha_look"] = level
        at = f"at look {self.look}"
        fails: list[_Check] = []
        soft: list[_Check] = []
        tested = 0

        c, b = self._canary, self._baseline
        c_rate = c.errors / c.requests
        numbers["canary_error_rate"] = c_rate
        b_rate = b.error_rate()
        if b_rate is not None:
            numbers["baseline_error_rate"] = b_rate

        # Absolute error rate: fail only when the exact one-sided test says the true rate exceeds the limit.
        if t.max_error_rate is not None:
            tested += 1
            p = float(stats.binom_greater(c.errors, c.requests, t.max_error_rate))
            numbers["p_error_limit"] = p
            if p < level:
                fails.append(_Check("fail", f"canary errors {fmt_pct(c_rate)} above the {fmt_pct(t.max_error_rate)}"
                                            f" limit (p={fmt_p(p)} < {fmt_p(level)} {at})"))

        have_baseline = baseline is not None and b.requests >= t.min_requests
        if have_baseline:
            tested += 1
            p = float(stats.fisher_greater(c.errors, c.requests, b.errors, b.requests))
            numbers["p_errors_vs_baseline"] = p
            assert b_rate is not None
            if p < level and c_rate - b_rate > t.min_error_rate_increase:
                fails.append(_Check("fail", f"canary errors {fmt_pct(c_rate)} vs baseline {fmt_pct(b_rate)}"
                                            f" (p={fmt_p(p)} < {fmt_p(level)} {at})"))

        # Latency quantiles: cumulative histogram (or raw) when we have it, else what the source said.
        c_p95 = self._quantile(c, 0.95, canary.p95_ms)
        c_p99 = self._quantile(c, 0.99, canary.p99_ms)
        if c_p95 is not None:
            numbers["canary_p95_ms"] = c_p95
        if c_p99 is not None:
            numbers["canary_p99_ms"] = c_p99
        b_p95 = self._quantile(b, 0.95, baseline.p95_ms if baseline else None) if baseline else None
        if b_p95 is not None:
            numbers["baseline_p95_ms"] = b_p95

        if have_baseline and c.bins is not None and b.bins is not None:
            tested += 1
            if c.raw is not None and b.raw is not None and c.raw and b.raw:
                p = stats.mwu_greater(c.raw, b.raw)
            else:
                p = float(stats.mwu_binned_greater(c.bins, b.bins))
            numbers["p_latency_vs_baseline"] = p
            big_enough = (c_p95 is None or b_p95 is None or c_p95 - b_p95 > t.min_latency_increase_ms)
            if p < level and big_enough:
                fails.append(_Check("fail", f"canary slower than baseline, p95 {fmt_ms(c_p95)} vs {fmt_ms(b_p95)}"
                                            f" (Mann-Whitney p={fmt_p(p)} < {fmt_p(level)} {at})"))

        for name, q, limit, estimate in (("p95", 0.95, t.max_p95_ms, c_p95), ("p99", 0.99, t.max_p99_ms, c_p99)):
            if limit is None:
                continue
            if c.bins is not None and self._bounds is not None:
                tested += 1
                total = round(sum(c.bins))
                slow = stats.exceedances_at_least(self._bounds, c.bins, limit)
                p = float(stats.binom_greater(slow, total, 1.0 - q))
                numbers[f"p_{name}_limit"] = p
                numbers[f"canary_slower_than_{name}_limit"] = float(slow)
                if p < level:
                    fails.append(_Check("fail", f"canary {name} {fmt_ms(estimate)} above the {fmt_ms(limit)} limit:"
                                                f" {slow} of {total} requests slower (p={fmt_p(p)} < {fmt_p(level)}"
                                                f" {at})"))
            else:
                interval_estimate = canary.p95_ms if name == "p95" else canary.p99_ms
                if interval_estimate is None:
                    continue
                tested += 1
                if interval_estimate > limit:
                    soft.append(_Check("inconclusive", f"canary {name} {fmt_ms(interval_estimate)} above the"
                                                       f" {fmt_ms(limit)} limit (source gives the quantile only,"
                                                       " no histogram to test it)"))

        if fails:
            self.inconclusive_streak = 0
            more = f" (+{len(fails) - 1} more)" if len(fails) > 1 else ""
            return Verdict("fail", f"fail: {fails[0].reason}{more}", numbers)
        if soft:
            return self._inconclusive(soft[0].reason, numbers)
        if tested == 0:
            return self._inconclusive("no baseline and no limits to judge the canary against", numbers)
        self.inconclusive_streak = 0
        parts = [f"canary errors {fmt_pct(c_rate)}"]
        if b_rate is not None and have_baseline:
            parts[0] += f" vs baseline {fmt_pct(b_rate)}"
        if c_p95 is not None:
            parts.append(f"p95 {fmt_ms(c_p95)}" + (f" vs {fmt_ms(b_p95)}" if b_p95 is not None else ""))
        return Verdict("pass", f"pass: {', '.join(parts)} (look {self.look} of {t.max_looks},"
                               f" {c.requests:,} canary requests)", numbers)

    def _quantile(self, side: _Side, q: float, reported: float | None) -> float | None:
        if side.bins is not None and self._bounds is not None:
            return stats.quantile_from_bins(self._bounds, side.bins, q)
        return reported

    def _inconclusive(self, why: str, numbers: dict[str, float]) -> Verdict:
        self.inconclusive_streak += 1
        numbers["inconclusive_in_a_row"] = float(self.inconclusive_streak)
        limit = self.thresholds.max_inconclusive
        if self.inconclusive_streak >= limit:
            return Verdict("fail", f"fail: {self.inconclusive_streak} inconclusive intervals in a row"
                                   f" (limit {limit}); last: {why}", numbers)
        return Verdict("inconclusive", f"inconclusive: {why} ({self.inconclusive_streak} of {limit} in a row)",
                       numbers)
