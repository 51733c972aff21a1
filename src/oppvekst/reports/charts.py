"""Charts as Vega-Lite (Altair), rendered server-side to SVG so pages and PDFs need no JavaScript."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import pandas as pd
import vl_convert as vlc

from oppvekst import regions

alt.data_transformers.disable_max_rows()

NB_LOCALE = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["kr ", ""]}


def to_svg(chart: alt.TopLevelMixin) -> str:
    return vlc.vegalite_to_svg(chart.to_dict(), format_locale=NB_LOCALE)


SERIES_COLOURS = ["#005b82", "#d1495b", "#7a7a7a", "#edae49", "#66a182", "#8d6a9f"]


def time_series(df: pd.DataFrame, *, y_title: str, series: str = "name", order: list[str] | None = None) -> alt.Chart:
    """Lines with a 95 % band per series; df has year, value, ci_low, ci_high and `series`.

    `order` fixes the legend order and colours (e.g. the region, its county, the country), so the same
    place keeps its colour from chart to chart.
    """
    domain = order or sorted(df[series].dropna().unique())
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title="År"),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=domain, range=SERIES_COLOURS[: len(domain)])),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("ci_low:Q", title=y_title), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)))
    return (band + line).properties(width=620, height=260)


def _signed_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2


def _clockwise_exteriors(geometry: dict) -> dict:
    """d3-geo (Vega's projection) wants exterior rings clockwise, the reverse of RFC 7946 GeoJSON;
    a counter-clockwise ring is drawn as the whole globe minus the municipality. Own code: a few lines."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    fixed = [[ring if (_signed_area(ring) < 0) == (i == 0) else ring[::-1] for i, ring in enumerate(poly)]
             for poly in polygons]
    return {"type": geometry["type"], "coordinates": fixed if geometry["type"] == "MultiPolygon" else fixed[0]}


@lru_cache(maxsize=1)
def _municipality_shapes() -> dict:
    shapes = regions.municipality_geojson()
    return {**shapes, "features": [{**f, "geometry": _clockwise_exteriors(f["geometry"])}
                                   for f in shapes["features"]]}


def choropleth(values: pd.DataFrame, *, title: str, legend_title: str) -> alt.Chart:
    """Municipality map of `values` (columns code, value); municipalities without a value are grey."""
    shapes = alt.Data(values=_municipality_shapes()["features"])
    lookup = values[["code", "value"]].dropna()
    grey = alt.Chart(shapes).mark_geoshape(fill="#e6e6e6", stroke="white", strokeWidth=0.2)
    filled = alt.Chart(shapes).mark_geoshape(stroke="white", strokeWidth=0.2).encode(
        color=alt.Color("value:Q", title=legend_title, scale=alt.Scale(scheme="blues")),
    ).transform_lookup(
        lookup="properties.code", from_=alt.LookupData(lookup, "code", ["value"]),
    ).transform_filter("isValid(datum.value)")
    return (grey + filled).project("mercator").properties(width=420, height=560, title=title)


def warm_up() -> None:
    """Pay the one-off costs (geometry, the Vega renderer's start) before the first visitor does."""
    _municipality_shapes()
    to_svg(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))


def small_multiples(df: pd.DataFrame, *, columns: int = 3, width: int = 190, height: int = 110) -> alt.FacetChart:
    """One small panel per indicator (`label`), the area against a reference series, with 95 % bands.

    df has label, year, value, ci_low, ci_high and `series` (e.g. the area's name and "Landet").
    """
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("ci_low:Q", title=None, scale=alt.Scale(zero=False)), y2="ci_high:Q")
    line = base.mark_line(strokeWidth=1.6).encode(y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)))
    return (band + line).properties(width=width, height=height).facet(
        facet=alt.Facet("label:N", title=None, header=alt.Header(labelFontSize=11, labelLimit=width + 20)),
        columns=columns).resolve_scale(y="independent")


def barometer_map(values: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Municipality map coloured by barometer class (columns code, cls_name); grey where not assessed."""
    from oppvekst.compare.barometer import CLASS_COLOURS, CLASS_NAMES

    order = ("better", "same", "worse", "not_assessed")
    shapes = alt.Data(values=_municipality_shapes()["features"])
    lookup = values[["code", "cls_name"]].dropna()
    grey = alt.Chart(shapes).mark_geoshape(fill="#f4f4f4", stroke="white", strokeWidth=0.2)
    filled = alt.Chart(shapes).mark_geoshape(stroke="white", strokeWidth=0.2).encode(
        color=alt.Color("cls_name:N", title="Barometer",
                        scale=alt.Scale(domain=[CLASS_NAMES[c][0] for c in order],
                                        range=[CLASS_COLOURS[c] for c in order])),
    ).transform_lookup(
        lookup="properties.code", from_=alt.LookupData(lookup, "code", ["cls_name"]),
    ).transform_filter("isValid(datum.cls_name)")
    return (grey + filled).project("mercator").properties(width=420, height=560, title=title)
