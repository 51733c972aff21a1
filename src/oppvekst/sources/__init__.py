"""Readers that turn published statistics into tables, and the catalogue of the bundled data files.

- `catalogue`: every file under data/ named once (data/catalogue.yaml); `catalogue.load(name)` reads it
  with its format's reader below. Code asks for a bundled file by name, never by path.

- `jsonstat`: JSON-stat 2 datasets and collections, and 1.x bundles, keeping SSB's status markers.
- `statbank`: SSB statistics bank CSV exports (`read_statbank_csv`, `read_population`, `read_statbank_wide`).
- `tabular`: plain CSV / Excel (and JSON-stat frames) into observations by a declared `TableMapping`.
- `pxweb`: PxWeb API v1/v2 client with an on-disk cache and an offline mode.
"""
