"""Request dependencies: a read-only view of the warehouse for each request, as the public may see it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from fastapi import HTTPException

from oppvekst import config
from oppvekst.disclosure.publication import (
    PublishedView as Published,  # the web reads through disclosure control
)
from oppvekst.warehouse import Warehouse


@cache
def _shared(path: str) -> Warehouse:
    return Warehouse(path, read_only=True)


def warehouse() -> Iterator[Published]:
    """A per-request cursor on one shared read-only connection (DuckDB cursors are per thread)."""
    path = config.warehouse_path()
    if not path.exists():
        raise HTTPException(503, "lageret er ikke bygget ennå / the warehouse is not built: run `oppvekst build`")
    view = _shared(str(path)).cursor()
    try:
        yield Published(view)
    finally:
        view.con.close()


def raw_warehouse() -> Iterator[Warehouse]:
    """The unmasked cursor, for the access-controlled endpoints that mask per user themselves."""
    path = config.warehouse_path()
    if not path.exists():
        raise HTTPException(503, "lageret er ikke bygget ennå / the warehouse is not built: run `oppvekst build`")
    view = _shared(str(path)).cursor()
    try:
        yield view
    finally:
        view.con.close()
