"""The judge: inconclusive on too little data, fail on clear regressions, pass on healthy canaries,
thresholds judged with a confidence bound, and the sequential alpha plan."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from golive.analysis import stats
from golive.analysis.judge import Judge
from golive.analysis.model import DEFAULT_LATENCY_BUCKETS_MS, Sample, Thresholds

RNG_SEED = 20261123


def limits(**kw: object) -> Thresholds:
    base: dict[str, object] = {"max_error_rate": 0.01, "max_p95_ms": 2000.0, "max_p99_ms": None}
    base.update(kw)
    return Thresholds(**base)  # type: ignore[arg-type]


def lat(rng: np.random.Generator, n: int, median: float = 120.0, shift: float = 0.0) -> list[float]:
    return [float(x) for x in rng.lognormal(math.log(median), 0.5, n) + shift]


def test_too_little_data_is_inconclusive_never_pass() -> None:
    judge = Judge(limits())
    v = judge.evaluate(Sample(10, 0, [100.0] * 10), Sample(2000, 10, []))
    assert v.outcome == "inconclusive"
    assert "10 requests" in v.reason and "50 needed" in v.reason
    assert v.numbers["inconclusive_in_a_row"] == 1


def test_missing_data_is_inconclusive() -> None:
    judge = Judge(Thresholds(max_error_rate=None, max_p95_ms=None, max_p99_ms=None))
    v = judge.evaluate(Sample(500, 0, []), None)
    assert v.outcome == "inconclusive"
    assert "no baseline" in v.reason


def test_max_inconclusive_in_a_row_fails_and_a_pass_resets_the_streak() -> None:
    judge = Judge(limits(max_inconclusive=3))
    assert judge.evaluate(Sample(0, 0, []), None).outcome == "inconclusive"
    assert judge.evaluate(Sample(3, 0, []), None).outcome == "inconclusive"
    assert judge.evaluate(Sample(300, 1, []), Sample(2700, 13, [])).outcome == "pass"
    assert judge.evaluate(Sample(0, 0, []), None).outcome == "inconclusive"
    assert judge.evaluate(Sample(0, 0, []), None).outcome == "inconclusive"
    v = judge.evaluate(Sample(0, 0, []), None)
    assert v.outcome == "fail"
    assert v.reason.startswith("fail: 3 inconclusive intervals in a row")


def test_healthy_canary_passes_with_numbers() -> None:
    rng = np.random.default_rng(RNG_SEED)
    judge = Judge(limits())
    for look in range(1, 6):
        v = judge.evaluate(Sample(300, 1, lat(rng, 300)), Sample(2700, 14, lat(rng, 2700)))
        assert v.outcome == "pass", v.reason
        assert v.numbers["look"] == look
    assert v.reason.startswith("pass: canary errors 0.33% vs baseline 0.52%")
    for key in ("canary_error_rate", "baseline_error_rate", "p_errors_vs_baseline", "p_latency_vs_baseline",
                "p_error_limit", "p_p95_limit", "canary_p95_ms", "baseline_p95_ms", "alpha_look"):
        assert key in v.numbers, key


def test_clear_error_regression_fails_with_a_readable_reason() -> None:
    judge = Judge(Thresholds(max_error_rate=None, max_p95_ms=None, max_p99_ms=None))
    verdicts = [judge.evaluate(Sample(300, 9, []), Sample(2700, 13, [])) for _ in range(2)]
    fail = next(v for v in verdicts if v.outcome == "fail")
    assert fail.reason.startswith("fail: canary errors 3% vs baseline 0.48% (p=")
    assert "at look" in fail.reason
    assert fail.numbers["p_errors_vs_baseline"] < fail.numbers["alpha_look"]


def test_latency_regression_fails_on_mann_whitney() -> None:
    rng = np.random.default_rng(RNG_SEED)
    judge = Judge(limits())
    v = judge.evaluate(Sample(300, 1, lat(rng, 300, shift=150)), Sample(2700, 13, lat(rng, 2700)))
    assert v.outcome == "fail"
    assert "slower than baseline" in v.reason and "Mann-Whitney" in v.reason


def test_threshold_is_judged_with_a_bound_not_the_point_estimate() -> None:
    # 1.3% observed on 1,000 requests is not evidence that the true rate exceeds 1%: not a failure.
    judge = Judge(limits())
    v = judge.evaluate(Sample(1000, 13, []), None)
    assert v.outcome == "pass", v.reason
    assert v.numbers["canary_error_rate"] > 0.01
    assert v.numbers["p_error_limit"] > v.numbers["alpha_look"]
    # 2% on 5,000 requests is.
    judge = Judge(limits())
    v = judge.evaluate(Sample(5000, 100, []), None)
    assert v.outcome == "fail"
    assert "above the 1% limit" in v.reason


def test_p95_limit_from_a_histogram() -> None:
    bounds = [100.0, 500.0, 2000.0, 5000.0, math.inf]
    judge = Judge(limits(max_error_rate=None))
    # 20% of 1,000 requests slower than 2 s: p95 is far above the 2 s limit.
    slow = Sample(1000, 0, [], latency_buckets={100.0: 500, 500.0: 700, 2000.0: 800, 5000.0: 1000, math.inf: 1000})
    v = judge.evaluate(slow, None)
    assert v.outcome == "fail"
    assert "p95" in v.reason and "200 of 1000 requests slower" in v.reason
    assert bounds == sorted(slow.latency_buckets or {})


def test_quantile_only_source_needs_repeated_excess() -> None:
    judge = Judge(limits(max_error_rate=None, max_inconclusive=2))
    v = judge.evaluate(Sample(500, 0, [], p95_ms=2500.0), None)
    assert v.outcome == "inconclusive" and "quantile only" in v.reason
    assert judge.evaluate(Sample(500, 0, [], p95_ms=2500.0), None).outcome == "fail"


def test_histograms_with_different_buckets_are_merged_on_common_bounds() -> None:
    judge = Judge(limits(max_error_rate=None))
    a = Sample(100, 0, [], latency_buckets={100.0: 50, 200.0: 90, 400.0: 100, math.inf: 100})
    b = Sample(100, 0, [], latency_buckets={100.0: 60, 400.0: 100, math.inf: 100})
    judge.evaluate(a, None)
    v = judge.evaluate(b, None)
    assert v.outcome == "pass"
    assert judge._bounds == [100.0, 400.0, math.inf]
    assert judge._canary.bins == [110.0, 90.0, 0.0]


def test_bad_samples_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="more errors"):
        Judge(limits()).evaluate(Sample(10, 11, []), None)
    with pytest.raises(ValueError, match="alpha"):
        Judge(limits(), alpha=1.5)


def test_alpha_plan_never_spends_more_than_alpha() -> None:
    alpha = 0.01
    levels = [stats.look_alpha(alpha, k, 20) for k in range(1, 200)]
    assert all(x > 0 for x in levels)
    assert sum(levels) <= alpha
    assert sum(levels[:20]) == pytest.approx(alpha * (1 - stats.OVERFLOW_SHARE))


def test_binned_mann_whitney_equals_scipy_on_tied_data() -> None:
    rng = np.random.default_rng(RNG_SEED)
    bounds = list(DEFAULT_LATENCY_BUCKETS_MS)
    c = lat(rng, 400, shift=20)
    b = lat(rng, 1500)
    cb, bb = stats.bin_latencies(c, bounds), stats.bin_latencies(b, bounds)
    # Represent every value by its bin index: exactly the tie structure the binned test assumes.
    c_idx = np.repeat(np.arange(len(bounds)), cb)
    b_idx = np.repeat(np.arange(len(bounds)), bb)
    want = sps.mannwhitneyu(c_idx, b_idx, alternative="greater", method="asymptotic").pvalue
    assert float(stats.mwu_binned_greater(cb, bb)) == pytest.approx(want, rel=1e-9)


def test_quantile_from_bins_interpolates_like_prometheus() -> None:
    assert stats.quantile_from_bins([100.0, 200.0, math.inf], [50, 50, 0], 0.95) == pytest.approx(190.0)
    assert stats.quantile_from_bins([100.0, math.inf], [0, 0], 0.95) is None
    assert stats.quantile_from_bins([100.0, math.inf], [1, 99], 0.95) == 100.0
