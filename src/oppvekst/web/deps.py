"""Request dependencies: the warehouse for each request, through the door (oppvekst.disclosure.door).

`warehouse` is what the public may see; `principal_warehouse` what the signed-in user may see, masked
for them (the access-controlled endpoints). No request gets the raw warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from fastapi import Depends, HTTPException

from oppvekst import config
from oppvekst.access.users import Principal
from oppvekst.disclosure.door import Job, open_statistics, reader
from oppvekst.warehouse import StatisticsReader, Warehouse
from oppvekst.web.auth import principal


@cache
def _shared(path: str) -> Warehouse:
    return open_statistics(raw=True, job=Job.SERVE, path=path)


def _through_door(p: Principal | None) -> Iterator[StatisticsReader]:
    """A per-request cursor on one shared read-only connection (DuckDB cursors are per thread)."""
    path = config.warehouse_path()
    if not path.exists():
        raise HTTPException(503, "lageret er ikke bygget ennå / the warehouse is not built: run `oppvekst build`")
    cursor = _shared(str(path)).cursor()
    try:
        yield reader(cursor, p)
    finally:
        cursor.close()


def warehouse() -> Iterator[StatisticsReader]:
    """The warehouse as the public may see it."""
    yield from _through_door(None)


def principal_warehouse(p: Principal = Depends(principal)) -> Iterator[StatisticsReader]:
    """The warehouse as the user behind the request may see it (masked per user)."""
    yield from _through_door(p)
