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


def test_plan_from_template_register_amend_and_export(tmp_path):
    from pypdf import PdfReader

    tid = json.loads(run("plan", "new", "--template", "inkludering_fritid", "--json").output)["id"]
    shown = json.loads(run("plan", "show", str(tid), "--json").output)
    assert shown["status"] == "draft" and shown["plan"]["measure"] == "inkludering_fritid"
    res = run("plan", "register", str(tid), ok=False)                     # no design chosen yet
    assert res.exit_code == 2 and "method.design" in res.output
    outcomes = shown["plan"]["design"]["outcomes"]
    outcomes[0]["primary"] = True
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"method": {"design": "cluster_rct", "reason": "skoler"},
                                   "design": {**shown["plan"]["design"], "unit": "skole", "outcomes": outcomes}}))
    run("plan", "edit", str(tid), str(changes))
    reg = json.loads(run("plan", "register", str(tid), "--json").output)
    assert len(reg["registered_hash"]) == 64
    changes.write_text(json.dumps({"design": {**shown["plan"]["design"], "unit": "klasse", "outcomes": outcomes}}))
    assert run("plan", "edit", str(tid), str(changes), ok=False).exit_code == 2        # needs a reason now
    run("plan", "edit", str(tid), str(changes), "--reason", "klasser i stedet")
    md = tmp_path / "plan.md"
    run("plan", "export", str(tid), "--out", str(md))
    text = md.read_text()
    assert reg["registered_hash"] in text and "klasser i stedet" in text and "Klyngerandomisert forsøk" in text
    pdf = tmp_path / "plan.pdf"
    run("plan", "export", str(tid), "--out", str(pdf), "--format", "pdf")
    assert reg["registered_hash"][:20] in "".join(p.extract_text() for p in PdfReader(pdf).pages).replace("\n", "")


def test_seal_goes_into_the_plan_and_the_analysis_follows_the_registered_outcomes(tmp_path):
    tid = json.loads(run("plan", "new", "--title", "Leksehjelp i 5. klasse", "--json").output)["id"]
    changes = tmp_path / "c.json"
    changes.write_text(json.dumps({"question": {"question": "Gir leksehjelp bedre lesing?"},
                                   "method": {"design": "individual_rct"},
                                   "design": {"unit": "elev", "outcomes": [
                                       {"name": "lesing", "primary": True},
                                       {"name": "trivsel", "kind": "binary"}]}}))
    run("plan", "edit", str(tid), str(changes))
    units = tmp_path / "units.csv"
    units.write_text("unit\n" + "\n".join(f"e{i}" for i in range(40)) + "\n")
    seal = json.loads(run("randomise", str(units), "--seed", "7", "--plan", str(tid), "--json").output)["seal"]
    reg = json.loads(run("plan", "register", str(tid), "--json").output)
    shown = json.loads(run("plan", "show", str(tid), "--json").output)
    assert shown["registered_plan"]["design"]["allocation_seal"] == seal and reg["registered_hash"]
    data = tmp_path / "trial.csv"
    data.write_text("treatment,lesing,trivsel\n" + "\n".join(
        f"{i % 2},{10 + 3 * (i % 2) + (i % 4)},{(i // 2) % 2}" for i in range(40)) + "\n")
    out = json.loads(run("analyse", str(data), "--plan", str(tid), "--json").output)
    roles = {r["outcome"]: r["role"] for r in out["results"]}
    assert roles == {"lesing": "primary", "trivsel": "secondary"}
    # lesing = 10 + 3·treatment + (i mod 4): i even → 10 + {0, 2}, i odd → 13 + {1, 3}: means 11 and 15
    assert next(r for r in out["results"] if r["outcome"] == "lesing")["estimate"] == pytest.approx(4.0)
    missing = tmp_path / "bad.csv"
    missing.write_text("treatment,lesing\n1,3\n0,2\n")
    res = run("analyse", str(missing), "--plan", str(tid), ok=False)
    assert res.exit_code == 2 and "'trivsel'" in res.output and "bad.csv" in res.output
