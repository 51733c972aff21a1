"""Shared set-up for the access tests: users of every role, their tokens, and a small warehouse with a
controlled (synthetic) release whose suppression is stored but not yet published."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PASSWORD = "et-langt-passord-for-test"
USERS = {"admin": ("administrator", None), "kari": ("analyst", "1103"), "ola": ("analyst", "4601"),
         "forsker": ("researcher", None)}


@pytest.fixture
def people(monkeypatch):
    """Users of every role and an API token each: role name -> bearer headers (the public: none)."""
    from oppvekst.access import users
    from oppvekst.content import db

    db.dispose_all()
    for name, (role, muni) in USERS.items():
        users.create_user(name, PASSWORD, role, municipality=muni)
    tokens = {name: users.issue_token(name, "test") for name in USERS}
    yield {"public": {}, **{name: {"Authorization": f"Bearer {tok}"} for name, tok in tokens.items()}}
    db.dispose_all()


@pytest.fixture(scope="session")
def small_table():
    from oppvekst.disclosure.testing import national_table

    return national_table(counties=["11"], years=(2022, 2024))


@pytest.fixture
def controlled(people, small_table):
    """A warehouse with one synthetic release, suppression applied (not published). Returns its id."""
    from oppvekst import regions
    from oppvekst.content.audit import install_warehouse_audit
    from oppvekst.disclosure import publication
    from oppvekst.warehouse import Warehouse

    install_warehouse_audit()
    with Warehouse() as wh:
        wh.replace_regions(regions.regions_2024())
        rel = wh.load_release(small_table, source="test: synthetic", synthetic=True)
        publication.apply(wh, rel.id)
    return rel.id


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("OPPVEKST_RATE_LIMIT", "100000")
    monkeypatch.setenv("OPPVEKST_RATE_LIMIT_USER", "100000")
    monkeypatch.setenv("OPPVEKST_RATE_LIMIT_LOGIN", "100000")
    from oppvekst.web import deps
    from oppvekst.web.app import create_app

    deps._shared.cache_clear()
    yield TestClient(create_app(), raise_server_exceptions=False)
    deps._shared.cache_clear()
