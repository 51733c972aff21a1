"""The trials planner's pages and JSON API (/forsok, /api/v1/trials)."""

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(bundled_warehouse_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    from oppvekst.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_power_api_solves_n_as_pwr(client):
    # R: pwr.t.test(d = 0.5, power = 0.8) gives n = 63.76561 per group
    out = client.get("/api/v1/trials/power", params={"effect": 0.5, "power": 0.8}).json()
    assert out["solved"] == "n" and out["n"] == 64
    assert out["intermediates"]["exact_n"] == pytest.approx(63.76561, rel=1e-4)
    assert len(out["curve"]) > 5


def test_power_api_refuses_bad_input_naming_the_field(client):
    res = client.get("/api/v1/trials/power", params={"design": "cluster", "effect": 0.3, "icc": 1.5,
                                                     "cluster_size": 20, "power": 0.8})
    assert res.status_code == 422 and res.json()["detail"]["field"] == "icc"
    res = client.get("/api/v1/trials/power", params={"effect": "lots", "power": 0.8})
    assert res.status_code == 422 and res.json()["detail"]["field"] == "effect"


def test_design_and_planning_api(client):
    assert client.get("/api/v1/trials/design", params={"randomise": "no", "cutoff": "yes"}).json()["design"] == "rdd"
    out = client.get("/api/v1/trials/planning/neet_15_29").json()
    assert out["baseline"] == pytest.approx(104_388 / 1_044_103) and out["source"] == "SSB 13556, 2024"
    assert client.get("/api/v1/trials/planning/organised_leisure").status_code == 422   # no data: the user gives it
    assert len(client.get("/api/v1/trials/templates").json()) == 8


def test_randomise_api_is_seeded(client):
    body = {"units": [f"b{i}" for i in range(8)], "seed": "oslo-2027", "method": "blocked", "block_sizes": [4]}
    first, second = client.post("/api/v1/trials/randomise", json=body).json(), \
        client.post("/api/v1/trials/randomise", json=body).json()
    assert first["seal"] == second["seal"] and first["counts"] == {"control": 4, "treatment": 4}
    assert client.post("/api/v1/trials/randomise", json={**body, "seed": None}).status_code == 422


def test_power_page_shows_the_curve_with_a_table_and_the_planning_values_with_their_source(client):
    html = client.get("/forsok/styrke", params={
        "design": "cluster", "outcome": "binary", "solve": "clusters", "p1": "0.08", "cluster_size": "200",
        "power": "0.8", "planning": "neet_15_29"}).text
    assert 'id="power-curve"' in html and "<svg" in html and 'id="curve-table"' in html
    assert "Kilde: SSB 13556, 2024" in html and "grunnrate\n10,0 %" in html


def test_method_page_recommends(client):
    html = client.get("/forsok/metode", params={"randomise": "yes", "level": "cluster", "phased": "yes",
                                                "units": "24"}).text
    assert "Anbefalt: Trinnvis innføring i tilfeldig rekkefølge" in html
    assert "Boks 7.1" in client.get("/forsok").text


@pytest.fixture
def planners(monkeypatch):
    from oppvekst.access import users
    from oppvekst.content import db

    db.dispose_all()
    users.create_user("kari", "et-langt-passord-for-test", "analyst", municipality="1103")
    users.create_user("ola", "et-langt-passord-for-test", "analyst", municipality="4601")
    yield {n: {"Authorization": f"Bearer {users.issue_token(n, 'test')}"} for n in ("kari", "ola")}
    db.dispose_all()


def test_plans_api_drafts_private_registered_public(client, planners):
    kari, ola = planners["kari"], planners["ola"]
    assert client.post("/api/v1/trials/plans", json={"template": "laget_rundt_eleven"}).status_code == 401
    tid = client.post("/api/v1/trials/plans", json={"template": "laget_rundt_eleven"}, headers=kari).json()["id"]
    assert client.get(f"/api/v1/trials/plans/{tid}").status_code == 404             # a draft is not public
    plan = client.get(f"/api/v1/trials/plans/{tid}", headers=kari).json()["plan"]
    plan["design"]["outcomes"][0]["primary"] = True
    change = {"method": {"design": "cluster_rct"}, "design": plan["design"]}
    assert client.patch(f"/api/v1/trials/plans/{tid}", json=change, headers=ola).status_code == 403   # not the owner
    assert client.patch(f"/api/v1/trials/plans/{tid}", json=change, headers=kari).status_code == 200
    reg = client.post(f"/api/v1/trials/plans/{tid}/register", headers=kari).json()
    public = client.get(f"/api/v1/trials/plans/{tid}").json()
    assert public["registered_hash"] == reg["registered_hash"] and public["status"] == "registered"
    assert public["owner"] is None and client.get(f"/api/v1/trials/plans/{tid}", headers=ola).json()["owner"] == "kari"
    md = client.get(f"/forsok/plan/{tid}/plan.md")
    assert md.status_code == 200 and reg["registered_hash"] in md.text and "kari" not in md.text
    assert "kari" not in client.get(f"/forsok/plan/{tid}").text and "kari" not in client.get("/forsok").text
    assert client.get(f"/forsok/plan/{tid}/plan.pdf").content[:4] == b"%PDF"
    bad = client.patch(f"/api/v1/trials/plans/{tid}", json={"design": {**plan["design"], "unit": "x"}}, headers=kari)
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "reason"
