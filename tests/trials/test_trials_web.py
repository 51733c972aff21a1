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
