"""The annual status report: one dict read from the warehouse (through the caller's reader) and the
content database, rendered by the page and as a PDF (WeasyPrint), so both show the same figures.

The NEET chart is the page's chart (`progress_svg`), inlined in the PDF as an SVG image, with its table.
"""

from __future__ import annotations

import base64
from pathlib import Path

import altair as alt
import jinja2
import pandas as pd

from oppvekst.errors import InputError
from oppvekst.mission import overview
from oppvekst.reports import charts
from oppvekst.warehouse.reader import StatisticsReader

CHART_INDICATOR, CHART_SUBGOAL = "neet_15_29", "wp6"   # Boks 8.3 sub-goal 6: more young people in work or school

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True)


def progress_svg(p: dict) -> str:
    """The series, its linear trend drawn on to the target year with the projection's prediction
    interval, the base year as a rule and the target (where there is a number) as a line."""
    obs = pd.DataFrame(p["series"])
    layers = [alt.Chart(obs).mark_line(point=True, color=charts.SERIES_COLOURS[0]).encode(
        x=alt.X("year:Q", title="År", axis=alt.Axis(format="d")), y=alt.Y("value:Q", title="Prosent"),
        tooltip=["year:Q", alt.Tooltip("value:Q", format=".2f")])]
    trend = p.get("trend")
    if trend and trend["model"] == "linear":
        fit, first = trend["fit"], trend["years_used"][0]
        end = trend["target_year"] or trend["years_used"][-1]
        line = pd.DataFrame({"year": [first, end]})
        line["value"] = fit["intercept"] + fit["slope"] * (line["year"] - first)
        layers.append(alt.Chart(line).mark_line(color=charts.SERIES_COLOURS[2], strokeDash=[4, 3])
                      .encode(x="year:Q", y="value:Q"))
        if fit["prediction_interval"]:
            lo, hi = fit["prediction_interval"]
            proj = pd.DataFrame({"year": [end], "value": [fit["projection"]], "lo": [lo], "hi": [hi]})
            layers.append(alt.Chart(proj).mark_errorbar(color=charts.SERIES_COLOURS[2])
                          .encode(x="year:Q", y=alt.Y("lo:Q", title="Prosent"), y2="hi:Q"))
    layers.append(alt.Chart(pd.DataFrame({"year": [p["base_year"]]})).mark_rule(
        color=charts.SERIES_COLOURS[3]).encode(x="year:Q"))
    if p.get("target") is not None:
        layers.append(alt.Chart(pd.DataFrame({"value": [p["target"]]})).mark_rule(
            color=charts.SERIES_COLOURS[1], strokeDash=[6, 3]).encode(y="value:Q"))
    return charts.to_svg(alt.layer(*layers).properties(width=520, height=260))


def landscape_rows(port: dict) -> list[dict]:
    """One row per sub-goal with its cells in age-band order (state gap/single/overlap, initiatives)."""
    rows: dict[str, dict] = {}
    for cell in port["landscape"]:
        rows.setdefault(cell["subgoal"], {"subgoal": cell["subgoal"], "cells": []})["cells"].append(cell)
    return list(rows.values())


def data(reader: StatisticsReader, *, base_year: int = overview.MISSION_BASE_YEAR) -> dict:
    """Everything the page and the PDF show: the status (with the frozen baseline), the NEET chart and
    its figures, the portfolio with its landscape, and the learning logs."""
    from oppvekst.mission import store

    st = overview.status(reader, base_year=base_year)
    neet = chart = error = None
    try:
        neet = overview.progress(reader, CHART_INDICATOR, base_year=st["base_year"])
        chart = progress_svg(neet)
    except InputError as exc:      # e.g. the indicator is not loaded: the report says so, the rest still shows
        error = str(exc)
    port = overview.portfolio()
    return {"st": st, "neet": neet, "chart": chart, "error": error, "chart_subgoal": CHART_SUBGOAL,
            "chart_indicator": CHART_INDICATOR, "port": port, "landscape": landscape_rows(port),
            "learning": store.learning()}


def _nb(x: float | None, d: int = 2) -> str:
    return "–" if x is None else f"{x:,.{d}f}".replace(",", " ").replace(".", ",")


def to_html(d: dict) -> str:
    img = None
    if d["chart"]:
        img = "data:image/svg+xml;base64," + base64.b64encode(d["chart"].encode("utf-8")).decode()
    return _env.get_template("report_pdf.html").render(**d, chart_img=img, nb=_nb)


def to_pdf(d: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(d)).write_pdf()
