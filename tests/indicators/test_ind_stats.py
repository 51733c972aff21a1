"""Intervals and tests against statsmodels / scipy and hand-computed values."""

import numpy as np
import pytest
from scipy.stats import chi2, fisher_exact, hypergeom
from scipy.stats import t as student_t
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.rates import test_poisson as sm_test_poisson
from statsmodels.stats.rates import test_poisson_2indep as sm_test_poisson_2indep
from statsmodels.stats.weightstats import DescrStatsW

from oppvekst.indicators import stats

RNG = np.random.default_rng(20240101)


def test_wilson_equals_statsmodels_including_edges():
    x = np.array([0, 1, 5, 50, 698, 104388, 20, 20])
    n = np.array([20, 20, 20, 500, 6430, 1044103, 20, 1])
    low, high = stats.wilson(x[:-1], n[:-1])
    ref_low, ref_high = proportion_confint(x[:-1], n[:-1], method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12)
    # a denominator of 0 gives no interval
    lo0, hi0 = stats.wilson([0], [0])
    assert np.isnan(lo0[0]) and np.isnan(hi0[0])


def test_wilson_national_neet_2024():
    # SSB 13556 (bundled; SOURCES.md): 104 388 of 1 044 103 aged 15-29 were NEET in 2024, 10.0 %
    low, high = stats.wilson(104388, 1044103)
    assert pytest.approx(9.9979, abs=1e-4) == 104388 / 1044103 * 100
    # hand computation of the Wilson formula, z = 1.959964
    p, nn, z = 104388 / 1044103, 1044103, 1.959963984540054
    centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
    half = z / (1 + z * z / nn) * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn))
    assert low == pytest.approx(centre - half, rel=1e-12)
    assert high == pytest.approx(centre + half, rel=1e-12)
    assert (low * 100, high * 100) == pytest.approx((9.9405, 10.0555), abs=1e-4)


def test_exact_poisson_equals_statsmodels_and_hand_values():
    x = np.array([0, 1, 2, 10, 57, 1000])
    e = np.array([1.0, 1.0, 1.0, 250.0, 10000.0, 1e5])
    low, high = stats.poisson_exact(x, e)
    ref_low, ref_high = confint_poisson(x, e, method="exact-c")
    np.testing.assert_allclose(low, ref_low, rtol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12)
    # hand values (Garwood): 0 events -> [0, -ln(0.025)] = [0, 3.6889]; 1 event -> [0.0253, 5.5716]
    assert low[0] == 0 and high[0] == pytest.approx(-np.log(0.025), rel=1e-10)
    assert (low[1], high[1]) == pytest.approx((0.025318, 5.571643), abs=1e-6)
    # Garwood through chi-square: [chi2(α/2, 2x)/2, chi2(1-α/2, 2x+2)/2]
    assert low[3] * 250 == pytest.approx(chi2.ppf(0.025, 20) / 2, rel=1e-12)
    assert high[3] * 250 == pytest.approx(chi2.ppf(0.975, 22) / 2, rel=1e-12)


def test_byar_hand_computed_and_close_to_exact():
    z = 1.959963984540054
    # x = 10: lower = 10 (1 - 1/90 - z/(3 sqrt 10))^3, upper = 11 (1 - 1/99 + z/(3 sqrt 11))^3
    low, high = stats.byar(10, 1.0)
    assert low[()] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * np.sqrt(10))) ** 3, rel=1e-12)
    assert high[()] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * np.sqrt(11))) ** 3, rel=1e-12)
    x = np.array([5, 20, 100, 1000])
    bl, bh = stats.byar(x)
    el, eh = stats.poisson_exact(x)
    np.testing.assert_allclose(bl, el, rtol=0.01)
    np.testing.assert_allclose(bh, eh, rtol=0.01)


def test_dobson_hand_computed():
    # two strata; reference weights w = 1000, 2000; events x = 10, 30 in populations n = 2000, 3000
    w, x, n = np.array([1000.0, 2000.0]), np.array([10.0, 30.0]), np.array([2000.0, 3000.0])
    dsr = (w * x / n).sum() / w.sum()                         # (5 + 20) / 3000
    var = ((w / w.sum()) ** 2 * x / n ** 2).sum()
    assert dsr == pytest.approx(25 / 3000)
    o = 40.0
    o_low, o_high = chi2.ppf(0.025, 2 * o) / 2, chi2.ppf(0.975, 2 * o + 2) / 2
    low, high = stats.dobson(dsr, var, o)
    assert low[()] == pytest.approx(dsr + np.sqrt(var / o) * (o_low - o), rel=1e-12)
    assert high[()] == pytest.approx(dsr + np.sqrt(var / o) * (o_high - o), rel=1e-12)
    # by hand: sqrt(1.759259e-6 / 40) = 2.0972e-4; 0.0083333 - 2.0972e-4 * 11.4234, + 2.0972e-4 * 14.4686
    assert (low[()], high[()]) == pytest.approx((0.0059376, 0.0113677), abs=2e-7)


def test_t_interval_equals_scipy_and_statsmodels():
    sample = RNG.normal(38.5, 9.0, size=57)
    low, high = stats.t_interval(sample.mean(), sample.std(ddof=1), len(sample))
    ref = DescrStatsW(sample).tconfint_mean()
    assert (low[()], high[()]) == pytest.approx(ref, rel=1e-12)
    sp = student_t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=sample.std(ddof=1) / np.sqrt(len(sample)))
    assert (low[()], high[()]) == pytest.approx(sp, rel=1e-12)
    assert np.isnan(stats.t_interval(3.0, 1.0, 1)[0][()])


