"""The statistical assessment (OLS trend, projection, prediction interval, probability), targets and
their validation, and the NEET 15–29 case from the bundled SSB 13556 figures."""

import math

import pandas as pd
import pytest

from oppvekst.errors import InputError
from oppvekst.mission import goals
from oppvekst.mission.progress import (
    Target,
    assess,
    sdg_progress,
    series_from_observations,
    target_for_subgoal,
    trend_assessment,
)

# x = 0..3, y = 1, 2, 2, 4: slope 4.5/5 = 0.9, intercept 0.9, SSR 0.70, s² = 0.35 (df 2)
SMALL = {2020: 1.0, 2021: 2.0, 2022: 2.0, 2023: 4.0}


def test_linear_trend_by_hand():
    r = trend_assessment(SMALL, direction="increase", target_year=2025, target=5.0)
    f = r.fit
    assert r.model == "linear" and r.years_used == (2020, 2021, 2022, 2023)
    assert f.slope == pytest.approx(0.9)
    assert f.slope_se == pytest.approx(math.sqrt(0.35 / 5))                 # 0.264575
    # projection at x = 5: 0.9 + 0.9*5 = 5.4; se(mean)² = 0.35*(1/4 + 3.5²/5) = 0.945
    assert f.projection == pytest.approx(5.4)
    assert f.projection_se_mean == pytest.approx(math.sqrt(0.945))
    # predictive sd = sqrt(0.945 + 0.35) = 1.137981; t(2) 97.5 % = 4.302653
    half = 4.302653 * math.sqrt(1.295)
    assert f.prediction_interval == (pytest.approx(5.4 - half, abs=1e-5), pytest.approx(5.4 + half, abs=1e-5))
    # P(Y >= 5): t(2) cdf has the closed form 1/2 + t / (2 sqrt(2 + t²)); t = 0.4/1.137981 = 0.351498
    t = 0.4 / math.sqrt(1.295)
    assert f.p_target == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)))  # 0.620605
    ts = 0.9 / math.sqrt(0.07)
    assert f.p_direction == pytest.approx(0.5 + ts / (2 * math.sqrt(2 + ts * ts)))  # 0.961690
    assert "Ingen konjunkturserie" in r.cycle_note and r.cycle_fit is None
    frame = r.summary_frame()
    assert list(frame.index) == ["trend"] and frame.loc["trend", "projection"] == pytest.approx(5.4)
    assert r.to_dict()["years_used"] == [2020, 2021, 2022, 2023]


def test_log_linear_trend_is_a_growth_rate():
    # exact 2 % growth with a small wiggle: the back-transformed slope is close to 0.02
    data = {2015 + i: 100 * 1.02 ** i * (1 + 0.001 * (-1) ** i) for i in range(8)}
    r = trend_assessment(data, direction="increase", target_year=2030, scale="log")
    assert r.model == "log-linear"
    assert r.fit.slope == pytest.approx(0.02, abs=1e-3)
    assert r.fit.projection == pytest.approx(100 * 1.02 ** 15, rel=0.01)


def test_business_cycle_adjustment_removes_the_cycle_from_the_trend():
    # y = 5 + u + e with a cycle u that rises over time and no trend of its own in y
    u = [3, 4, 5, 4, 6, 7, 6, 8]
    e = [0.1, -0.1, 0, 0.1, -0.1, 0, 0.1, -0.1]
    years = list(range(2015, 2023))
    y = {yr: 5 + ui + ei for yr, ui, ei in zip(years, u, e)}
    cycle = pd.Series(u, index=years, name="registrert ledighet")
    r = trend_assessment(y, direction="decrease", target_year=2030, cycle=cycle)
    assert r.fit.slope > 0.5                       # unadjusted: the cycle shows up as a trend
    assert abs(r.cycle_fit.slope) < 0.1            # adjusted: no trend left
    assert r.cycle_fit.cycle_coef == pytest.approx(1.0, abs=0.1)
    assert r.cycle_fit.cycle_level == pytest.approx(sum(u) / len(u))
    assert list(r.summary_frame().index) == ["trend", "trend_cycle_adjusted"]
    assert "justert" in r.cycle_note
    with pytest.raises(InputError) as err:
        trend_assessment(y, direction="decrease", cycle=cycle.drop(2016))
    assert err.value.field == "cycle"


def test_a_passed_target_year_is_judged_on_its_observed_value():
    data = {2015: 10.0, 2016: 9.0, 2017: 9.5, 2018: 8.0, 2019: 8.5, 2020: 7.0}
    r = trend_assessment(data, direction="decrease", target_year=2018, target=8.0)
    assert (r.judged_on, r.observed_at_target_year, r.reached) == ("observed", 8.0, True)
    a = assess(data, Target("decrease", 2015, 2018, 8.0))
    # sdg-build's current year becomes the target year: 10 (2015) -> 8 (2018) reaches the target 8
    assert (a.sdg.current_year, a.sdg.status) == (2018, "target_achieved")
    assert any("has passed" in n for n in a.notes)


