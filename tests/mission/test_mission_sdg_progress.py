"""sdg-build's ProgressMeasure (sdg/ProgressMeasure.py, commit 139fede), branch by branch.

Each test names the sdg-build function and branch it reproduces; expected values are worked out by
hand in the comments (CAGR = (current/base)**(1/years) − 1)."""

import math

import pandas as pd
import pytest

from oppvekst.errors import InputError
from oppvekst.mission.progress import (
    SdgProgressResults,
    growth_calculation,
    indicator_progress,
    limit_coefficient,
    progress_score,
    progress_status,
    progress_thresholds,
    sdg_progress,
    series_from_observations,
    status_from_score,
)
from oppvekst.observations import frame


def test_growth_calculation():
    # growth_calculation: (121/100)**(1/2) - 1 = 1.1 - 1 = 0.1
    assert growth_calculation(121, 100, 2017, 2015) == pytest.approx(0.1)


# --- methodology_1 (no target): progress value = sign * direction * CAGR, thresholds 0.015 / 0.005 / 0

@pytest.mark.parametrize("current, status, score", [
    # CAGR 0.018 over 2 years: 100 * 1.018**2 = 103.6324; >= 0.015 -> substantial; 500*0.018/1 - 5 = 4.0
    (103.6324, "substantial_progress", 4.0),
    # CAGR 0.01: 102.01; 0.005 <= 0.01 < 0.015 -> moderate; 250*0.01 - 1.25 = 1.25
    (102.01, "moderate_progress", 1.25),
    # CAGR 0.002: 100.4004; 0 <= 0.002 < 0.005 -> limited; 500*0.002 - 2.5 = -1.5
    (100.4004, "limited_progress", -1.5),
    # CAGR -0.01: 98.01; < 0 -> deterioration; max(125*(-0.01) - 2.5, -5) = -3.75
    (98.01, "deterioration", -3.75),
    # CAGR -0.05: 90.25; 125*(-0.05) - 2.5 = -8.75 -> floored at -5
    (90.25, "deterioration", -5.0),
    # CAGR 0.03: 106.09; 500*0.03 - 5 = 10 -> capped at 5
    (106.09, "substantial_progress", 5.0),
])
def test_methodology_1_positive_direction(current, status, score):
    r = sdg_progress({2015: 100.0, 2016: 101.0, 2017: current}, base_year=2015, direction="positive")
    assert r.method == 1 and r.target is None
    assert r.status == status
    assert r.score == pytest.approx(score, abs=1e-9)
    assert r.years_used == (2015, 2017)


def test_methodology_1_negative_direction_is_the_default():
    # SeriesProgress.__init__: direction -1 unless 'positive'; base_year defaults to 2015.
    # 100 -> 98.01 over 2015-2017: CAGR -0.01, progress value = 1 * -1 * -0.01 = 0.01 -> moderate, 1.25
    r = sdg_progress({2015: 100.0, 2017: 98.01})
    assert (r.direction, r.base_year, r.progress_value) == (-1, 2015, pytest.approx(0.01))
    assert (r.status, r.score) == ("moderate_progress", pytest.approx(1.25))


def test_methodology_1_negative_values_use_the_sign():
    # sign = -1 when the base value is negative: -100 -> -81 over 2 years: CAGR = 0.9 - 1 = -0.1;
    # positive direction: -1 * 1 * -0.1 = 0.1 -> substantial, min(500*0.1 - 5, 5) = 5
    r = sdg_progress({2020: -100.0, 2022: -81.0}, base_year=2020, direction="increase")
    assert r.sign == -1 and r.progress_value == pytest.approx(0.1)
    assert (r.status, r.score) == ("substantial_progress", 5.0)


def test_user_thresholds_update_the_defaults():
    # get_progress_thresholds: the defaults updated with the user's dict
    th = progress_thresholds(1, {"high": 0.02})
    assert th == {"high": 0.02, "med": 0.005, "low": 0.0}
    # CAGR 0.018 is now moderate (0.005 <= 0.018 < 0.02); score 250*0.018 - 1.25 = 3.25 (score lines are fixed)
    r = sdg_progress({2015: 100.0, 2017: 103.6324}, direction="positive", thresholds={"high": 0.02})
    assert (r.status, r.score) == ("moderate_progress", pytest.approx(3.25))


