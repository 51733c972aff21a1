"""Interval estimates and tests for indicator values, vectorised over whole tables.

Each measure gets the interval that suits it (DESIGN.md, issue 3):

| measure                    | interval                                  | reference |
|----------------------------|-------------------------------------------|-----------|
| proportion                 | Wilson score                              | Wilson (1927); statsmodels `proportion_confint(method="wilson")` |
| rate (crude)               | exact Poisson (Garwood), or Byar          | Garwood (1936); statsmodels `confint_poisson(method="exact-c")`; Breslow & Day (1987) for Byar |
| directly standardised rate | Dobson                                    | Dobson et al. (1991), Stat Med 10:457-62 |
| mean                       | Student t                                 | scipy `t.interval` |
| binary (yes/no)            | none                                      | |

All functions take array-likes and return numpy arrays; NaN where an interval cannot be computed.
The tests named `*_pvalue` are the tests each interval inverts, so that a 95 % interval excludes a
reference value exactly when the p-value is below 0.05 (the barometer relies on this).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln
from scipy.stats import binom, gamma, norm, poisson
from scipy.stats import t as student_t

INTERVALS = {
    "proportion": "wilson",
    "rate": "poisson_exact",
    "count": "poisson_exact",
    "mean": "t",
    "binary": "none",
    "amount": "none",
}
INTERVAL_NAMES = {
    "wilson": ("Wilson-intervall", "Wilson score interval"),
    "poisson_exact": ("eksakt Poisson-intervall (Garwood)", "exact Poisson interval (Garwood)"),
    "byar": ("Byars tilnærming til Poisson-intervall", "Byar's approximation to the Poisson interval"),
    "dobson": ("Dobsons intervall for direkte standardiserte rater", "Dobson interval for directly standardised rates"),
    "t": ("t-fordelingsintervall for gjennomsnitt", "t interval for a mean"),
    "published": ("intervall oppgitt av kilden", "interval as published by the source"),
    "none": ("ingen (ja/nei-indikator)", "none (yes/no indicator)"),
}


def _z(alpha: float) -> float:
    return float(norm.ppf(1 - alpha / 2))


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def wilson(numerator, denominator, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, as fractions; NaN where the denominator is 0 or missing.

    Same formula as statsmodels' proportion_confint(method="wilson"), vectorised for whole tables.
    """
    x = _arr(numerator)
    n = _arr(denominator)
    z = _z(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    bad = ~(n > 0)
    low, high = np.where(bad, np.nan, centre - half), np.where(bad, np.nan, centre + half)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def poisson_exact(count, exposure=1.0, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) central interval for a Poisson count, divided by `exposure` to give a rate.

    Lower = Gamma(α/2; x)/E (0 when x = 0), upper = Gamma(1-α/2; x+1)/E; as statsmodels
    confint_poisson(method="exact-c").
    """
    x, e = np.broadcast_arrays(_arr(count), _arr(exposure))
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, gamma.ppf(alpha / 2, np.where(x > 0, x, 1)), 0.0) / e
        high = gamma.ppf(1 - alpha / 2, x + 1) / e
    bad = ~(e > 0) | np.isnan(x) | (x < 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def byar(count, exposure=1.0, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson interval (Breslow & Day 1987, vol. II, p. 69).

    Lower = x (1 − 1/(9x) − z/(3√x))³, upper = (x+1) (1 − 1/(9(x+1)) + z/(3√(x+1)))³, over exposure.
    """
    x, e = np.broadcast_arrays(_arr(count), _arr(exposure))
    z = _z(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs = np.where(x > 0, x, 1.0)
        low = np.where(x > 0, xs * (1 - 1 / (9 * xs) - z / (3 * np.sqrt(xs))) ** 3, 0.0)
        high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
        low, high = low / e, high / e
    bad = ~(e > 0) | np.isnan(x) | (x < 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def dobson(dsr, var_dsr, observed, alpha: float = 0.05, *, method: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Dobson et al. (1991) interval for a directly standardised rate.

    DSR ± is mapped from the exact (or Byar) interval [O_L, O_U] of the total count O:
    L = DSR + √(var(DSR)/O) (O_L − O), U = DSR + √(var(DSR)/O) (O_U − O).
    """
    d, v, o = np.broadcast_arrays(_arr(dsr), _arr(var_dsr), _arr(observed))
    o_low, o_high = (poisson_exact if method == "exact" else byar)(o, 1.0, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.sqrt(v / o)
        low, high = d + k * (o_low - o), d + k * (o_high - o)
    bad = ~(o > 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def t_interval(mean, sd, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for a mean: mean ± t(1−α/2; n−1) · sd/√n (n ≥ 2)."""
    m, s, k = np.broadcast_arrays(_arr(mean), _arr(sd), _arr(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = student_t.ppf(1 - alpha / 2, k - 1) * s / np.sqrt(k)
    bad = ~(k >= 2)
    return np.where(bad, np.nan, m - half), np.where(bad, np.nan, m + half)


def interval(measure: str, numerator, denominator, *, scale: float = 1.0, alpha: float = 0.05,
             method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The interval for a catalogue measure from counts, on the indicator's scale (NaN if none)."""
    method = method or INTERVALS.get(measure, "none")
    if method == "wilson":
        low, high = wilson(numerator, denominator, alpha)
    elif method == "poisson_exact":
        low, high = poisson_exact(numerator, denominator, alpha)
    elif method == "byar":
        low, high = byar(numerator, denominator, alpha)
    else:
        shape = np.broadcast(_arr(numerator), _arr(denominator)).shape
        return np.full(shape, np.nan), np.full(shape, np.nan)
    return low * scale, high * scale


# -- tests that the intervals invert, and exact comparisons between two groups ----------------------

def _two_sided(lower_tail: np.ndarray, upper_tail: np.ndarray) -> np.ndarray:
    """Central two-sided p-value: twice the smaller tail, at most 1 (matches a central interval)."""
    return np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))


def score_pvalue(numerator, denominator, p0) -> np.ndarray:
    """Score test of H0: p = p0 for a proportion; the test the Wilson interval inverts.

    z = (x/n − p0) / √(p0 (1 − p0) / n); two-sided normal p-value.
    """
    x, n, p = np.broadcast_arrays(_arr(numerator), _arr(denominator), _arr(p0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x / n - p) / np.sqrt(p * (1 - p) / n)
    out = 2 * norm.sf(np.abs(z))
    return np.where((n > 0) & (p > 0) & (p < 1), out, np.nan)


def poisson_pvalue(count, expected) -> np.ndarray:
    """Exact test of a Poisson count against its expected value; the test the Garwood interval inverts."""
    x, e = np.broadcast_arrays(np.rint(_arr(count)), _arr(expected))
    with np.errstate(invalid="ignore"):
        out = _two_sided(poisson.cdf(x, e), poisson.sf(x - 1, e))
    return np.where((e > 0) & (x >= 0), out, np.nan)


def fisher_pvalue(x1, n1, x2, n2) -> np.ndarray:
    """Fisher's exact test for a 2×2 table (x1 of n1 against x2 of n2), central two-sided p-value.

    The one-sided tails are the hypergeometric tails of scipy's fisher_exact(alternative="less" /
    "greater"); the two-sided value doubles the smaller one (the "central" Fisher test, which matches
    central intervals), rather than summing small probabilities.
    """
    # counts carried onto new municipality codes can be fractional: exact tests use whole numbers
    a, n, b, m = (np.rint(_arr(v)) for v in (x1, n1, x2, n2))
    a, n, b, m = np.broadcast_arrays(a, n, b, m)
    ok = (n > 0) & (m > 0) & (a >= 0) & (b >= 0) & (a <= n) & (b <= m)
    out = np.full(a.shape, np.nan)
    if ok.any():
        total, successes = (n + m)[ok], (a + b)[ok]
        lower, upper = hypergeom_tails(a[ok], total, successes, n[ok])
        out[ok] = _two_sided(lower, upper)
    return out


def hypergeom_tails(x, total, successes, draws, *, chunk: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:
    """P(X ≤ x) and P(X ≥ x) for X ~ Hypergeometric(total, successes, draws), vectorised.

    Same values as scipy.stats.hypergeom.cdf / .sf (tests check it), written here because scipy's
    Boost-based cdf costs up to ~1 ms per cell when the area is a large part of the comparator (a
    municipality against its county, a period against the previous one). Only the smaller tail is
    summed, from x outwards: pmf(x) · (1 + r₁ + r₁r₂ + …) with the pmf ratio recurrence, over
    min(7.5, 28/z) standard deviations + 25 terms (z: x's distance from the mean in sd; beyond that
    the terms are below ~1e-12 of the sum); rows with similar lengths are summed together as dense
    blocks. The other tail is 1 − that + pmf(x).
    """
    x, M, K, N = (np.asarray(v, dtype=float) for v in (x, total, successes, draws))
    x, M, K, N = np.broadcast_arrays(x, M, K, N)
    shape = x.shape
    x, M, K, N = (np.array(v, dtype=float).ravel() for v in (x, M, K, N))
    logpmf = (gammaln(K + 1) - gammaln(x + 1) - gammaln(K - x + 1)
              + gammaln(M - K + 1) - gammaln(N - x + 1) - gammaln(M - K - N + x + 1)
              - gammaln(M + 1) + gammaln(N + 1) + gammaln(M - N + 1))
    pmf = np.exp(logpmf)
    down = x <= N * K / M                  # at or below the mean: the lower tail is the smaller one
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(N * (K / M) * (1 - K / M) * (M - N) / np.maximum(M - 1, 1))
        z = np.abs(x - N * K / M) / sd
        # terms until the product of ratios is below ~1e-12: 7.5 sd from the mean, 28 sd/z far out in a tail
        span = sd * np.minimum(7.5, 28.0 / np.maximum(z, 1e-9))
    terms = np.where(np.isfinite(span), np.ceil(span) + 25, 25).astype(np.int64)
    # never past the edge of the support: max(0, N − (M − K)) below, min(K, N) above
    terms = np.minimum(terms, np.where(down, x - np.maximum(0, N - (M - K)), np.minimum(K, N) - x).astype(np.int64))
    tail = pmf.copy()
    bucket = np.ceil(np.log(np.maximum(terms, 1)) / np.log(1.25)).astype(np.int64)   # lengths within 25 %
    for b in np.unique(bucket):
        for side in (True, False):
            rows = np.flatnonzero((bucket == b) & (down == side))
            if not rows.size:
                continue
            t_max = max(int(terms[rows].max()), 1)
            j = np.arange(t_max, dtype=float)[None, :]
            step = max(1, chunk // t_max)
            for start in range(0, len(rows), step):
                idx = rows[start:start + step]
                tail[idx] = pmf[idx] * (1.0 + _tail_factor(x[idx], M[idx], K[idx], N[idx], j, terms[idx], side))
    tail = np.minimum(tail, 1.0)
    other = np.clip(1.0 - tail + pmf, 0.0, 1.0)
    return np.where(down, tail, other).reshape(shape), np.where(down, other, tail).reshape(shape)


def _tail_factor(x, M, K, N, j, terms, down: bool) -> np.ndarray:
    """Σ_j Π_{i≤j} r_i for a block of rows: the tail relative to pmf(x), in place to spare memory."""
    rest = (M - K - N)[:, None]
    if down:        # pmf(k−1)/pmf(k) = k (M−K−N+k) / ((K−k+1)(N−k+1)), k = x, x−1, …
        k = x[:, None] - j
        num = rest + k
        num *= k
        den = (K + 1)[:, None] - k
        den *= (N + 1)[:, None] - k
    else:           # pmf(k+1)/pmf(k) = (K−k)(N−k) / ((k+1)(M−K−N+k+1)), k = x, x+1, …
        k = x[:, None] + j
        num = K[:, None] - k
        num *= N[:, None] - k
        den = k + 1
        den *= rest + k + 1
    # within the capped range the denominators are positive; a ratio turns 0 at the edge of the support
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        np.divide(num, den, out=num)
    np.maximum(num, 0.0, out=num)
    num[j >= terms[:, None]] = 0.0
    np.cumprod(num, axis=1, out=num)
    return num.sum(axis=1)


def conditional_poisson_pvalue(x1, e1, x2, e2) -> np.ndarray:
    """Exact conditional test that two Poisson rates are equal: given x1 + x2, x1 ~ Bin(x1 + x2, e1/(e1+e2)).

    As statsmodels test_poisson_2indep(method="exact-cond") with a central two-sided p-value.
    """
    a, e, b, f = np.broadcast_arrays(np.rint(_arr(x1)), _arr(e1), np.rint(_arr(x2)), _arr(e2))
    k = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        p = e / (e + f)
        out = _two_sided(binom.cdf(a, k, p), binom.sf(a - 1, k, p))
    return np.where((e > 0) & (f > 0) & (k >= 0), np.where(k == 0, 1.0, out), np.nan)


def two_proportion_pvalue(x1, n1, x2, n2) -> np.ndarray:
    """Two-sample z-test of equal proportions with the pooled variance (statsmodels proportions_ztest)."""
    a, n, b, m = np.broadcast_arrays(_arr(x1), _arr(n1), _arr(x2), _arr(n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (a + b) / (n + m)
        z = (a / n - b / m) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
        out = 2 * norm.sf(np.abs(z))
    return np.where((n > 0) & (m > 0) & (pooled > 0) & (pooled < 1), out, np.where((n > 0) & (m > 0), 1.0, np.nan))


def normal_pvalue(value, reference, se) -> np.ndarray:
    """Two-sided z-test of value against reference with a known standard error."""
    v, r, s = np.broadcast_arrays(_arr(value), _arr(reference), _arr(se))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 2 * norm.sf(np.abs(v - r) / s)
    return np.where(s > 0, out, np.nan)


def t_pvalue(value, reference, se, df) -> np.ndarray:
    """Two-sided one-sample t-test of a mean against a reference value."""
    v, r, s, d = np.broadcast_arrays(_arr(value), _arr(reference), _arr(se), _arr(df))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 2 * student_t.sf(np.abs(v - r) / s, d)
    return np.where((s > 0) & (d >= 1), out, np.nan)


def se_from_interval(low, high, alpha: float = 0.05, df=None) -> np.ndarray:
    """The standard error implied by a symmetric interval (normal, or t with `df` degrees of freedom)."""
    lo, hi = _arr(low), _arr(high)
    crit = _z(alpha) if df is None else student_t.ppf(1 - alpha / 2, _arr(df))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hi - lo) / (2 * crit)


def bh_adjust(pvalues, groups=None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values, within each group (one family per group), NaN kept NaN.

    Vectorised over all groups at once; for one group it equals statsmodels
    multipletests(method="fdr_bh")[1]. Written here because statsmodels has no grouped version.
    """
    p = _arr(pvalues).ravel()
    g = np.zeros(len(p), dtype=np.int64) if groups is None else _group_codes(groups)
    valid = ~np.isnan(p)
    out = np.full(len(p), np.nan)
    if not valid.any():
        return out
    idx = np.flatnonzero(valid)
    pv, gv = p[idx], g[idx]
    order = np.lexsort((pv, gv))           # by group, then p ascending
    pv, gv, idx = pv[order], gv[order], idx[order]
    starts = np.r_[0, np.flatnonzero(np.diff(gv)) + 1]
    sizes = np.diff(np.r_[starts, len(gv)])
    m = np.repeat(sizes, sizes)
    rank = np.arange(len(gv)) - np.repeat(starts, sizes) + 1
    scaled = pv * m / rank
    # cumulative minimum from the largest p downwards, within each group
    rev = scaled[::-1]
    grev = gv[::-1]
    cm = _grouped_cummin(rev, grev)[::-1]
    out[idx] = np.minimum(cm, 1.0)
    return out


def _group_codes(groups) -> np.ndarray:
    import pandas as pd

    if isinstance(groups, pd.DataFrame):
        return groups.groupby(list(groups.columns), sort=False, dropna=False).ngroup().to_numpy()
    return pd.factorize(pd.Series(groups), use_na_sentinel=False)[0]


def _grouped_cummin(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    import pandas as pd

    return pd.Series(values).groupby(groups, sort=False).cummin().to_numpy()
