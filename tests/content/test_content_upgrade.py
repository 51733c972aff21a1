"""A content database made by the previous version upgrades in place to the one migration tree, with
every row kept, on SQLite and on PostgreSQL.

The old database is made the way the previous version made it: its two Alembic trees (copied unchanged
into tests/content/legacy) and `create_all` for the ASSS tables; then a row goes into every table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from tests.conftest import pg_schema
from tests.content import legacy
from typer.testing import CliRunner

from oppvekst.content import audit, db

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
OLD_AUDIT = [("cli:drift", "user_create", "kari", {"role": "analyst", "municipality": "0301"}),
             ("kari", "login", "kari", {"role": "analyst"}),
             ("admin", "release_publish", "release:7", {"indicators": ["neet_syn"], "withheld": []})]
EV_AUDIT = [("seed", "create", "outcome", "helse", {"indicators": ["ind_helse"]}),
            ("seed", "create", "measure", "hjemmebesok", {"origin": "seed"}),
            ("Kari Redaktør", "override", "measure", "hjemmebesok", {"level": 3, "reason": "ny studie"})]


def _old_chain() -> list[dict]:
    rows, prev = [], legacy.GENESIS
    for seq, (who, action, target, detail) in enumerate(OLD_AUDIT, 1):
        at = T0.replace(minute=seq).isoformat(timespec="microseconds")
        h = legacy.digest(prev, seq, at, who, action, target, detail)
        rows.append({"seq": seq, "at": at, "actor": who, "action": action, "target": target, "detail": detail,
                     "prev_hash": prev, "hash": h})
        prev = h
    return rows


ROWS: dict[str, list[dict]] = {
    "acc_user": [{"id": 1, "username": "kari", "password_hash": "$argon2id$x", "role": "analyst", "municipality": "0301",
                  "active": True, "failed_logins": 0, "locked_until": None, "created_at": T0},
                 {"id": 2, "username": "admin", "password_hash": "$argon2id$y", "role": "administrator",
                  "municipality": None, "active": True, "failed_logins": 2, "locked_until": None, "created_at": T0}],
    "acc_token": [{"id": 1, "user_id": 1, "token_hash": "a" * 64, "name": "api", "created_at": T0, "expires_at": None,
                   "last_used_at": T0, "revoked": False}],
    "acc_audit": _old_chain(),
    "acc_register_correction": [{"id": 1, "pseudonym": "-42", "register": "neet", "record": {"year": "2021"},
                                 "field": "neet", "old_value": "1", "new_value": "0", "reason": "feil i kilde",
                                 "actor": "admin", "at": T0}],
    "acc_register_tombstone": [{"pseudonym": "77", "reason": "krav om sletting", "actor": "admin", "at": T0,
                                "rows_removed": {"population": 1, "neet": 3}}],
    "dc_release": [{"release": 7, "release_hash": "b" * 64, "controlled": True, "published_at": T0,
                    "published_by": "admin"}],
    "dc_run": [{"id": 1, "release": 7, "release_hash": "b" * 64, "indicator": "neet_syn", "created_at": T0,
                "actor": "admin", "rules": {"numerator_max": 3}, "stats": {"cells": 10, "primary": 2},
                "certified": True, "current": True}],
    "dc_cell": [{"run_id": 1, "region": "0301", "period_from": 2021, "period_to": 2021, "sex": "all", "age": "15-29",
                 "background": "all", "ses": "all", "reason": "primary"}],
    "ev_outcome": [{"id": "helse", "name_nb": "Barns helse", "name_en": "Child health", "description": None,
                    "higher_is_better": True, "sources": [{"title": "Meld. St. 6"}]}],
    "ev_outcome_indicator": [{"outcome_id": "helse", "indicator_id": "ind_helse"}],
    "ev_measure": [{"id": "hjemmebesok", "name": "Hjemmebesøk", "name_en": None, "kind": "program",
                    "description": "Besøk hjemme", "owner": None, "provider": None, "target_group": "Foreldre",
                    "age_min": 0, "age_max": 2, "risk_groups": [], "delivery_duration": None,
                    "delivery_intensity": None, "implementation": None, "rationale": None,
                    "cost_per_participant_nok": 12000.0, "cost_source": "rapport", "cost_year": 2023,
                    "status": "in_use", "status_note": None, "effect_note": None, "sources": [{"title": "x"}],
                    "level_override": 3, "level_override_reason": "ny studie", "level_override_by": "Kari Redaktør",
                    "level_override_at": T0, "origin": "seed", "created_at": T0, "updated_at": T0,
                    "updated_by": "seed"}],
    "ev_measure_arena": [{"measure_id": "hjemmebesok", "arena": "familie"}],
    "ev_measure_prevention": [{"measure_id": "hjemmebesok", "level": "selektiv"}],
    "ev_measure_outcome": [{"measure_id": "hjemmebesok", "outcome_id": "helse"}],
    "ev_study": [{"id": 1, "measure_id": "hjemmebesok", "citation": "Nordisk RCT", "year": 2020, "country": "NO",
                  "design": "rct", "design_note": None, "status": "completed", "sample_size": 400,
                  "sample_description": None, "follow_up_months": 12.0, "independent_evaluator": True,
                  "risk_of_bias": "low", "risk_of_bias_notes": None, "reported_finding": None,
                  "finding_direction": "positive", "sources": [], "dedup_key": "nordisk rct|2020",
                  "created_at": T0}],
    "ev_effect": [{"id": 1, "study_id": 1, "outcome_id": "helse", "measure_type": "smd", "estimate": 0.3,
                   "ci_low": 0.1, "ci_high": 0.5, "variance": None, "yi": 0.3, "vi": 0.0104, "n_treatment": 200,
                   "n_control": 200, "timepoint": "", "beneficial_direction": None, "notes": None, "source": None}],
    "ev_local_example": [{"id": 1, "title": "Familiehuset", "municipality": "Bergen", "municipality_code": "4601",
                          "description": None, "target_group": None, "arenas": ["familie"], "cost_nok": None,
                          "cost_note": None, "measured": None, "results": None, "contact": None, "started_year": 2019,
                          "status": "aktiv", "measure_id": None, "sources": [], "dedup_key": "familiehuset|bergen",
                          "origin": "seed", "created_at": T0, "updated_at": T0}],
    "ev_meta": [{"key": "seed_version", "value": "0123456789abcdef"}],
    "ev_audit": [{"id": i, "at": T0.replace(second=i), "actor": who, "action": action, "entity": entity,
                  "entity_id": eid, "detail": detail} for i, (who, action, entity, eid, detail) in enumerate(EV_AUDIT, 1)],
    "asss_reports": [{"id": i, "municipality": "0301", "year": 2024, "version": i, "submitted_at": T0.replace(tzinfo=None),
                      "channel": "web", "reported_by": "Kari", "comment": None, "plan_adopted": True,
                      "plan_in_master_plan": True, "formal_cooperation": True, "services_in_cooperation": 6 + i,
                      "cooperation_cost_nok": 4.5e6, "cooperation_fte": 6.5, "external_cooperation": True,
                      "parent_support_universal": True, "parent_support_selective": True,
                      "parent_support_indicative": False, "families_helped": 120, "families_with_children": 80000,
                      "families_source": "oppgitt av kommunen"} for i in (1, 2)],
    "asss_deflators": [{"id": 1, "year": 2024, "index_value": 100.0, "source": "TBU", "entered_at": T0.replace(tzinfo=None)}],
}
TREE_TABLES = {"access": ("acc_", "dc_"), "evidence": ("ev_",), "asss": ("asss_",)}
SEARCH = {"kind": "measure", "ref": "hjemmebesok", "name": "Hjemmebesøk", "body": "Besøk hjemme familie"}


def _old_database(url: str, parts: tuple[str, ...]) -> None:
    """The content database as the previous version left it, with rows in every table it had."""
    eng = create_engine(url)
    try:
        for tree in ("access", "evidence"):
            if tree in parts:
                legacy.run_old_tree(eng, tree)
        if "asss" in parts:
            legacy.create_asss_tables(eng)
        with eng.begin() as conn:
            present = set(inspect(conn).get_table_names())
            meta = MetaData()
            for name, rows in ROWS.items():
                if name in present:
                    conn.execute(Table(name, meta, autoload_with=conn).insert(), rows)
            if "ev_search" in present:
                conn.execute(text("INSERT INTO ev_search (kind, ref, name, body) VALUES (:kind, :ref, :name, :body)"),
                             SEARCH)
    finally:
        eng.dispose()


def _snapshot(url: str) -> dict[str, list]:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            present = set(inspect(conn).get_table_names())
            out = {name: sorted((tuple(r) for r in conn.execute(text(f"SELECT * FROM {name}"))), key=repr)
                   for name in ROWS if name in present}
            if "ev_search" in present:
                out["ev_search"] = [tuple(r) for r in conn.execute(text("SELECT kind, ref, name, body FROM ev_search"))]
            out["_tables"] = sorted(present)
        return out
    finally:
        eng.dispose()


def _check_upgrade(url: str, parts: tuple[str, ...], monkeypatch) -> None:
    _old_database(url, parts)
    before = _snapshot(url)
    old_head = ROWS["acc_audit"][-1]["hash"] if "access" in parts else None
    assert ("alembic_version_access" in before["_tables"]) == ("access" in parts)
    assert ("ev_alembic_version" in before["_tables"]) == ("evidence" in parts)

    db.migrate(url)
    after = _snapshot(url)
    tables = set(after["_tables"])
    assert not {"alembic_version_access", "ev_alembic_version", "ev_audit"} & tables
    assert set(ROWS) - {"ev_audit"} <= tables and "ev_search" in tables       # every capability's tables now
    for name, rows in before.items():
        if name in ("_tables", "ev_audit"):
            continue
        if name == "acc_audit":
            assert after[name][:len(rows)] == rows                  # the old chain, untouched, comes first
        else:
            assert after[name] == rows, name                        # every row kept, every value equal
    for prefixes in (TREE_TABLES[p] for p in ("access", "evidence", "asss") if p not in parts):
        for name in ROWS:                                           # a capability the old database lacked: empty
            if name.startswith(prefixes) and name not in ("acc_audit", "ev_audit"):
                assert after[name] == [], name

    head = ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
    with db.engine(url).connect() as conn:
        assert [r[0] for r in conn.execute(text(f"SELECT version_num FROM {db.VERSION_TABLE}"))] == [head]

    n_old = len(OLD_AUDIT) if "access" in parts else 0
    n_ev = len(EV_AUDIT) if "evidence" in parts else 0
    v = audit.verify(expect_head=old_head, db_url=url)
    assert v.ok and v.entries == n_old + n_ev, v
    moved = list(reversed(audit.entries(limit=n_ev, db_url=url))) if n_ev else []
    for entry, (i, (who, action, entity, eid, detail)) in zip(moved, enumerate(EV_AUDIT[:n_ev], 1), strict=True):
        assert entry["seq"] == n_old + i
        assert (entry["actor"], entry["action"], entry["target"]) == (who, f"evidence_{action}", f"{entity}:{eid}")
        assert entry["at"] == T0.replace(second=i).isoformat(timespec="microseconds")
        assert {k: v for k, v in entry["detail"].items() if k != "moved_from"} == detail
        assert entry["detail"]["moved_from"]["id"] == i

    monkeypatch.setenv("OPPVEKST_DB_URL", url)
    from oppvekst.cli import _register, app

    _register()
    res = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["entries"] == n_old + n_ev

    db.dispose(url)                                                  # a new process: migrating again changes nothing
    db.migrate(url)
    assert _snapshot(url) == after
    if "evidence" in parts:                                          # and the upgraded store works and audits
        from oppvekst.evidence.store import EvidenceStore

        store = EvidenceStore(url)
        assert store.measure("hjemmebesok")["evidence_level"] == 3
        store.clear_level_override("hjemmebesok", actor="Kari Redaktør")
        last = audit.entries(limit=1, db_url=url)[0]
        assert (last["seq"], last["action"], last["target"]) == (n_old + n_ev + 1, "evidence_clear_override",
                                                                 "measure:hjemmebesok")
        assert audit.verify(expect_head=old_head, db_url=url).ok
    if "asss" in parts:
        from oppvekst.indicators import asss

        cur = asss.current(url)
        assert cur[["version", "services_in_cooperation"]].values.tolist() == [[2, 8]]


@pytest.mark.parametrize("parts", [("access", "evidence", "asss"), ("evidence",), ("access", "asss"), ("asss",)],
                         ids=["all", "evidence-only", "access-and-asss", "asss-only"])
def test_previous_sqlite_database_upgrades_in_place(parts, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old-content.sqlite'}"
    try:
        _check_upgrade(url, parts, monkeypatch)
    finally:
        db.dispose(url)


@pytest.mark.postgres
def test_previous_postgres_database_upgrades_in_place(monkeypatch):
    with pg_schema("content_upgrade", db.dispose) as url:
        _check_upgrade(url, ("access", "evidence", "asss"), monkeypatch)


def test_unknown_old_revision_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.sqlite'}"
    eng = create_engine(url)
    legacy.run_old_tree(eng, "access")
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version_access SET version_num = 'acc0099'"))
    eng.dispose()
    try:
        with pytest.raises(RuntimeError, match="acc0099"):
            db.migrate(url)
    finally:
        db.dispose(url)
