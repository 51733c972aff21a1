"""Shared test set-up: every test gets its own OPPVEKST_HOME, so nothing touches ./var."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPPVEKST_OFFLINE", "1")
    monkeypatch.delenv("OPPVEKST_WAREHOUSE", raising=False)
    monkeypatch.delenv("OPPVEKST_DB_URL", raising=False)
