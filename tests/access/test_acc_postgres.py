"""Users, tokens and the audit chain on PostgreSQL (OPPVEKST_TEST_PG_URL; skipped when unreachable)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from oppvekst.access import audit, db, users

PG_URL = os.environ.get("OPPVEKST_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL unreachable at {PG_URL}: {exc.orig}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc.orig}")
    schema = f"acc_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        db.dispose_all()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_users_tokens_and_audit_chain_on_postgres(pg_url):
    users.create_user("kari", "et-langt-passord-pg", "analyst", municipality="0301", db_url=pg_url)
    token = users.issue_token("kari", "pg", db_url=pg_url)
    assert users.from_token(token, db_url=pg_url).municipality == "0301"
    assert users.authenticate("kari", "et-langt-passord-pg", db_url=pg_url).username == "kari"
    v = audit.verify(db_url=pg_url)
    assert v.ok and v.entries == 3                               # user_create, token_issue, login
    eng = db.engine(pg_url)
    with pytest.raises(Exception, match="append-only"), eng.begin() as conn:
        conn.execute(text("UPDATE acc_audit SET actor = 'mallory' WHERE seq = 2"))
    with eng.begin() as conn:
        conn.execute(text("DROP TRIGGER acc_audit_no_change ON acc_audit"))
        conn.execute(text("UPDATE acc_audit SET target = 'ola' WHERE seq = 2"))
    v = audit.verify(db_url=pg_url)
    assert not v.ok and v.first_bad == 2
