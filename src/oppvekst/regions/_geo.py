"""2024 municipality and county boundaries as GeoJSON, with KLASS codes and names.

Source: robhop/fylker-og-kommuner (Kartverket, CC BY 4.0), the 'S' level of detail, WGS84
(data/geo, see SOURCES.md). The files carry short map names ('Herøy'), so features are joined on code
and named from the 2024 list.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from oppvekst.regions._hierarchy import regions_2024
from oppvekst.sources import catalogue as bundled


# Own small TopoJSON decoder (spec 2.1.3-2.2.6): the PyPI 'topojson' package encodes, it does not decode
# without shapely/geopandas, and no well-kept pure-Python decoder was found.
def _arc_points(topology: dict, index: int) -> list[list[float]]:
    arc = topology["arcs"][~index if index < 0 else index]
    transform = topology.get("transform")
    if transform:  # quantised, delta-encoded positions
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
    else:
        points = [list(p[:2]) for p in arc]
    return points[::-1] if index < 0 else points


def _ring(topology: dict, indexes: list[int]) -> list[list[float]]:
    points: list[list[float]] = []
    for k, index in enumerate(indexes):
        arc = _arc_points(topology, index)
        points.extend(arc if k == 0 else arc[1:])  # consecutive arcs share their end point
    return points


def topojson_to_geojson(topology: dict, object_name: str) -> dict[str, Any]:
    """One object (a GeometryCollection of Polygons / MultiPolygons) of a Topology as a FeatureCollection."""
    features = []
    for geom in topology["objects"][object_name]["geometries"]:
        kind = geom["type"]
        if kind == "Polygon":
            coords: Any = [_ring(topology, ring) for ring in geom["arcs"]]
        elif kind == "MultiPolygon":
            coords = [[_ring(topology, ring) for ring in poly] for poly in geom["arcs"]]
        else:
            raise ValueError(f"unsupported TopoJSON geometry {kind!r}")
        features.append({"type": "Feature", "properties": dict(geom.get("properties", {})),
                         "geometry": {"type": kind, "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


def _named(collection: dict, code_key: str, level: str) -> dict:
    names = regions_2024().query("level == @level").set_index("code")["name"].to_dict()
    features = []
    for f in collection["features"]:
        code = str(f["properties"][code_key])
        if code not in names:
            raise ValueError(f"boundary code {code!r} is not a 2024 {level}")
        features.append({"type": "Feature", "properties": {"code": code, "name": names[code]},
                         "geometry": f["geometry"]})
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


@cache
def _municipalities() -> dict:
    return _named(bundled.load("geo_municipalities_2024"), "kommunenummer", "kommune")


@cache
def _counties() -> dict:
    return _named(topojson_to_geojson(bundled.load("geo_counties_2024"), "Fylker"), "fylkesnummer", "fylke")


def municipality_geojson() -> dict:
    """FeatureCollection of the 357 municipalities of 2024; properties code and name (KLASS)."""
    return copy.deepcopy(_municipalities())


def county_geojson() -> dict:
    """FeatureCollection of the 15 counties of 2024; properties code and name (KLASS)."""
    return copy.deepcopy(_counties())
