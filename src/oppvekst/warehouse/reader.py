"""The read door to the statistics: what any handle that reads figures can do.

Both the raw `Warehouse` and disclosure control's published view satisfy this protocol, so a function
that takes a `StatisticsReader` says it reads figures and nothing else; which one it gets (masked by
default) is decided where the handle is opened (`oppvekst.disclosure.door`), not by each caller
remembering to wrap it. There is no SQL here: a read the callers need becomes a method.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Self, runtime_checkable

import pandas as pd

from oppvekst.warehouse.store import Release, ReleaseKey


@runtime_checkable
class StatisticsReader(Protocol):
    path: Path

    def observations(self, *, indicator: str | None = None, regions: list[str] | None = None,
                     year: int | None = None, sex: str | None = "all", age: str | None = None,
                     background: str | None = "all", ses: str | None = "all",
                     releases: list[int] | None = None, limit: int | None = None) -> pd.DataFrame:
        """Current observations with filters (None in a dimension: every value), with `synthetic`."""
        ...

    def release_observations(self, release_id: int) -> pd.DataFrame:
        """Every row of one release, current or not, with its `release` column."""
        ...

    def releases(self) -> list[Release]: ...

    def release(self, release_id: int) -> Release:
        """One release; KeyError for one that is unknown (or not visible through this handle)."""
        ...

    def release_hashes(self) -> dict[int, ReleaseKey]:
        """release id -> (content hash, synthetic) of every release: the key of disclosure's decisions."""
        ...

    def diff(self, old: int, new: int) -> dict:
        """Rows identical / changed / new / removed between two releases, and their national sums."""
        ...

    def region_names(self) -> dict[str, str]: ...

    def region_name(self, code: str) -> str | None: ...

    def has_regions(self) -> bool: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...
