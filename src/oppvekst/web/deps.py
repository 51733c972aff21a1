"""Request dependencies: a read-only view of the warehouse for each request, as the public may see it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from fastapi import HTTPException

from oppvekst import config
from oppvekst.warehouse import Warehouse


@cache
def _shared(path: str) -> Warehouse:
    return Warehouse(path, read_only=True)


class Published:
    """The warehouse through disclosure control (oppvekst.disclosure.publication.masked).

    Every observation read through it has passed the stored suppression of its release; releases
    not yet published are left out. Pages and the API get this view only, so shared caches never
    hold anything the public may not see; pre-publication data go through web/restricted.py.
    """

    def __init__(self, wh: Warehouse, principal=None):
        self._wh, self._principal = wh, principal
        self.path = wh.path

    def observations(self, **kwargs):
        from oppvekst.disclosure.publication import masked

        return masked(self._wh, self._wh.observations(**kwargs), self._principal)

    def releases(self):
        return self._wh.releases()

    def release(self, release_id: int):
        return self._wh.release(release_id)

    def query(self, sql: str, params: list | None = None):
        if "observations" in sql.lower():   # raw figures would bypass the suppression: refuse
            raise PermissionError("observations are read through Published.observations()")
        return self._wh.query(sql, params)

    def load_release(self, *args, **kwargs):
        raise PermissionError("the web view of the warehouse is read-only")


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
