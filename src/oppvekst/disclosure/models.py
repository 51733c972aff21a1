"""SQLAlchemy models of disclosure's own state in the content database: the stored suppression and
publication of controlled releases (dc_*), and register rights' history (corrections, tombstones).

The register tables keep the `acc_` names they were created with (access owned them before); the
schema comes from the content database's migration tree (content/migrations), never from the models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oppvekst.content.models import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


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
    __table_args__ = (Index("ix_dc_run_release", "release", "release_hash"),)
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
    __table_args__ = (Index("ix_dc_cell_run", "run_id"),)
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
