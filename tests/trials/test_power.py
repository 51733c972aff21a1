"""trials.power against published reference results; each test names its source.

Where the source prints fewer than 4 significant digits, the test checks every digit it prints and says
so; hand-computed cases spell out the arithmetic from the paper's formula.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import linalg, stats

from oppvekst.errors import InputError
from oppvekst.trials import power as tp
from oppvekst.trials.power import hussey_hughes_variance, solve


def sig4(x: float) -> float:
    return float(f"{x:.4g}")


# ------------------------------------------------------------------------------ individual: continuous


def test_t_two_sample_power_matches_pwr():
    # R pwr: pwr.t.test(d=1, n=30, sig.level=0.05, type="two.sample", alternative="two.sided")
    # power = 0.967708258242517 (value quoted in statsmodels/stats/tests/test_power.py, TestTTPowerTwoS1)
    r = solve("individual", effect=1.0, n=30, power=None)
    assert r.solved == "power"
    assert sig4(r.power) == sig4(0.967708258242517)


def test_t_one_sided_matches_pwr():
    # R pwr: pwr.t.test(d=1, n=30, sig.level=0.05, type="two.sample", alternative="greater")
    # power = 0.985459690251624 (statsmodels test_power.py, TestTTPowerTwoS3)
    r = solve("individual", effect=1.0, n=30, power=None, two_sided=False)
    assert sig4(r.power) == sig4(0.985459690251624)


def test_t_unequal_allocation_matches_pwr_t2n():
    # R pwr: pwr.t2n.test(d=0.1, n1=20, n2=30, sig.level=0.05, alternative="two.sided")
    # power = 0.0633081832564667 (statsmodels test_power.py, TestTTPowerTwoS5); ratio = n2/n1 = 1.5
    r = solve("individual", effect=0.1, n=20, ratio=1.5, power=None)
    assert sig4(r.power) == sig4(0.0633081832564667)


def test_t_sample_size_round_trip_and_r2_and_attrition():
    # n from statsmodels' solver must give back pwr's power for d=1, n=30 (same reference as above)
    r = solve("individual", effect=1.0, n=None, power=0.967708258242517)
    assert r.intermediates["exact_n"] == pytest.approx(30, rel=1e-6)
    # hand-computed: R² = 0.75 halves the SD, so d = 0.5 acts as d = 1.0: same n
    r2 = solve("individual", effect=0.5, n=None, power=0.967708258242517, r2_1=0.75)
    assert r2.intermediates["exact_n"] == pytest.approx(30, rel=1e-6)
    # attrition 20 %: recruit 30 / 0.8 = 37.5 → 38 per arm
    r3 = solve("individual", effect=1.0, n=None, power=0.967708258242517, attrition=0.2)
    assert r3.intermediates["exact_n"] == pytest.approx(37.5, rel=1e-6)
    assert r3.n == 38 and r3.value == 38


def test_t_mdes_round_trip():
    # the MDES at n = 30 and pwr's power 0.9677... is d = 1 (pwr.t.test reference above)
    r = solve("individual", effect=None, n=30, power=0.967708258242517)
    assert r.solved == "mdes"
    assert sig4(r.mdes) == 1.0


# -------------------------------------------------------------------------------- individual: binary


def test_arcsine_power_matches_pwr_2p():
    # R pwr: pwr.2p.test(h=0.3, n=80, sig.level=0.05) power = 0.475100870572638
    # (statsmodels test_power.py, test_normal_power_explicit). p1 chosen so that Cohen's h is 0.3.
    p0 = 0.5
    p1 = math.sin(math.asin(math.sqrt(p0)) + 0.15) ** 2
    r = solve("individual", "binary", p0=p0, p1=p1, n=80, power=None, method="arcsine")
    assert r.intermediates["cohens_h"] == pytest.approx(0.3, abs=1e-12)
    assert sig4(r.power) == sig4(0.475100870572638)
    # and back: the minimum detectable p1 at that power is the p1 we started from
    back = solve("individual", "binary", p0=p0, p1=None, n=80, power=0.475100870572638)
    assert back.p1 == pytest.approx(p1, rel=1e-6)
    assert back.mdes == pytest.approx(0.3, rel=1e-6)


def test_normal_pooled_matches_r_power_prop_test():
    # R stats::power.prop.test documented examples (pooled variance under H0, as here):
    #   power.prop.test(n = 50, p1 = .50, p2 = .75)       ## => power = 0.740
    #   power.prop.test(p1 = .50, p2 = .75, power = .90)  ## => n = 76.7
    # The help page prints three digits, so three are checked.
    r = solve("individual", "binary", p0=0.5, p1=0.75, n=50, power=None, method="normal")
    assert round(r.power, 3) == 0.740
    r = solve("individual", "binary", p0=0.5, p1=0.75, n=None, power=0.90, method="normal")
    assert round(r.intermediates["exact_n"], 1) == 76.7
    assert r.n == 77


def test_normal_unpooled_hand_computed():
    # Wald variance under H0 and H1: z = |p1 − p0| / sqrt((p1q1 + p0q0)/n) = 0.25 / sqrt(0.4375/50)
    z = 0.25 / math.sqrt((0.75 * 0.25 + 0.5 * 0.5) / 50)
    crit = stats.norm.ppf(0.975)
    expected = stats.norm.cdf(z - crit) + stats.norm.cdf(-z - crit)
    r = solve("individual", "binary", p0=0.5, p1=0.75, n=50, power=None, method="normal",
              variance="unpooled")
    assert sig4(r.power) == sig4(expected)


# ------------------------------------------------------------------------------------- cluster (CRA2_2)


def test_cra2_mdes_matches_powerupr_cross_check():
    # PowerUpR manual, cra2r2 examples ("cross-checks for the main effect"):
    #   mdes.cra2r2(rho2=.17, n=15, J=20); power.cra2r2(es=.629, ...); mrss.cra2r2(es=.629, ...)
    # The manual gives the MDES to three digits (.629), so three are checked, plus the formula by hand:
    # SE² = .17/(.25·20) + .83/(.25·20·15) = 0.0450667, M = t(.975, 18) + t(.80, 18).
    r = solve("cluster", effect=None, icc=0.17, cluster_size=15, clusters=20, power=0.80)
    assert round(r.mdes, 3) == 0.629
    M = stats.t.ppf(0.975, 18) + stats.t.ppf(0.80, 18)
    assert sig4(r.mdes) == sig4(M * math.sqrt(0.17 / 5 + 0.83 / 75))
    assert r.intermediates["df"] == 18
    assert sig4(r.intermediates["multiplier"]) == sig4(M)


def test_cra2_power_and_clusters_match_powerupr_cross_check():
    # same PowerUpR cross-check: es = .629 gives power .80 with J = 20 (printed to two digits)
    r = solve("cluster", effect=0.629, icc=0.17, cluster_size=15, clusters=20, power=None)
    assert round(r.power, 2) == 0.80
    # mrss: J = 20 (.629 is the rounded MDES, so the exact J is a hair above 20 and rounds up to 21)
    j = solve("cluster", effect=0.629, icc=0.17, cluster_size=15, clusters=None, power=0.80)
    assert round(j.intermediates["exact_clusters"]) == 20
    assert j.clusters == 21 and j.value == 21


def test_cra2_covariates_and_eldridge_design_effect_hand_computed():
    # Dong & Maynard (2013) CRA2_2 with R² at both levels and g* = 1 covariate: df = J − g* − 2, and
    # SE² = ρ(1 − R2²)/(P(1−P)J) + (1 − ρ)(1 − R1²)/(P(1−P)Jn); hand-computed for
    # ρ = .20, R1² = .5, R2² = .7, n = 20, J = 40, P = .5: SE² = .2·.3/10 + .8·.5/200 = 0.008
    r = solve("cluster", effect=None, icc=0.2, r2_1=0.5, r2_2=0.7, covariates=1, cluster_size=20,
              clusters=40, power=0.8)
    M = stats.t.ppf(0.975, 37) + stats.t.ppf(0.80, 37)
    assert sig4(r.mdes) == sig4(M * math.sqrt(0.008))
    # Eldridge, Ashby & Kerry (2006): with R² = 0 the variance equals the equal-size variance times
    # DE_cv / DE_0, DE_cv = 1 + ((CV² + 1)m̄ − 1)ρ. ρ = .05, m̄ = 20, CV = .6: DE = 1 + (1.36·20 − 1)·.05 = 2.31
    equal = solve("cluster", effect=None, icc=0.05, cluster_size=20, clusters=30, power=0.8)
    unequal = solve("cluster", effect=None, icc=0.05, cluster_size=20, clusters=30, power=0.8, cv=0.6)
    assert sig4(unequal.intermediates["design_effect"]) == 2.31
    de0 = 1 + 19 * 0.05
    assert sig4(unequal.mdes / equal.mdes) == sig4(math.sqrt(2.31 / de0))


def test_cra2_cluster_size_solution_reaches_the_mdes():
    r = solve("cluster", effect=0.5, icc=0.1, clusters=30, cluster_size=None, power=0.8)
    exact = r.intermediates["exact_cluster_size"]
    back = solve("cluster", effect=None, icc=0.1, clusters=30, cluster_size=exact, power=0.8)
    assert back.mdes == pytest.approx(0.5, rel=1e-9)
    with pytest.raises(InputError) as err:  # ρ/(PQJ) alone exceeds (es/M)²: no n is enough
        solve("cluster", effect=0.2, icc=0.3, clusters=10, cluster_size=None, power=0.8)
    assert err.value.field == "clusters"


def test_binary_cluster_mdes_maps_back_to_p1():
    r = solve("cluster", "binary", p0=0.2, p1=None, icc=0.05, cluster_size=25, clusters=40, power=0.8)
    d = (r.p1 - 0.2) / math.sqrt(((r.p1 + 0.2) / 2) * (1 - (r.p1 + 0.2) / 2))
    assert sig4(d) == sig4(r.mdes)


# ----------------------------------------------------------------------------- multi-site (BIRA2_1)


def test_bira2_mdes_matches_powerupr_cross_check():
    # PowerUpR manual, bira2r1 examples: mdes.bira2r1(rho2=.17, omega2=.50, n=15, J=20) and
    # power.bira2r1(es=.366, ...): MDES .366 (three digits printed). By hand (Dong & Maynard 2013,
    # BIRA2_1): SE² = ρω/J + (1 − ρ)/(P(1−P)Jn) = .085/20 + .83/75, df = J − 1 = 19.
    r = solve("multisite", effect=None, icc=0.17, omega=0.5, cluster_size=15, clusters=20, power=0.8)
    assert round(r.mdes, 3) == 0.366
    M = stats.t.ppf(0.975, 19) + stats.t.ppf(0.80, 19)
    assert sig4(r.mdes) == sig4(M * math.sqrt(0.085 / 20 + 0.83 / 75))
    p = solve("multisite", effect=0.366, icc=0.17, omega=0.5, cluster_size=15, clusters=20, power=None)
    assert round(p.power, 2) == 0.80


# ----------------------------------------------------------------------------------- stepped wedge


def test_stepped_wedge_matches_swpwr_example():
    # swCRTdesign README and ?swPwr Example 1: swPwr(swDsn(c(6,6,6,6)), distn="binomial", n=120,
    # mu0=0.05, mu1=0.035, tau=0.01, eta=0, rho=0, gamma=0, alpha=0.05) → 0.7861896
    # (the Hussey & Hughes 2007 example: 24 clusters, 5 periods)
    r = solve("stepped-wedge", "binary", p0=0.05, p1=0.035, n=120, tau=0.01, waves="6,6,6,6", power=None)
    assert sig4(r.power) == sig4(0.7861896)
    assert r.intermediates["periods"] == 5 and r.clusters == 24


def test_stepped_wedge_gls_equals_hussey_hughes_closed_form():
    # Hussey & Hughes (2007) closed form (no random treatment effect) against the GLS used here
    waves = (3, 2, 4)
    gls = tp._sw_variance(waves, n=30, sigma2=4.0, tau=0.7, eta=0.0, rho_te=0.0)
    assert sig4(gls) == sig4(hussey_hughes_variance(waves, n=30, sigma=2.0, tau=0.7))


def test_stepped_wedge_random_treatment_effect_against_statsmodels_gls():
    # No published swPwr output with eta > 0 was found; the Hughes, Granston & Heagerty (2015) model
    # (Cov = τ² + x_j x_l η² + (x_j + x_l)ρτη + σ²/n on the diagonal) is checked against statsmodels'
    # GLS on the stacked cluster-period design with that covariance built independently.
    import statsmodels.api as sm

    waves, n, sigma2, tau, eta, rho = (2, 2, 2), 50, 1.0, 0.3, 0.2, 0.4
    X = tp._sw_matrix(waves)
    I, T = X.shape
    rows, blocks = [], []
    for i in range(I):
        for j in range(T):
            rows.append([1.0] + [1.0 if j == k else 0.0 for k in range(1, T)] + [X[i, j]])
        x = X[i]
        blocks.append(tau ** 2 + np.outer(x, x) * eta ** 2 + np.add.outer(x, x) * rho * tau * eta
                      + np.eye(T) * sigma2 / n)
    V = linalg.block_diag(*blocks)
    fit = sm.GLS(np.zeros(I * T), np.array(rows), sigma=V).fit()
    expected = fit.normalized_cov_params[-1, -1]
    got = tp._sw_variance(waves, n, sigma2, tau, eta, rho)
    assert sig4(got) == sig4(expected)
    no_eta = tp._sw_variance(waves, n, sigma2, tau, 0.0, 0.0)
    assert got > no_eta  # heterogeneous effects cost precision


def test_stepped_wedge_solves_n_and_mdes():
    n = solve("stepped-wedge", "binary", p0=0.05, p1=0.035, n=None, tau=0.01, waves=[6, 6, 6, 6],
              power=0.7861896)
    assert n.intermediates["exact_n"] == pytest.approx(120, rel=1e-5)
    m = solve("stepped-wedge", effect=None, n=20, tau=0.5, sigma=2.0, waves="4,4,4", power=0.8, eta=0.1)
    back = solve("stepped-wedge", effect=m.mdes, n=20, tau=0.5, sigma=2.0, waves="4,4,4", power=None,
                 eta=0.1)
    assert back.power == pytest.approx(0.8, abs=1e-9)


# ------------------------------------------------------------------------------- DiD / ANCOVA, RDD


@pytest.mark.parametrize("estimator,m,r,rho,factor", [
    # McKenzie (2012), J Dev Econ 99, hand-computed from his variance formulas (relative to 2σ²/n):
    # POST (1 + (r−1)ρ)/r; ANCOVA (1 + (r−1)ρ)/r − mρ²/(1 + (m−1)ρ);
    # DiD (1 + (m−1)ρ)/m + (1 + (r−1)ρ)/r − 2ρ
    ("post", 1, 3, 0.5, (1 + 2 * 0.5) / 3),                       # 0.6667
    ("ancova", 1, 1, 0.5, 1 - 0.25),                               # 0.75
    ("did", 1, 1, 0.5, 2 * (1 - 0.5)),                             # 1.0
    ("ancova", 3, 3, 0.3, (1 + 2 * 0.3) / 3 - 3 * 0.09 / (1 + 2 * 0.3)),  # 0.3646
    ("did", 2, 4, 0.7, (1 + 0.7) / 2 + (1 + 3 * 0.7) / 4 - 1.4),  # 0.225
])
def test_mckenzie_variance_factors(estimator, m, r, rho, factor):
    res = solve("did", effect=0.2, n=100, power=None, autocorrelation=rho, pre_periods=m,
                post_periods=r, estimator=estimator)
    assert sig4(res.intermediates["design_effect"]) == sig4(factor)
    # the power equals an RCT's at effect d / sqrt(factor)
    plain = solve("individual", effect=0.2 / math.sqrt(factor), n=100, power=None)
    assert res.power == pytest.approx(plain.power, rel=1e-12)


def test_rdd_design_effect_normal_score_at_mean():
    # Schochet (2009): DE = 1/(1 − ρ²_TS); a normal score cut at its mean has ρ²_TS = 2/π, DE ≈ 2.75
    r = solve("rdd", effect=0.2, n=None, power=0.8)
    assert sig4(r.intermediates["design_effect"]) == sig4(1 / (1 - 2 / math.pi))
    assert round(r.intermediates["design_effect"], 2) == 2.75
    # the RD has the power of an RCT of the same size at effect d / sqrt(DE)
    rct = solve("individual", effect=0.2 / math.sqrt(1 / (1 - 2 / math.pi)), n=r.n, power=None)
    assert r.power == pytest.approx(rct.power, rel=1e-12)
    given = solve("rdd", effect=0.2, n=500, power=None, rho_ts=0.6)
    assert sig4(given.intermediates["design_effect"]) == sig4(1 / 0.64)


# -------------------------------------------------------------------------------- results object


def test_result_object_dict_frame_and_curve():
    r = solve("cluster", effect=0.3, icc=0.1, cluster_size=20, clusters=None, power=0.8)
    d = r.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["solved"] == "clusters" and d["clusters"] == r.clusters == r.value
    assert {"df", "multiplier", "design_effect", "variance"} <= set(d["intermediates"])
    frame = r.summary_frame()
    assert frame.loc["clusters", "role"] == "solved"
    assert frame.loc["icc", "value"] == 0.1
    curve = r.curve(over="clusters")
    assert list(curve.columns) == ["clusters", "power"]
    assert curve["power"].is_monotonic_increasing
    at = curve.loc[curve["clusters"] == r.clusters, "power"]
    assert at.iloc[0] == pytest.approx(r.power)
    table = solve("individual", effect=0.5, n=64, power=None).curve(over="n", values=[20, 64, 100])
    assert table["power"].iloc[1] == pytest.approx(solve("individual", effect=0.5, n=64, power=None).power)
    with pytest.raises(InputError) as err:
        r.curve(over="n")
    assert err.value.field == "over"


def test_statsmodels_silent_failure_is_refused(monkeypatch):
    # solve_power may hand back an array or a NaN without raising: both are caught
    from statsmodels.stats.power import TTestIndPower

    monkeypatch.setattr(TTestIndPower, "solve_power", lambda self, **kw: np.array([np.nan]))
    with pytest.raises(InputError) as err:
        solve("individual", effect=0.5, n=None, power=0.8)
    assert err.value.field == "n"
    monkeypatch.setattr(TTestIndPower, "solve_power", lambda self, **kw: np.array([10.0]))
    with pytest.raises(InputError, match="does not give the requested power"):
        solve("individual", effect=0.5, n=None, power=0.8)


def test_scalar_returned_from_array_solution(monkeypatch):
    from statsmodels.stats.power import TTestIndPower

    true = TTestIndPower.solve_power
    monkeypatch.setattr(TTestIndPower, "solve_power", lambda self, **kw: np.array([true(self, **kw)]))
    r = solve("individual", effect=0.5, n=None, power=0.8)
    assert isinstance(r.value, float) and isinstance(r.intermediates["exact_n"], float)


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs,field", [
    ({"design": "cluster", "effect": 0.3, "icc": 1.0, "cluster_size": 20, "clusters": None, "power": 0.8}, "icc"),
    ({"design": "cluster", "effect": 0.3, "icc": -0.1, "cluster_size": 20, "clusters": None, "power": 0.8}, "icc"),
    ({"design": "individual", "effect": 0.3, "n": None, "power": 0.04, "alpha": 0.05}, "power"),
    ({"design": "individual", "outcome": "binary", "p0": 1.2, "p1": 0.5, "n": None, "power": 0.8}, "p0"),
    ({"design": "individual", "outcome": "binary", "p0": 0.2, "p1": 0.0, "n": None, "power": 0.8}, "p1"),
    ({"design": "cluster", "effect": 0.3, "icc": 0.1, "cluster_size": 20, "clusters": 3, "power": None}, "clusters"),
    ({"design": "stepped-wedge", "effect": 0.3, "tau": 0.1, "n": 10, "waves": "0,0,0", "power": None}, "waves"),
    ({"design": "stepped-wedge", "effect": 0.3, "tau": 0.1, "n": 10, "waves": "6,x", "power": None}, "waves"),
    ({"design": "stepped-wedge", "effect": 0.3, "n": 10, "waves": "2,2", "power": None}, "tau"),
    ({"design": "individual", "effect": 0.3, "n": None, "power": None}, "n"),
    ({"design": "individual", "effect": 0.3, "n": 50, "power": 0.8}, "power"),
    ({"design": "individual", "effect": 0.3, "n": None, "power": 0.8, "icc": 0.1}, "icc"),
    ({"design": "cluster", "effect": 0.3, "cluster_size": 20, "clusters": None, "power": 0.8}, "icc"),
    ({"design": "did", "effect": 0.3, "n": None, "power": 0.8}, "autocorrelation"),
    ({"design": "trial", "effect": 0.3, "n": None, "power": 0.8}, "design"),
    ({"design": "individual", "effect": 0.0, "n": None, "power": 0.8}, "effect"),
    ({"design": "individual", "effect": 0.3, "n": None, "power": 0.8, "attrition": 1.0}, "attrition"),
])
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        solve(**kwargs)
    assert err.value.field == field
    assert field in str(err.value)