# --- methodology_2 (target): progress value = sign * direction * CAGR_o / |CAGR_r|, thresholds .95 / .6 / 0

R = 0.8 ** 0.1 - 1  # required CAGR from 100 (2020) to the target 80 (2030): -0.0220672...


@pytest.mark.parametrize("ratio, status, score", [
    (1.0, "substantial_progress", 7.1429 * 1.0 - 4.2857),    # 2.8572
    (0.8, "moderate_progress", 7.1429 * 0.8 - 4.2857),       # 1.42862
    (0.3, "limited_progress", 4.1667 * 0.3 - 2.5),           # -1.24999
    (-0.5, "deterioration", 4.1667 * -0.5 - 2.5),            # -4.58335
    (-1.0, "deterioration", -5.0),                           # 4.1667*-1 - 2.5 = -6.67 -> floor -5
    (1.5, "substantial_progress", 5.0),                      # 7.1429*1.5 - 4.2857 = 6.43 -> cap 5
])
def test_methodology_2_negative_direction(ratio, status, score):
    # the current value (2025) that gives CAGR_o = ratio * CAGR_r exactly: 100 * (1 + ratio*R)**5
    current = 100 * (1 + ratio * R) ** 5
    r = sdg_progress({2020: 100.0, 2025: current}, base_year=2020, target=80.0, target_year=2030,
                     direction="negative")
    assert r.method == 2 and not r.target_achieved
    assert r.cagr_required == pytest.approx(R)
    assert r.progress_value == pytest.approx(ratio)
    assert (r.status, r.score) == (status, pytest.approx(score))


def test_methodology_2_positive_direction():
    # target 150 in 2030 from 100 in 2020: CAGR_r = 1.5**0.1 - 1 = 0.041380; observed 2025: 110 -> CAGR_o =
    # 1.1**0.2 - 1 = 0.019245; ratio = 0.465080 -> limited; 4.1667*0.465080 - 2.5 = -0.56217
    r = sdg_progress({2020: 100.0, 2025: 110.0}, base_year=2020, target=150.0, target_year=2030, direction="positive")
    ratio = (1.1 ** 0.2 - 1) / (1.5 ** 0.1 - 1)
    assert ratio == pytest.approx(0.465080, abs=1e-5)
    assert r.progress_value == pytest.approx(ratio)
    assert (r.status, r.score) == ("limited_progress", pytest.approx(4.1667 * ratio - 2.5))


def test_target_achieved_both_directions():
    # is_target_achieved: negative and current <= target, or positive and current >= target;
    # get_progress_status returns target_achieved and get_score 5 whatever the progress value
    down = sdg_progress({2020: 100.0, 2024: 79.0}, base_year=2020, target=80.0, target_year=2030)
    up = sdg_progress({2020: 100.0, 2024: 151.0}, base_year=2020, target=150.0, target_year=2030,
                      direction="positive")
    for r in (down, up):
        assert (r.target_achieved, r.status, r.score) == (True, "target_achieved", 5.0)
        assert r.progress_value is not None  # computed anyway, as in sdg-build
    # exactly at the target counts as achieved (<=)
    assert sdg_progress({2020: 100.0, 2024: 80.0}, base_year=2020, target=80.0).status == "target_achieved"


def test_missing_base_year_uses_the_next_available_year():
    # SeriesProgress.__init__: base year not in the data -> years[years > base_year].min()
    # base 2015 asked, data from 2016: 100 (2016) -> 102.01 (2018): CAGR 0.01 -> moderate
    r = sdg_progress({2016: 100.0, 2018: 102.01}, base_year=2015, direction="positive")
    assert (r.base_year_requested, r.base_year, r.years_used) == (2015, 2016, (2016, 2018))
    assert r.status == "moderate_progress"
    assert any("next available year 2016" in n for n in r.notes)
    r = sdg_progress({2014: 90.0, 2016: 100.0, 2018: 102.01}, base_year=2015, direction="positive")
    assert r.base_year == 2016


def test_base_year_with_no_data_is_refused():
    # sdg-build crashes here (.item() on an empty selection); we refuse with the field named
    with pytest.raises(InputError) as err:
        sdg_progress({2016: 100.0, 2018: 102.0}, base_year=2019)
    assert err.value.field == "base_year"


