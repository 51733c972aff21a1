"""Seed content of the evidence base: the measures, trials and local examples named in the white paper
and the reports (seed_data/*.yaml), each citing the document and section it comes from.

`ensure_seeded()` is called by `oppvekst build`: it migrates the schema and loads whatever seed
records are missing, through the same validation as any import.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from oppvekst.evidence.exchange import FORMAT, VERSION, import_bundle
from oppvekst.evidence.store import EvidenceStore

SEED_DIR = Path(__file__).resolve().parent / "seed_data"
SEED_FILES = ("outcomes.yaml", "measures.yaml", "local_examples.yaml")


def seed_bundle() -> dict:
    data = {name.removesuffix(".yaml"): yaml.safe_load((SEED_DIR / name).read_text(encoding="utf-8")) or []
            for name in SEED_FILES}
    return {"format": FORMAT, "version": VERSION, **data}


def seed_version() -> str:
    digest = hashlib.sha256()
    for name in SEED_FILES:
        digest.update((SEED_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_seeded(db_url: str | None = None) -> int:
    """Create or migrate the schema and load the seed content if it is not already there.
    Returns the number of measures in the store."""
    store = EvidenceStore(db_url)
    version = seed_version()
    if store.meta_value("seed_version") != version:
        import_bundle(store, seed_bundle(), actor="seed", origin="seed", file=str(SEED_DIR),
                      on_existing="skip", meta={"seed_version": version})
    return store.count_measures()
