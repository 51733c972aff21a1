"""ASSS self-reporting with accounts: an analyst reports for their own municipality only, by form (signed in,
with the CSRF token), CSV and API token; each report is in the audit log with who sent it."""

from __future__ import annotations

import re

from tests.access.conftest import PASSWORD

from oppvekst.content import audit
from oppvekst.indicators import asss

REPORT = {"aar": "2024", "plan_vedtatt": "ja", "plan_i_samfunnsdelen": "nei", "tverrfaglig_samarbeid": "ja",
          "antall_tjenester": "5", "lonnskostnader_kr": "", "arsverk": "", "eksternt_samarbeid": "ja",
          "foreldrestotte_universell": "ja", "foreldrestotte_selektiv": "ja", "foreldrestotte_indikativ": "nei",
          "familier_hjulpet": "", "barnefamilier": "", "kilde_barnefamilier": "", "rapportert_av": "Kari",
          "kommentar": ""}


def _csv(kommune: str) -> bytes:
    row = {"kommune": kommune, **REPORT}
    return (";".join(asss.CSV_COLUMNS) + "\n" + ";".join(row.get(c, "") for c in asss.CSV_COLUMNS) + "\n").encode()


def test_signed_in_analyst_reports_for_own_municipality_by_form(people, client):
    assert client.post("/logg-inn", data={"username": "kari", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/asss/rapport")
    assert "Innlogget som" in page.text and 'name="token"' not in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    # without the form's CSRF token the session cookie alone is not enough
    assert client.post("/asss/rapport", data={"kommune": "1103", **REPORT}, follow_redirects=False).status_code == 403
    ok = client.post("/asss/rapport", data={"kommune": "1103", **REPORT, "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/asss/historikk/1103")
    other = client.post("/asss/rapport", data={"kommune": "4601", **REPORT, "csrf": csrf}, follow_redirects=False)
    assert other.status_code == 403 and "1103" in other.text
    cur = asss.current()
    assert cur[["municipality", "year"]].values.tolist() == [["1103", 2024]]
    stored = audit.entries(action="asss_submit")[0]          # written with the report, in its transaction
    assert stored["actor"] == "kari" and [(r["municipality"], r["version"]) for r in stored["detail"]["reports"]] \
        == [("1103", 1)]
    assert stored["detail"]["channel"] == "web" and audit.verify().ok


def test_csv_and_api_with_a_users_token(people, client):
    kari, admin, forsker = people["kari"], people["admin"], people["forsker"]
    up = client.post("/asss/opplasting", files={"fil": ("r.csv", _csv("1103"), "text/csv")}, headers=kari)
    assert up.status_code == 200
    bad = client.post("/asss/opplasting", files={"fil": ("r.csv", _csv("4601"), "text/csv")}, headers=kari)
    assert bad.status_code == 403
    api = client.post("/api/v1/asss/reports", json={"kommune": "4601", **REPORT}, headers=admin)   # any municipality
    assert api.status_code == 201 and api.json()["saved"][0]["municipality"] == "4601"
    assert client.post("/api/v1/asss/reports", json={"kommune": "1103", **REPORT}, headers=forsker).status_code == 403
    assert sorted(asss.current()["municipality"]) == ["1103", "4601"]
    assert [e["actor"] for e in audit.entries(action="asss_submit")][:2] == ["admin", "kari"]
