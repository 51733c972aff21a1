"""Shared fixtures for the mission tests: the seed documents, normalised as the quote tests compare them; the
bundled warehouse, the mission commands and the web application over it."""

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


@pytest.fixture
def mission():
    """`oppvekst mission ...` as a user runs it (Typer's test runner)."""
    from typer.testing import CliRunner

    from oppvekst.cli import _register, app

    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["mission", *args])


@pytest.fixture
def bundled(bundled_warehouse_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    yield bundled_warehouse_path
    from oppvekst.content import db

    db.dispose()


@pytest.fixture
def cli(bundled, mission):
    return mission


@pytest.fixture
def client(bundled):
    from fastapi.testclient import TestClient

    from oppvekst.web import deps
    from oppvekst.web.app import create_app

    deps._shared.cache_clear()
    yield TestClient(create_app())
    deps._shared.cache_clear()
