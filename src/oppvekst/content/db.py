"""The one door to the content database: engines, sessions and migrations.

One engine per URL (SQLite: foreign keys on, wait for a writer instead of failing; PostgreSQL: connections
checked before use), one session factory per URL, and `migrate()`, which brings the database to the head of
the one migration tree (content/migrations, version table `alembic_version`). A database made before the
tree was one (version tables `alembic_version_access` and `ev_alembic_version`) is adopted in place first:
see `_adopt_legacy`.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from oppvekst import config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# version tables of the two trees before there was one, and the revision each tree had reached
LEGACY_VERSION_TABLES = {"alembic_version_access": ("acc0001",), "ev_alembic_version": ("ev0001",)}
# every module that defines models on content.models.Base (imported by name, so that content needs no
# import of the capabilities above it; used to compare the migrations with the models)
MODEL_MODULES = ("oppvekst.content.models", "oppvekst.access.models", "oppvekst.disclosure.models",
                 "oppvekst.evidence.models", "oppvekst.indicators.asss", "oppvekst.trials.models",
                 "oppvekst.economics.models", "oppvekst.mission.models")

_engines: dict[str, Engine] = {}
_sessions: dict[str, sessionmaker[Session]] = {}
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


def alembic_config(db_url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url(db_url).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def _version_rows(conn: Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(text(f"SELECT version_num FROM {table}"))]


def _adopt_legacy(conn: Connection, cfg: Config) -> None:
    """Move a database of the two old trees onto the one tree, keeping every row.

    The old trees' revisions are the bases of the branches of the new tree (same ids, same tables), so
    their version rows are stamped into the one version table and the old version tables dropped;
    `upgrade` then runs whatever the database lacks (a branch it never had, the ASSS tables, the merge).
    Stamping comes before dropping, so a run cut off in between simply drops them the next time."""
    tables = set(inspect(conn).get_table_names())
    legacy = [t for t in LEGACY_VERSION_TABLES if t in tables]
    if not legacy:
        return
    if VERSION_TABLE not in tables or not _version_rows(conn, VERSION_TABLE):
        revisions = []
        for table in legacy:
            for rev in _version_rows(conn, table):
                if rev not in LEGACY_VERSION_TABLES[table]:
                    raise RuntimeError(f"{table} is at {rev!r}, which this version does not know: "
                                       "upgrade with the version that made the database first")
                revisions.append(rev)
        if revisions:
            command.stamp(cfg, revisions)
    for table in legacy:
        conn.execute(text(f"DROP TABLE {table}"))


def migrate(db_url: str | None = None) -> None:
    """Bring the content database to the head of the migration tree (idempotent; once per process and URL)."""
    u = url(db_url)
    if u in _migrated:
        return
    with engine(u).begin() as conn:
        cfg = alembic_config(u, conn)
        _adopt_legacy(conn, cfg)
        command.upgrade(cfg, "head")
    _migrated.add(u)


def sessions(db_url: str | None = None) -> sessionmaker[Session]:
    """The session factory of a (migrated) content database."""
    u = url(db_url)
    migrate(u)
    eng = engine(u)
    with _lock:
        if u not in _sessions:
            _sessions[u] = sessionmaker(eng, expire_on_commit=False)
        return _sessions[u]


def session(db_url: str | None = None) -> Session:
    return sessions(db_url)()


def load_models() -> None:
    """Import every capability's models, so that Base.metadata holds the whole schema."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def dispose(db_url: str | None = None) -> None:
    """Forget one URL's engine (tests that drop their database or schema call this)."""
    u = url(db_url)
    with _lock:
        eng = _engines.pop(u, None)
        _sessions.pop(u, None)
        _migrated.discard(u)
    if eng is not None:
        eng.dispose()


def dispose_all(backend: str | None = None) -> None:
    """Forget every engine (or those of one backend, e.g. "sqlite"): tests switch OPPVEKST_HOME."""
    with _lock:
        urls = [u for u in _engines if backend is None or make_url(u).get_backend_name() == backend]
    for u in urls:
        dispose(u)
