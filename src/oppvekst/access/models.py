"""SQLAlchemy models for users, API tokens, the audit log and register rights (tables `acc_*`).

The schema comes from the Alembic migrations in access/migrations (version table
`alembic_version_access`), never from `create_all`, so SQLite and PostgreSQL stay in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "acc_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))                     # analyst | researcher | administrator
    municipality: Mapped[str | None] = mapped_column(String(8))       # an analyst's own municipality
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored (the token itself is shown once)."""
    __tablename__ = "acc_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("acc_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (see audit.py)."""
    __tablename__ = "acc_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))          # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RegisterCorrection(Base):
    """A correction of a register record under a pseudonym: the old and new value are both kept."""
    __tablename__ = "acc_register_correction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(100), index=True)
    register: Mapped[str] = mapped_column(String(60))
    record: Mapped[dict] = mapped_column(JSON)            # the key of the corrected row (year, ...)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegisterTombstone(Base):
    """A deleted person: the pseudonym stays, so that the person is kept out of later loads."""
    __tablename__ = "acc_register_tombstone"
    pseudonym: Mapped[str] = mapped_column(String(100), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rows_removed: Mapped[dict] = mapped_column(JSON)      # register -> number of rows removed


class DisclosureRelease(Base):
    """A release that needs disclosure control, and whether it is published (release id + content hash,
    so that a rebuilt warehouse with the same ids never inherits another release's state)."""
    __tablename__ = "dc_release"
    release: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    controlled: Mapped[bool] = mapped_column(Boolean)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(120))


class DisclosureRun(Base):
    """One disclosure-control run of one indicator of a release; `current` marks the one in force."""
    __tablename__ = "dc_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release: Mapped[int] = mapped_column(Integer)
    release_hash: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    rules: Mapped[dict] = mapped_column(JSON)
    stats: Mapped[dict] = mapped_column(JSON)
    certified: Mapped[bool] = mapped_column(Boolean)
    current: Mapped[bool] = mapped_column(Boolean)


class DisclosureCell(Base):
    """A suppressed cell of a run, with its reason."""
    __tablename__ = "dc_cell"
    __mapper_args__: ClassVar[dict] = {"primary_key": ["run_id", "region", "period_from", "period_to", "sex", "age",
                                       "background", "ses"]}
    run_id: Mapped[int] = mapped_column(ForeignKey("dc_run.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(String(20))
    period_from: Mapped[int] = mapped_column(Integer)
    period_to: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(20))
    age: Mapped[str] = mapped_column(String(20))
    background: Mapped[str] = mapped_column(String(60))
    ses: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(20))
