"""Full-text index of measures and local examples: SQLite FTS5 (bm25) or PostgreSQL text search with
the Norwegian configuration (ts_rank). The index table `ev_search` is created by the migration; the
store calls `index_*` whenever it writes a record."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from oppvekst.evidence.models import LocalExample, Measure
from oppvekst.evidence.vocab import ARENAS, MEASURE_KINDS, PREVENTION_LEVELS, label


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _put(session: Session, kind: str, ref: str, name: str, body: str) -> None:
    remove(session, kind, ref)
    session.execute(text("INSERT INTO ev_search (kind, ref, name, body) VALUES (:k, :r, :n, :b)"),
                    {"k": kind, "r": ref, "n": name, "b": body})


def remove(session: Session, kind: str, ref: str) -> None:
    session.execute(text("DELETE FROM ev_search WHERE kind = :k AND ref = :r"), {"k": kind, "r": ref})


def index_measure(session: Session, m: Measure, outcome_names: dict[str, str]) -> None:
    parts = [m.description, m.target_group, m.owner, m.provider, m.rationale, m.implementation,
             m.status_note, label(MEASURE_KINDS, m.kind), " ".join(m.risk_groups or [])]
    parts += [label(ARENAS, a.arena) for a in m.arenas]
    parts += [label(PREVENTION_LEVELS, p.level) for p in m.prevention]
    parts += [outcome_names.get(o.outcome_id, o.outcome_id) for o in m.outcomes]
    parts += [s.citation for s in m.studies]
    _put(session, "measure", m.id, " ".join(filter(None, [m.name, m.name_en])),
         " ".join(p for p in parts if p))


def index_local_example(session: Session, e: LocalExample) -> None:
    parts = [e.municipality, e.description, e.target_group, e.measured, e.results]
    parts += [label(ARENAS, a) for a in e.arenas or []]
    _put(session, "local", str(e.id), e.title, " ".join(p for p in parts if p))


def tokens(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", query.lower()) if t][:12]


def ranked(session: Session, query: str, kind: str) -> list[tuple[str, float]]:
    """(ref, score) of the records of one kind that match every word of `query` (prefixes
    allowed), best first. Scores are comparable within one call only."""
    words = tokens(query)
    if not words:
        return []
    if _dialect(session) == "postgresql":
        tsq = " & ".join(f"{w}:*" for w in words)
        rows = session.execute(text(
            "SELECT ref, ts_rank(tsv, q) AS score FROM ev_search, to_tsquery('norwegian', :q) q "
            "WHERE kind = :k AND tsv @@ q ORDER BY score DESC, ref"), {"q": tsq, "k": kind})
        return [(r.ref, float(r.score)) for r in rows]
    fts = " ".join(f'"{w}"*' for w in words)
    # bm25 is lower-is-better; the name column weighs ten times the body
    rows = session.execute(text(
        "SELECT ref, -bm25(ev_search, 0.0, 0.0, 10.0, 1.0) AS score FROM ev_search "
        "WHERE ev_search MATCH :q AND kind = :k ORDER BY score DESC, ref"), {"q": fts, "k": kind})
    return [(r.ref, float(r.score)) for r in rows]
