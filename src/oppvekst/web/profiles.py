"""Profiles, barometer, Kommunemonitor and comparison table: pages and JSON API (routes only).

Pages (bokmål first): /profil/{code}, /profil/{code}.pdf, /metode, /kommunemonitor, /sammenlign,
/sammenlign/kart.svg. API (/api/v1): profile/{code}, barometer, compare, monitor, trends, funnel, methods.
Every figure comes from one `compare.Comparison` per release state and method (`compare.comparison`);
ASSS reporting is in web/asss.py.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from oppvekst import regions
from oppvekst.compare import funnel
from oppvekst.compare.barometer import CLASS_COLOURS, CLASS_NAMES, COMPARATORS, Method
from oppvekst.compare.comparison import CLASS_ORDER, Comparison, comparison
from oppvekst.compare.comparison import COMPARATORS as DEFAULT_COMPARATORS
from oppvekst.compare.trends import TREND_NAMES
from oppvekst.indicators.catalogue import catalogue, in_framework
from oppvekst.reports import charts, pdf, spine
from oppvekst.reports.profile import profile as region_profile
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["profiler / profiles"])
MONITOR_DEFAULT = "neet_15_29"


def _method(metode: str = "exact", fdr: str = "bh") -> Method:
    try:
        return Method(key=metode, fdr=None if fdr in ("ingen", "none", "") else fdr)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _profile_or_404(c: Comparison, code: str, *, with_measures: bool = True) -> dict:
    try:
        return region_profile(c.for_region(code), with_measures=with_measures)
    except KeyError as exc:
        raise HTTPException(404, exc.args[0] if exc.args else "ukjent / unknown") from None


def _method_context(method: Method) -> dict:
    nb, en = method.describe()
    return {"method": method, "method_nb": nb, "method_en": en}


def _known(indicator: str, message: str = "Ukjent indikator / unknown indicator") -> None:
    if indicator not in catalogue():
        raise HTTPException(404, f"{message} {indicator!r}")


# -- profile -----------------------------------------------------------------------------------------

@pages.get("/profil/{code}", response_class=HTMLResponse)
def profile_page(request: Request, code: str, metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    if code.endswith(".pdf"):
        return profile_pdf(code.removesuffix(".pdf"), metode, fdr, wh)
    method = _method(metode, fdr)
    p = _profile_or_404(comparison(wh, method), code)
    spine_svg = spine.svg(p["themes"], title=f"Barometer for {p['region']['name']}")
    df = pdf.series_frame(p)
    series_svg = charts.to_svg(charts.small_multiples(df)) if len(df) else None
    sparks = {r["id"]: spine.sparkline(r["series"], r.get("national_series"))
              for t in p["themes"] for r in t["rows"] if r["has_data"]}
    return templates.TemplateResponse(request, "profile.html", {
        "p": p, "spine_svg": spine_svg, "series_svg": series_svg, "sparks": sparks,
        "comparators": COMPARATORS, "class_colours": CLASS_COLOURS, "metode": metode, "fdr": fdr,
        **_method_context(method)})


def profile_pdf(code: str, metode: str, fdr: str, wh) -> Response:
    p = _profile_or_404(comparison(wh, _method(metode, fdr)), code)
    body = pdf.profile_pdf(p, pdf.profile_charts(p))
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="oppvekstprofil_{code}.pdf"'})


@pages.get("/metode", response_class=HTMLResponse)
def method_page(request: Request):
    methods = [Method("exact", "bh"), Method("exact", None), Method("interval", "bh"), Method("interval", None)]
    return templates.TemplateResponse(request, "profile_method.html", {
        "methods": [(m, *m.describe()) for m in methods], "class_names": CLASS_NAMES, "class_colours": CLASS_COLOURS,
        "trend_names": TREND_NAMES})


# -- Kommunemonitor ------------------------------------------------------------------------------------

@pages.get("/kommunemonitor", response_class=HTMLResponse)
def monitor_page(request: Request, kommune: list[str] = Query(default=[]), gruppe: str = "",
                 indikator: list[str] = Query(default=[]), wh=Depends(warehouse)):
    c = comparison(wh, Method())
    cat = catalogue()
    monitor_ids = [i.id for i in in_framework("kommunemonitor")]
    chosen = [i for i in indikator if i in cat] or monitor_ids + [MONITOR_DEFAULT]
    codes = [k for k in kommune if regions.region_name(k)] or ["0301"]
    panels = []
    for ind_id in chosen:
        ind = cat[ind_id]
        shown = c.shown_indicator(ind, codes)
        df = c.monitor(shown.id, codes, gruppe or None)
        svg = charts.to_svg(charts.time_series(df, y_title=ind.unit.nb if ind.unit else "")) if len(df) else None
        panels.append({"ind": ind, "shown": shown, "df": df, "svg": svg})
    munis = c.regions[c.regions["level"].isin(["kommune", "bydel"])][["code", "name", "level"]]
    return templates.TemplateResponse(request, "monitor.html", {
        "panels": panels, "codes": codes, "gruppe": gruppe, "chosen": chosen, "munis": munis.to_dict("records"),
        "options": [cat[i] for i in monitor_ids] + [i for i in cat.values() if i.id not in monitor_ids
                                                     and i.measure in ("proportion", "rate", "mean")],
        "names": {k: regions.region_name(k) for k in codes}})


# -- comparison table, map and funnel -------------------------------------------------------------------

SORTS = {"navn": ["name"], "verdi": ["value"], "klasse": ["cls_order", "value"], "nevner": ["denominator"]}


@pages.get("/sammenlign", response_class=HTMLResponse)
def compare_page(request: Request, indikator: str = "neet_15_29", aar: int | None = None, niva: str = "kommune",
                 fylke: str = "", sorter: str = "verdi", synkende: bool = True, q: str = "", klasse: str = "",
                 metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    _known(indikator)
    cat = catalogue()
    method = _method(metode, fdr)
    c = comparison(wh, method)
    ind = cat[indikator]
    t = c.table(indikator, aar, level=niva, county=fylke or None)
    df, year = t.rows, t.year
    if q:
        df = df[df["name"].str.contains(q, case=False, regex=False)]
    if klasse:
        df = df[df["cls"] == klasse]
    df = df.assign(cls_order=df["cls"].map(CLASS_ORDER))
    df = df.sort_values(SORTS.get(sorter, ["value"]), ascending=not synkende, na_position="last")
    funnel_svg = None
    class_map = bool(len(df)) and niva == "kommune"
    has_counts = len(df) and df["denominator"].notna().any() and ind.measure in ("proportion", "rate")
    theta = c.funnel_theta(indikator, year)
    if has_counts and theta is not None and not math.isnan(theta):
        pts = df[df["denominator"] > 0]
        funnel_svg = charts.to_svg(funnel.chart(pts, theta, measure=ind.measure, scale=ind.scale,
                                                y_title=ind.unit.nb if ind.unit else "",
                                                highlight=[q] if q else None))
    counties = c.regions[c.regions["level"] == "fylke"][["code", "name"]].to_dict("records")
    return templates.TemplateResponse(request, "compare.html", {
        "ind": ind, "rows": df, "year": year, "years": c.years(indikator), "niva": niva, "fylke": fylke,
        "sorter": sorter, "synkende": synkende, "q": q, "klasse": klasse, "counties": counties,
        "class_map": class_map, "funnel_svg": funnel_svg, "national": t.national,
        "class_names": CLASS_NAMES, "indicators": [i for i in cat.values() if i.measure != "count"],
        "metode": metode, "fdr": fdr, **_method_context(method)})


@lru_cache(maxsize=32)
def _class_map_svg(title: str, classes: tuple[tuple[str, str], ...]) -> str:
    frame = pd.DataFrame(classes, columns=["code", "cls_name"])
    return charts.to_svg(charts.barometer_map(frame, title=title))


@pages.get("/sammenlign/kart.svg")
def compare_map(indikator: str = "neet_15_29", aar: int | None = None, fylke: str = "", metode: str = "exact",
                fdr: str = "bh", wh=Depends(warehouse)):
    """The barometer map of one indicator and year (an image of its own: the geometry is large)."""
    _known(indikator)
    method = _method(metode, fdr)
    t = comparison(wh, method).table(indikator, aar, level="kommune", county=fylke or None)
    classes = tuple(zip(t.rows["region"], t.rows["cls_name"], strict=True))
    svg = _class_map_svg(f"{catalogue()[indikator].label}: barometer {t.year} ({method.code})", classes)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=600"})


# -- JSON API ------------------------------------------------------------------------------------------------

def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


@api.get("/profile/{code}", summary="Oppvekstprofil / childhood profile of a municipality or city district")
def api_profile(code: str, metode: str = Query("exact", description="exact | interval"),
                fdr: str = Query("bh", description="bh | ingen"), wh=Depends(warehouse)):
    return _profile_or_404(comparison(wh, _method(metode, fdr)), code)


BARO_COLS = ["indicator", "region", "level", "period_from", "period_to", "sex", "age", "background", "ses",
             "comparator", "ref_region", "numerator", "denominator", "value", "ci_low", "ci_high", "ref_value",
             "direction", "p_value", "p_adjusted", "cls", "reason", "test", "method"]


@api.get("/barometer", summary="Barometerklasser / barometer classes (better, worse, same, not assessed)")
def api_barometer(region: list[str] | None = Query(None), indicator: list[str] | None = Query(None),
                  year: int | None = None, comparator: list[str] | None = Query(None),
                  metode: str = "exact", fdr: str = "bh", all_breakdowns: bool = False, wh=Depends(warehouse)):
    method = _method(metode, fdr)
    comps = tuple(comparator) if comparator else DEFAULT_COMPARATORS
    unknown = [c for c in comps if c not in COMPARATORS]
    if unknown:
        raise HTTPException(400, f"ukjent sammenligning / unknown comparator {unknown[0]!r}")
    b = comparison(wh, method).barometer(year, regions=region, comparators=comps, all_breakdowns=all_breakdowns)
    if indicator and len(b):
        b = b[b["indicator"].isin(indicator)]
    nb, en = method.describe()
    return {"method": {"code": method.code, "nb": nb, "en": en}, "count": len(b),
            "rows": _records(b[[c for c in BARO_COLS if c in b]])}


@api.get("/compare", summary="Sammenligningstabell / comparison table for one indicator and year")
def api_compare(indicator: str, year: int | None = None, level: str = "kommune", county: str | None = None,
                metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    _known(indicator, "ukjent indikator / unknown indicator")
    method = _method(metode, fdr)
    t = comparison(wh, method).table(indicator, year, level=level, county=county)
    cols = ["region", "name", "period_from", "period_to", "numerator", "denominator", "value", "ci_low", "ci_high",
            "cls", "p_value", "p_adjusted", "synthetic"]
    return {"indicator": indicator, "year": t.year, "method": method.code, "count": len(t.rows),
            "rows": _records(t.rows[[c for c in cols if c in t.rows]])}


@api.get("/monitor", summary="Kommunemonitor: tidsserier for kommuner og en gruppe / series side by side")
def api_monitor(region: list[str] = Query(...), indicator: list[str] | None = Query(None),
                group: str | None = Query(None, description="asss | fylke"), wh=Depends(warehouse)):
    c = comparison(wh, Method())
    cat = catalogue()
    ids = indicator or [i.id for i in in_framework("kommunemonitor")]
    bad = [i for i in ids if i not in cat]
    if bad:
        raise HTTPException(404, f"ukjent indikator / unknown indicator {bad[0]!r}")
    out = []
    for i in ids:
        df = c.monitor(i, list(region), group)
        out.append({"indicator": i, "synthetic": bool(df["synthetic"].fillna(False).any()) if len(df) else False,
                    "series": _records(df[["region", "name", "period_from", "period_to", "value", "ci_low",
                                           "ci_high"]])})
    return {"regions": region, "group": group, "indicators": out}


@api.get("/trends", summary="Trender med usikkerhet / trends with uncertainty")
def api_trends(indicator: str | None = None, region: list[str] | None = Query(None), wh=Depends(warehouse)):
    t = comparison(wh, Method()).trends
    if indicator:
        t = t[t["indicator"] == indicator]
    if region:
        t = t[t["region"].isin(region)]
    return {"method": "WLS on year, weights 1/var, dispersion max(1, χ²/(k−2)); see /metode", "rows": _records(t)}


@api.get("/funnel", summary="Traktdiagram: kontrollgrenser / funnel-plot limits and points")
def api_funnel(indicator: str, year: int | None = None, wh=Depends(warehouse)):
    cat = catalogue()
    if indicator not in cat or cat[indicator].measure not in ("proportion", "rate"):
        raise HTTPException(404, "traktdiagram finnes for andeler og rater / funnel plots need a proportion or rate")
    f = comparison(wh, Method()).funnel(indicator, year)
    if f is None:
        raise HTTPException(404, "ingen data / no data")
    return {"indicator": indicator, "year": f.year, "target": f.target,
            "method": "Spiegelhalter (2005) exact limits, 95 % and 99.8 %",
            "points": _records(f.points[["region", "name", "denominator", "value", "funnel"]])}


@api.get("/methods", summary="Barometermetodene / the barometer methods")
def api_methods():
    out = []
    for key in ("exact", "interval"):
        for f in ("bh", None):
            m = Method(key, f)
            nb, en = m.describe()
            out.append({"code": m.code, "metode": key, "fdr": f or "ingen", "nb": nb, "en": en})
    return out


router.include_router(pages)
router.include_router(api)
