"""The barometer: hand-built cases, and every municipality's NEET class checked against scipy / statsmodels."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from oppvekst import regions
from oppvekst.compare.barometer import BETTER, NOT_ASSESSED, SAME, WORSE, Method, barometer, classify, pooled
from oppvekst.compare.data import load_observations
from oppvekst.indicators.catalogue import catalogue


def aligned(rows, indicator="neet_15_29", **extra):
    """Rows of (region, x, n, ref_x, ref_n[, area_in_ref]) as an aligned frame, proportions in per cent."""
    out = []
    for r in rows:
        region, x, n, rx, rn, *rest = r
        lo, hi = proportion_confint(x, n, method="wilson")
        out.append({"indicator": indicator, "region": region, "period_from": 2024, "period_to": 2024,
                    "sex": "all", "age": "15-29", "background": "all", "ses": "all", "numerator": x,
                    "denominator": n, "value": 100 * x / n, "ci_low": 100 * lo, "ci_high": 100 * hi, "n_years": 1,
                    "flag": 0, "ref_numerator": rx, "ref_denominator": rn, "ref_value": 100 * rx / rn,
                    "ref_ci_low": np.nan, "ref_ci_high": np.nan, "ref_n_years": 1, "ref_flag": 0,
                    "area_in_ref": rest[0] if rest else True, "comparator": "national", "breakdown": "total"})
    return pd.DataFrame(out).assign(**extra)


NATIONAL = (104388, 1044103)   # SSB 13556, 2024 (SOURCES.md)


def central_fisher(a, n, b, m):
    less = fisher_exact([[a, n - a], [b, m - b]], alternative="less").pvalue
    greater = fisher_exact([[a, n - a], [b, m - b]], alternative="greater").pvalue
    return min(1.0, 2 * min(less, greater))


def test_exact_method_hand_cases():
    # Porsgrunn 2024: 698 of 6430 (SOURCES.md) against the rest of the country
    df = aligned([("4001", 698, 6430, *NATIONAL), ("A", 30, 1000, *NATIONAL), ("B", 200, 1000, *NATIONAL)])
    out = classify(df, method=Method("exact", None)).set_index("region")
    p = central_fisher(698, 6430, NATIONAL[0] - 698, NATIONAL[1] - 6430)
    assert out.loc["4001", "p_value"] == pytest.approx(p, rel=1e-8)
    assert out.loc["4001", "cls"] == (WORSE if p < 0.05 else SAME)
    assert out.loc["A", "cls"] == BETTER      # 3 % against 10 %: higher is worse, so lower is better
    assert out.loc["B", "cls"] == WORSE
    assert out.loc["A", "test"] == "fisher" and out.loc["A", "method"] == "exact"


def test_interval_method_equals_the_wilson_interval_without_fdr():
    rng = np.random.default_rng(7)
    n = rng.integers(20, 5000, 300)
    x = rng.binomial(n, rng.uniform(0.06, 0.15, 300))
    df = aligned([(f"R{i}", int(a), int(b), *NATIONAL) for i, (a, b) in enumerate(zip(x, n, strict=True))])
    out = classify(df, method=Method("interval", None))
    nat = NATIONAL[0] / NATIONAL[1] * 100
    outside = (out["ci_low"] > nat) | (out["ci_high"] < nat)
    assert np.array_equal(outside.to_numpy(), (out["cls"] != SAME).to_numpy())
    assert (out.loc[out["ci_low"] > nat, "cls"] == WORSE).all()


def test_bh_keeps_a_lone_marginal_difference_from_being_coloured():
    # one profile (region P), three indicators; raw p ≈ 0.03, 0.6, 0.7: significant alone, not after BH
    rows = aligned([("P", 121, 1000, *NATIONAL)])
    p_raw = classify(rows, method=Method("exact", None))["p_value"].iloc[0]
    assert 0.01 < p_raw < 0.05
    family = pd.concat([rows, aligned([("P", 100, 1000, *NATIONAL)], indicator="upper_secondary_completion"),
                        aligned([("P", 99, 1000, *NATIONAL)], indicator="bullying_7_10")])
    alone = classify(rows, method=Method("exact", "bh")).iloc[0]
    assert alone["cls"] == WORSE and alone["p_adjusted"] == pytest.approx(p_raw)
    out = classify(family, method=Method("exact", "bh"))
    expected = multipletests(out["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(out["p_adjusted"], expected)
    assert out.set_index("indicator").loc["neet_15_29", "cls"] == SAME


def test_polarity_neutral_binary_and_whole_comparator():
    higher_better = aligned([("A", 800, 1000, 700, 1000, False)], indicator="kindergarten_1_5")
    assert classify(higher_better, method=Method("exact", None))["cls"].iloc[0] == BETTER
    neutral = aligned([("A", 500, 1000, *NATIONAL)], indicator="single_parent_0_17")
    n = classify(neutral).iloc[0]
    assert n["cls"] == NOT_ASSESSED and n["direction"] == "higher" and "nøytral" in n["reason"]
    binary = aligned([("A", 1, 1, 5, 10, False)], indicator="asss_01_prevention_plan")
    assert classify(binary)["cls"].iloc[0] == NOT_ASSESSED
    # Oslo municipality against Oslo county: the rest is empty
    whole = aligned([("0301", 16109, 159078, 16109, 159078)])
    w = classify(whole, method=Method("exact")).iloc[0]
    assert w["cls"] == NOT_ASSESSED and "hele" in w["reason"]
    missing = aligned([("A", 10, 100, *NATIONAL)]).assign(flag=1, value=np.nan)
    assert classify(missing)["cls"].iloc[0] == NOT_ASSESSED


def test_change_against_previous_period_uses_two_independent_groups():
    df = aligned([("A", 130, 1000, 100, 1000, False)])
    out = classify(df, method=Method("exact", None), kind="change").iloc[0]
    assert out["p_value"] == pytest.approx(central_fisher(130, 1000, 100, 1000), rel=1e-8)
    assert out["cls"] == WORSE          # 13 % now against 10 % before: higher is worse


def test_pooled_group_value_needs_every_member():
    obs = pd.DataFrame([
        {"indicator": "neet_15_29", "region": r, "period_from": 2024, "period_to": 2024, "sex": "all", "age": "15-29",
         "background": "all", "ses": "all", "numerator": x, "denominator": n, "value": 100 * x / n, "n_years": 1,
         "flag": f} for r, x, n, f in (("A", 10, 100, 0), ("B", 30, 200, 0), ("C", np.nan, 50, 1))])
    both = pooled(obs, ["A", "B"]).iloc[0]
    assert both["value"] == pytest.approx(40 / 300 * 100)
    lo, hi = proportion_confint(40, 300, method="wilson")
    assert (both["ci_low"], both["ci_high"]) == pytest.approx((lo * 100, hi * 100))
    assert pooled(obs, ["A", "C"]).iloc[0]["flag"] == 2


# -- the real NEET data (SSB 13556, bundled) ----------------------------------------------------------

@pytest.fixture(scope="module")
def neet_2024(built_path):
    from oppvekst.warehouse import Warehouse

    with Warehouse(built_path, read_only=True) as wh:
        obs = load_observations(wh, self_reports=False)
    return obs


def test_every_municipality_neet_class_matches_scipy(neet_2024):
    rt = regions.regions_2024()
    b = barometer(neet_2024, rt, method=Method("exact", None), comparators=("national",), levels=("kommune",),
                  years=[2024])
    b = b[b["indicator"] == "neet_15_29"].set_index("region")
    munis = rt.loc[rt["level"] == "kommune", "code"]
    assert set(b.index) == set(munis)                 # all 357 municipalities get a row
    obs = neet_2024[(neet_2024["indicator"] == "neet_15_29") & (neet_2024["period_to"] == 2024)
                    & (neet_2024["sex"] == "all") & (neet_2024["age"] == "15-29")].set_index("region")
    nx, nn = obs.loc["0", "numerator"], obs.loc["0", "denominator"]
    assert (nx, nn) == NATIONAL
    checked = 0
    for code in munis:
        row = obs.loc[code]
        if row["flag"] != 0:
            assert b.loc[code, "cls"] == NOT_ASSESSED
            continue
        x, n = round(row["numerator"]), round(row["denominator"])
        p = central_fisher(x, n, nx - x, nn - n)
        assert b.loc[code, "p_value"] == pytest.approx(p, rel=1e-6, abs=1e-12), code
        expected = SAME if p >= 0.05 else (WORSE if x / n > nx / nn else BETTER)
        assert b.loc[code, "cls"] == expected, code
        checked += 1
    assert checked > 300
    # the interval method agrees with statsmodels' Wilson interval for every municipality
    bi = barometer(neet_2024, rt, method=Method("interval", None), comparators=("national",), levels=("kommune",),
                   years=[2024])
    bi = bi[bi["indicator"] == "neet_15_29"].set_index("region")
    for code in munis:
        row = obs.loc[code]
        if row["flag"] != 0:
            continue
        lo, hi = proportion_confint(row["numerator"], row["denominator"], method="wilson")
        outside = not (lo <= nx / nn <= hi)
        assert (bi.loc[code, "cls"] != SAME) == outside, code


def test_bh_families_are_one_profile_each(neet_2024):
    rt = regions.regions_2024()
    b = barometer(neet_2024, rt, method=Method("exact", "bh"), levels=("kommune",), latest_only=True,
                  asss=regions.peer_groups()["asss"])
    for (region, comparator), fam in b.groupby(["region", "comparator"]):
        tested = fam["p_value"].notna() & (fam["reason"] == "")
        if tested.sum() == 0:
            continue
        expected = multipletests(fam.loc[tested, "p_value"], method="fdr_bh")[1]
        np.testing.assert_allclose(fam.loc[tested, "p_adjusted"], expected, err_msg=f"{region} {comparator}")
    assert set(b["comparator"]) == {"national", "parent", "asss", "previous"}
    assert "befolkning" not in {catalogue()[i].theme for i in b["indicator"].unique()}


def test_synthetic_twin_is_not_assessed_where_the_real_indicator_has_data(neet_2024):
    rt = regions.regions_2024()
    real = neet_2024[(neet_2024["indicator"] == "neet_15_29") & (neet_2024["period_to"] == 2024)]
    twin = real.assign(indicator="neet_15_29_syn", synthetic=True)
    twin_only = twin[twin["region"].isin(["0", "4001"])]
    mix = pd.concat([real[real["region"] != "4001"], twin_only], ignore_index=True)
    b = barometer(mix, rt, comparators=("national",), levels=("kommune",), years=[2024])
    sub = b[b["region"].isin(["4001", "0301"])]
    got = set(sub["indicator"].astype(str) + "@" + sub["region"].astype(str))
    assert "neet_15_29_syn@4001" in got          # no real value for 4001: the twin stands in
    assert "neet_15_29_syn@0301" not in got      # the real value is there: the twin is left out