def test_interval_dispatch_by_measure():
    lo, hi = stats.interval("proportion", [698], [6430], scale=100)
    ref = proportion_confint(698, 6430, method="wilson")
    assert (lo[0], hi[0]) == pytest.approx((ref[0] * 100, ref[1] * 100))
    lo, hi = stats.interval("rate", [57], [10000], scale=10000)
    ref = confint_poisson(57, 10000, method="exact-c")
    assert (lo[0], hi[0]) == pytest.approx((ref[0] * 10000, ref[1] * 10000))
    lo, hi = stats.interval("binary", [1], [1])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_score_pvalue_is_the_test_wilson_inverts():
    # statsmodels' one-sample z-test with the variance under H0 is the score test
    for x, n, p0 in ((698, 6430, 0.09998), (12, 80, 0.1), (0, 40, 0.05)):
        ref = proportions_ztest(x, n, value=p0, prop_var=p0)[1]
        assert stats.score_pvalue(x, n, p0)[()] == pytest.approx(ref, rel=1e-10)
    # the Wilson interval excludes p0 exactly when the score p-value is below 0.05
    n = RNG.integers(10, 3000, 400)
    x = RNG.binomial(n, 0.12)
    p0 = 0.1
    low, high = stats.wilson(x, n)
    outside = (p0 < low) | (p0 > high)
    assert np.array_equal(outside, stats.score_pvalue(x, n, p0) < 0.05)


def test_fisher_central_pvalue_from_scipy_tails():
    for a, n, b, m in ((3, 20, 50, 1000), (698, 6430, 103690, 1037673), (0, 15, 300, 4000), (40, 60, 10, 60)):
        less = fisher_exact([[a, n - a], [b, m - b]], alternative="less").pvalue
        greater = fisher_exact([[a, n - a], [b, m - b]], alternative="greater").pvalue
        assert stats.fisher_pvalue(a, n, b, m)[()] == pytest.approx(min(1.0, 2 * min(less, greater)), rel=1e-8)


def test_hypergeom_tails_equal_scipy_at_national_sizes():
    n = RNG.integers(5, 160000, 300)
    x = RNG.binomial(n, RNG.uniform(0.05, 0.2, 300))
    m = 1044103 - n
    y = RNG.binomial(m, 0.1)
    low, high = stats.hypergeom_tails(x, n + m, x + y, n)
    ref_low = hypergeom.cdf(x, n + m, x + y, n)
    ref_high = hypergeom.sf(x - 1, n + m, x + y, n)
    np.testing.assert_allclose(low, ref_low, rtol=1e-7, atol=1e-300)
    np.testing.assert_allclose(high, ref_high, rtol=1e-7, atol=1e-300)
    # a period against the previous one (two groups of the same size) is where scipy is slow
    lo, hi = stats.hypergeom_tails(5076, 100185, 10573, 49848)
    assert lo[()] == pytest.approx(hypergeom.cdf(5076, 100185, 10573, 49848), rel=1e-8)
    assert hi[()] == pytest.approx(hypergeom.sf(5075, 100185, 10573, 49848), rel=1e-8)


def test_poisson_tests_equal_statsmodels():
    assert stats.poisson_pvalue(10, 5.0)[()] == pytest.approx(sm_test_poisson(10, 1, 5.0, method="exact-c").pvalue)
    one_sided = sm_test_poisson_2indep(10, 1000, 30, 5000, method="exact-cond", alternative="larger").pvalue
    assert stats.conditional_poisson_pvalue(10, 1000, 30, 5000)[()] == pytest.approx(2 * one_sided, rel=1e-10)


def test_two_proportion_pvalue_equals_statsmodels():
    ref = proportions_ztest([698, 640], [6430, 6390])[1]
    assert stats.two_proportion_pvalue(698, 6430, 640, 6390)[()] == pytest.approx(ref, rel=1e-10)


def test_bh_adjust_grouped_equals_statsmodels_per_group():
    p = RNG.uniform(size=60) ** 3
    groups = np.repeat(["a", "b", "c"], 20)
    p[5] = np.nan
    adj = stats.bh_adjust(p, groups)
    for g in "abc":
        sel = (groups == g) & ~np.isnan(p)
        np.testing.assert_allclose(adj[sel], multipletests(p[sel], method="fdr_bh")[1], rtol=1e-12)
    assert np.isnan(adj[5])
    # hand example: 0.01, 0.04, 0.03, 0.5 -> sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.0533, 0.0533, 0.5
    np.testing.assert_allclose(stats.bh_adjust([0.01, 0.04, 0.03, 0.5]), [0.04, 0.16 / 3, 0.16 / 3, 0.5])


def test_hypergeom_tails_near_the_edges_of_the_support():
    # high shares (kindergarten-like, 95 %) with the area a large part of the comparator: the support's
    # lower edge N − (M − K) is above 0
    n = RNG.integers(50, 3000, 200)
    m = (n * RNG.uniform(0.3, 2.0, 200)).astype(int) + 1
    x = RNG.binomial(n, 0.95)
    y = RNG.binomial(m, 0.95)
    low, high = stats.hypergeom_tails(x, n + m, x + y, n)
    np.testing.assert_allclose(low, hypergeom.cdf(x, n + m, x + y, n), rtol=1e-7, atol=1e-300)
    np.testing.assert_allclose(high, hypergeom.sf(x - 1, n + m, x + y, n), rtol=1e-7, atol=1e-300)
    # degenerate tables: all successes, none
    lo, hi = stats.hypergeom_tails([10, 0], [30, 30], [30, 0], [10, 10])
    assert lo.tolist() == pytest.approx([1.0, 1.0]) and hi.tolist() == pytest.approx([1.0, 1.0])
