"""Trial analysis: each test names the published or hand-computed value it reproduces."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm

from oppvekst.errors import InputError
from oppvekst.evidence import validate
from oppvekst.trials import analysis as an


@pytest.fixture(scope="module")
def petersen() -> pd.DataFrame:
    # Petersen's test data (5000 firm-years, 500 firms) ships with statsmodels' own tests.
    path = Path(statsmodels.__file__).parent / "stats" / "tests" / "test_data.txt"
    return pd.read_csv(path, sep=r"\s+", header=None, names=["firm", "year", "x", "y"])


def test_cr1_reproduces_petersen_standard_errors_clustered_by_firm(petersen):
    # Petersen (2009), "Programming advice – standard errors" test data page: y on x with SEs
    # clustered by firm: coefficient 1.0348, SE 0.0506; intercept SE 0.0670 (also in statsmodels'
    # test_sandwich.py, bse_pet0 = [0.0670, 0.0506]).
    x = sm.add_constant(petersen[["x"]])
    fit = an._cluster_fit(petersen["y"], x, petersen["firm"], ["x", "const"], "CR1")
    assert fit["x"][0] == pytest.approx(1.0348, abs=5e-5)
    assert fit["x"][1] == pytest.approx(0.0506, abs=5e-5)
    assert fit["const"][1] == pytest.approx(0.0670, abs=5e-5)


def test_cr2_and_bell_mccaffrey_df_match_clubsandwich_closed_form():
    # clubSandwich tests/testthat/test_intercept_formulas.R ("CR2 and df agree with formulas"), for
    # the mean of clusters of unequal size n_j: V = Σ n_j² (ȳ_j − ȳ)² / (1 − n_j/N) / N², and
    # df = N² / (N² Σ n_j²/(N−n_j)² − 2N Σ n_j³/(N−n_j)² + (Σ n_j²/(N−n_j))²).
    rng = np.random.default_rng(20190513)
    nj = np.array([1, 3, 5, 2, 8, 4, 6, 2, 9])
    g = np.repeat(np.arange(len(nj)), nj)
    y = rng.normal(size=len(nj))[g] + rng.normal(size=nj.sum())
    n = nj.sum()
    ybar = pd.Series(y).groupby(g).mean().to_numpy()
    v_formula = np.sum(nj**2 * (ybar - y.mean()) ** 2 / (1 - nj / n)) / n**2
    df_formula = n**2 / (n**2 * np.sum(nj**2 / (n - nj) ** 2) - 2 * n * np.sum(nj**3 / (n - nj) ** 2)
                         + np.sum(nj**2 / (n - nj)) ** 2)
    vcov, dfs = an.cr2(np.ones((n, 1)), y - y.mean(), g)
    assert vcov[0, 0] == pytest.approx(v_formula, rel=1e-10)
    assert dfs[0] == pytest.approx(df_formula, rel=1e-10)


def test_cr2_with_singleton_clusters_is_hc2():
    # With one observation per cluster, A_j = (1 − h_ii)^(−1/2) and CR2 is HC2 (MacKinnon–White).
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"t": np.repeat([0, 1], 15), "z": rng.normal(size=30)})
    d["y"] = 0.4 * d.t + d.z + rng.normal(size=30) * (1 + d.t)
    d["id"] = range(30)
    cr2 = an.estimate_effect(d, "y", "t", covariates=["z"], cluster="id", se="CR2")
    hc2 = an.estimate_effect(d, "y", "t", covariates=["z"], se="HC2")
    assert cr2.se == pytest.approx(hc2.se, rel=1e-10)
    assert cr2.estimate == pytest.approx(hc2.estimate)


def test_cr2_is_the_default_with_clusters_and_its_df_lie_below_j_minus_1():
    rng = np.random.default_rng(5)
    clusters = np.repeat(np.arange(8), 10)
    t = (clusters % 2).astype(int)
    y = 0.3 * t + rng.normal(size=8)[clusters] + rng.normal(size=80)
    d = pd.DataFrame({"y": y, "t": t, "c": clusters})
    r = an.estimate_effect(d, "y", "t", cluster="c")
    assert r.cov_type == "CR2" and r.df < 7  # Bell–McCaffrey df below the naive J − 1
    assert r.groups["clusters"] == 8


def test_difference_in_means_hc2_is_the_neyman_variance():
    # Hand computation: HC2 SE of a difference in means = sqrt(s_t²/n_t + s_c²/n_c) (Samii & Aronow 2012).
    d = pd.DataFrame({"t": [1, 1, 1, 1, 0, 0, 0], "y": [5.0, 7.0, 6.0, 9.0, 4.0, 3.0, 6.5]})
    r = an.estimate_effect(d, "y", "t")
    yt, yc = d.y[d.t == 1], d.y[d.t == 0]
    assert r.estimate == pytest.approx(yt.mean() - yc.mean())
    assert r.se == pytest.approx(math.sqrt(yt.var() / 4 + yc.var() / 3))
    assert r.method == "difference_in_means" and r.cov_type == "HC2"
    lo, hi = r.conf_int()
    assert lo < r.estimate < hi
    assert set(r.summary_frame().columns) >= {"estimate", "se", "pvalue", "ci_low", "ci_high"}


def test_ancova_coefficient_equals_ols():
    rng = np.random.default_rng(8)
    d = pd.DataFrame({"t": np.repeat([0, 1], 20), "pre": rng.normal(size=40)})
    d["y"] = 0.5 * d.t + 0.8 * d.pre + rng.normal(size=40)
    r = an.estimate_effect(d, "y", "t", covariates=["pre"])
    ref = sm.OLS(d.y, sm.add_constant(d[["t", "pre"]])).fit(cov_type="HC2")
    assert r.estimate == pytest.approx(ref.params["t"]) and r.se == pytest.approx(ref.bse["t"])
    assert r.method == "ancova"


def _binary_data() -> pd.DataFrame:
    # 2×2 table: treatment 30 events of 50, control 20 of 50
    return pd.DataFrame({"t": [1] * 50 + [0] * 50,
                         "y": [1] * 30 + [0] * 20 + [1] * 20 + [0] * 30})


def test_risk_difference_hand_computed():
    r = an.risk_difference(_binary_data(), "y", "t")
    assert r.estimate == pytest.approx(0.2)
    # HC2 of a difference in proportions: p(1−p)/(n−1) per arm
    assert r.se == pytest.approx(math.sqrt(0.6 * 0.4 / 49 + 0.4 * 0.6 / 49))


def test_odds_ratio_equals_woolf_2x2():
    # Hand computation: OR = (30·30)/(20·20) = 2.25, SE(ln OR) = sqrt(1/30 + 1/20 + 1/20 + 1/30)
    r = an.odds_ratio(_binary_data(), "y", "t")
    assert math.exp(r.estimate) == pytest.approx(2.25, rel=1e-6)
    assert r.se == pytest.approx(math.sqrt(2 / 30 + 2 / 20), rel=1e-5)
    row = r.summary_frame().iloc[0]
    assert row["or_ci_low"] == pytest.approx(math.exp(math.log(2.25) - 1.959964 * r.se), rel=1e-5)


def test_did_two_by_two_equals_difference_of_differences():
    # Hand computation: TWFE on a balanced 2×2 panel = (T post − T pre) − (C post − C pre).
    rng = np.random.default_rng(1)
    rows = []
    for u in range(20):
        treated = u < 10
        for p in (0, 1):
            rows.append({"unit": u, "period": p, "d": int(treated and p == 1),
                         "y": u * 0.1 + p + 2.0 * (treated and p == 1) + rng.normal()})
    panel = pd.DataFrame(rows)
    r = an.did(panel, "y", "unit", "period", "d")
    m = panel.assign(tr=panel.unit < 10).groupby(["tr", "period"]).y.mean()
    assert r.estimate == pytest.approx((m[True, 1] - m[True, 0]) - (m[False, 1] - m[False, 0]))
    assert r.cov_type == "CR1" and r.df == 19
    assert an.did(panel, "y", "unit", "period", "d", se="CR2").se > 0


def test_event_study_recovers_known_effects_with_reference_zero():
    # Noise-free panel: unit and period effects plus effects 0, 0, 1, 2, 3 at relative periods −2..2.
    effects = {-3: 0.0, -2: 0.0, 0: 1.0, 1: 2.0, 2: 3.0}
    rows = []
    for u in range(12):
        first = {0: 3, 1: 3, 2: 4, 3: 4}.get(u % 6)  # units with u % 6 in 4, 5 are never treated
        for p in range(1, 7):
            rel = p - first if first else None
            y = u + 0.5 * p + (effects.get(rel, 0.0) if rel is not None else 0.0) + 1e-3 * ((u * 7 + p) % 3 - 1)
            rows.append({"unit": u, "period": p, "first": first, "y": y})
    es = an.event_study(pd.DataFrame(rows), "y", "unit", "period", "first")
    got = es.set_index("rel_period")["estimate"]
    assert got[-1] == 0.0 and bool(es.set_index("rel_period").loc[-1, "reference"])
    for rel in (0, 1, 2):
        assert got[rel] == pytest.approx(effects[rel], abs=5e-3)
    assert {"rel_period", "estimate", "ci_low", "ci_high"} <= set(es.columns)


def test_rdd_reproduces_rdrobust_senate_example():
    # rdrobust's illustration (Cattaneo, Frandsen & Titiunik 2015 Senate data, bundled with rdrobust):
    # rdrobust(vote, margin) → conventional 7.414 (SE 1.459), MSE-optimal h = 17.754, N 595 | 702,
    # effective N 360 | 323.
    from rdrobust.datasets import rdrobust_RDsenate

    r = an.rdd(rdrobust_RDsenate(), "vote", "margin")
    assert r.estimate == pytest.approx(7.414, abs=5e-4)
    assert r.se == pytest.approx(1.459, abs=5e-4)
    assert r.extra["bandwidth"] == pytest.approx(17.754, abs=5e-4)
    assert (r.extra["n_left"], r.extra["n_right"]) == (595, 702)
    assert (r.extra["n_left_effective"], r.extra["n_right_effective"]) == (360, 323)


# WWC Standards Handbook v4.1, Table II.1 (cells as transcribed in baselinr's attrition_boundary.R;
# its documented examples: 8 % overall / 3 points low if cautious; 30 % / 6 points high if cautious,
# low if optimistic).
@pytest.mark.parametrize("overall, cautious, optimistic", [(0, 5.7, 10.0), (10, 6.3, 10.9), (30, 4.1, 8.2),
                                                           (57, 0.0, 2.1), (65, None, 0.3)])
def test_wwc_boundary_table_cells(overall, cautious, optimistic):
    t = an.attrition_boundaries().set_index("overall_pct")
    c = t.loc[overall, "cautious_max_differential_pct"]
    assert (pd.isna(c) if cautious is None else c == cautious)
    assert t.loc[overall, "optimistic_max_differential_pct"] == optimistic


def test_wwc_attrition_classification():
    # 30 % overall, 6 points differential: treatment loses 33 of 100, control 27 of 100
    assert an.attrition(100, 67, 100, 73).level == "high"
    a = an.attrition(100, 67, 100, 73, boundary="optimistic")
    assert a.level == "low" and a.overall == pytest.approx(0.30) and a.differential == pytest.approx(0.06)
    assert an.attrition(100, 91, 100, 93).level == "low"    # 8 % overall, 2 points
    assert an.attrition(100, 40, 100, 40).level == "high"   # 60 % overall: beyond the cautious table
    with pytest.raises(InputError):
        an.attrition(10, 11, 10, 9)


def test_baseline_equivalence_wwc():
    # baselinr README example: pretest 5, 6, 7 vs 4, 5, 6 → g = 0.80 (ω = 1 − 3/(4·6 − 9) = 0.8),
    # "not_satisfied". Cox index, hand-computed: shares 2/3 vs 1/3 → (ln 2 − ln ½) / 1.65.
    d = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "pretest": [5, 6, 7, 4, 5, 6], "girl": [1, 0, 1, 0, 0, 1]})
    eq = an.baseline_equivalence(d, "t", ["pretest", "girl"]).set_index("covariate")
    assert eq.loc["pretest", "effect_size"] == pytest.approx(0.80)
    assert eq.loc["pretest", "category"] == "not_satisfied"
    assert eq.loc["girl", "effect_size"] == pytest.approx(2 * math.log(2) / 1.65)
    assert [an.wwc_category(g) for g in (0.05, -0.05001, 0.25, 0.2501)] == [
        "satisfied", "requires_adjustment", "requires_adjustment", "not_satisfied"]


def _fixed_p(outcome: str, p: float, role: str) -> an.EffectResult:
    from scipy import stats
    z = stats.norm.isf(p / 2)
    return an.EffectResult(outcome, "x", z, 1.0, None, "HC2", 10, 10, role=role)


def test_holm_and_bh_hand_computed():
    # p = 0.01, 0.04, 0.03 → Holm 0.03, 0.06, 0.06; BH 0.03, 0.04, 0.04 (hand computation)
    rs = [_fixed_p("a", 0.01, "primary"), _fixed_p("b", 0.04, "primary"), _fixed_p("c", 0.03, "primary")]
    holm = an.adjust_multiple(rs, "holm")
    assert holm.p_adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06])
    bh = an.adjust_multiple(rs, "fdr_bh")
    assert bh.p_adjusted.tolist() == pytest.approx([0.03, 0.04, 0.04])
    # families by role: a secondary outcome does not enlarge the primary family
    mixed = an.adjust_multiple(rs[:1] + [_fixed_p("s", 0.04, "secondary")], "holm")
    assert mixed.set_index("outcome").p_adjusted.tolist() == pytest.approx([0.01, 0.04])
    with pytest.raises(InputError):
        an.adjust_multiple([_fixed_p("a", 0.01, None)])


def test_study_effect_records_pass_the_evidence_validator():
    d = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "y": [5.0, 6.0, 7.0, 4.0, 5.0, 6.0]})
    smd = an.estimate_effect(d, "y", "t").to_study_effect("lesing", timepoint="12 mnd")
    # d = 1, exact J(4) from evidence.effects, metafor's LS variance
    from oppvekst.evidence.effects import hedges_j
    g = hedges_j(4)
    assert smd["measure_type"] == "smd" and smd["estimate"] == pytest.approx(g)
    assert smd["variance"] == pytest.approx(1 / 3 + 1 / 3 + g * g / 12)
    orr = an.odds_ratio(_binary_data(), "y", "t").to_study_effect("fullfort")
    assert orr["measure_type"] == "or" and orr["estimate"] == pytest.approx(2.25, rel=1e-6)
    where = validate.Where("test")
    for rec, outcome in ((smd, "lesing"), (orr, "fullfort")):
        clean = validate.effect(rec, where, {outcome})
        assert clean["vi"] == pytest.approx(rec["variance"])


PLAN = an.AnalysisPlan(treatment="t", outcomes=(an.OutcomeSpec("score", "continuous", "primary"),
                                                an.OutcomeSpec("done", "binary", "secondary")),
                       covariates=("pre",), cluster="school")


def _file(tmp_path, text: str) -> Path:
    p = tmp_path / "analyse.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_analysis_file_missing_column_is_refused(tmp_path):
    p = _file(tmp_path, "t,score,pre,school\n1,3,2,A\n")
    with pytest.raises(InputError) as exc:
        an.read_analysis_file(p, PLAN)
    assert exc.value.field == "done" and exc.value.file == str(p) and exc.value.row == 1


def test_analysis_file_non_numeric_value_names_row_and_column(tmp_path):
    p = _file(tmp_path, "t,score,done,pre,school\n1,3,1,2,A\n0,tre,0,2,B\n")
    with pytest.raises(InputError) as exc:
        an.read_analysis_file(p, PLAN)
    assert (exc.value.row, exc.value.field) == (3, "score")
    p = _file(tmp_path, "t,score,done,pre,school\n1,3,2,2,A\n")
    with pytest.raises(InputError, match="0 or 1") as exc:
        an.read_analysis_file(p, PLAN)
    assert exc.value.field == "done"


def test_analyse_whole_trial(tmp_path):
    rng = np.random.default_rng(42)
    lines = ["t,score,done,pre,school"]
    for s in range(10):
        t = s % 2
        for i in range(12):
            pre = rng.normal()
            score = "" if (s * 12 + i) % 17 == 0 else f"{0.4 * t + 0.7 * pre + rng.normal():.4f}".replace(".", ",")
            done = int(rng.random() < 0.4 + 0.2 * t)
            lines.append(f'{t},"{score}",{done},{pre:.4f},S{s}')
    data = an.read_analysis_file(_file(tmp_path, "\n".join(lines) + "\n"), PLAN)
    res = an.analyse(data, PLAN)
    table = res.summary_frame().set_index("outcome")
    assert table.loc["score", "cov_type"] == "CR2" and table.loc["done", "method"] == "odds_ratio"
    assert res.attrition.level in ("low", "high") and res.equivalence.loc[0, "covariate"] == "pre"
    assert len(res.to_study_effects()) == 2 and res.to_dict()["attrition"]["boundary"] == "cautious"


def test_too_few_units_or_clusters_per_arm_is_refused():
    d = pd.DataFrame({"t": [1, 0, 0, 0], "y": [1.0, 2.0, 3.0, 4.0], "c": ["a", "b", "b", "c"]})
    with pytest.raises(InputError, match="at least two"):
        an.estimate_effect(d, "y", "t")
    d2 = pd.DataFrame({"t": [1, 1, 0, 0, 0], "y": [1.0, 2.0, 3.0, 4.0, 5.0], "c": ["a", "a", "b", "c", "c"]})
    with pytest.raises(InputError, match="clusters"):
        an.estimate_effect(d2, "y", "t", cluster="c")
