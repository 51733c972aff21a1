"""`oppvekst trials ...` as a planner runs it: power, design, randomise and verify, analyse, planning values."""

import json

import pytest
from typer.testing import CliRunner

from oppvekst.cli import _register, app

_register()
runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, ["trials", *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_power_solves_n_as_pwr_t_test():
    # R: pwr.t.test(d = 0.5, power = 0.8, sig.level = 0.05) gives n = 63.76561 per group
    out = json.loads(run("power", "--effect", "0.5", "--power", "0.8", "--json").output)
    assert out["solved"] == "n" and out["n"] == 64
    assert out["intermediates"]["exact_n"] == pytest.approx(63.76561, rel=1e-4)


def test_power_cluster_curve_and_solved_clusters():
    out = json.loads(run("power", "--design", "cluster", "--effect", "0.3", "--icc", "0.05", "--cluster-size", "20",
                         "--power", "0.8", "--curve", "--json").output)
    assert out["solved"] == "clusters" and out["clusters"] == out["value"]
    powers = [row["power"] for row in out["curve"]]
    assert powers == sorted(powers) and powers[0] < 0.8 < powers[-1]


def test_power_refuses_an_icc_of_one():
    res = run("power", "--design", "cluster", "--effect", "0.3", "--icc", "1", "--cluster-size", "20",
              "--power", "0.8", ok=False)
    assert res.exit_code == 2 and "icc" in res.output


def test_design_recommends_a_stepped_wedge_for_a_phased_roll_out():
    out = json.loads(run("design", "--randomise", "--level", "cluster", "--phased", "--units", "24", "--json").output)
    assert out["design"] == "stepped_wedge" and out["power_design"] == "stepped-wedge"


def test_randomise_seal_and_verify(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("unit\n" + "\n".join(f"skole{i:02d}" for i in range(12)) + "\n", encoding="utf-8")
    alloc = tmp_path / "alloc.json"
    out = json.loads(run("randomise", str(units), "--seed", "2026", "--method", "blocked", "--block-sizes", "4",
                         "--out", str(alloc), "--json").output)
    assert out["counts"] == {"control": 6, "treatment": 6}
    again = json.loads(run("randomise", str(units), "--seed", "2026", "--method", "blocked", "--block-sizes", "4",
                           "--json").output)
    assert again["seal"] == out["seal"]                                    # same seed, same list
    run("verify", str(alloc), "--seal", out["seal"])
    data = json.loads(alloc.read_text())
    unit, arm = data["assignments"][0]
    data["assignments"][0] = [unit, "control" if arm == "treatment" else "treatment"]   # one unit moved
    alloc.write_text(json.dumps(data))
    res = run("verify", str(alloc), "--seal", out["seal"], ok=False)
    assert res.exit_code == 2 and unit in res.output


def test_analyse_a_trial_file_and_refuse_a_missing_column(tmp_path):
    data = tmp_path / "trial.csv"
    rows = ["id,treatment,y,x"] + [f"{i},{i % 2},{(i % 2) * 2 + (i % 5)},{i % 5}" for i in range(40)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = json.loads(run("analyse", str(data), "--outcome", "y", "--covariate", "x", "--json").output)
    assert out["results"][0]["estimate"] == pytest.approx(2.0, abs=1e-9)   # y = 2·treatment + x exactly
    res = run("analyse", str(data), "--outcome", "z", ok=False)
    assert res.exit_code == 2 and "trial.csv" in res.output and "'z'" in res.output


def test_planning_values_from_the_warehouse(bundled_warehouse_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    out = json.loads(run("planning", "neet_15_29", "--json").output)
    assert out["baseline"] == pytest.approx(104_388 / 1_044_103) and out["source"] == "SSB 13556, 2024"