def test_targets_from_the_subgoals_own_numbers():
    tree = goals.load()
    wp4, wp3, wp2 = tree.get("wp4"), tree.get("wp3"), tree.get("wp2")
    # -25 %: 20 -> 15; halving: 10 -> 5; +10 percentage points: 60 -> 70
    assert target_for_subgoal(wp4.kind, wp4.target_change, 20.0, base_year=2024, target_year=2034,
                              direction="decrease").value == pytest.approx(15.0)
    assert target_for_subgoal(wp3.kind, wp3.target_change, 10.0, base_year=2024, target_year=2035,
                              direction="decrease").value == pytest.approx(5.0)
    assert target_for_subgoal(wp2.kind, wp2.target_change, 60.0, base_year=2024, target_year=2035,
                              direction="increase").value == pytest.approx(70.0)
    assert target_for_subgoal("direction", None, 10.0, base_year=2023, target_year=2035,
                              direction="decrease").value is None


def test_bad_targets_are_refused_naming_the_field():
    link = goals.load().link("wp6", "neet_15_29")
    with pytest.raises(InputError) as err:      # the goal needs NEET to fall
        Target("increase", 2023, 2035).check(goal_direction=link.direction)
    assert err.value.field == "direction"
    with pytest.raises(InputError) as err:      # a decrease target above the base value
        Target("decrease", 2023, 2035, value=11.0).check(base_value=9.86)
    assert err.value.field == "target"
    with pytest.raises(InputError) as err:
        Target("decrease", 2023, 2020, value=8.0).check()
    assert err.value.field == "target_year"
    with pytest.raises(InputError) as err:      # a base year with no data
        assess({2015: 10.0, 2016: 9.0}, Target("decrease", 2020, 2030))
    assert err.value.field == "base_year"
    with pytest.raises(InputError) as err:      # a sub-goal number that points the wrong way
        target_for_subgoal("absolute", -10, 60.0, base_year=2024, target_year=2035, direction="increase")
    assert err.value.field == "target"


@pytest.fixture(scope="module")
def neet_national():
    from oppvekst.indicators import neet
    obs = neet.derive()[0]
    part = obs[(obs["region"] == "0") & (obs["sex"] == "all") & (obs["age"] == "15-29")]
    return part, series_from_observations(part)


def test_neet_15_29_subgoal_6_from_ssb_13556(neet_national):
    part, s = neet_national
    counts = part.set_index("period_from")[["numerator", "denominator"]]
    # the bundled SSB 13556 counts, as the white paper (kap. 8.2) reads them: "ti prosent ... i 2023"
    assert tuple(counts.loc[2023]) == (102259.0, 1036594.0)
    assert tuple(counts.loc[2024]) == (104388.0, 1044103.0)
    assert round(s[2023]) == 10
    # Boks 8.3 sub-goal 6 "øke ... betydelig" as a direction (NEET down) from the 2023 base, no number:
    # sdg-build method 1 with its fixed thresholds (high 1.5 %, medium 0.5 %, low 0 a year).
    # CAGR = (104388/1044103) / (102259/1036594) - 1 = 0.0999786 / 0.0986490 - 1 = 0.013478;
    # progress = -0.013478 < 0 -> deterioration; score = max(125 * -0.013478 - 2.5, -5) = -4.1848
    cagr = (104388 / 1044103) / (102259 / 1036594) - 1
    assert cagr == pytest.approx(0.013478, abs=1e-6)
    a = assess(s, Target("decrease", 2023, 2035), indicator="neet_15_29",
               goal_direction=goals.load().link("wp6", "neet_15_29").direction)
    assert a.sdg.years_used == (2023, 2024)
    assert a.sdg.thresholds == {"high": 0.015, "med": 0.005, "low": 0.0}
    assert a.sdg.cagr_observed == pytest.approx(cagr)
    assert (a.sdg.status, a.sdg.score) == ("deterioration", pytest.approx(125 * -cagr - 2.5))
    assert a.trend is None  # two years from 2023: too few for a trend, and it says so
    assert any("fewer than three years" in n for n in a.notes)
    # from sdg-build's default base year 2015 (12.08 %) the same series is substantial progress:
    # CAGR = (0.0999786 / (124818/1033172)) ** (1/9) - 1 = -0.020810; 500*0.02081 - 5 = 5.4 -> capped 5
    r15 = sdg_progress(s, base_year=2015, direction="decrease")
    cagr15 = ((104388 / 1044103) / (124818 / 1033172)) ** (1 / 9) - 1
    assert cagr15 == pytest.approx(-0.020810, abs=1e-6)
    assert (r15.status, r15.score) == ("substantial_progress", 5)


def test_neet_trend_2008_2024(neet_national):
    _, s = neet_national
    r = trend_assessment(s, direction="decrease", target_year=2035, base_year=2008)
    assert r.years_used == tuple(range(2008, 2025))
    # NEET has "ligget på et jevnt nivå over tid" (kap. 8.2): the slope's interval contains 0
    assert r.fit.slope_ci[0] < 0 < r.fit.slope_ci[1]
    lo, hi = r.fit.prediction_interval
    assert lo < r.fit.projection < hi
