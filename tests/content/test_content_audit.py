"""One audit chain: an evidence edit, an ASSS report and a publication all land in it, all or nothing
with the edit, and `oppvekst audit verify` names the first entry that was tampered with."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from oppvekst.content import audit, db
from oppvekst.errors import InputError

REPORT = {"kommune": "1103", "aar": "2024", "plan_vedtatt": "ja", "plan_i_samfunnsdelen": "nei",
          "tverrfaglig_samarbeid": "ja", "antall_tjenester": "5", "lonnskostnader_kr": "", "arsverk": "",
          "eksternt_samarbeid": "nei", "foreldrestotte_universell": "ja", "foreldrestotte_selektiv": "ja",
          "foreldrestotte_indikativ": "nei", "familier_hjulpet": "", "barnefamilier": "", "kilde_barnefamilier": "",
          "rapportert_av": "Kari", "kommentar": ""}


def _cli(*args: str):
    from oppvekst.cli import _register, app

    _register()
    return CliRunner().invoke(app, list(args))


def test_evidence_asss_and_publication_are_in_the_one_chain(people, controlled):
    from oppvekst.disclosure import publication
    from oppvekst.evidence.store import EvidenceStore
    from oppvekst.indicators import asss
    from oppvekst.warehouse import Warehouse

    store = EvidenceStore()
    store.add_outcome({"id": "helse", "name_nb": "Barns helse", "name_en": "Child health"}, actor="Kari Redaktør")
    store.add_measure({"id": "hjemmebesok", "name": "Hjemmebesøk", "kind": "program", "description": "Besøk",
                       "status": "i_drift", "outcomes": ["helse"]}, actor="Kari Redaktør")
    created = audit.entries(action="evidence_create", limit=10)
    assert [(e["target"], e["actor"]) for e in created] == [("measure:hjemmebesok", "Kari Redaktør"),
                                                           ("outcome:helse", "Kari Redaktør")]
    n = audit.count()
    with pytest.raises(InputError, match="ukjent utfall"):   # refused: neither the edit nor its entry is written
        bad_effect = {"outcome": "ukjent", "measure_type": "smd", "estimate": 0.2, "variance": 0.01}
        store.add_measure({"id": "nytt", "name": "Nytt", "kind": "program", "description": "x", "status": "i_drift",
                           "studies": [{"citation": "A", "design": "rct", "effects": [bad_effect]}]},
                          actor="Kari Redaktør")
    assert audit.count() == n and "nytt" not in store.measure_ids()

    saved = asss.submit([asss.validate(REPORT)], channel="csv", who="kari")
    entry = audit.entries(action="asss_submit")[0]
    assert entry["actor"] == "kari" and entry["target"] == "1103"
    assert entry["detail"]["reports"] == [{"id": saved[0].id, "municipality": "1103", "year": 2024, "version": 1,
                                           "reported_by": "Kari"}]

    audit.current_actor.set("admin")
    try:
        with Warehouse() as wh:
            assert publication.publish(wh, controlled) == []
    finally:
        audit.current_actor.set(None)
    entry = audit.entries(action="release_publish")[0]
    assert entry["actor"] == "admin" and entry["target"] == f"release:{controlled}"

    v = audit.verify()
    assert v.ok and v.entries == audit.count()
    assert _cli("audit", "verify").exit_code == 0

    # tamper with the evidence edit's entry: the database refuses, unless its guard is dropped
    seq = created[0]["seq"]
    eng = db.engine()
    with pytest.raises(Exception, match="append-only"), eng.begin() as conn:
        conn.execute(text("UPDATE acc_audit SET actor = 'mallory' WHERE seq = :s"), {"s": seq})
    with eng.begin() as conn:
        conn.execute(text("DROP TRIGGER acc_audit_no_update"))
        conn.execute(text("UPDATE acc_audit SET actor = 'mallory' WHERE seq = :s"), {"s": seq})
    v = audit.verify()
    assert not v.ok and v.first_bad == seq and "changed" in v.problem
    res = _cli("audit", "verify")
    assert res.exit_code == 1 and f"{seq}:" in res.output and "BROKEN" in res.output
