"""SQLAlchemy models of the trials service (tables tr_*), on the content database's one Base.

The schema comes from the content migration tree (content/migrations/versions/tr0001_trials.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oppvekst.content.models import Base


class Trial(Base):
    """A trial plan (trials.plan.Plan as JSON) with its status; the registered version never changes."""
    __tablename__ = "tr_trial"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    template: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(120))
    plan: Mapped[dict] = mapped_column(JSON)                       # the current plan, every step
    registered_plan: Mapped[dict | None] = mapped_column(JSON)     # steps 1–5 as registered
    registered_at: Mapped[str | None] = mapped_column(String(40))
    registered_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))


class Amendment(Base):
    """A dated change to a registered plan's steps 1–5, with its reason; the registered plan is kept."""
    __tablename__ = "tr_amendment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("tr_trial.id", ondelete="CASCADE"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    steps: Mapped[list] = mapped_column(JSON)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))         # of the planned steps after the amendment
