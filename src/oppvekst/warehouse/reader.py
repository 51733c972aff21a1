"""The read door to the statistics: what any handle that reads figures can do.

Both the raw `Warehouse` and disclosure control's published view satisfy this protocol, so a function
that takes a `StatisticsReader` says it reads figures and nothing else; which one it gets (masked by
default) is decided where the handle is opened, not by each caller remembering to wrap it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from oppvekst.warehouse.store import Release


@runtime_checkable
class StatisticsReader(Protocol):
    path: Path

    def observations(self, *, indicator: str | None = None, regions: list[str] | None = None,
                     year: int | None = None, sex: str | None = "all", age: str | None = None,
                     background: str | None = "all", ses: str | None = "all",
                     limit: int | None = None) -> pd.DataFrame: ...

    def releases(self) -> list[Release]: ...

    def release(self, release_id: int) -> Release: ...
