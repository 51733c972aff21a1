"""Discount factors by hand at and across the R-109 band limits, the budget view's conventions, annuities."""

import math

import numpy as np
import pytest

from oppvekst.economics import discounting as d
from oppvekst.economics.parameters import r109
from oppvekst.errors import InputError

BANDS = d.RateSchedule((40, 75, None), (0.04, 0.03, 0.02))  # the commonly cited R-109 figures


def test_shipped_r109_is_unconfirmed_and_has_the_cited_bands():
    data = r109()
    assert data["confirmed"] is False  # not verified against the circular's text: the user must confirm
    assert [(b["to_year"], b["rate"]) for b in data["discount_rate"]["bands"]] == [(40, .04), (75, .03), (None, .02)]
    assert data["tax_financing_cost"]["value"] == 0.20


@pytest.mark.parametrize("year, by_hand, value", [
    (39, 1.04 ** -39, 0.2166206064),                              # inside band 1
    (40, 1.04 ** -40, 0.2082890447),                              # the boundary: still all 4 %
    (41, 1.04 ** -40 * 1.03 ** -1, 0.2022223735),                 # one year at 3 % on the factor at 40
    (75, 1.04 ** -40 * 1.03 ** -35, 0.0740224684),                # 35 years at 3 %
    (76, 1.04 ** -40 * 1.03 ** -35 * 1.02 ** -1, 0.0725710475),   # one year at 2 %
    (100, 1.04 ** -40 * 1.03 ** -35 * 1.02 ** -25, 0.0451189796),
])
def test_banded_factors_by_hand(year, by_hand, value):
    f = d.factor_at(year, BANDS)[0]
    assert f == pytest.approx(by_hand, rel=1e-12)
    assert f == pytest.approx(value, abs=1e-10)
    if year < 100:  # the same factor from the horizon-limited table (start convention: year t at time t)
        assert d.discount_factors(100, BANDS, "start")[year] == pytest.approx(by_hand, rel=1e-12)


def test_factors_are_continuous_at_the_limits_and_use_the_later_rate_only_inside_its_band():
    f = d.discount_factors(100, BANDS, "start")
    assert f[0] == 1.0  # year 0 undiscounted under the start convention
    assert f[40] / f[41] == pytest.approx(1.03)
    assert f[39] / f[40] == pytest.approx(1.04)
    assert f[75] / f[76] == pytest.approx(1.02)
    assert f[74] / f[75] == pytest.approx(1.03)


def test_mid_and_end_year_conventions():
    mid = d.discount_factors(100, BANDS, "mid")
    end = d.discount_factors(100, BANDS, "end")
    assert mid[0] == pytest.approx(1.04 ** -0.5)
    assert mid[40] == pytest.approx(1.04 ** -40 * 1.03 ** -0.5)  # half a year into band 2
    assert end[0] == pytest.approx(1 / 1.04)
    assert end[39] == pytest.approx(1.04 ** -40)
    assert end[40] == pytest.approx(1.04 ** -40 / 1.03)


def test_single_rate_and_annuity_by_hand():
    ten = d.RateSchedule.single(0.10)
    assert d.annuity_factor(3, ten, "start") == pytest.approx(1 + 1 / 1.1 + 1 / 1.21)       # 2.7355372
    assert d.annuity_factor(3, ten, "end") == pytest.approx((1 - 1.1 ** -3) / 0.1)          # 2.4868520
    assert d.annuity_factor(3, ten, "end") == pytest.approx(2.486851991, abs=1e-9)


def test_vectorised_rates_match_scalar():
    ten = d.RateSchedule.single(0.10)
    draws = d.discount_factors(5, ten, "start", rates=np.array([[0.10], [0.05]]))
    assert draws.shape == (2, 5)
    assert np.allclose(draws[0], d.discount_factors(5, ten))
    assert draws[1, 4] == pytest.approx(1.05 ** -4)


def test_factor_table_rows():
    rows = d.factor_table(42, BANDS)
    assert rows[41]["rate"] == 0.03 and rows[40]["rate"] == 0.04
    assert rows[41]["annuity"] == pytest.approx(sum(r["factor"] for r in rows))


@pytest.mark.parametrize("years", [0, 101, 2.5, True])
def test_horizon_refused(years):
    with pytest.raises(InputError) as e:
        d.discount_factors(years, BANDS)
    assert e.value.field == "years"


def test_bad_schedule_and_timing():
    with pytest.raises(InputError):
        d.RateSchedule((75, 40, None), (0.04, 0.03, 0.02))
    with pytest.raises(InputError) as e:
        d.discount_factors(5, BANDS, "sometime")
    assert e.value.field == "timing"
    assert math.isclose(BANDS.rate_in_year(76), 0.02)
