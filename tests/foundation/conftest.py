"""A warehouse built once from the bundled data, shared read-only by the foundation tests."""

import pytest

from oppvekst.build import build
from oppvekst.warehouse import Warehouse


@pytest.fixture(scope="session")
def built_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("built")
    with Warehouse(home / "warehouse.duckdb") as wh:
        build(wh, seed_evidence=False)  # the evidence seed has its own tests; keeps this fixture fast
    return home


@pytest.fixture
def built(built_home, monkeypatch):
    """OPPVEKST_HOME pointing at the shared built warehouse; yields it opened read-only."""
    monkeypatch.setenv("OPPVEKST_HOME", str(built_home))
    with Warehouse(built_home / "warehouse.duckdb", read_only=True) as wh:
        yield wh
