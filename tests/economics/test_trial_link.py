"""The break-even effect beside a planned trial's MDES, on one named scale or refused as different scales."""

import json
import math

import pytest
import yaml
from typer.testing import CliRunner

from oppvekst.economics import run
from oppvekst.economics.trial_link import compare_with_power, for_trial
from oppvekst.errors import InputError
from oppvekst.trials.power import solve


def _plan(power: dict) -> int:
    from oppvekst.trials.store import TrialStore

    return TrialStore().create({"title": "Forsøk", "design": {"power": power}}, "kari")


def test_risk_difference_is_the_same_scale(scenario_dict):
    res = run(scenario_dict)                     # break-even total δ* = 0.0578 at q0 = 0.5 (effect on costly)
    be = res.break_even_effect()["total"]
    small = solve("individual", "binary", p0=0.5, p1=0.45, power=0.8, method="normal").to_dict()    # MDES 0.05 < 0.0578
    assert small["effect_metric"].startswith("risk difference")
    check = compare_with_power(res, small, trial_id=1)
    assert check["verdict"] == "could" and check["break_even"] == pytest.approx(abs(be["p1"] - be["p0"]))
    assert "could tell" in check["text"] and "risk difference" in check["text"]
    coarse = solve("individual", "binary", p0=0.5, p1=0.35, power=0.8, method="normal").to_dict()   # MDES 0.15 > 0.0578
    assert compare_with_power(res, coarse)["verdict"] == "could_not"


def test_cohens_h_converted_by_name_and_smd_refused(scenario_dict):
    res = run(scenario_dict)
    be = res.break_even_effect()["total"]
    h = solve("individual", "binary", p0=0.5, p1=0.45, power=0.8, method="arcsine").to_dict()
    check = compare_with_power(res, h)
    want = abs(2 * math.asin(math.sqrt(be["p1"])) - 2 * math.asin(math.sqrt(be["p0"])))
    assert check["break_even"] == pytest.approx(want) and "asin" in check["conversion"]
    smd = solve("individual", "continuous", effect=0.3, power=0.8).to_dict()
    refused = compare_with_power(res, smd)
    assert refused["verdict"] == "not_comparable" and "different scales" in refused["text"]
    with pytest.raises(InputError):
        compare_with_power(res, None)


def test_cli_trial_from_the_store(scenario_dict, tmp_path):
    from oppvekst.cli import _register, app

    trial_id = _plan(solve("individual", "binary", p0=0.5, p1=0.45, power=0.8, method="normal").to_dict())
    assert for_trial(run(scenario_dict), trial_id)["verdict"] == "could"
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**scenario_dict, "trial": trial_id}), encoding="utf-8")
    _register()
    out = json.loads(CliRunner().invoke(app, ["economics", "run", str(path), "--json"]).output)
    assert out["trial_check"]["verdict"] == "could" and out["trial_check"]["trial"] == trial_id
    res = CliRunner().invoke(app, ["economics", "run", str(path), "--trial", "999"])
    assert res.exit_code == 2 and "trial" in res.output


def test_page_shows_the_trial_verdict(scenario_dict):
    from fastapi.testclient import TestClient

    from oppvekst.web.app import create_app

    trial_id = _plan(solve("individual", "continuous", effect=0.3, power=0.8).to_dict())
    page = TestClient(create_app()).post("/utenforregnskap", data={
        "scenario": yaml.safe_dump({**scenario_dict, "trial": trial_id}), "draws": "0"})
    assert 'id="trial"' in page.text and "different scales" in page.text
