"""Warehouse (datainfrastruktur): one DuckDB file, versioned releases, checks between releases."""

from oppvekst.warehouse.reader import StatisticsReader
from oppvekst.warehouse.store import Release, Warehouse, content_hash

__all__ = ["Release", "StatisticsReader", "Warehouse", "content_hash"]
