"""Samfunnsoppdraget (/samfunnsoppdraget) and its JSON API (/api/v1/mission): thin over
oppvekst.mission.overview, reading the warehouse through the door (`Depends(warehouse)`)."""

from __future__ import annotations

import altair as alt
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from oppvekst.errors import InputError
from oppvekst.mission import overview
from oppvekst.reports import charts
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/mission", tags=["mission"])

CHART_INDICATOR, CHART_SUBGOAL = "neet_15_29", "wp6"   # Boks 8.3 sub-goal 6: more young people in work or school


def _bad(exc: InputError) -> HTTPException:
    return HTTPException(422, {"error": exc.reason, "field": exc.field, "file": exc.file, "row": exc.row})


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


def _landscape_rows(port: dict) -> list[dict]:
    """One row per sub-goal with its cells in age-band order (state gap/single/overlap, initiatives)."""
    rows: dict[str, dict] = {}
    for cell in port["landscape"]:
        rows.setdefault(cell["subgoal"], {"subgoal": cell["subgoal"], "cells": []})["cells"].append(cell)
    return list(rows.values())


@pages.get("/samfunnsoppdraget", response_class=HTMLResponse)
def mission_page(request: Request, wh=Depends(warehouse)):
    error = chart = neet = None
    st = overview.status(wh)
    try:
        neet = overview.progress(wh, CHART_INDICATOR, base_year=st["base_year"])
        chart = progress_svg(neet)
    except InputError as exc:      # e.g. the indicator is not loaded: the page says so, the rest still shows
        error = str(exc)
    port = overview.portfolio()
    return templates.TemplateResponse(request, "mission/status.html", {
        "st": st, "neet": neet, "chart": chart, "error": error, "chart_subgoal": CHART_SUBGOAL,
        "chart_indicator": CHART_INDICATOR, "port": port, "landscape": _landscape_rows(port)})


@api.get("/status")
def status_api(base_year: int = overview.MISSION_BASE_YEAR, wh=Depends(warehouse)) -> dict:
    """The goal tree with status per sub-goal, its indicators (latest value, both assessments) and the gaps."""
    return overview.status(wh, base_year=base_year)


@api.get("/progress")
def progress_api(indicator: str, base_year: int, target: float | None = None, target_year: int | None = None,
                 direction: str | None = None, region: str = "0", wh=Depends(warehouse)) -> dict:
    """sdg-build's progress measure and the trend assessment for one indicator and region."""
    try:
        if direction not in (None, "", "increase", "decrease"):
            raise InputError("must be increase or decrease", field="direction")
        return overview.progress(wh, indicator, base_year=base_year, region=region, target=target,
                                 target_year=target_year, direction=direction or None)  # type: ignore[arg-type]
    except InputError as exc:
        raise _bad(exc) from None


@api.get("/portfolio")
def portfolio_api() -> dict:
    """The initiatives, the landscape (sub-goals × age bands: gap, single, overlap) and the tensions."""
    return overview.portfolio()
