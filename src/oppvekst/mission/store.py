"""The mission's content in the content database: frozen baselines and learning logs; every write audited.

Each write runs in one transaction with its audit entry (content.audit.append), so a refused write
leaves neither. A frozen baseline is never edited: freezing the same year again needs a reason, adds
a new row and marks the old one superseded (kept, so the history of the 0-punktsmåling stays readable).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from oppvekst.content import audit, db
from oppvekst.errors import InputError
from oppvekst.mission.baseline import Baseline
from oppvekst.mission.models import FrozenBaseline, LearningEntry


@dataclass(frozen=True)
class StoredBaseline:
    id: int
    baseline: Baseline
    frozen_by: str
    reason: str | None
    superseded_by: int | None

    def to_dict(self) -> dict:
        return {**self.baseline.to_dict(), "id": self.id, "releases": list(self.baseline.releases),
                "frozen_by": self.frozen_by, "reason": self.reason, "superseded_by": self.superseded_by}


def _stored(row: FrozenBaseline) -> StoredBaseline:
    return StoredBaseline(row.id, Baseline.from_dict(row.content), row.frozen_by, row.reason, row.superseded_by)


@contextmanager
def _tx(db_url: str | None):
    with db.session(db_url) as s, s.begin():
        yield s


def _current(s, year: int) -> FrozenBaseline | None:
    return s.scalars(select(FrozenBaseline).where(FrozenBaseline.year == year,
                                                  FrozenBaseline.superseded_by.is_(None))).first()


def save_baseline(base: Baseline, actor: str, *, replace_reason: str | None = None,
                  db_url: str | None = None) -> StoredBaseline:
    """Store a computed baseline. A year already frozen is refused unless `replace_reason` is given."""
    reason = (replace_reason or "").strip() or None
    with _tx(db_url) as s:
        old = _current(s, base.year)
        if old is not None and reason is None:
            raise InputError(f"the baseline for {base.year} is already frozen (id {old.id}, {old.frozen_at}); "
                             "replace it with --replace and a reason", field="year")
        frozen_at = base.frozen_at or audit.now()
        content = Baseline(base.year, base.regions, base.entries, frozen_at).to_dict()
        row = FrozenBaseline(year=base.year, frozen_at=frozen_at, frozen_by=actor[:120], content=content,
                             releases=list(base.releases), reason=reason if old is not None else None)
        s.add(row)
        s.flush()
        if old is not None:
            old.superseded_by = row.id
        audit.append(s, "mission_baseline_replace" if old is not None else "mission_baseline_freeze",
                     f"mission_baseline:{row.id}",
                     {"year": base.year, "releases": list(base.releases), "replaces": old.id if old else None,
                      "reason": row.reason}, who=actor)
        return _stored(row)


def frozen_baseline(year: int | None = None, *, db_url: str | None = None) -> StoredBaseline | None:
    """The frozen baseline in force for `year` (default: the latest year frozen), or None."""
    with db.session(db_url) as s:
        q = select(FrozenBaseline).where(FrozenBaseline.superseded_by.is_(None))
        q = q.where(FrozenBaseline.year == year) if year is not None else q.order_by(FrozenBaseline.year.desc())
        row = s.scalars(q).first()
        return _stored(row) if row else None


def baseline_history(year: int, *, db_url: str | None = None) -> list[StoredBaseline]:
    """Every freeze of `year`, oldest first, the superseded ones included."""
    with db.session(db_url) as s:
        rows = s.scalars(select(FrozenBaseline).where(FrozenBaseline.year == year).order_by(FrozenBaseline.id))
        return [_stored(r) for r in rows]


# -- learning logs ---------------------------------------------------------------------------------------

def add_learning(initiative: str, *, tried: str, learned: str, changes: str, actor: str,
                 participants: str | None = None, date: str | None = None, db_url: str | None = None) -> int:
    """One learning-log entry for an initiative of the portfolio (the id must be one it seeds)."""
    from oppvekst.mission import portfolio

    if initiative not in portfolio.load().initiatives:
        raise InputError(f"unknown initiative {initiative!r}", field="initiative")
    fields = {"tried": tried, "learned": learned, "changes": changes}
    for name, value in fields.items():
        if not (value or "").strip():
            raise InputError("must not be empty", field=name)
    try:
        day = dt.date.fromisoformat(date).isoformat() if date else dt.date.today().isoformat()
    except ValueError:
        raise InputError("must be a date YYYY-MM-DD", field="date") from None
    with _tx(db_url) as s:
        row = LearningEntry(initiative=initiative, date=day, author=actor[:120], created_at=audit.now(),
                            participants=(participants or "").strip() or None,
                            **{k: v.strip() for k, v in fields.items()})
        s.add(row)
        s.flush()
        audit.append(s, "mission_learning_add", f"mission_learning:{row.id}",
                     {"initiative": initiative, "date": day}, who=actor)
        return row.id


def learning(initiative: str | None = None, *, db_url: str | None = None) -> list[dict]:
    """The learning-log entries, newest first (of one initiative, or all)."""
    with db.session(db_url) as s:
        q = select(LearningEntry).order_by(LearningEntry.date.desc(), LearningEntry.id.desc())
        if initiative:
            q = q.where(LearningEntry.initiative == initiative)
        return [{"id": r.id, "initiative": r.initiative, "date": r.date, "tried": r.tried, "learned": r.learned,
                 "changes": r.changes, "participants": r.participants, "author": r.author,
                 "created_at": r.created_at} for r in s.scalars(q)]