def test_target_year_before_base_year_is_refused():
    with pytest.raises(InputError) as err:
        sdg_progress({2016: 100.0, 2018: 102.0}, base_year=2016, target=90.0, target_year=2015)
    assert err.value.field == "target_year"


# --- natural limits (get_progress_thresholds, method 1 with a limit) ----------------------------------

def test_limit_coefficient_branches():
    # base >= 2*limit: 1; base <= limit: 1 - (base/limit)**4.44; between: 1 - ((2*limit - base)/limit)**4.44
    assert limit_coefficient(5.0, 2.0) == 1.0
    assert limit_coefficient(0.0, 0.0) == 1.0  # checked first, as sdg-build does
    assert limit_coefficient(1.0, 2.0) == pytest.approx(1 - 0.5 ** 4.44)      # 0.953929
    assert limit_coefficient(3.0, 2.0) == pytest.approx(1 - 0.5 ** 4.44)      # (4-3)/2 = 0.5
    assert limit_coefficient(2.0, 2.0) == 0.0


def test_natural_limit_shrinks_the_thresholds():
    # base 1.5, limit 1 (a rate that cannot fall below 1), direction negative:
    # coeff = 1 - ((2 - 1.5)/1)**4.44 = 1 - 0.5**4.44 = 0.953929; high = 0.015*coeff = 0.014309
    coeff = 1 - 0.5 ** 4.44
    assert coeff == pytest.approx(0.953929, abs=1e-6)
    # current after 1 year: 1.5 * (1 - 0.0145) -> CAGR -0.0145, progress 0.0145 >= 0.014309 -> substantial
    # (without the limit it would be moderate); score = min(500*0.0145/coeff - 5, 5) = 2.59993
    r = sdg_progress({2020: 1.5, 2021: 1.5 * (1 - 0.0145)}, base_year=2020, limit=1.0)
    assert r.thresholds["coefficient"] == pytest.approx(coeff)
    assert r.thresholds["high"] == pytest.approx(0.015 * coeff)
    assert (r.status, r.score) == ("substantial_progress", pytest.approx(500 * 0.0145 / coeff - 5))
    plain = sdg_progress({2020: 1.5, 2021: 1.5 * (1 - 0.0145)}, base_year=2020)
    assert plain.status == "moderate_progress"


def test_at_the_limit_holding_it_is_substantial():
    # coeff 0 (base == limit): thresholds all 0; progress value 0 -> substantial; get_score: coeff == 0 -> 5
    r = sdg_progress({2020: 2.0, 2022: 2.0}, base_year=2020, limit=2.0)
    assert r.thresholds["coefficient"] == 0.0
    assert (r.status, r.score) == ("substantial_progress", 5.0)
    # moving away from it (worse): progress < low -> deterioration, 125*pv - 2.5
    r = sdg_progress({2020: 2.0, 2021: 2.02}, base_year=2020, limit=2.0)
    assert r.status == "deterioration" and r.score == pytest.approx(125 * -0.01 - 2.5)


def test_limit_is_ignored_with_a_target():
    r = sdg_progress({2020: 1.5, 2021: 1.4}, base_year=2020, target=1.2, limit=1.0)
    assert "coefficient" not in r.thresholds and r.thresholds["high"] == 0.95
    assert any("ignored" in n for n in r.notes)


# --- calculate_progress_value's checks -----------------------------------------------------------------

def test_zero_base_value_and_zero_target_become_0_001():
    r = sdg_progress({2020: 0.0, 2021: 0.002}, base_year=2020, direction="positive")
    # base 0 -> 0.001: CAGR = 0.002/0.001 - 1 = 1.0 -> substantial, score capped at 5
    assert r.base_value == 0.001 and r.progress_value == pytest.approx(1.0)
    r = sdg_progress({2020: 1.0, 2021: 0.5}, base_year=2020, target=0, target_year=2030)
    # target 0 -> 0.001: CAGR_r = 0.001**(1/10) - 1 = -0.498813; CAGR_o = -0.5; ratio = 0.5/0.498813
    assert r.target == 0.001
    assert r.progress_value == pytest.approx(0.5 / (1 - 0.001 ** 0.1))


