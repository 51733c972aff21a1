"""Profile pages, the JSON API, ASSS reporting on the web, and the CLI commands."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from oppvekst.cli import _register, app
from oppvekst.indicators import asss

# who reports: an analyst per municipality (their own only), with an API token each
ANALYSTS = {"ola": "4601", "oslo": "0301", "trondheim": "5001"}


@pytest.fixture
def client(built):
    from oppvekst.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def analysts():
    """Bearer headers of an analyst for each municipality in ANALYSTS (accounts in this test's database)."""
    from oppvekst.access import users
    from oppvekst.content import db

    db.dispose_all()
    for name, muni in ANALYSTS.items():
        users.create_user(name, "et-langt-passord-for-test", "analyst", municipality=muni)
    yield {name: {"Authorization": f"Bearer {users.issue_token(name, 'test')}"} for name in ANALYSTS}
    db.dispose_all()


def form(**over) -> dict:
    base = {"kommune": "4601", "aar": "2024", "plan_vedtatt": "ja", "plan_i_samfunnsdelen": "nei",
            "tverrfaglig_samarbeid": "ja", "antall_tjenester": "5", "lonnskostnader_kr": "", "arsverk": "",
            "eksternt_samarbeid": "ja", "foreldrestotte_universell": "ja", "foreldrestotte_selektiv": "ja",
            "foreldrestotte_indikativ": "ja", "familier_hjulpet": "", "barnefamilier": "", "kilde_barnefamilier": "",
            "rapportert_av": "Test", "kommentar": ""}
    base.update(over)
    return base


def test_profile_page_shows_barometer_method_and_no_data(client):
    r = client.get("/profil/0301")
    assert r.status_code == 200
    html = r.text
    assert 'class="spine"' in html and "data-class=" in html          # the barometer chart
    assert "Slik er fargene satt" in html and "Benjamini" in html       # the method under the colours
    assert "Ingen data" in html and "Unge utenfor (NEET)" in html
    assert 'data-indicator="neet_15_29"' in html
    r2 = client.get("/profil/0301?metode=interval&fdr=ingen")
    assert "intervall" in r2.text and "uten justering" in r2.text
    assert client.get("/profil/0301?metode=magic").status_code == 400
    assert client.get("/profil/9999").status_code == 404


def test_profile_pdf_over_http(client):
    r = client.get("/profil/4601.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "Oppvekstprofil: Bergen" in text


def test_api_profile_barometer_compare_monitor(client):
    p = client.get("/api/v1/profile/4601").json()
    neet = next(r for t in p["themes"] for r in t["rows"] if r["id"] == "neet_15_29")
    assert neet["has_data"] and neet["cls"] in ("better", "worse", "same")
    b = client.get("/api/v1/barometer", params={"region": "4601", "indicator": "neet_15_29"}).json()
    assert b["method"]["code"] == "exact+bh"
    assert {row["comparator"] for row in b["rows"]} == {"national", "parent", "asss", "previous"}
    assert next(row for row in b["rows"] if row["comparator"] == "national")["cls"] == neet["cls"]
    old = client.get("/api/v1/barometer", params={"region": "4601", "year": 2015, "comparator": "national"}).json()
    assert {row["period_to"] for row in old["rows"]} == {2015}
    assert client.get("/api/v1/barometer", params={"comparator": "moon"}).status_code == 400
    c = client.get("/api/v1/compare", params={"indicator": "neet_15_29", "year": 2024}).json()
    assert c["year"] == 2024 and c["count"] == 357
    assert next(row for row in c["rows"] if row["region"] == "4601")["cls"] == neet["cls"]   # same BH family
    m = client.get("/api/v1/monitor", params={"region": ["0301", "4601"], "indicator": "neet_15_29",
                                              "group": "asss"}).json()
    names = {s["name"] for s in m["indicators"][0]["series"]}
    assert {"Oslo", "Bergen", "Hele landet", "ASSS-kommunene (samlet)"} <= names
    f = client.get("/api/v1/funnel", params={"indicator": "neet_15_29"}).json()
    assert f["target"] == pytest.approx(104388 / 1044103 * 100) and len(f["points"]) > 300
    t = client.get("/api/v1/trends", params={"indicator": "neet_15_29", "region": "4601"}).json()
    assert t["rows"][0]["k"] == 10


def test_monitor_compare_and_method_pages(client):
    r = client.get("/kommunemonitor", params={"kommune": ["0301", "4601"], "gruppe": "asss",
                                              "indikator": ["neet_15_29", "low_income_persistent_0_17"]})
    assert r.status_code == 200 and "<svg" in r.text and "Ingen data" in r.text
    r = client.get("/sammenlign", params={"indikator": "neet_15_29", "fylke": "46", "sorter": "navn",
                                          "synkende": "false"})
    assert r.status_code == 200 and "Bergen" in r.text and "Oslo</a>" not in r.text
    assert "Traktdiagram" in r.text and "/sammenlign/kart.svg" in r.text
    m = client.get("/sammenlign/kart.svg", params={"indikator": "neet_15_29", "fylke": "46"})
    assert m.status_code == 200 and m.headers["content-type"].startswith("image/svg")
    assert "Benjamini" in client.get("/metode").text


def test_asss_form_saves_versions_and_refuses_bad_reports(client, analysts):
    ola = analysts["ola"]
    r = client.post("/asss/rapport", data=form(), headers=ola, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/asss/historikk/4601")
    r = client.post("/asss/rapport", data=form(antall_tjenester="6"), headers=ola, follow_redirects=True)
    assert "er lagret" in r.text
    assert list(asss.history("4601")["version"]) == [2, 1]
    bad = client.post("/asss/rapport", data=form(foreldrestotte_selektiv="kanskje"), headers=ola)
    assert bad.status_code == 422 and "foreldrestotte_selektiv" in bad.text and "ja/nei" in bad.text
    assert len(asss.history("4601")) == 2
    assert client.post("/asss/rapport", data=form(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    # the profile shows the self-report at once (content database overlays the warehouse)
    p = client.get("/api/v1/profile/4601").json()
    a4 = next(r for r in p["asss"] if r["asss_number"] == 4)
    assert a4["has_data"] and a4["value"] == 6


def test_asss_csv_upload_and_api(client, analysts):
    header = ";".join(asss.CSV_COLUMNS)
    good = header + "\n" + "0301;2024;ja;ja;nei;;;;ja;ja;nei;nei;;;;Kari;\n"
    oslo = analysts["oslo"]
    r = client.post("/asss/opplasting", files={"fil": ("asss.csv", good.encode(), "text/csv")}, headers=oslo)
    assert r.status_code == 200 and "1 rapporter er lagret" in r.text
    bad = header + "\n" + "0301;2024;ja;ja;nei;;;;ja;ja;nei;nei;;;;Kari;\n0301;2023;ja;ja;nei;;;;ja;x;nei;nei;;;;Kari;\n"
    r = client.post("/asss/opplasting", files={"fil": ("bad.csv", bad.encode(), "text/csv")}, headers=oslo)
    assert r.status_code == 422 and "Rad 3" in r.text and "foreldrestotte_universell" in r.text
    assert len(asss.history("0301")) == 1                     # all or nothing
    payload = form(kommune="5001", plan_vedtatt="nei", plan_i_samfunnsdelen="ja")
    api = client.post("/api/v1/asss/reports", json=payload, headers=analysts["trondheim"])
    assert api.status_code == 422 and api.json()["detail"]["field"] == "plan_i_samfunnsdelen"
    assert client.post("/api/v1/asss/reports", json={}, headers={}).status_code == 401
    payload["plan_i_samfunnsdelen"] = "nei"
    assert client.post("/api/v1/asss/reports", json=[payload], headers=oslo).status_code == 403   # not Oslo's
    ok = client.post("/api/v1/asss/reports", json=[payload], headers=analysts["trondheim"])
    assert ok.status_code == 201 and ok.json()["saved"][0]["version"] == 1
    assert client.get("/api/v1/asss/reports").json()["count"] == 2
    assert client.get("/asss/mal.csv").text.startswith("kommune;aar;plan_vedtatt")


def test_the_public_cannot_report(client):
    refused = client.post("/asss/rapport", data=form())
    assert refused.status_code == 401 and "Logg inn" in refused.text      # accounts only
    assert client.post("/api/v1/asss/reports", json=form()).status_code == 401


@pytest.fixture(scope="module")
def runner():
    _register()
    return CliRunner()


def test_cli_profile_json_and_pdf(built, runner, tmp_path):
    res = runner.invoke(app, ["profile", "1508", "--json"])
    assert res.exit_code == 0, res.output
    p = json.loads(res.output)
    assert p["region"]["name"] == "Ålesund"
    out = tmp_path / "a.pdf"
    res = runner.invoke(app, ["profile", "1508", "--pdf", str(out)])
    assert res.exit_code == 0 and out.read_bytes()[:5] == b"%PDF-"
    res = runner.invoke(app, ["profile", "9999"])
    assert res.exit_code == 2 and "9999" in res.output


def test_cli_barometer_monitor_standardise(built, runner, tmp_path):
    res = runner.invoke(app, ["barometer", "--region", "4601", "--indicator", "neet_15_29", "--json"])
    assert res.exit_code == 0, res.output
    b = json.loads(res.output)
    assert {r["comparator"] for r in b["rows"]} == {"national", "parent", "asss", "previous"}
    csv = tmp_path / "b.csv"
    res = runner.invoke(app, ["barometer", "--all-years", "--csv", str(csv)])
    assert res.exit_code == 0 and csv.stat().st_size > 100_000
    res = runner.invoke(app, ["monitor", "0301", "4601", "--group", "asss", "--indicator", "neet_15_29", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["indicator"] == "neet_15_29"
    res = runner.invoke(app, ["standardise", "--region", "0301", "--json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    assert rows and all(r["reference"].startswith("Norge 2024") for r in rows)


def test_cli_asss_report_refuses_bad_csv_naming_the_field(built, runner, tmp_path):
    header = ";".join(asss.CSV_COLUMNS)
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "\n0301;2024;ja;ja;ja;;;;ja;ja;nei;nei;;;;Kari;\n", encoding="utf-8")
    res = runner.invoke(app, ["asss", "report", str(bad)])
    assert res.exit_code == 2 and "antall_tjenester" in res.output and "row 2" in res.output
    good = tmp_path / "good.csv"
    good.write_text(header + "\n0301;2024;ja;ja;ja;3;;;ja;ja;nei;nei;;;;Kari;\n", encoding="utf-8")
    res = runner.invoke(app, ["asss", "report", str(good)])
    assert res.exit_code == 0
    res = runner.invoke(app, ["asss", "history", "0301", "--json"])
    assert json.loads(res.output)[0]["services_in_cooperation"] == 3
