"""Drivers of change on small hand-built observation tables."""

import pytest

from oppvekst.errors import InputError
from oppvekst.mission.drivers import (
    contribution,
    gap_progress,
    group_gap,
    progress_by_group,
    progress_by_region,
)
from oppvekst.observations import frame


def _obs(rows):
    return frame([{"indicator": "x", **r, "value": 100 * r["numerator"] / r["denominator"]} for r in rows])


# 0301: 10/100 -> 12/100; 4601: 30/200 -> 25/250 (2020 -> 2024)
MUNI = _obs([
    {"region": "0301", "period_from": 2020, "numerator": 10.0, "denominator": 100.0},
    {"region": "0301", "period_from": 2024, "numerator": 12.0, "denominator": 100.0},
    {"region": "4601", "period_from": 2020, "numerator": 30.0, "denominator": 200.0},
    {"region": "4601", "period_from": 2024, "numerator": 25.0, "denominator": 250.0},
])


def test_progress_by_region_ranks_by_change_in_the_desired_direction():
    out = progress_by_region(MUNI, base_year=2020, direction="decrease")
    assert list(out["region"]) == ["4601", "0301"]
    a, b = out.iloc[0], out.iloc[1]
    # 4601: 15 % -> 10 %: CAGR (10/15)**0.25 - 1 = -0.096397 -> substantial, score min(500*0.0964-5, 5) = 5
    assert a["change"] == pytest.approx(-5.0) and a["cagr"] == pytest.approx((10 / 15) ** 0.25 - 1)
    assert (a["status"], a["score"]) == ("substantial_progress", 5)
    # 0301: 10 % -> 12 %: CAGR 1.2**0.25 - 1 = 0.046635 -> deterioration, max(125*-0.0466 - 2.5, -5) = -5
    assert (b["status"], b["score"]) == ("deterioration", -5)


def test_contribution_adds_up_to_the_national_change():
    out = contribution(MUNI, base_year=2020, year=2024).set_index("region")
    # R0 = 40/300, R1 = 37/350; contribution_i = (N_i1 - R0 D_i1)/D1 - (N_i0 - R0 D_i0)/D0
    r0 = 40 / 300
    c0301 = (12 - r0 * 100) / 350 - (10 - r0 * 100) / 300     # +0.0073016
    c4601 = (25 - r0 * 250) / 350 - (30 - r0 * 200) / 300     # -0.0349206
    assert out.loc["0301", "contribution"] == pytest.approx(c0301)
    assert out.loc["4601", "contribution"] == pytest.approx(c4601)
    assert out["contribution"].sum() == pytest.approx(37 / 350 - 40 / 300)
    assert out.attrs["change"] == pytest.approx(-0.027619, abs=1e-6)
    assert out.loc["4601", "contribution_pp"] == pytest.approx(100 * c4601)
    # shares of the change in the total counts: numerator 40 -> 37 (-3), denominator 300 -> 350 (+50)
    assert out.loc["0301", "share_of_numerator_change"] == pytest.approx(2 / -3)
    assert out.loc["4601", "share_of_numerator_change"] == pytest.approx(-5 / -3)
    assert out.loc["4601", "share_of_denominator_change"] == pytest.approx(1.0)
    with pytest.raises(InputError) as err:
        contribution(MUNI, base_year=2019, year=2024)
    assert err.value.field == "year"


GROUPS = _obs([{"region": "0", "period_from": y, "sex": s, "numerator": n, "denominator": 100.0}
               for y, f, m in [(2020, 8.0, 12.0), (2021, 8.5, 11.5), (2022, 9.0, 11.0), (2023, 9.5, 10.5)]
               for s, n in (("female", f), ("male", m))])


def test_progress_by_group_and_the_gap():
    by_sex = progress_by_group(GROUPS, "sex", base_year=2020, direction="decrease").set_index("sex")
    assert by_sex.loc["male", "change"] == pytest.approx(-1.5)
    assert by_sex.loc["female", "status"] == "deterioration"
    gaps = group_gap(GROUPS, "sex", "male", "female")
    assert list(gaps["gap"]) == pytest.approx([4.0, 3.0, 2.0, 1.0])
    # |gap| 4 -> 1 over 3 years: CAGR 0.25**(1/3) - 1 = -0.370039 -> progress 0.370 -> substantial
    r = gap_progress(gaps, base_year=2020)
    assert r.progress_value == pytest.approx(1 - 0.25 ** (1 / 3)) and r.status == "substantial_progress"
    # against no gap by 2026 (target 0 -> 0.001): CAGR_r = (0.001/4)**(1/6) - 1 = -0.749006; ratio 0.4940
    r = gap_progress(gaps, base_year=2020, target_year=2026)
    ratio = (1 - 0.25 ** (1 / 3)) / (1 - (0.001 / 4) ** (1 / 6))
    assert r.progress_value == pytest.approx(ratio) and r.status == "limited_progress"
    ratio_gaps = group_gap(GROUPS, "sex", "male", "female", kind="ratio")
    assert ratio_gaps["gap"].iloc[0] == pytest.approx(1.5)


def test_an_equality_goal_is_judged_on_the_gap_not_the_average():
    # both groups improve (the average falls), but the gap widens from 10 to 11 points
    obs = _obs([{"region": "0", "period_from": y, "background": b, "numerator": n, "denominator": 100.0}
                for y, imm, rest in [(2020, 20.0, 10.0), (2024, 18.0, 7.0)]
                for b, n in (("immigrant", imm), ("rest", rest))])
    groups = progress_by_group(obs, "background", base_year=2020, direction="decrease")
    assert set(groups["status"]) == {"substantial_progress"}
    gap = gap_progress(group_gap(obs, "background", "immigrant", "rest"), base_year=2020)
    assert gap.status == "deterioration"   # (11/10)**0.25 - 1 = 0.0241 -> progress -0.0241


def test_a_table_with_several_breakdowns_is_refused():
    with pytest.raises(InputError) as err:
        progress_by_region(GROUPS, base_year=2020, direction="decrease")
    assert err.value.field == "sex"
    with pytest.raises(InputError) as err:
        progress_by_group(MUNI, "ses", base_year=2020, direction="decrease")
    assert err.value.field == "dimension"
