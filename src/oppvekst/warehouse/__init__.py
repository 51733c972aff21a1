"""Warehouse (datainfrastruktur): one DuckDB file, versioned releases, checks between releases."""

from oppvekst.warehouse.store import Release, Warehouse, content_hash

__all__ = ["Release", "Warehouse", "content_hash"]
