"""A hand-computed life-course case: NPV per level, break-even, payback, BCR, who pays, both views.

N = 10 participants, ages 14–19 (years 0–5), budget rate 10 %, year 0 undiscounted.
Measure: kommune pays 1 000 per participant in year 0 → cost 10 000 at t = 0.
Outcome (one person in it, per year, ages 16–19 = t 2–5): stat 5 000 (transfer), kommune 1 000 (service).
Effect: RD −0.2 at baseline 0.5 → delta = 0.2: 10 · 0.2 = 2 persons kept out each year.
Savings t 2–5: stat 2 · 5 000 = 10 000, kommune 2 · 1 000 = 2 000 a year.
D(t) = 1.1^−t: D2 = 0.826446281, D3 = 0.751314801, D4 = 0.683013455, D5 = 0.620921323; ΣD2..5 = 2.881695860.
PV savings: stat 28 816.9586, kommune 5 763.3917; PV cost kommune 10 000.
NPV: kommune −4 236.6083, stat 28 816.9586, total 24 580.3503.
Break-even delta: total K/B = 10 000 / (10 · 6 000 · 2.881695860) = 0.0578363; kommune 10 000 / 28 816.9586 = 0.3470179.
Payback (total): cum t0 −10 000, t1 −10 000, t2 −10 000 + 12 000·D2 = −82.645, t3 + 12 000·D3 → 8 933.13 ≥ 0: year 3.
Kommune never pays back within the horizon (cum at t5 = −4 236.61).
BCR: total 34 580.3503 / 10 000 = 3.45804; kommune 0.576339; stat has no cost: n/a.
Compensation: stat pays kommune 4 236.6083; kommune is then at 0, stat at 24 580.3503.

Societal (one band 10 %, λ = 0.2; the stat transfer is not a resource saving, income 20 000 at ages 18–19):
services 2 000·2.881695860 = 5 763.3917; participants 2·20 000·(D4 + D5) = 40 000·1.303934778 = 52 157.3911;
indirect λ·(public savings − cost): t0 −2 000, t2–5 +2 400 → −2 000 + 2 400·2.881695860 = 4 916.0701;
benefits 62 836.8529, costs 10 000, NPV 52 836.8529.
Break-even: B = 10·(1 000·2.881695860 + 20 000·1.303934778 + 0.2·6 000·2.881695860) = 324 184.2645,
K = 1.2·10 000 = 12 000 → delta* = 0.0370159.
"""

import json

import numpy as np
import pytest

from oppvekst.economics import build_scenario, evaluate, run
from oppvekst.economics.model import _ratio

SUM_D = 1.1 ** -2 + 1.1 ** -3 + 1.1 ** -4 + 1.1 ** -5


def test_hand_case_budget_view(scenario_dict):
    r = run(scenario_dict)
    assert SUM_D == pytest.approx(2.881695860, abs=1e-9)
    assert r.delta == pytest.approx(0.2)
    assert r.pv_costs == pytest.approx({"kommune": 10_000, "fylkeskommune": 0, "stat": 0})
    assert r.npv["kommune"] == pytest.approx(-4236.6083, abs=1e-3)
    assert r.npv["stat"] == pytest.approx(28816.9586, abs=1e-3)
    assert r.npv["fylkeskommune"] == 0
    assert r.npv["total"] == pytest.approx(24580.3503, abs=1e-3)
    assert r.nominal["stat"] == {"costs": 0.0, "savings": pytest.approx(40_000), "net": pytest.approx(40_000)}
    be = r.break_even_delta
    assert be["total"] == pytest.approx(10_000 / (10 * 6000 * SUM_D))
    assert be["total"] == pytest.approx(0.0578363, abs=1e-7)
    assert be["kommune"] == pytest.approx(0.3470179, abs=1e-7)
    assert be["stat"] is None  # stat pays nothing: nothing to break even on
    assert r.payback_year["total"] == 3
    assert r.payback_year["kommune"] is None
    assert r.bcr["total"]["ratio"] == pytest.approx(3.458035, abs=1e-6)
    assert r.bcr["kommune"]["ratio"] == pytest.approx(0.576339, abs=1e-6)
    assert r.bcr["stat"]["ratio"] is None and "n/a" in r.bcr["stat"]["note"]


def test_break_even_is_solved_exactly(scenario_dict):
    # NPV is linear in delta: at the closed-form break-even the NPV is zero, level by level.
    r = run(scenario_dict)
    sc = r.scenario
    for key, level in (("total", None), ("kommune", 0)):
        delta = r.break_even_delta[key]
        y = -delta  # RD on the costly outcome: delta = −RD
        out = evaluate(sc, {"effect": np.array([y])})
        npv = out["b_npv_total"][0] if level is None else out["b_npv"][0, level]
        assert npv == pytest.approx(0, abs=1e-8)
    out = evaluate(sc, {"effect": np.array([-r.break_even_delta["societal"]])})
    assert out["s_npv"][0] == pytest.approx(0, abs=1e-8)
    be = r.break_even_effect()["total"]
    assert be["effect"] == pytest.approx(-0.0578363, abs=1e-7) and be["feasible"]


