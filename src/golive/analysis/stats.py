"""The statistics the judge uses, vectorised over numpy arrays so that bench/judge runs the very same code
on thousands of simulated canaries.

All tests are one-sided ("the canary is worse"): a canary that is better than the baseline is never a
reason to abort. Every p-value here is exact (hypergeometric, binomial) or the standard normal
approximation scipy itself uses for Mann-Whitney with ties.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use: it takes about a second to import, which every `golive`
    command would otherwise pay."""
    from scipy import stats

    return stats

#: Share of alpha kept for looks beyond the planned number (spent geometrically: half of what is left
#: at each extra look), so an over-long canary stays covered instead of testing at an unaccounted level.
OVERFLOW_SHARE = 0.05


def spent_alpha(alpha: float, t: float) -> float:
    """Pocock-type spending function (Lan & DeMets 1983): alpha * ln(1 + (e - 1) t) for information
    fraction t in [0, 1]. Spends alpha evenly enough that early looks can already abort a bad canary
    (O'Brien-Fleming-type spending keeps almost nothing for the first looks, which is the wrong trade
    for a deployment: a broken canary should be stopped in the first interval or two)."""
    t = min(max(t, 0.0), 1.0)
    return alpha * math.log(1.0 + (math.e - 1.0) * t)


def look_alpha(alpha: float, look: int, max_looks: int) -> float:
    """Nominal level for look `look` (1-based): the alpha spent between this look and the previous one.

    Summed over all looks (including any beyond `max_looks`) these never exceed `alpha`, so by the union
    bound the chance of any false alarm over the whole canary is at most `alpha`, whatever the
    correlation between looks and whichever exact test runs at each look.
    """
    if look < 1 or max_looks < 1:
        raise ValueError("look and max_looks must be >= 1")
    planned = alpha * (1.0 - OVERFLOW_SHARE)
    if look <= max_looks:
        return spent_alpha(planned, look / max_looks) - spent_alpha(planned, (look - 1) / max_looks)
    return alpha * OVERFLOW_SHARE * 0.5 ** (look - max_looks)


def fisher_greater(e_c: ArrayLike, n_c: ArrayLike, e_b: ArrayLike, n_b: ArrayLike) -> FloatArray:
    """One-sided Fisher exact test p-value that the canary's error proportion exceeds the baseline's:
    P(X >= e_c) for X hypergeometric (n_c draws from n_c + n_b with e_c + e_b errors). Exact, so small
    error counts (a 0.5% rate on 300 requests is 1.5 errors) do not inflate false alarms as the normal
    two-proportion z-test does."""
    ec = np.asarray(e_c, dtype=np.int64)
    nc = np.asarray(n_c, dtype=np.int64)
    eb = np.asarray(e_b, dtype=np.int64)
    nb = np.asarray(n_b, dtype=np.int64)
    p: FloatArray = np.asarray(_scipy_stats().hypergeom.sf(ec - 1, nc + nb, ec + eb, nc), dtype=np.float64)
    return np.clip(p, 0.0, 1.0)


def binom_greater(k: ArrayLike, n: ArrayLike, p0: float) -> FloatArray:
    """Exact one-sided binomial p-value P(X >= k | n, p0): evidence that the true proportion exceeds p0.
    Used for absolute thresholds (error rate, share of requests slower than a quantile limit), so a
    canary is failed on a lower confidence bound above the limit, never on a noisy point estimate."""
    kk = np.asarray(k, dtype=np.int64)
    nn = np.asarray(n, dtype=np.int64)
    p: FloatArray = np.asarray(_scipy_stats().binom.sf(kk - 1, nn, p0), dtype=np.float64)
    return np.clip(p, 0.0, 1.0)


def mwu_binned_greater(canary: ArrayLike, baseline: ArrayLike) -> FloatArray:
    """One-sided Mann-Whitney U p-value that canary latencies are stochastically larger, from per-bin
    counts (last axis = bins in increasing latency). Identical to scipy.stats.mannwhitneyu(..., alternative=
    "greater", method="asymptotic") on data where every value in a bin is tied (tie-corrected variance,
    continuity correction), but O(bins) in time and memory, so the judge can keep cumulative histograms
    over a whole canary instead of every latency."""
    c = np.asarray(canary, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    n1 = c.sum(axis=-1)
    n2 = b.sum(axis=-1)
    below_b = np.cumsum(b, axis=-1) - b  # baseline values strictly below each bin
    u1 = (c * (below_b + 0.5 * b)).sum(axis=-1)
    n = n1 + n2
    t = c + b
    with np.errstate(divide="ignore", invalid="ignore"):
        tie = (t * (t * t - 1.0)).sum(axis=-1) / (n * (n - 1.0))
        var = n1 * n2 / 12.0 * ((n + 1.0) - tie)
        z = (u1 - n1 * n2 / 2.0 - 0.5) / np.sqrt(var)
    p = np.where((n1 > 0) & (n2 > 0) & (var > 0), _scipy_stats().norm.sf(z), 1.0)
    return np.asarray(p, dtype=np.float64)


def mwu_greater(canary: Sequence[float], baseline: Sequence[float]) -> float:
    """One-sided Mann-Whitney U on raw latencies (scipy's implementation)."""
    if not canary or not baseline:
        return 1.0
    res: Any = _scipy_stats().mannwhitneyu(canary, baseline, alternative="greater", method="asymptotic")
    return float(res.pvalue)


# -- histograms --------------------------------------------------------------------------------------


def bin_latencies(latencies: Sequence[float], bounds: Sequence[float]) -> list[int]:
    """Per-bin (not cumulative) counts of raw latencies over upper bounds `bounds` (inclusive, the last
    one math.inf)."""
    idx = np.searchsorted(np.asarray(bounds, dtype=np.float64), np.asarray(latencies, dtype=np.float64),
                          side="left")
    return [int(x) for x in np.bincount(idx, minlength=len(bounds))[: len(bounds)]]


def cumulative_to_bins(buckets: Mapping[float, float], bounds: Sequence[float]) -> list[float]:
    """Per-bin counts over `bounds` from Prometheus-style cumulative `le` buckets. `bounds` must be a
    subset of the bucket keys (any subset of cumulative buckets is a valid coarser histogram)."""
    out: list[float] = []
    prev = 0.0
    for b in bounds:
        cum = float(buckets[b])
        out.append(max(cum - prev, 0.0))
        prev = max(cum, prev)
    return out


def quantile_from_bins(bounds: Sequence[float], counts: Sequence[float], q: float) -> float | None:
    """Quantile q of a histogram, interpolating linearly inside the bucket like PromQL
    histogram_quantile; None when empty. A quantile in the open last bucket returns the last finite
    bound (a lower bound, as Prometheus does)."""
    total = float(sum(counts))
    if total <= 0:
        return None
    rank = q * total
    cum = 0.0
    lower = 0.0
    for upper, count in zip(bounds, counts, strict=True):
        if count > 0 and cum + count >= rank:
            if math.isinf(upper):
                return lower
            return lower + (upper - lower) * (rank - cum) / count
        cum += count
        if not math.isinf(upper):
            lower = upper
    return lower


def exceedances_at_least(bounds: Sequence[float], counts: Sequence[float], limit: float) -> int:
    """A lower bound on how many observations were slower than `limit`: those in bins whose lower edge
    is at or above the smallest bound >= limit. Using a lower bound keeps a threshold test conservative
    (a histogram can only make it slower to fail, never quicker)."""
    total = 0.0
    for i in range(len(bounds)):
        lower = bounds[i - 1] if i > 0 else 0.0
        if lower >= limit:
            total += counts[i]
    return round(total)
