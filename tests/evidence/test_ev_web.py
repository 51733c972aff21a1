"""Pages under /kunnskapsbase and the JSON API under /api/v1/evidence, on the seeded SQLite store."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from oppvekst.evidence.meta import read_meta_csv, reference_data_path
from oppvekst.evidence.seed import ensure_seeded
from oppvekst.web.app import create_app

TOKEN = "test-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Editor-Name": "Kari"}


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("OPPVEKST_EDITOR_TOKEN", TOKEN)
    ensure_seeded()  # the default store under this test's OPPVEKST_HOME
    return TestClient(create_app())  # no lifespan: the warm-up of other pages is not needed


def bcg_measure() -> dict:
    data = read_meta_csv(reference_data_path("dat_bcg.csv"), "rr")
    return {"id": "bcg_testdata", "name": "BCG-vaksine (testdata, ikke et tiltak for barn)", "kind": "program",
            "description": "Testdata: Colditz et al. 1994", "status": "avsluttet", "outcomes": ["barns_helse_utvikling"],
            "studies": [{"citation": lab, "year": int(lab[-4:]), "country": "US", "design": "rct",
                         "risk_of_bias": "some",
                         "effects": [{"outcome": "barns_helse_utvikling", "measure_type": "rr",
                                      "estimate": math.exp(y), "variance": v, "beneficial_direction": "lower"}]}
                        for lab, y, v in zip(data.labels, data.yi, data.vi)]}


def test_search_page_lists_measures_and_local_examples_apart(client):
    page = client.get("/kunnskapsbase", params={"q": "familiekoordinator"})
    assert page.status_code == 200
    assert 'href="/kunnskapsbase/tiltak/holf"' in page.text and "Nye mønstre" in page.text
    page = client.get("/kunnskapsbase", params={"q": "fritidskasse"})
    assert "Inspirasjonsbanken" in page.text and "Tønsberg" in page.text
    page = client.get("/kunnskapsbase", params={"arena": "barnehage", "niva": "2"})
    assert "Gratis kjernetid" in page.text and "HOLF" not in page.text
    assert "ukjent verdi" in client.get("/kunnskapsbase", params={"arena": "kino"}).text


def test_measure_page_shows_level_why_and_sources(client):
    page = client.get("/kunnskapsbase/tiltak/holf")
    assert page.status_code == 200
    text = page.text
    assert "Teoretisk begrunnet" in text and "(L2)" in text
    assert "betydelige metodesvakheter" in text and "kap. 3.5, boks 3.4" in text
    assert 'id="no-effect"' in text and "Ingen effektstørrelse er registrert" in text
    assert client.get("/kunnskapsbase/tiltak/finnes_ikke").status_code == 404
    assert "Ungsinn" in client.get("/kunnskapsbase/metode").text


def test_editing_requires_the_token(client, monkeypatch):
    assert client.post("/api/v1/evidence/measures", json=bcg_measure()).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/api/v1/evidence/measures", json=bcg_measure(), headers=wrong).status_code == 401
    monkeypatch.delenv("OPPVEKST_EDITOR_TOKEN")
    res = client.post("/api/v1/evidence/measures", json=bcg_measure(), headers=AUTH)
    assert res.status_code == 403 and "slått av" in res.json()["detail"]


def test_api_create_measure_with_effects_then_forest_plot_on_the_page(client):
    res = client.post("/api/v1/evidence/measures", json=bcg_measure(), headers=AUTH)
    assert res.status_code == 201 and res.json() == {"id": "bcg_testdata"}
    m = client.get("/api/v1/evidence/measures/bcg_testdata").json()
    assert m["updated_by"] == "redaktør:Kari" and m["pooled"][0]["k"] == 13
    pooled = client.get("/api/v1/evidence/measures/bcg_testdata/pooled/barns_helse_utvikling",
                        params={"hk": "false"}).json()
    # metafor docs (dat.bcg.html): REML estimate -0.7145, se 0.1798, tau^2 0.3132
    assert round(pooled["estimate"], 4) == -0.7145 and round(pooled["se"], 4) == 0.1798
    assert round(pooled["tau2"], 4) == 0.3132
    svg = client.get("/api/v1/evidence/measures/bcg_testdata/forest/barns_helse_utvikling.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "Comstock et al 1976" in svg.text
    page = client.get("/kunnskapsbase/tiltak/bcg_testdata").text
    assert '<figure class="chart forest"' in page and "<svg" in page and "Aronson 1948" in page
    assert "Lavere verdi er bedre" in page and "Hartung–Knapp" in page


def test_api_refuses_bad_input_with_record_and_field(client):
    bad = {"citation": "Ny studie", "design": "rct",
           "effects": [{"outcome": "barns_helse_utvikling", "measure_type": "smd", "estimate": 0.4}]}
    res = client.post("/api/v1/evidence/measures/holf/studies", json=bad, headers=AUTH)
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert detail["field"] == "variance" and "Ny studie" in detail["record"]
    dup = {"citation": "OsloMet, randomisert kontrollert studie med prosessevaluering av HOLF (ref. 61 i Meld. St. 28)",
           "design": "rct"}
    res = client.post("/api/v1/evidence/measures/holf/studies", json=dup, headers=AUTH)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "citation"
    res = client.post("/api/v1/evidence/local-examples", json={"title": "X", "municipality": "Y", "arenas": ["kino"]},
                      headers=AUTH)
    assert res.status_code == 422 and res.json()["detail"]["field"] == "arenas"
    assert client.get("/api/v1/evidence/measures/holf").json()["n_studies"] == 1


def test_override_by_api_and_by_form_shows_reason(client):
    res = client.put("/api/v1/evidence/measures/mst/level-override",
                     json={"level": 4, "reason": "Nordiske RCT-er, se Ungsinn"}, headers=AUTH)
    assert res.status_code == 200 and res.json()["effective"] == 4
    page = client.get("/kunnskapsbase/tiltak/mst").text
    assert 'id="override"' in page and "Nordiske RCT-er, se Ungsinn" in page
    assert client.put("/api/v1/evidence/measures/mst/level-override", json={"level": 4},
                      headers=AUTH).status_code == 422
    form = client.post("/kunnskapsbase/tiltak/slt/overstyr", data={"level": "3", "reason": "Lokal evaluering",
                                                                    "token": TOKEN, "editor": "Per"},
                       follow_redirects=False)
    assert form.status_code == 303
    assert "Lokal evaluering" in client.get("/kunnskapsbase/tiltak/slt").text
    assert client.post("/kunnskapsbase/tiltak/slt/overstyr", data={"level": "3", "reason": "x",
                                                                    "token": "feil"}).status_code == 401


def test_local_example_form_and_upgrade(client):
    res = client.post("/kunnskapsbase/inspirasjonsbanken/ny", data={
        "title": "Leksehjelp i biblioteket", "municipality": "Bodø", "arenas": ["fritid", "skole"],
        "cost_nok": "120000", "cost_note": "Lønn til to halve stillinger (kommunens regnskap 2024)",
        "token": TOKEN}, follow_redirects=False)
    assert res.status_code == 303
    page = client.get(res.headers["location"]).text
    assert "Leksehjelp i biblioteket" in page and "120" in page and "ikke evaluert" in page
    ex_id = int(res.headers["location"].rsplit("/", 1)[1])
    bad = client.post("/kunnskapsbase/inspirasjonsbanken/ny", data={"title": "Uten kilde", "municipality": "Bodø",
                                                                    "cost_nok": "5", "token": TOKEN})
    assert bad.status_code == 422 and "cost_note" in bad.text
    up = client.post(f"/api/v1/evidence/local-examples/{ex_id}/upgrade", json={"measure_id": "holf"}, headers=AUTH)
    assert up.json()["status"] == "oppgradert"
    assert "nå et evaluert tiltak" in client.get(f"/kunnskapsbase/inspirasjonsbanken/{ex_id}").text
    assert "Familieveiviseren" in client.get("/kunnskapsbase/inspirasjonsbanken").text


def test_indicator_page_and_api(client):
    rows = client.get("/api/v1/evidence/indicators/neet_15_29/measures").json()
    assert {"ips_ung", "ungdomsgarantien", "ungdomsloftet"} <= {r["measure_id"] for r in rows}
    page = client.get("/kunnskapsbase/indikator/kindergarten_1_5").text
    assert "Gratis kjernetid" in page and "Ingen effektstørrelse" in page


def test_json_api_search_vocabularies_meta_export(client):
    res = client.get("/api/v1/evidence/measures", params={"q": "språk", "arena": "barnehage"}).json()
    assert [m["id"] for m in res["measures"]] == ["spraksterk"]
    assert client.get("/api/v1/evidence/measures", params={"prevention": "alle"}).status_code == 422
    vocab = client.get("/api/v1/evidence/vocabularies").json()
    assert [t["code"] for t in vocab["arenas"]] == ["helsestasjon", "barnehage", "skole", "fritid", "nav",
                                                   "barnevern", "familie"]
    data = read_meta_csv(reference_data_path("dat_bcg.csv"), "rr")
    out = client.post("/api/v1/evidence/meta", json={"yi": data.yi, "vi": data.vi, "method": "dl",
                                                     "measure": "rr"}).json()
    # metafor tests (test_misc_metan_vs_rma.uni_with_dat.bcg.r): DL estimate -0.7141, tau2 0.3088
    assert round(out["estimate"], 4) == -0.7141 and round(out["tau2"], 4) == 0.3088
    assert client.post("/api/v1/evidence/meta", json={"yi": [1], "vi": [0]}).status_code == 422
    bundle = client.get("/api/v1/evidence/export").json()
    assert bundle["format"] == "oppvekst-evidence" and len(bundle["measures"]) == 24
    assert len(client.get("/api/v1/evidence/outcomes").json()) == 14
