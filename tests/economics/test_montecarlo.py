"""Seeded Monte Carlo: same seed, same answer; P(NPV > 0) converges to the analytic value in a normal case;
the tornado; an effect without its uncertainty is refused."""

import numpy as np
import pytest
from scipy import stats

from oppvekst.economics import build_scenario, evaluate, run, simulate
from oppvekst.errors import InputError


def test_same_seed_same_answer(scenario_dict):
    scenario_dict["uncertainty"] = {"cost.programme.one_off": {"dist": "triangular", "low": 800, "mode": 1000,
                                                               "high": 1500},
                                    "profile.stat": {"dist": "lognormal", "median": 1.0, "sigma": 0.2},
                                    "budget_rate": {"dist": "uniform", "low": 0.02, "high": 0.06}}
    sc = build_scenario(scenario_dict)
    a, b = simulate(sc, 2000, seed=42), simulate(sc, 2000, seed=42)
    assert np.array_equal(a.npv_total, b.npv_total) and np.array_equal(a.npv_societal, b.npv_societal)
    assert a.prob_positive == b.prob_positive
    c = simulate(sc, 2000, seed=43)
    assert not np.array_equal(a.npv_total, c.npv_total)


def test_probability_converges_to_analytic_normal_case(scenario_dict):
    # Only the effect is uncertain: RD ~ N(−0.05, 0.04) on the costly outcome (q0 = 0.5, never clipped:
    # a draw beyond ±0.5 is 11 SD away). delta = −RD, so NPV_total = delta·B − K is normal with mean
    # 0.05·B − K and sd 0.04·B: P(NPV > 0) = Φ((0.05·B − K)/(0.04·B)).
    scenario_dict["effect"].update(estimate=-0.05, se=0.04)
    scenario_dict["measure_costs"][0]["one_off"] = 400
    sc = build_scenario(scenario_dict)
    r = run(sc)
    B = float(r.raw["b_pv_per_delta"][0].sum())
    K = float(r.raw["b_pv_cost"][0].sum())
    analytic = float(stats.norm.cdf((0.05 * B - K) / (0.04 * B)))
    n = 200_000
    mc = simulate(sc, n, seed=7)
    se = np.sqrt(analytic * (1 - analytic) / n)  # binomial Monte Carlo SE ≈ 0.0011
    assert abs(mc.prob_positive["total"] - analytic) < 4 * se
    assert 0.2 < analytic < 0.8  # a case where the test could fail
    # the same for the societal view, B and K of its own
    Bs, Ks = float(r.raw["s_B"][0]), float(r.raw["s_K"][0])
    analytic_s = float(stats.norm.cdf((0.05 * Bs - Ks) / (0.04 * Bs)))
    assert abs(mc.prob_positive["societal"] - analytic_s) < 4 * np.sqrt(analytic_s * (1 - analytic_s) / n)


def test_outputs_quantiles_tornado(scenario_dict):
    scenario_dict["uncertainty"] = {"cost.programme.one_off": {"dist": "normal", "mean": 1000, "sd": 100,
                                                               "range": [800, 1200]}}
    sc = build_scenario(scenario_dict)
    mc = simulate(sc, 5000, seed=1)
    q = mc.quantiles()
    assert list(q.index) == ["kommune", "fylkeskommune", "stat", "total", "societal"]
    assert (q[0.05] <= q[0.95]).all()
    assert set(mc.summary_frame().columns) >= {"mean", "sd", "q5", "q50", "q95", "p_positive"}
    t = mc.tornado()
    assert list(t.index) == ["effect", "cost.programme.one_off"]  # effect swings more
    row = t.loc["cost.programme.one_off"]
    assert (row.low, row.high) == (800, 1200)
    # each end with the others at base, checked against the engine: cost 800 → total NPV up by 10·200
    assert row.npv_total_low - row.npv_total_base == pytest.approx(2000)
    eff = t.loc["effect"]
    assert eff.low == pytest.approx(-0.2 - 1.959963984540054 * 0.05)
    assert evaluate(sc, {"effect": np.array([eff.high])})["b_npv_total"][0] == pytest.approx(eff.npv_total_high)
    assert mc.to_dict()["histogram"]["total"]["counts"]


def test_effect_without_uncertainty_refused(scenario_dict):
    del scenario_dict["effect"]["se"]
    sc = build_scenario(scenario_dict)
    run(sc)  # a point estimate is fine without Monte Carlo
    with pytest.raises(InputError) as exc:
        simulate(sc, 100, seed=1)
    assert exc.value.field == "effect.se"


def test_bad_uncertainty_specs(scenario_dict):
    scenario_dict["uncertainty"] = {"cost.nonexistent.one_off": {"dist": "normal", "mean": 1, "sd": 1}}
    with pytest.raises(InputError) as exc:
        build_scenario(scenario_dict)
    assert exc.value.field == "uncertainty.cost.nonexistent.one_off"
    scenario_dict["uncertainty"] = {"budget_rate": {"dist": "triangular", "low": 0.05, "mode": 0.01, "high": 0.06}}
    with pytest.raises(InputError):
        build_scenario(scenario_dict)
