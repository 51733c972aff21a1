"""Reading observations for the comparisons: annual counts of a 3-year indicator become 3-year periods."""

import pytest

from oppvekst.compare.data import periodise
from oppvekst.observations import frame


def test_annual_counts_of_a_three_year_indicator_become_periods():
    # low_income_persistent_0_17 is defined on 3-year periods (catalogue); annual counts are summed
    rows = [{"indicator": "low_income_persistent_0_17", "region": "A", "period_from": y, "numerator": x,
             "denominator": 1000.0, "value": x / 10, "age": "all"} for y, x in ((2021, 100.0), (2022, 110.0), (2023, 120.0))]
    rows.append({"indicator": "neet_15_29", "region": "A", "period_from": 2023, "numerator": 5.0,
                 "denominator": 50.0, "value": 10.0, "age": "15-29"})
    out = periodise(frame(rows).assign(synthetic=False))
    li = out[out["indicator"] == "low_income_persistent_0_17"]
    assert len(li) == 1
    r = li.iloc[0]
    assert (r["period_from"], r["period_to"], r["n_years"]) == (2021, 2023, 3)
    assert r["value"] == pytest.approx(330 / 3000 * 100)
    assert r["numerator"] == pytest.approx(110)          # annual average
    assert len(out[out["indicator"] == "neet_15_29"]) == 1  # annual indicators are left alone


def test_periods_already_given_are_kept():
    rows = [{"indicator": "low_income_persistent_0_17", "region": "A", "period_from": 2021, "period_to": 2023,
             "n_years": 3, "numerator": 110.0, "denominator": 1000.0, "value": 11.0}]
    out = periodise(frame(rows).assign(synthetic=False))
    assert out[["period_from", "period_to", "n_years"]].iloc[0].tolist() == [2021, 2023, 3]
