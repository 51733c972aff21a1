"""Warehouse (datainfrastruktur): one DuckDB file, versioned releases, checks between releases.

`Warehouse` is the raw handle (for the jobs that write or control releases); `StatisticsReader` is
what every handle that reads figures can do. Figures are read through `oppvekst.disclosure.door`.
"""

from oppvekst.warehouse.reader import StatisticsReader
from oppvekst.warehouse.store import Release, ReleaseKey, Warehouse, content_hash

__all__ = ["Release", "ReleaseKey", "StatisticsReader", "Warehouse", "content_hash"]
