"""Multi-year periods and standardisation: hand-computed cases, statsmodels, and the bundled NEET data."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from oppvekst.errors import InputError
from oppvekst.indicators import periods, standardisation
from oppvekst.indicators.neet import derive
from oppvekst.observations import frame


def annual(rows):
    return frame([{"indicator": "x", "region": r, "period_from": y, "numerator": n, "denominator": d,
                   "value": 100 * n / d, "flag": 0} for r, y, n, d in rows])


def test_three_year_sums_shown_as_annual_averages():
    obs = annual([("A", 2020, 10, 100), ("A", 2021, 20, 200), ("A", 2022, 30, 300), ("A", 2023, 12, 100)])
    out = periods.multi_year(obs, 3).set_index("period_to")
    assert list(out.index) == [2022, 2023]
    # 2020-2022: 60 / 600 = 10 %; shown as annual averages 20 / 200
    r = out.loc[2022]
    assert (r["period_from"], r["n_years"]) == (2020, 3)
    assert (r["numerator"], r["denominator"], r["value"]) == pytest.approx((20, 200, 10.0))
    lo, hi = proportion_confint(60, 600, method="wilson")     # the interval uses the sums
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo * 100, hi * 100))
    # 2021-2023: 62 / 600
    assert out.loc[2023, "value"] == pytest.approx(62 / 600 * 100)


def test_missing_year_rules():
    obs = annual([("A", 2020, 10, 100), ("A", 2022, 30, 300), ("B", 2020, 1, 10), ("B", 2021, 2, 10),
                  ("B", 2022, 3, 10)])
    strict = periods.multi_year(obs, 3).set_index("region")
    assert strict.loc["A", "flag"] == 2 and np.isnan(strict.loc["A", "value"])
    assert strict.loc["A", "flag_reason"] == "missing years"
    assert strict.loc["B", "value"] == pytest.approx(6 / 30 * 100)
    lenient = periods.multi_year(obs, 3, min_years=2).set_index("region")
    assert lenient.loc["A", "flag"] == 0 and lenient.loc["A", "n_years"] == 2
    assert lenient.loc["A", "value"] == pytest.approx(40 / 400 * 100)
    assert lenient.loc["A", "numerator"] == pytest.approx(20)            # 40 over the 2 years used
    # a suppressed year counts as missing
    sup = obs.copy()
    sup.loc[(sup["region"] == "B") & (sup["period_from"] == 2021), ["flag", "value", "numerator"]] = [3, np.nan, np.nan]
    sup["flag_reason"] = np.where(sup["flag"] == 3, "primary", None)
    assert periods.multi_year(sup, 3).set_index("region").loc["B", "flag"] == 2


def test_non_overlapping_step_and_rates():
    obs = annual([("A", y, y - 2015, 1000) for y in range(2016, 2025)])
    out = periods.multi_year(obs, 3, step=3, measure="rate", scale=1000)
    assert sorted(out["period_to"]) == [2018, 2021, 2024]
    r = out.set_index("period_to").loc[2024]
    lo, hi = confint_poisson(7 + 8 + 9, 3000, method="exact-c")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo * 1000, hi * 1000))


def test_direct_standardisation_hand_computed():
    ref = standardisation.Reference("test reference", pd.DataFrame({"age": ["a", "b"], "population": [1000.0, 2000.0]}),
                                    ("age",))
    df = pd.DataFrame({"region": ["R", "R"], "age": ["a", "b"], "numerator": [10.0, 30.0], "denominator": [2000.0, 3000.0]})
    out = standardisation.direct(df, ref, by=["region"], scale=1000).iloc[0]
    assert out["value"] == pytest.approx(25 / 3000 * 1000)       # (1000·10/2000 + 2000·30/3000) / 3000
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((5.9376422, 11.3676636), rel=1e-7)
    assert out["crude"] == pytest.approx(40 / 5000 * 1000)
    assert out["reference"] == "test reference"


def test_indirect_standardisation_smr_equals_statsmodels_exact():
    ref = standardisation.Reference("ref", pd.DataFrame({"age": ["a", "b"], "population": [1000.0, 1000.0],
                                                         "events": [10.0, 40.0]}), ("age",))
    df = pd.DataFrame({"region": ["R", "R"], "age": ["a", "b"], "numerator": [6.0, 20.0], "denominator": [300.0, 400.0]})
    out = standardisation.indirect(df, ref, by=["region"], scale=100).iloc[0]
    expected = 300 * 0.01 + 400 * 0.04                       # 19
    assert out["expected"] == pytest.approx(expected)
    assert out["smr"] == pytest.approx(26 / 19)
    lo, hi = confint_poisson(26, 19, method="exact-c")
    assert (out["smr_low"], out["smr_high"]) == pytest.approx((lo, hi))
    assert out["value"] == pytest.approx(26 / 19 * 0.025 * 100)   # SMR × reference crude rate 50/2000


def test_missing_stratum_is_refused():
    ref = standardisation.Reference("ref", pd.DataFrame({"age": ["a", "b"], "population": [1.0, 1.0]}), ("age",))
    df = pd.DataFrame({"region": ["R"], "age": ["a"], "numerator": [1.0], "denominator": [10.0]})
    with pytest.raises(InputError, match="reference strata"):
        standardisation.direct(df, ref, by=["region"])
    df = pd.DataFrame({"region": ["R", "R"], "age": ["a", "z"], "numerator": [1.0, 1.0], "denominator": [10.0, 10.0]})
    with pytest.raises(InputError, match="not in the reference"):
        standardisation.direct(df, ref, by=["region"])


@pytest.fixture(scope="module")
def neet_obs():
    return derive()[0]


def test_neet_standardised_to_norway_2024_reproduces_the_crude_national_rate(neet_obs):
    # standardising the reference population to itself must give its crude rate: SSB 13556, 2024:
    # 104 388 of 1 044 103 aged 15-29 (SOURCES.md) = 9.998 %
    out = standardisation.standardise_neet(neet_obs).set_index(["region", "period_to"])
    assert out.loc[("0", 2024), "value"] == pytest.approx(104388 / 1044103 * 100, rel=1e-9)
    ind = standardisation.standardise_neet(neet_obs, method="indirect").set_index(["region", "period_to"])
    assert ind.loc[("0", 2024), "smr"] == pytest.approx(1.0, rel=1e-12)
    # a region's direct and indirect standardised rates lie close to each other and bracket-check the crude rate
    osl = out.loc[("0301", 2024)]
    assert 8 < osl["value"] < 12 and osl["ci_low"] < osl["value"] < osl["ci_high"]
    assert out.loc[("0301", 2024), "reference"].startswith("Norge 2024")
