"""Engines, sessions and migrations for the evidence store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from oppvekst import config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def resolve_url(db_url: str | None = None) -> str:
    return db_url or config.content_db_url()


def engine(db_url: str | None = None) -> Engine:
    url = resolve_url(db_url)
    with _lock:
        if url not in _engines:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                eng = create_engine(url, connect_args={"check_same_thread": False})

                @event.listens_for(eng, "connect")
                def _sqlite_pragmas(dbapi_conn, _record):  # enforce foreign keys, wait on locks
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA busy_timeout=5000")
                    cur.close()
            else:
                eng = create_engine(url, pool_pre_ping=True)
            _engines[url] = eng
        return _engines[url]


def migrate(db_url: str | None = None) -> None:
    """Bring the schema to the newest migration (idempotent; once per process and URL)."""
    url = resolve_url(db_url)
    if url in _migrated:
        return
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    _migrated.add(url)


def sessions(db_url: str | None = None) -> sessionmaker[Session]:
    migrate(db_url)
    return sessionmaker(engine(db_url), expire_on_commit=False)


def dispose(db_url: str | None = None) -> None:
    """Forget an engine (tests that drop their database or schema call this)."""
    url = resolve_url(db_url)
    with _lock:
        eng = _engines.pop(url, None)
        _migrated.discard(url)
    if eng is not None:
        eng.dispose()


def dispose_all(backend: str | None = None) -> None:
    """Forget every engine (or those of one backend, e.g. "sqlite")."""
    with _lock:
        urls = [u for u in _engines if backend is None or make_url(u).get_backend_name() == backend]
    for url in urls:
        dispose(url)
