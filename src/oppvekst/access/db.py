"""Engine, sessions and migrations for users, tokens, audit and register rights (content database)."""

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


def url(db_url: str | None = None) -> str:
    return db_url or config.content_db_url()


def engine(db_url: str | None = None) -> Engine:
    u = url(db_url)
    with _lock:
        if u not in _engines:
            parsed = make_url(u)
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                eng = create_engine(u, connect_args={"check_same_thread": False})

                @event.listens_for(eng, "connect")
                def _pragmas(dbapi_conn, _record):  # foreign keys on; wait for a writer instead of failing
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA busy_timeout=5000")
                    cur.close()
            else:
                eng = create_engine(u, pool_pre_ping=True)
            _engines[u] = eng
        return _engines[u]


def migrate(db_url: str | None = None) -> None:
    """Bring the access schema to the newest migration (idempotent; once per process and URL)."""
    u = url(db_url)
    if u in _migrated:
        return
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", u.replace("%", "%%"))
    with engine(u).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    _migrated.add(u)


def session(db_url: str | None = None) -> Session:
    migrate(db_url)
    return sessionmaker(engine(db_url), expire_on_commit=False)()


def dispose_all() -> None:
    """Forget every engine (tests switch OPPVEKST_HOME between tests)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
        _migrated.clear()
