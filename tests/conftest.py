"""Shared test set-up: every test gets its own OPPVEKST_HOME, so nothing touches ./var; a fresh
PostgreSQL schema for the tests that need the real server (`pg_schema`)."""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_URL = os.environ.get("OPPVEKST_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_schema(prefix: str, dispose: Callable[[str], None]) -> Iterator[str]:
    """A URL to a new schema on the test PostgreSQL, dropped afterwards (after `dispose(url)` closes the
    code's own engines). Skipped where the server is unreachable, except under CI=true, where it fails."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {PG_URL}: {exc.orig}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(message)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        dispose(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPPVEKST_OFFLINE", "1")
    monkeypatch.delenv("OPPVEKST_WAREHOUSE", raising=False)
    monkeypatch.delenv("OPPVEKST_DB_URL", raising=False)


@pytest.fixture(scope="session")
def bundled_warehouse_path(tmp_path_factory):
    """A warehouse built once from the bundled data (regions, catalogue, NEET, population), shared read-only."""
    from oppvekst.build import build
    from oppvekst.warehouse import Warehouse

    home = tmp_path_factory.mktemp("bundled")
    with Warehouse(home / "warehouse.duckdb") as wh:
        build(wh, seed_evidence=False)
    return home / "warehouse.duckdb"
