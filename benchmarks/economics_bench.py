"""Benchmark (not a test): 10 000 Monte Carlo draws of a 60-year, 3-level scenario (issue 11).

    PYTHONPATH=src python benchmarks/economics_bench.py [--draws N] [--repeat R]

Prints wall and CPU time per simulation (best of R). All figures in the scenario are marked as the
benchmark's own assumptions: it measures speed, not a result.
"""

from __future__ import annotations

import argparse
import time

from oppvekst.economics import build_scenario, simulate

OWN = {"own_assumption": True, "price_year": 2024, "basis": "average"}

SCENARIO = {
    "name": "benchmark", "price_year": 2024, "horizon": 60, "start_age": 15,
    "target_group": {"size": 200, "own_assumption": True},
    "baseline": {"value": 0.2, "own_assumption": True},
    "effect": {"measure": "or", "estimate": 0.7, "se": 0.15, "own_assumption": True},
    "effect_profile": {"phase_in_years": 2, "full_years": 10, "decay_rate": 0.05},
    "measure_costs": [
        {"name": "oppfolging", "level": "kommune", "one_off": 20000, "yearly": 30000, "years": 3, **OWN},
        {"name": "skole", "level": "fylkeskommune", "yearly": 15000, "years": 2, **OWN},
        {"name": "nav", "level": "stat", "one_off": 10000, **OWN},
    ],
    "outcome_costs": [
        {"age_from": 16, "age_to": 19, "level": "fylkeskommune", "amount": 60000, "kind": "service", **OWN},
        {"age_from": 16, "age_to": 30, "level": "kommune", "amount": 40000, "kind": "service", **OWN},
        {"age_from": 18, "age_to": 66, "level": "stat", "amount": 250000, "kind": "transfer", **OWN},
    ],
    "participant_income": [{"age_from": 20, "age_to": 66, "amount": 400000, **OWN}],
    "discounting": {"budget": {"rate": 0.04, "own_assumption": True}, "societal": {"confirm_r109": True}},
    "uncertainty": {
        "baseline": {"dist": "triangular", "low": 0.15, "mode": 0.2, "high": 0.25},
        "cost.oppfolging.yearly": {"dist": "lognormal", "median": 30000, "sigma": 0.2},
        "profile.stat": {"dist": "uniform", "low": 0.8, "high": 1.2},
        "profile.kommune": {"dist": "normal", "mean": 1.0, "sd": 0.1},
        "budget_rate": {"dist": "uniform", "low": 0.02, "high": 0.06},
        "tax_cost": {"dist": "uniform", "low": 0.1, "high": 0.3},
    },
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sc = build_scenario(SCENARIO)
    simulate(sc, 100, seed=0)  # warm-up (imports, scipy set-up)
    best_wall = best_cpu = float("inf")
    for i in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        mc = simulate(sc, args.draws, seed=i)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"economics Monte Carlo: {args.draws} draws, {sc.horizon} years, 3 levels, "
          f"{len(sc.uncertainty) + 1} uncertain inputs")
    print(f"wall {best_wall * 1000:.1f} ms, CPU {best_cpu * 1000:.1f} ms (best of {args.repeat})")
    print(f"P(NPV > 0): {', '.join(f'{k} {v:.3f}' for k, v in mc.prob_positive.items())}")


if __name__ == "__main__":
    main()
