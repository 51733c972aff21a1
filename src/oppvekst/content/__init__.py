"""The content database: the one relational database of editable content (accounts, evidence base,
ASSS reports, disclosure decisions and register rights) and the one hash-chained audit log.

- `db`: one engine per URL (SQLite by default, PostgreSQL by URL), one session factory, `migrate()`;
- `models.Base`: the declarative base every capability's models derive from (each capability keeps its
  models in its own package: access/models.py, disclosure/models.py, evidence/models.py, indicators/asss.py);
- `migrations/`: the one Alembic tree (version table `alembic_version`); schemas come from it, never
  from `create_all`;
- `audit`: the append-only audit log every capability writes to.

A new capability adds its models on `Base`, names its model module in `db.MODEL_MODULES`, and adds a
revision to content/migrations/versions whose `down_revision` is the current head.
"""

from __future__ import annotations

from oppvekst.content.db import dispose, dispose_all, engine, migrate, session, sessions, url
from oppvekst.content.models import Base

__all__ = ["Base", "dispose", "dispose_all", "engine", "migrate", "session", "sessions", "url"]
