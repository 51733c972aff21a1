"""HTML pages: find your municipality, a region's page, the indicator pages (bokmål first)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from oppvekst import regions
from oppvekst.indicators.catalogue import catalogue
from oppvekst.reports import charts
from oppvekst.warehouse import StatisticsReader
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

router = APIRouter(include_in_schema=False)
HEADLINE = "neet_15_29"
LEVEL_NAMES = {"land": "Land", "fylke": "Fylke", "kommune": "Kommune", "bydel": "Bydel",
               "levekårssone": "Levekårssone"}


def _region(code: str) -> dict:
    df = regions.regions_2024()
    row = df[df["code"] == code]
    if row.empty:
        raise HTTPException(404, f"Ukjent regionkode / unknown region code {code!r}")
    return row.iloc[0].to_dict()


def _lineage(code: str) -> list[dict]:
    """The region and its parents up to the country, nearest first."""
    out, current = [], code
    while current:
        row = _region(current)
        out.append(row)
        current = row["parent"] if isinstance(row["parent"], str) and row["parent"] else None
    return out


def _comparison(lineage: list[dict]) -> list[dict]:
    """The places to compare with: the lineage without a parent that is the same place (Oslo county)."""
    return [r for i, r in enumerate(lineage) if i == 0 or r["name"] != lineage[i - 1]["name"]]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str | None = None):
    df = regions.regions_2024()
    municipalities = df[df["level"] == "kommune"]
    counties = df[df["level"] == "fylke"].sort_values("code")
    hits = None
    if q:
        hits = df[df["level"].isin(["kommune", "bydel", "fylke"])
                  & (df["name"].str.contains(q, case=False, regex=False) | (df["code"] == q))]
    groups = [(c, municipalities[municipalities["parent"] == c["code"]]) for c in counties.to_dict("records")]
    return templates.TemplateResponse(request, "index.html", {
        "groups": groups, "q": q or "", "hits": hits,
        "options": df[df["level"].isin(["kommune", "bydel"])][["code", "name", "level"]].to_dict("records"),
    })


def _series(wh: StatisticsReader, indicator: str, codes: list[str]) -> pd.DataFrame:
    df = wh.observations(indicator=indicator, regions=codes, age=_default_age(indicator))
    names = regions.regions_2024().set_index("code")["name"]
    return df.assign(year=df["period_to"], name=df["region"].map(names))


def _default_age(indicator: str) -> str:
    return "15-29" if indicator == HEADLINE else "all"


@router.get("/region/{code}", response_class=HTMLResponse)
@router.get("/kommune/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: str, wh: StatisticsReader = Depends(warehouse)):
    lineage = _lineage(code)
    here = lineage[0]
    compared = _comparison(lineage)
    compare_codes = [r["code"] for r in compared]
    neet = _series(wh, HEADLINE, compare_codes)
    latest_year = int(neet["year"].max()) if len(neet) else None
    latest = {o["region"]: o for o in neet[neet["year"] == latest_year].to_dict("records")}
    chart = None
    if len(neet):
        chart = charts.to_svg(charts.time_series(neet, y_title="Andel unge utenfor (%)",
                                                 order=[r["name"] for r in compared]))
    pops = wh.observations(regions=[code], indicator=None)
    pops = pops[pops["indicator"].str.startswith("population_")]
    pop_latest = pops[pops["period_to"] == pops["period_to"].max()] if len(pops) else pops
    breakdown = wh.observations(indicator=HEADLINE, regions=[code], year=latest_year, sex=None, age=None)
    weights = regions.split_weights()
    weights = weights[weights["new_code"] == code] if here["level"] == "kommune" else weights.iloc[0:0]
    children = regions.regions_2024()
    children = children[children["parent"] == code]
    return templates.TemplateResponse(request, "region.html", {
        "region": here, "lineage": lineage, "compared": compared, "level_name": LEVEL_NAMES.get(here["level"], here["level"]),
        "neet": neet, "latest": latest, "own_data": code in latest, "latest_year": latest_year, "chart": chart,
        "indicator": catalogue()[HEADLINE], "pop_latest": pop_latest, "catalogue": catalogue(),
        "breakdown": breakdown, "weights": weights, "children": children,
        "synthetic": bool(neet["synthetic"].any()) if len(neet) else False,
    })


@router.get("/indikatorer", response_class=HTMLResponse)
def indicator_list(request: Request):
    return templates.TemplateResponse(request, "indicators.html", {"catalogue": catalogue()})


@lru_cache(maxsize=64)
def _map_svg(indicator: str, year: int, values: tuple[tuple[str, float], ...], title: str, unit: str) -> str:
    frame = pd.DataFrame(values, columns=["code", "value"])
    return charts.to_svg(charts.choropleth(frame, title=title, legend_title=unit))


@router.get("/indikator/{indicator_id}", response_class=HTMLResponse)
def indicator_page(request: Request, indicator_id: str, region: str = "0", year: int | None = None,
                   wh: StatisticsReader = Depends(warehouse)):
    ind = catalogue().get(indicator_id)
    if ind is None:
        raise HTTPException(404, f"Ukjent indikator / unknown indicator {indicator_id!r}")
    lineage = _lineage(region)
    compared = _comparison(lineage)
    series = _series(wh, indicator_id, [r["code"] for r in compared])
    ts_chart = None
    if len(series):
        ts_chart = charts.to_svg(charts.time_series(series, y_title=ind.unit.nb if ind.unit else "",
                                                    order=[r["name"] for r in compared]))
    all_rows = wh.observations(indicator=indicator_id, age=_default_age(indicator_id))
    names = regions.regions_2024().set_index("code")
    municipal = all_rows[all_rows["region"].map(names["level"]) == "kommune"]
    years = sorted(municipal["period_to"].unique().tolist())
    map_year = year if year in years else (years[-1] if years else None)
    table = municipal[municipal["period_to"] == map_year].assign(name=lambda d: d["region"].map(names["name"]))
    map_svg = None
    if map_year is not None and len(table):
        values = tuple(zip(table["region"], table["value"].astype(float), strict=True))
        map_svg = _map_svg(indicator_id, int(map_year), values, f"{ind.short_name.nb if ind.short_name else ind.name.nb}, "
                           f"{map_year}", ind.unit.nb if ind.unit else "")
    return templates.TemplateResponse(request, "indicator.html", {
        "ind": ind, "series": series, "ts_chart": ts_chart, "map_svg": map_svg, "map_year": map_year,
        "years": years, "table": table.sort_values("value", ascending=False), "region": lineage[0],
        "synthetic": bool(all_rows["synthetic"].any()) if len(all_rows) else False,
    })
