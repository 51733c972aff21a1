"""Geography: Norway's regions in the 2024 structure, municipality codes since 2008 and their changes.

- regions_2024(): land, fylke, kommune, bydel, levekårssone with KLASS names and parents
- municipality_codes(year), changes(since): SSB KLASS 131 (bundled raw API responses)
- crosswalk(from_year, to_year), split_weights(), harmonise(df, year, ...): carry statistics from old
  codes onto the 2024 codes, with totals preserved exactly
- peer_groups(), county_peers(code): ASSS and county peers
- municipality_geojson(), county_geojson(): 2024 boundaries for maps
Tables are parsed once per process (functools.cache); the functions return copies.
"""

from oppvekst.regions._codes import (
    MAX_YEAR,
    MIN_YEAR,
    changes,
    county_codes,
    county_names,
    municipality_codes,
    valid_years,
)
from oppvekst.regions._geo import county_geojson, municipality_geojson, topojson_to_geojson
from oppvekst.regions._harmonise import crosswalk, harmonise, split_weights
from oppvekst.regions._hierarchy import (
    ASSS_NAMES,
    LEVELS,
    county_peers,
    is_unknown,
    peer_groups,
    region_name,
    regions_2024,
)

__all__ = [
    "ASSS_NAMES", "LEVELS", "MAX_YEAR", "MIN_YEAR", "changes", "county_codes", "county_geojson",
    "county_names", "county_peers", "crosswalk", "harmonise", "is_unknown", "municipality_codes",
    "municipality_geojson", "peer_groups", "region_name", "regions_2024", "split_weights",
    "topojson_to_geojson", "valid_years",
]
