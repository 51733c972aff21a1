"""SQLAlchemy models of the mission (tables ms_*), on the content database's one Base.

The schema comes from the content migration tree (content/migrations/versions/ms0001_mission.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oppvekst.content.models import Base


class FrozenBaseline(Base):
    """A frozen 0-punktsmåling: `mission.baseline.Baseline.to_dict()` as it was computed, never edited.
    A replacement is a new row; the old one is kept with `superseded_by` pointing at it."""
    __tablename__ = "ms_baseline"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    frozen_at: Mapped[str] = mapped_column(String(40))
    frozen_by: Mapped[str] = mapped_column(String(120))
    content: Mapped[dict] = mapped_column(JSON)
    releases: Mapped[list] = mapped_column(JSON)                  # the release ids the values came from
    reason: Mapped[str | None] = mapped_column(Text)              # why it replaced an earlier freeze
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("ms_baseline.id"))


class LearningEntry(Base):
    """A dated learning-log entry for one initiative of the portfolio (mission/portfolio.yaml id)."""
    __tablename__ = "ms_learning"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative: Mapped[str] = mapped_column(String(80), index=True)
    date: Mapped[str] = mapped_column(String(10))                 # ISO date the learning is about
    tried: Mapped[str] = mapped_column(Text)
    learned: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)        # who took part (incl. children and young people)
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[str] = mapped_column(String(40))
