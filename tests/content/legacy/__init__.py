"""The content database as the previous version (commit 2407968) made it, for the upgrade tests.

- access/, evidence/: the two Alembic trees of that version, their revision files copied unchanged
  (`git show 2407968:src/oppvekst/{access,evidence}/migrations/versions/0001_initial.py`);
- `create_asss_tables`: the ASSS tables as that version's `metadata.create_all` made them, from a copy
  of its models (`git show 2407968:src/oppvekst/indicators/asss.py`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Boolean, DateTime, Engine, Float, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HERE = Path(__file__).resolve().parent
GENESIS = "0" * 64
TREES = {"access": "alembic_version_access", "evidence": "ev_alembic_version"}


def run_old_tree(eng: Engine, tree: str) -> None:
    """Upgrade to head with one of the previous version's trees, as its db.migrate() did."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / tree))
    cfg.attributes["version_table"] = TREES[tree]
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Base(DeclarativeBase):
    metadata = MetaData()


class Report(Base):
    __tablename__ = "asss_reports"
    __table_args__ = (UniqueConstraint("municipality", "year", "version", name="uq_asss_report_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(4), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(8))              # web | csv | api
    reported_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_adopted: Mapped[bool] = mapped_column(Boolean)
    plan_in_master_plan: Mapped[bool] = mapped_column(Boolean)
    formal_cooperation: Mapped[bool] = mapped_column(Boolean)
    services_in_cooperation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cooperation_cost_nok: Mapped[float | None] = mapped_column(Float, nullable=True)
    cooperation_fte: Mapped[float | None] = mapped_column(Float, nullable=True)
    external_cooperation: Mapped[bool] = mapped_column(Boolean)
    parent_support_universal: Mapped[bool] = mapped_column(Boolean)
    parent_support_selective: Mapped[bool] = mapped_column(Boolean)
    parent_support_indicative: Mapped[bool] = mapped_column(Boolean)
    families_helped: Mapped[int | None] = mapped_column(Integer, nullable=True)
    families_with_children: Mapped[int | None] = mapped_column(Integer, nullable=True)
    families_source: Mapped[str | None] = mapped_column(String(300), nullable=True)


class Deflator(Base):
    __tablename__ = "asss_deflators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    index_value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    entered_at: Mapped[datetime] = mapped_column(DateTime)


def create_asss_tables(eng: Engine) -> None:
    Base.metadata.create_all(eng)


def digest(prev_hash: str, seq: int, at: str, actor_: str, action: str, target: str, detail: dict) -> str:
    """The previous version's entry hash (access/audit.py at 2407968), copied so that the test proves
    the new log accepts the chain the old one wrote."""
    import hashlib
    import json

    payload = json.dumps({"prev": prev_hash, "seq": seq, "at": at, "actor": actor_, "action": action,
                          "target": target, "detail": detail}, sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
