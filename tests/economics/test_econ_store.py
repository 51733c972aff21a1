"""Saved scenarios: stored in the content database with an audit entry, listed, compared side by side."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from oppvekst.economics.store import ScenarioStore, compare
from oppvekst.errors import InputError


@pytest.fixture
def cli():
    from oppvekst.cli import _register, app

    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["economics", *args])


def test_save_list_compare_and_audit(scenario_dict):
    from oppvekst.content import audit

    store = ScenarioStore()
    a = store.save("hand", scenario_dict, "kari")
    stronger = {**scenario_dict, "effect": {**scenario_dict["effect"], "estimate": -0.3}}
    b = store.save("stronger", stronger, "kari")
    assert [r.name for r in store.list()] == ["hand", "stronger"]
    assert store.get(a).scenario == scenario_dict and store.get(b).owner == "kari"
    frame = compare([store.get(a), store.get(b)], draws=500, seed=1)
    assert frame.loc["npv.total"].iloc[0] == pytest.approx(24580.3503, abs=1e-3)
    assert frame.loc["npv.total"].iloc[1] > frame.loc["npv.total"].iloc[0]
    assert frame.loc["break_even_delta.total"].iloc[0] == pytest.approx(0.0578363, abs=1e-7)
    assert 0 <= frame.loc["p_npv_positive.total"].iloc[0] <= 1
    saved = audit.entries(action="economics_scenario_save")
    assert {e["target"] for e in saved} == {f"ec_scenario:{a}", f"ec_scenario:{b}"}
    assert audit.verify().ok
    with pytest.raises(InputError):
        store.save("bad", {**scenario_dict, "horizon": 101}, "kari")
    assert len(store.list()) == 2                       # a refused scenario leaves nothing


def test_cli_save_list_compare(cli, tmp_path, scenario_dict):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict), encoding="utf-8")
    assert cli("save", "første", str(path)).exit_code == 0
    assert cli("save", "andre", str(path)).exit_code == 0
    listed = json.loads(cli("list", "--json").output)
    assert [r["name"] for r in listed] == ["første", "andre"]
    res = cli("compare", "1", "2", "--draws", "300", "--seed", "4", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["measure"]: r for r in json.loads(res.output)["rows"]}
    assert rows["npv.total"]["1: første"] == pytest.approx(rows["npv.total"]["2: andre"])
    assert cli("compare", "1", "99").exit_code == 2


def test_web_save_needs_a_signed_in_user_and_the_form_token(scenario_dict):
    from fastapi.testclient import TestClient

    from oppvekst.access import users
    from oppvekst.content import db
    from oppvekst.web.app import create_app

    db.dispose_all()
    users.create_user("kari", "et-langt-passord-for-test", "analyst", municipality="1103")
    client = TestClient(create_app())
    form = {"scenario": yaml.safe_dump(scenario_dict), "name": "fra nettet", "draws": "0"}
    public = client.post("/utenforregnskap/lagre", data=form, follow_redirects=False)
    assert public.status_code in (303, 401) and ScenarioStore().list() == []
    assert 'id="save"' not in client.get("/utenforregnskap").text          # no button for the public
    client.post("/logg-inn", data={"username": "kari", "password": "et-langt-passord-for-test"})
    page = client.get("/utenforregnskap").text
    assert 'id="save"' in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/utenforregnskap/lagre", data=form, follow_redirects=False).status_code == 403   # no token
    res = client.post("/utenforregnskap/lagre", data={**form, "csrf": csrf})
    assert res.status_code == 200 and "fra nettet" in res.text and 'id="scenarios"' in res.text
    stronger = {**scenario_dict, "effect": {**scenario_dict["effect"], "estimate": -0.3}}
    client.post("/utenforregnskap/lagre", data={**form, "scenario": yaml.safe_dump(stronger), "name": "sterkere",
                                                "csrf": csrf})
    [a, b] = [r.id for r in ScenarioStore().list()]
    table = client.get("/utenforregnskap/sammenlign", params={"id": [a, b], "draws": 200, "seed": 1}).text
    assert 'id="compare"' in table and "sterkere" in table and "24\u202f580" in table
    assert 'id="error"' in client.get("/utenforregnskap/sammenlign", params={"id": [a]}).text
    assert client.get("/utenforregnskap/pdf", params={"id": a}).content[:4] == b"%PDF"   # a saved scenario
    db.dispose_all()
