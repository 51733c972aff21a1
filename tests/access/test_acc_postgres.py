"""Users, tokens and the audit chain on PostgreSQL (OPPVEKST_TEST_PG_URL; skipped when unreachable)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from tests.conftest import pg_schema

from oppvekst.access import users
from oppvekst.content import audit, db

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    with pg_schema("acc_test", lambda _url: db.dispose_all()) as url:
        yield url


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
