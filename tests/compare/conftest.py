"""A warehouse built once from the bundled data (NEET 15–29 from SSB 13556, population), shared read-only."""

import pytest

from oppvekst.indicators import asss
from oppvekst.warehouse import Warehouse


@pytest.fixture(scope="session")
def built_path(bundled_warehouse_path):
    return bundled_warehouse_path


@pytest.fixture
def built(built_path, monkeypatch):
    """OPPVEKST_WAREHOUSE pointing at the shared warehouse (OPPVEKST_HOME stays per test); opened read-only."""
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(built_path))
    with Warehouse(built_path, read_only=True) as wh:
        yield wh


@pytest.fixture(autouse=True)
def _close_asss_engines():
    yield
    asss.dispose_all()
