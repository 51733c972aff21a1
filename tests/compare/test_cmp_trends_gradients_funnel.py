"""Trends (against statsmodels WLS), social gradients (SII/RII) and funnel-plot limits (hand-computed)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import binom

from oppvekst.compare import funnel
from oppvekst.compare.gradients import gradient, gradients
from oppvekst.compare.trends import trend
from oppvekst.observations import frame


def series(values, n, indicator="neet_15_29", region="A", start=2015):
    return frame([{"indicator": indicator, "region": region, "period_from": start + i, "numerator": v * n[i] / 100,
                   "denominator": n[i], "value": v, "age": "15-29"} for i, v in enumerate(values)])


def _wls(df):
    n = df["denominator"].to_numpy()
    p = (df["numerator"].sum()) / n.sum()
    w = n / (p * (1 - p) * 100 ** 2)
    return sm.WLS(df["value"].to_numpy(), sm.add_constant(df["period_to"].to_numpy(float)), weights=w)


def test_overdispersed_trend_equals_statsmodels_wls():
    vals = [12.1, 11.0, 11.6, 10.2, 10.9, 9.4, 9.9, 8.8, 9.1, 8.0]
    df = series(vals, [4000] * 10)
    t = trend(df).iloc[0]
    fit = _wls(df).fit()
    assert t["dispersion"] > 1
    assert t["slope"] == pytest.approx(fit.params[1], rel=1e-9)
    assert t["se"] == pytest.approx(fit.bse[1], rel=1e-9)          # statsmodels scales by Σwr²/(k−2)
    assert t["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-8)  # t with k − 2 df
    assert (t["ci_low"], t["ci_high"]) == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-8)
    assert t["cls"] == "improving"      # falling NEET: higher is worse


def test_binomial_variance_stands_when_the_series_is_not_overdispersed():
    df = series([10.0, 10.1, 9.9, 10.2, 10.0], [300] * 5)
    t = trend(df).iloc[0]
    fit = _wls(df).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    assert t["dispersion"] < 1
    assert t["slope"] == pytest.approx(fit.params[1], rel=1e-9)
    assert t["se"] == pytest.approx(fit.bse[1], rel=1e-9)
    assert t["cls"] == "stable"


def test_too_few_points_are_not_assessed_and_series_are_separate():
    df = pd.concat([series([10, 11], [100, 100], region="A"), series([5, 6, 7, 8], [10000] * 4, region="B")])
    t = trend(df).set_index("region")
    assert t.loc["A", "cls"] == "not_assessed" and np.isnan(t.loc["A", "slope"])
    assert t.loc["B", "cls"] == "worsening" and t.loc["B", "k"] == 4


def test_sii_and_rii_hand_computed():
    # three equal groups (ridits 1/6, 1/2, 5/6), values exactly on a line 20 − 12·ridit
    g = pd.DataFrame({"ses": ["low", "middle", "high"], "value": [18.0, 14.0, 10.0],
                      "denominator": [1000.0, 1000.0, 1000.0], "flag": 0})
    r = gradient(g)
    assert r["ridit"] == pytest.approx([1 / 6, 1 / 2, 5 / 6], abs=1e-6)
    assert r["sii"] == pytest.approx(12.0)                      # bottom (20) − top (8)
    assert r["rii"] == pytest.approx(20.0 / 8.0)
    assert r["groups"] == ["low", "middle", "high"]


def test_sii_equals_statsmodels_with_unequal_groups():
    g = pd.DataFrame({"ses": ["q1", "q2", "q3", "q4", "q5"], "value": [21.0, 15.0, 12.5, 9.0, 7.0],
                      "denominator": [500.0, 900.0, 1200.0, 1100.0, 800.0], "flag": 0})
    share = g["denominator"] / g["denominator"].sum()
    ridit = share.cumsum() - share / 2
    fit = sm.WLS(g["value"], sm.add_constant(ridit), weights=share).fit()
    r = gradient(g)
    assert r["sii"] == pytest.approx(-fit.params.iloc[1])
    b0, b1 = fit.params
    assert r["rii"] == pytest.approx(b0 / (b0 + b1))
    lo, hi = fit.conf_int().iloc[1]
    assert (r["sii_low"], r["sii_high"]) == pytest.approx((-hi, -lo), rel=1e-9)
    # only rows with an ses breakdown count; totals are ignored
    obs = frame([{"indicator": "x", "region": "A", "period_from": 2024, "ses": s, "value": v, "denominator": d}
                 for s, v, d in zip(g["ses"], g["value"], g["denominator"], strict=True)]
                + [{"indicator": "x", "region": "A", "period_from": 2024, "value": 12.0, "denominator": 4500.0}])
    assert gradients(obs).iloc[0]["sii"] == pytest.approx(r["sii"])


def test_funnel_limits_hand_computed_spiegelhalter():
    theta, n = 0.1, 200
    lim = funnel.limits(theta, [n], scale=1.0).iloc[0]
    for p, col in ((0.975, "high_95"), (0.025, "low_95"), (0.999, "high_99_8"), (0.001, "low_99_8")):
        r = binom.ppf(p, n, theta)
        a = (binom.cdf(r, n, theta) - p) / (binom.cdf(r, n, theta) - binom.cdf(r - 1, n, theta))
        assert lim[col] == pytest.approx((r - a) / n), col
    # the limits narrow as n grows and bracket θ
    wide = funnel.limits(theta, [50, 500, 5000], scale=100)
    assert (np.diff(wide["high_95"]) < 0).all() and (wide["low_95"] < 10).all() and (wide["high_95"] > 10).all()


def test_funnel_points_and_overdispersion():
    pts = pd.DataFrame({"region": ["a", "b", "c"], "value": [10.5, 18.0, 2.0], "denominator": [1000.0, 1000.0, 1000.0]})
    out = funnel.classify_points(pts, 0.1).set_index("region")["funnel"]
    assert out["a"] == "inside" and out["b"] == "above_998" and out["c"] == "below_998"
    # φ: mean of squared 10 %-winsorised z-scores
    x = np.array([100, 120, 80, 150, 60, 100, 105, 95, 110, 90])
    n = np.full(10, 1000.0)
    z = (x / n - 0.1) / np.sqrt(0.1 * 0.9 / n)
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert funnel.dispersion(x, n, 0.1) == pytest.approx(np.mean(np.clip(z, lo, hi) ** 2))


def test_vectorised_gradients_equal_statsmodels_per_group():
    rng = np.random.default_rng(3)
    rows = []
    edu = ["parents_edu_basic", "parents_edu_upper_secondary", "parents_edu_higher_short", "parents_edu_higher_long"]
    for region in ("A", "B", "C"):
        for codes in (edu, [f"income_q{q}" for q in range(1, 6)]):
            for rank, code in enumerate(codes):
                rows.append({"indicator": "x", "region": region, "period_from": 2024, "ses": code,
                             "value": 20 - 3 * rank + rng.normal(0, 1), "denominator": float(rng.integers(200, 2000))})
        rows.append({"indicator": "x", "region": region, "period_from": 2024, "ses": "income_unknown",
                     "value": 50.0, "denominator": 100.0})      # unknown SES is left out
    obs = frame(rows)
    vec = gradients(obs).set_index(["region", "family"])
    assert len(vec) == 6
    for (region, family), r in vec.iterrows():
        part = obs[(obs["region"] == region) & obs["ses"].str.startswith("parents_edu" if family == "parents_edu" else "income_q")]
        ref = gradient(part)
        for key in ("sii", "sii_low", "sii_high", "rii", "rii_low", "rii_high"):
            assert r[key] == pytest.approx(ref[key], rel=1e-8), (region, family, key)
        assert r["n_groups"] == ref["n_groups"]


def test_rii_interval_that_cannot_be_bounded_is_not_computable():
    import warnings

    from oppvekst.compare.gradients import _indices

    cov = np.array([[1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no overflow warning on the way
        out = _indices(1e-300, 1.0, cov, 10, 0.05)
    assert np.isnan(out["rii_low"]) and np.isnan(out["rii_high"]) and out["rii"] == 1e-300 / (1e-300 + 1.0)
    ok = _indices(2.0, -1.0, cov * 0.01, 10, 0.05)   # RII = 2 / 1; finite interval around it
    assert ok["rii_low"] < 2.0 < ok["rii_high"]
