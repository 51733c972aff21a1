"""Fixtures for the evidence tests: a store on SQLite (a file per test) and on a real PostgreSQL.

PostgreSQL: OPPVEKST_TEST_PG_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test). Each
test session works in a fresh schema that is dropped afterwards; tables are emptied between tests.
When the server is unreachable the PostgreSQL cases are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from tests.conftest import pg_schema

from oppvekst.content import db
from oppvekst.evidence.store import EvidenceStore

EV_TABLES = ("acc_audit", "ev_meta", "ev_local_example", "ev_effect", "ev_study", "ev_measure_outcome",
             "ev_measure_prevention", "ev_measure_arena", "ev_measure", "ev_outcome_indicator", "ev_outcome",
             "ev_search")


@pytest.fixture(autouse=True)
def _close_sqlite_engines():
    """Each test's SQLite files live in its own tmp dir: close their connections afterwards."""
    yield
    db.dispose_all("sqlite")


@pytest.fixture(scope="session")
def pg_url():
    with pg_schema("ev_test", db.dispose) as url:
        yield url


@pytest.fixture
def clean_pg_url(pg_url):
    """The session's PostgreSQL schema, migrated and emptied for this test."""
    db.migrate(pg_url)
    with db.engine(pg_url).begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(EV_TABLES) + " RESTART IDENTITY CASCADE"))
    return pg_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'content.sqlite'}"
        yield url
        db.dispose(url)
    else:
        yield request.getfixturevalue("clean_pg_url")


@pytest.fixture
def store(db_url) -> EvidenceStore:
    return EvidenceStore(db_url)
