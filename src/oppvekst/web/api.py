"""The versioned JSON API (/api/v1): regions, indicators, observations, releases."""

from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query

from oppvekst import regions
from oppvekst.indicators.catalogue import catalogue
from oppvekst.warehouse import StatisticsReader
from oppvekst.web.deps import warehouse

router = APIRouter(prefix="/api/v1", tags=["api v1"])
MAX_ROWS = 50_000


def records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


@router.get("/regions", summary="Regioner (2024-inndelingen) / regions")
def list_regions(level: str | None = Query(None, description="land, fylke, kommune, bydel, levekårssone"),
                 parent: str | None = None, q: str | None = Query(None, description="søk i navn / name search")):
    df = regions.regions_2024()
    if level:
        df = df[df["level"] == level]
    if parent:
        df = df[df["parent"] == parent]
    if q:
        df = df[df["name"].str.contains(q, case=False, regex=False) | (df["code"] == q)]
    return records(df)


@router.get("/regions/{code}", summary="Én region med barn / one region and its children")
def get_region(code: str):
    df = regions.regions_2024()
    row = df[df["code"] == code]
    if row.empty:
        raise HTTPException(404, f"ukjent regionkode / unknown region code {code!r}")
    return {**records(row)[0], "children": records(df[df["parent"] == code][["code", "level", "name"]])}


@router.get("/indicators", summary="Indikatorkatalogen / the indicator catalogue")
def list_indicators():
    return [i.model_dump() for i in catalogue().values()]


@router.get("/indicators/{indicator_id}")
def get_indicator(indicator_id: str):
    ind = catalogue().get(indicator_id)
    if ind is None:
        raise HTTPException(404, f"ukjent indikator / unknown indicator {indicator_id!r}")
    return ind.model_dump()


@router.get("/observations", summary="Observasjoner med filtre / observations with filters")
def observations(indicator: str, region: list[str] | None = Query(None), year: int | None = None,
                 sex: str | None = Query("all", description="all, female, male; tom = alle"),
                 age: str | None = Query(None), limit: int = Query(10_000, ge=1, le=MAX_ROWS), wh: StatisticsReader = Depends(warehouse)):
    if indicator not in catalogue():
        raise HTTPException(404, f"ukjent indikator / unknown indicator {indicator!r}")
    df = wh.observations(indicator=indicator, regions=region, year=year, sex=sex or None, age=age, limit=limit)
    return {"indicator": indicator, "count": len(df), "limit": limit, "observations": records(df)}


@router.get("/releases", summary="Versjoner / releases")
def list_releases(wh: StatisticsReader = Depends(warehouse)):
    return [{**r.__dict__, "created_at": r.created_at.isoformat()} for r in wh.releases()]

