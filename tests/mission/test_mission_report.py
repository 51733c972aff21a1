"""The annual status report as PDF (command and download), and learning logs; both over the bundled warehouse."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader


def _text(pdf: bytes) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")


def _check_report(text: str) -> None:
    assert "Samfunnsoppdraget" in text and "wp6" in text and "Forverring" in text      # the goal tree with status
    assert "neet_15_29" in text and "NEET 15–29" in text                                  # indicators, the chart's part
    assert "Indikatorhull" in text and "Landskapet" in text and "hull" in text and "overlapp" in text
    assert "Læringslogger" in text


def test_report_command_writes_the_pdf(cli, tmp_path):
    out = tmp_path / "r" / "status.pdf"
    res = cli("report", "--pdf", str(out))
    assert res.exit_code == 0, res.output
    body = out.read_bytes()
    assert body[:5] == b"%PDF-"
    _check_report(_text(body))


def test_the_page_links_the_pdf_and_the_pdf_carries_the_frozen_baseline_and_learning(cli, client):
    assert cli("baseline", "freeze", "--year", "2023").exit_code == 0
    res = cli("learn", "kubu", "--tried", "Felles kartlegging", "--learned", "Tidlig kontakt virker",
              "--changes", "Flere kommuner", "--participants", "Ungdomsrådet", "--date", "2025-05-02", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["initiative"] == "kubu"
    html = client.get("/samfunnsoppdraget").text
    assert 'href="/samfunnsoppdraget/rapport.pdf"' in html
    part = html[html.index('id="learning"'):]
    assert "Tidlig kontakt virker" in part and "Ungdomsrådet" in part
    pdf = client.get("/samfunnsoppdraget/rapport.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = _text(pdf.content)
    _check_report(text)
    assert "fryst" in text and "Tidlig kontakt virker" in text


@pytest.mark.parametrize("args, field", [
    (["nope", "--tried", "a", "--learned", "b", "--changes", "c"], "initiative"),
    (["kubu", "--tried", " ", "--learned", "b", "--changes", "c"], "tried"),
    (["kubu", "--tried", "a", "--learned", "b", "--changes", "c", "--date", "2025-13-01"], "date"),
])
def test_a_bad_learning_entry_is_refused_naming_the_field(cli, args, field):
    res = cli("learn", *args)
    assert res.exit_code == 2 and f"field '{field}'" in res.output


def test_learning_logs_on_the_web_need_a_signed_in_user(client):
    from oppvekst.access import users
    from oppvekst.content import audit

    entry = {"initiative": "digiung", "tried": "Chat med ungdom", "learned": "Kveldsåpent trengs",
             "changes": "Lengre åpningstid", "participants": "Ti ungdommer i brukerpanelet"}
    assert client.post("/api/v1/mission/learning", json=entry).status_code == 401
    users.create_user("ola", "et-langt-passord-for-test", "researcher")
    head = {"Authorization": f"Bearer {users.issue_token('ola')}"}
    bad = client.post("/api/v1/mission/learning", json={**entry, "learned": ""}, headers=head)
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "learned"
    res = client.post("/api/v1/mission/learning", json=entry, headers=head)
    assert res.status_code == 201
    rows = client.get("/api/v1/mission/learning", params={"initiative": "digiung"}).json()
    assert [(r["id"], r["author"], r["participants"]) for r in rows] == [(res.json()["id"], "ola", entry["participants"])]
    assert audit.entries(action="mission_learning_add")[0]["actor"] == "ola"
