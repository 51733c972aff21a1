"""SQLAlchemy model of saved economics scenarios (table ec_scenario), on the content database's one Base.

The schema comes from the content migration tree (content/migrations/versions/ec0001_economics.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from oppvekst.content.models import Base


class SavedScenario(Base):
    """A scenario as entered (the mapping, local figures already filled in with their sources)."""
    __tablename__ = "ec_scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(120))
    scenario: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(40))
