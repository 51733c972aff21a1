"""Felles kunnskapsbase: the shared evidence base on what works for children and young people.

Measures (tiltak) with their studies and effect sizes, an evidence level computed by a transparent
rubric (rubric.py), meta-analysis per measure × outcome (meta.py), full-text search, local examples
(Inspirasjonsbanken) and the link from indicators to the measures that target them.

Entry points for other capabilities (imports are lazy: statsmodels and SQLAlchemy load on first use):
- `ensure_seeded(db_url=None) -> int`: create/migrate the schema, load the seed content, count measures;
- `measures_for_indicator(indicator_id, db_url=None) -> list[dict]`: measures whose outcomes link to
  the indicator, with evidence level and pooled effect (or a note that none is recorded);
- `measures_for_indicators(ids, db_url=None) -> dict[str, list[dict]]`: the same for several, e.g. the
  indicators of a profile that are worse than the national level;
- `EvidenceStore(db_url=None)`: everything else (store.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oppvekst.evidence.store import EvidenceStore


def ensure_seeded(db_url: str | None = None) -> int:
    from oppvekst.evidence.seed import ensure_seeded as _ensure

    return _ensure(db_url)


def measures_for_indicator(indicator_id: str, db_url: str | None = None) -> list[dict]:
    from oppvekst.evidence.store import EvidenceStore

    return EvidenceStore(db_url).measures_for_indicator(indicator_id)


def measures_for_indicators(indicator_ids, db_url: str | None = None) -> dict[str, list[dict]]:
    from oppvekst.evidence.store import EvidenceStore

    store = EvidenceStore(db_url)
    return {iid: store.measures_for_indicator(iid) for iid in dict.fromkeys(indicator_ids)}


def __getattr__(name: str):
    if name == "EvidenceStore":
        from oppvekst.evidence.store import EvidenceStore

        return EvidenceStore
    raise AttributeError(name)


__all__ = ["EvidenceStore", "ensure_seeded", "measures_for_indicator", "measures_for_indicators"]
