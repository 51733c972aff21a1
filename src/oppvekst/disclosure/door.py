"""The one door to the statistics: masked by default, raw only when a role or a named job asks for it.

    with open_statistics() as wh:                        # the public, suppressed view
    with open_statistics(principal) as wh:               # what this user may see (masked for them)
    with open_statistics(raw=True, job=Job.DISCLOSURE):  # the raw figures, for a job that never shows them
    reader(wh, principal)                                # the same door over a handle already open

What comes back satisfies `oppvekst.warehouse.StatisticsReader`. Without `raw=True` it is always the
`PublishedView` (every observation through `masked()`); the raw `Warehouse` is handed out only to an
administrator or to one of the internal `Job`s below, each named so that a raw read says why it needs
one. Everything that shows figures to the public (web pages, the API, the command line, PDFs) opens its
handle here.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol, overload

from oppvekst.disclosure.publication import PublishedView
from oppvekst.warehouse import StatisticsReader, Warehouse


class Job(StrEnum):
    """The internal jobs that must read or write the raw figures. None of them shows figures to anyone."""

    LOAD = "load"              # build, load, derive, asss sync, rollback: write releases, report row counts
    DISCLOSURE = "disclosure"  # apply, publish, mark, status: suppress from the raw cells, store the pattern
    RELEASES = "releases"      # the operator's list of releases (metadata, no figures), unpublished ones too
    SERVE = "serve"            # the web server's one shared connection; each request reads through reader()


class Asker(Protocol):
    """Who asks (a signed-in principal of the accounts): a role, and an analyst's municipality."""

    role: str
    municipality: str | None


RAW_ROLES = frozenset({"administrator"})


def _check_raw(principal: Asker | None, job: Job | None) -> None:
    if job is not None:
        Job(job)                                   # ValueError for a job that is not one of ours
        return
    role = str(getattr(principal, "role", "public"))
    if role not in RAW_ROLES:
        raise PermissionError(f"the raw warehouse is for an administrator or a named job, not for {role!r}")


@overload
def reader(wh: Warehouse, principal: Asker | None = None, *, raw: Literal[False] = False,
           job: Job | None = None) -> PublishedView: ...
@overload
def reader(wh: Warehouse, principal: Asker | None = None, *, raw: Literal[True],
           job: Job | None = None) -> Warehouse: ...
def reader(wh: Warehouse, principal: Asker | None = None, *, raw: bool = False,
           job: Job | None = None) -> StatisticsReader:
    """The door over a warehouse already open (the web's per-request cursor): the closing stays with the
    caller. Masked for `principal` (default: the public) unless `raw` and the role or `job` may have it."""
    if raw:
        _check_raw(principal, job)
        return wh
    return PublishedView(wh, principal)


@overload
def open_statistics(principal: Asker | None = None, *, raw: Literal[False] = False, job: Job | None = None,
                    path: str | Path | None = None, read_only: bool = True) -> PublishedView: ...
@overload
def open_statistics(principal: Asker | None = None, *, raw: Literal[True], job: Job | None = None,
                    path: str | Path | None = None, read_only: bool = True) -> Warehouse: ...
def open_statistics(principal: Asker | None = None, *, raw: bool = False, job: Job | None = None,
                    path: str | Path | None = None, read_only: bool = True) -> StatisticsReader:
    """Open the warehouse (default: OPPVEKST_HOME's) through the door; close it with `with` or `close()`.

    Writing (`read_only=False`) is for a raw job only: the published view writes nothing."""
    if not raw:
        if not read_only:
            raise PermissionError("the published view is read-only: a writer asks for raw=True with a job")
        return PublishedView(Warehouse(path, read_only=True), principal, owns=True)
    _check_raw(principal, job)
    return Warehouse(path, read_only=read_only)


__all__ = ["Asker", "Job", "PublishedView", "open_statistics", "reader"]
