"""Configuration from environment variables (OPPVEKST_*), with safe defaults. No secrets here."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"  # the bundled public data; provenance in data/SOURCES.md


def home() -> Path:
    """Everything the system writes lives under OPPVEKST_HOME (default ./var)."""
    path = Path(os.environ.get("OPPVEKST_HOME", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    return Path(os.environ.get("OPPVEKST_WAREHOUSE", home() / "warehouse.duckdb"))


def content_db_url() -> str:
    """Editable content (evidence base, reports, audit): SQLite by default, PostgreSQL by URL."""
    return os.environ.get("OPPVEKST_DB_URL", f"sqlite:///{home() / 'content.sqlite'}")


def cache_dir() -> Path:
    path = Path(os.environ.get("OPPVEKST_CACHE", home() / "cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def offline() -> bool:
    return os.environ.get("OPPVEKST_OFFLINE", "0").lower() in ("1", "true", "yes")