def test_sign_change_and_single_year_are_not_available():
    r = sdg_progress({2020: 1.0, 2021: -1.0}, base_year=2020, direction="positive")
    assert (r.progress_value, r.status, r.score) == (None, "not_available", None)
    r = sdg_progress({2020: 1.0}, base_year=2020)
    assert (r.status, r.score) == ("not_available", None)
    # the base year rolled forward to the latest year: current - base < 1
    r = sdg_progress({2010: 5.0, 2020: 1.0}, base_year=2015)
    assert (r.base_year, r.status) == (2020, "not_available")


def test_empty_series_is_not_available():
    r = sdg_progress({2020: float("nan")}, base_year=2020)
    assert (r.status, r.score) == ("not_available", None)


def test_duplicate_years_are_refused():
    # filter_data raises on duplicate years; so do we, naming the field
    with pytest.raises(InputError) as err:
        sdg_progress(pd.Series([1.0, 2.0, 3.0], index=[2020, 2020, 2021]))
    assert err.value.field == "year"


def test_year_ranges_are_read_as_their_first_year():
    # filter_data: a year longer than 4 characters keeps its first 4; 100 -> 103.0301 over 3 years: CAGR 0.01
    r = sdg_progress({"2015-2017": 100.0, "2018-2020": 103.0301}, direction="positive")
    assert r.years_used == (2015, 2018)
    assert r.cagr_observed == pytest.approx(0.01)


# --- status and score helpers, the indicator-level mean ------------------------------------------------

def test_progress_status_boundaries():
    th = {"high": 0.95, "med": 0.6, "low": 0.0}
    assert progress_status(0.95, th) == "substantial_progress"   # >= high
    assert progress_status(0.6, th) == "moderate_progress"       # med <= v < high
    assert progress_status(0.0, th) == "limited_progress"        # low <= v < med
    assert progress_status(-1e-9, th) == "deterioration"
    assert progress_status(None, th) == "not_available"
    assert progress_status(float("nan"), th) == "not_available"
    assert progress_status(-3, th, target_achieved=True) == "target_achieved"
    assert progress_score(None, th, 2) is None


def test_status_from_score_and_indicator_mean():
    assert [status_from_score(s) for s in (5, 2.5, 0, -2.5, -5, None)] == [
        "substantial_progress", "substantial_progress", "moderate_progress", "limited_progress",
        "deterioration", "not_available"]
    assert status_from_score(6) is None  # outside -5..5: sdg-build falls through
    a = sdg_progress({2015: 100.0, 2017: 103.6324}, direction="positive")   # score 4.0
    b = sdg_progress({2015: 100.0, 2017: 100.4004}, direction="positive")   # score -1.5
    none = sdg_progress({2015: 100.0}, direction="positive")                 # no score
    # IndicatorProgress.get_indicator_progress: mean of the scored series (4.0 - 1.5)/2 = 1.25 -> moderate
    assert indicator_progress([a, b, none]) == (pytest.approx(1.25), "moderate_progress")
    assert indicator_progress([none]) == (None, "")


def test_results_object():
    r = sdg_progress({2015: 100.0, 2017: 102.01}, direction="positive")
    d = r.to_dict()
    assert d["status"] == "moderate_progress" and d["years_used"] == [2015, 2017]
    assert d["sdg_build_commit"].startswith("139fede")
    f = r.summary_frame()
    assert f.loc["sdg_progress", "cagr_observed"] == pytest.approx(0.01)
    assert isinstance(r, SdgProgressResults) and r.status_nb == "Moderat framgang"


def test_series_from_observations():
    obs = frame([{"indicator": "x", "region": "0", "period_from": 2021, "period_to": 2023, "value": 5.0},
                 {"indicator": "x", "region": "0", "period_from": 2024, "period_to": 2026, "value": 4.0},
                 {"indicator": "x", "region": "3", "period_from": 2024, "period_to": 2026, "value": 9.0}])
    s = series_from_observations(obs)
    assert s.to_dict() == {2021: 5.0, 2024: 4.0}
    assert math.isclose(sdg_progress(s, base_year=2021).progress_value, 1 - (4 / 5) ** (1 / 3))
