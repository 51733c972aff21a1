"""Shared fixtures for the mission tests: the seed documents, normalised as the quote tests compare them."""

import os
from pathlib import Path

import pytest

from oppvekst.mission.goals import normalise

SEED_DIR = Path(os.environ.get("OPPVEKST_SEED_DOCS", "/work/shared/seeds"))
SOURCE_FILES = {"white_paper": "002_e893d481c0e0d626.txt", "report": "004_9faa421aa8c14d8e.txt"}


@pytest.fixture(scope="session")
def seed_text() -> dict[str, str]:
    if not SEED_DIR.is_dir():
        pytest.skip(f"seed documents not in {SEED_DIR} (set OPPVEKST_SEED_DOCS to check the quotes)")
    return {key: normalise((SEED_DIR / name).read_text(encoding="utf-8")) for key, name in SOURCE_FILES.items()}
