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


def time_series(df: pd.DataFrame, *, y_title: str, series: str = "name") -> alt.Chart:
    """Lines with a 95 % band per series; df has year, value, ci_low, ci_high and `series`."""
    base = alt.Chart(df).encode(
        x=alt.X("year:O", title="År"),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("ci_low:Q", title=y_title), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)))
    return (band + line).properties(width=620, height=260)


@lru_cache(maxsize=1)
def _municipality_shapes() -> dict:
    return regions.municipality_geojson()


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