def test_hand_case_societal_view(scenario_dict):
    s = run(scenario_dict).societal
    assert s["benefits"]["public_services"] == pytest.approx(5763.3917, abs=1e-3)
    assert s["benefits"]["participants"] == pytest.approx(52157.3911, abs=1e-3)
    assert s["benefits"]["indirect_tax_financing"] == pytest.approx(4916.0701, abs=1e-3)
    assert s["benefits"]["total"] == pytest.approx(62836.8529, abs=1e-3)
    assert s["costs"] == pytest.approx(10_000)
    assert s["npv"] == pytest.approx(52836.8529, abs=1e-3)
    r = run(scenario_dict)
    assert r.break_even_delta["societal"] == pytest.approx(12_000 / 324184.2645, rel=1e-9)
    assert r.bcr["societal"]["ratio"] == pytest.approx(6.28368529, abs=1e-7)


def test_who_pays_and_compensation(scenario_dict):
    r = run(scenario_dict)
    table = r.who_pays()
    assert table.loc["kommune", "transfer"] == pytest.approx(4236.6083, abs=1e-3)
    assert table.loc["stat", "transfer"] == pytest.approx(-4236.6083, abs=1e-3)
    assert table.loc["kommune", "npv_after"] == pytest.approx(0, abs=1e-9)
    assert table["npv_after"].sum() == pytest.approx(r.npv["total"])
    assert r.compensation["feasible"]


def test_compensation_impossible_when_total_negative(scenario_dict):
    scenario_dict["measure_costs"][0]["one_off"] = 10_000  # cost 100 000 > all savings
    r = run(scenario_dict)
    assert r.npv["total"] < 0
    assert r.compensation["feasible"] is False and r.compensation["transfers"] is None


def test_by_year_and_tables(scenario_dict):
    r = run(scenario_dict)
    by = r.by_year()
    total = by[(by.view == "budget") & (by.level == "total")].set_index("year")
    assert total.loc[2, "saving_nominal"] == pytest.approx(12_000)
    assert total.loc[2, "saving_pv"] == pytest.approx(12_000 / 1.21)
    assert total["cum_net_pv"].iloc[-1] == pytest.approx(r.npv["total"])
    assert list(total["age"]) == [14, 15, 16, 17, 18, 19]
    soc = by[by.view == "societal"]
    assert soc["cum_net_pv"].iloc[-1] == pytest.approx(r.societal["npv"])
    frame = r.summary_frame()
    assert frame.loc[("budget", "total"), "npv"] == pytest.approx(r.npv["total"])
    assert r.non_priced.loc[0, "score"] == "++" and r.non_priced.loc[0, "value"] == 2
    data = json.loads(json.dumps(r.to_dict()))
    assert {f["name"] for f in data["own_assumptions"]} >= {"budget discount rate", "tax-financing cost"}
    assert data["conventions"]["budget_timing"].startswith("flows at the start")


def test_phase_in_and_decay(scenario_dict):
    # phase-in over 2 years (0.5, 1), 1 full year, then −50 % a year: m = 0.5, 1, 1, 0.5, 0.25, 0.125
    scenario_dict["effect_profile"] = {"phase_in_years": 2, "full_years": 1, "decay_rate": 0.5}
    sc = build_scenario(scenario_dict)
    assert np.allclose(sc.profile_m, [0.5, 1, 1, 0.5, 0.25, 0.125])
    r = run(sc)
    # stat savings: 10 000 · (m2 D2 + m3 D3 + m4 D4 + m5 D5)
    expected = 10_000 * (1 * 1.1 ** -2 + 0.5 * 1.1 ** -3 + 0.25 * 1.1 ** -4 + 0.125 * 1.1 ** -5)
    assert r.pv_savings["stat"] == pytest.approx(expected)


def test_deflator_carries_amounts(scenario_dict):
    scenario_dict["deflator"] = {"series": "test index", "source": "test fixture", "values": {2020: 100, 2024: 125}}
    scenario_dict["measure_costs"][0]["price_year"] = 2020  # 1 000 2020-kroner = 1 250 2024-kroner
    r = run(scenario_dict)
    assert r.pv_costs["kommune"] == pytest.approx(12_500)


def test_r109_confirmed_gives_banded_societal_view(scenario_dict):
    scenario_dict["discounting"]["societal"] = {"confirm_r109": True}
    r = run(scenario_dict)
    assert r.societal["rates"] == [(40, 0.04), (75, 0.03), (None, 0.02)] and r.societal["tax_cost"] == 0.2
    assert {f["name"] for f in r.scenario.unconfirmed} == {"R-109 discount rate bands", "R-109 tax-financing cost"}


def test_wsipp_ratio_convention():
    assert _ratio(-1501, 4231)[0] == pytest.approx(-0.3548, abs=1e-4)  # negative benefits → negative ratio
    assert _ratio(100, 0)[0] is None and _ratio(100, -5)[0] is None   # saves money: undefined, n/a
