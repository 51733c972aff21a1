"""The thin interfaces over the model: `oppvekst economics ...`, /api/v1/economics and /utenforregnskap give
the model's own numbers for the hand-computed case of test_model.py (see its docstring)."""

import json

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from oppvekst.economics import run

HAND_NPV = {"kommune": -4236.6083, "fylkeskommune": 0.0, "stat": 28816.9586, "total": 24580.3503}


@pytest.fixture
def cli():
    from oppvekst.cli import _register, app

    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["economics", *args])


@pytest.fixture(scope="module")
def client():
    from oppvekst.web.app import create_app

    return TestClient(create_app())


@pytest.fixture
def scenario_file(tmp_path, scenario_dict):
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(scenario_dict, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_run_json_is_the_model(cli, scenario_file, scenario_dict):
    res = cli("run", str(scenario_file), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    model = run(scenario_dict)
    for level, value in HAND_NPV.items():
        assert out["budget"]["npv"][level] == pytest.approx(value, abs=1e-3)
        assert out["budget"]["npv"][level] == pytest.approx(model.npv[level], rel=1e-12)
    assert out["break_even"]["total"]["delta"] == pytest.approx(0.0578363, abs=1e-7)
    assert out["payback_year"] == {"kommune": None, "fylkeskommune": None, "stat": None, "total": 3, "societal": 4}
    assert out["monte_carlo"] is None
    assert {f["name"] for f in out["own_assumptions"]} >= {"budget discount rate", "tax-financing cost"}
    assert all(f.get("source") or f.get("own_assumption") for f in out["inputs"])


def test_cli_run_text_and_monte_carlo(cli, scenario_file):
    res = cli("run", str(scenario_file), "--draws", "2000", "--seed", "7")
    assert res.exit_code == 0, res.output
    assert "24 580" in res.output and "-4 237" in res.output       # total and kommune NPV, Norwegian format
    text = " ".join(res.output.split())               # Rich wraps long lines at the terminal width
    assert "programme" in text and "test fixture" in text and "egen antakelse" in text
    assert "P(NPV>0)" in text
    a = json.loads(cli("run", str(scenario_file), "--draws", "2000", "--seed", "7", "--json").output)["monte_carlo"]
    b = json.loads(cli("run", str(scenario_file), "--draws", "2000", "--seed", "7", "--json").output)["monte_carlo"]
    assert a == b and a["draws"] == 2000 and 0.9 < a["prob_positive"]["total"] <= 1
    assert a["prob_positive"]["kommune"] < 0.05                      # kommune pays more than it saves


def test_cli_bad_scenario_exits_2_naming_the_field(cli, tmp_path, scenario_dict):
    scenario_dict["baseline"]["value"] = 1.2
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(scenario_dict), encoding="utf-8")
    res = cli("run", str(bad))
    assert res.exit_code == 2
    assert "baseline.value" in res.output and "bad.yaml" in res.output
    del scenario_dict["measure_costs"][0]["source"]
    scenario_dict["baseline"]["value"] = 0.5
    bad.write_text(yaml.safe_dump(scenario_dict), encoding="utf-8")
    res = cli("run", str(bad))
    assert res.exit_code == 2 and "measure_costs[0].source" in res.output
    template = tmp_path / "template.yaml"        # the template itself has nulls: refused, not computed
    template.write_text(cli("template").output, encoding="utf-8")
    res = cli("run", str(template))
    assert res.exit_code == 2 and "field" in res.output


def test_cli_discount_matches_hand_factors(cli):
    out = json.loads(cli("discount", "--years", "4", "--rate", "0.1", "--json").output)
    assert [r["factor"] for r in out["factors"]] == pytest.approx([1, 1 / 1.1, 1.1 ** -2, 1.1 ** -3], rel=1e-12)
    assert out["annuity"] == pytest.approx(1 + 1 / 1.1 + 1.1 ** -2 + 1.1 ** -3, rel=1e-12)
    banded = json.loads(cli("discount", "--years", "42", "--r109-confirmed", "--json").output)
    assert banded["factors"][40]["factor"] == pytest.approx(1.04 ** -40, rel=1e-12)          # the band limit
    assert banded["factors"][41]["factor"] == pytest.approx(1.04 ** -40 * 1.03 ** -1, rel=1e-12)
    assert banded["source"]["confirmed_by_user"] is True and "verification_note" in banded["source"]
    refused = cli("discount", "--years", "4")        # neither a rate nor confirmed R-109: refused
    assert refused.exit_code == 2 and "rate" in refused.output
    assert cli("discount", "--years", "101", "--rate", "0.04").exit_code == 2


def test_cli_template_is_the_schema(cli):
    res = cli("template")
    assert res.exit_code == 0 and "own_assumption" in res.output
    assert set(yaml.safe_load(res.output)) >= {"price_year", "horizon", "effect", "measure_costs", "discounting"}


def test_api_run_is_the_cli(client, cli, scenario_file, scenario_dict):
    res = client.post("/api/v1/economics/run", json=scenario_dict, params={"draws": 1000, "seed": 3})
    assert res.status_code == 200
    api = res.json()
    cli_out = json.loads(cli("run", str(scenario_file), "--draws", "1000", "--seed", "3", "--json").output)
    assert api["budget"] == cli_out["budget"] and api["monte_carlo"] == cli_out["monte_carlo"]
    assert api["budget"]["npv"]["total"] == pytest.approx(HAND_NPV["total"], abs=1e-3)
    scenario_dict["horizon"] = 101
    bad = client.post("/api/v1/economics/run", json=scenario_dict)
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "horizon"
    scenario_dict["horizon"] = 6
    scenario_dict["outcome_costs"] = {"file": "/etc/passwd"}        # the server reads no path a sender names
    bad = client.post("/api/v1/economics/run", json=scenario_dict)
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "outcome_costs.file"
    too_many = client.post("/api/v1/economics/run", json={**scenario_dict}, params={"draws": 10 ** 7})
    assert too_many.status_code == 422


def test_api_discount(client):
    out = client.get("/api/v1/economics/discount", params={"years": 3, "rate": 0.1}).json()
    assert out["annuity"] == pytest.approx(1 + 1 / 1.1 + 1 / 1.21, rel=1e-12)
    bad = client.get("/api/v1/economics/discount", params={"years": 3})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "rate"


def test_page_renders_the_form_with_the_template(client):
    page = client.get("/utenforregnskap")
    assert page.status_code == 200
    assert "<textarea" in page.text and "measure_costs:" in page.text and "<svg" not in page.text
    assert "Hvert tall må ha sin kilde" in page.text and 'href="/utenforregnskap"' in page.text


def test_page_computes_with_charts_and_tables(client, scenario_dict):
    page = client.post("/utenforregnskap", data={"scenario": yaml.safe_dump(scenario_dict), "draws": "1000",
                                                 "seed": "1"})
    assert page.status_code == 200 and 'id="error"' not in page.text
    assert page.text.count("<svg") == 3           # cumulative, histogram, tornado
    for table in ("summary", "cumulative-table", "who-pays", "mc-summary", "histogram-table", "tornado-table",
                  "inputs"):
        assert f'id="{table}"' in page.text
    assert "24\u202f580" in page.text and "−4\u202f237" in page.text or "-4\u202f237" in page.text
    # a larger effect in the form field changes the NPV (RD −0.3: delta 0.3, savings × 1.5)
    stronger = client.post("/utenforregnskap", data={"scenario": yaml.safe_dump(scenario_dict), "effect": "-0.3",
                                                     "draws": "0"})
    npv = 0.3 / 0.2 * (HAND_NPV["total"] + 10_000) - 10_000
    assert f"{npv:,.0f}".replace(",", "\u202f") in stronger.text and "<svg" in stronger.text


def test_page_shows_the_refusal(client, scenario_dict):
    del scenario_dict["baseline"]["source"]
    page = client.post("/utenforregnskap", data={"scenario": yaml.safe_dump(scenario_dict)})
    assert page.status_code == 200 and 'id="error"' in page.text and "baseline.source" in page.text
    page = client.post("/utenforregnskap", data={"scenario": "a: [unclosed"})
    assert 'id="error"' in page.text and "scenario" in page.text


def test_pdf_from_the_cli_and_the_page(cli, client, scenario_file, scenario_dict, tmp_path):
    from oppvekst.economics import simulate
    from oppvekst.economics.export import to_html

    out = tmp_path / "rad.pdf"
    res = cli("run", str(scenario_file), "--draws", "500", "--seed", "2", "--pdf", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:4] == b"%PDF"
    sc = run(scenario_dict).scenario
    text = to_html(run(scenario_dict), simulate(sc, draws=500, seed=2))
    for needed in ("Netto nåverdi per nivå", "Hvem betaler", "Alle inndata med kilde", "test fixture",
                   "Egne antakelser", "budget discount rate", "Ubekreftede tall", "Konvensjoner", "P(NPV &gt; 0)",
                   "24\u202f580"):
        assert needed in text, needed
    page = client.post("/utenforregnskap/pdf", data={"scenario": yaml.safe_dump(scenario_dict), "draws": "200",
                                                     "seed": "1"})
    assert page.status_code == 200 and page.content[:4] == b"%PDF"
    assert page.headers["content-type"] == "application/pdf"
    assert client.get("/utenforregnskap/pdf").status_code == 422
    assert client.get("/utenforregnskap/pdf", params={"id": 99}).status_code == 422
