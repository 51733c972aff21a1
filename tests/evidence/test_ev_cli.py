"""`oppvekst evidence search|show|meta|import|export|seed|indicator|override` through Typer's runner."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from oppvekst.cli import evidence as cli
from oppvekst.evidence.meta import reference_data_path

runner = CliRunner()
BCG = str(reference_data_path("dat_bcg.csv"))


def run(*args):
    return runner.invoke(cli.app, list(args))


@pytest.fixture
def seeded(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert run("--db", url, "seed").exit_code == 0
    return url


def test_meta_json_reproduces_metafor_reml_on_bcg():
    res = run("meta", BCG, "--method", "reml", "--measure", "rr", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # metafor docs/reference/dat.bcg.html: estimate -0.7145, se 0.1798, tau^2 0.3132, I^2 92.22, Q 152.2330
    assert round(out["estimate"], 4) == -0.7145 and round(out["se"], 4) == 0.1798
    assert round(out["tau2"], 4) == 0.3132 and round(out["i2"], 2) == 92.22 and round(out["q"], 4) == 152.2330
    assert round(out["natural_scale"]["pi_low"], 4) == 0.1546
    assert out["k"] == 13 and out["input"]["columns"] == "counts"
    assert sum(s["weight_percent"] for s in out["studies"]) == pytest.approx(100)


def test_meta_precomputed_effects_and_methods(tmp_path):
    # Kacker (2004) data; metafor PM and FE results from statsmodels' results_meta.py (exk1_*)
    y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
    v = [0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
    path = tmp_path / "kacker.csv"
    path.write_text("study;yi;vi\n" + "\n".join(f"s{i};{str(a).replace('.', ',')};{str(b).replace('.', ',')}"
                                                for i, (a, b) in enumerate(zip(y, v), 1)))
    pm = json.loads(run("meta", str(path), "--method", "pm", "--json").output)
    assert pm["estimate"] == pytest.approx(62.4076199113286, abs=1e-8)
    assert pm["tau2"] == pytest.approx(0.705395309224248, abs=1e-8)
    fe = json.loads(run("meta", str(path), "--method", "fe", "--hk", "--json").output)
    assert fe["se"] == pytest.approx(0.189889223522271, abs=1e-8) and fe["df"] == 8


def test_meta_smd_from_counts_uses_logit_conversion():
    out = json.loads(run("meta", BCG, "--measure", "smd", "--method", "fe", "--json").output)
    orr = json.loads(run("meta", BCG, "--measure", "or", "--method", "fe", "--json").output)
    assert out["estimate"] == pytest.approx(orr["estimate"] * math.sqrt(3) / math.pi)


def test_meta_human_output_and_forest(tmp_path):
    svg = tmp_path / "f.svg"
    res = run("meta", BCG, "--forest", str(svg))
    assert res.exit_code == 0 and "0,4894" in res.output and "152,2330" in res.output
    assert svg.read_text().startswith("<svg")


def test_meta_bad_input_names_file_row_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("study,events_t,n_t,events_c,n_c\nA,4,123,11,139\nB,12,10,3,20\n")
    res = run("meta", str(path))
    assert res.exit_code == 2
    assert "bad.csv" in res.output and "row 3" in res.output and "events_t" in res.output
    path.write_text("study,yi,vi\nA,0.1,0\n")
    res = run("meta", str(path))
    assert res.exit_code == 2 and "row 2" in res.output and "'vi'" in res.output
    path.write_text("study,effect\nA,0.1\n")
    assert "unknown columns" in run("meta", str(path)).output
    assert run("meta", BCG, "--method", "sj").exit_code == 2


def test_search_show_indicator_json(seeded):
    res = json.loads(run("--db", seeded, "search", "familiekoordinator", "--json").output)
    assert {m["id"] for m in res["measures"]} == {"holf", "nye_monstre", "familiekoordinator_nav"}
    res = json.loads(run("--db", seeded, "search", "--arena", "barnehage", "--min-level", "2", "--json").output)
    assert {m["id"] for m in res["measures"]} == {"gratis_kjernetid", "automatisk_barnehageplass", "spraksterk"}
    show = json.loads(run("--db", seeded, "show", "sammen_pa_vei", "--json").output)
    assert show["age_min"] == 0 and show["age_max"] == 2 and show["level"]["effective"] == 2
    assert show["sources"][0]["section"] == "kap. 4.2.3, boks 4.6"
    human = run("--db", seeded, "show", "holf").output
    assert "Evidensnivå 2" in human and "Regel L2" in human and "kap. 3.5" in human
    rows = json.loads(run("--db", seeded, "indicator", "neet_15_29", "--json").output)
    assert "ips_ung" in {r["measure_id"] for r in rows}
    assert run("--db", seeded, "show", "finnes_ikke").exit_code == 2


def test_override_import_export(seeded, tmp_path):
    assert run("--db", seeded, "override", "mst", "3").exit_code == 2  # no reason
    assert run("--db", seeded, "override", "mst", "3", "--reason", "Nordiske RCT-er (Ungsinn)",
               "--editor", "ola").exit_code == 0
    show = json.loads(run("--db", seeded, "show", "mst", "--json").output)
    assert show["evidence_level"] == 3 and show["level"]["override"]["reason"] == "Nordiske RCT-er (Ungsinn)"
    out = tmp_path / "all.json"
    assert run("--db", seeded, "export", str(out)).exit_code == 0
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    res = run("--db", copy, "import", str(out), "--json")
    assert json.loads(res.output)["measures"] == 24
    again = json.loads(run("--db", copy, "show", "mst", "--json").output)
    assert again["level"]["override"]["reason"] == "Nordiske RCT-er (Ungsinn)"
    res = run("--db", copy, "import", str(out))  # everything exists already: refused, nothing changes
    assert res.exit_code == 2 and "all.json" in res.output
    csv_out = tmp_path / "m.csv"
    assert run("--db", seeded, "export", str(csv_out), "--table", "measures").exit_code == 0
    assert csv_out.read_text().splitlines()[0].startswith("id,name,")
    assert run("--db", seeded, "export", str(tmp_path / "x.csv")).exit_code == 2
