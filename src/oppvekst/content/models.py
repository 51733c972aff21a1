"""The declarative base shared by every capability's models, and the audit log's own table.

One metadata for the whole content database, so that the migration tree can be compared with every
model at once (tests/content); the tables themselves come from content/migrations only.
"""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (see audit.py). The table keeps its name from
    when the log belonged to access."""
    __tablename__ = "acc_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))          # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
