"""Profiles, barometer, Kommunemonitor, comparison table and ASSS reporting: pages and JSON API.

Pages (bokmål first): /profil/{code}, /profil/{code}.pdf, /metode, /kommunemonitor, /sammenlign,
/asss, /asss/rapport, /asss/opplasting, /asss/mal.csv, /asss/historikk/{code}.
API (/api/v1): profile/{code}, barometer, compare, monitor, trends, funnel, methods, asss/reports.

Reporting (ASSS 1–10): a signed-in analyst reports for their own municipality, an administrator for any;
without an account, the shared report token OPPVEKST_REPORT_TOKEN (unset: no token reporting). Every
report is written to the audit log with who sent it.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from functools import lru_cache

import pandas as pd
from fastapi import APIRouter, Body, Depends, File, Form, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from oppvekst import config, regions
from oppvekst.compare import funnel
from oppvekst.compare.peers import monitor_frame
from oppvekst.compare.barometer import CLASS_COLOURS, CLASS_NAMES, COMPARATORS, Method, barometer
from oppvekst.compare.trends import TREND_NAMES
from oppvekst.content import audit
from oppvekst.access.roles import Role
from oppvekst.errors import InputError
from oppvekst.indicators import asss
from oppvekst.indicators.catalogue import CHAIN_NAMES, catalogue, in_framework
from oppvekst.reports import charts, pdf, spine
from oppvekst.reports.profile import ProfileData
from oppvekst.web import auth
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["profiler / profiles"])
REPORT_TOKEN_ENV = "OPPVEKST_REPORT_TOKEN"
MONITOR_DEFAULT = "neet_15_29"

_cache: dict[tuple, ProfileData] = {}
_lock = threading.Lock()


def _method(metode: str = "exact", fdr: str = "bh") -> Method:
    try:
        return Method(key=metode, fdr=None if fdr in ("ingen", "none", "") else fdr)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def data(wh, method: Method) -> ProfileData:
    """The shared profile statistics, computed once per warehouse state, content-database state and method."""
    path = config.warehouse_path()
    key = (str(path), path.stat().st_mtime_ns if path.exists() else 0, method.code, config.content_db_url(),
           _content_version())
    with _lock:
        hit = _cache.get(key)
    if hit is None:
        hit = ProfileData.load(wh, method)
        with _lock:
            # drop stale states of this warehouse, method and content database (and other warehouses)
            for old in [k for k in _cache if (k[0], k[2], k[3]) == (key[0], key[2], key[3]) or k[0] != key[0]]:
                _cache.pop(old, None)
            _cache[key] = hit
    return hit


def _content_version() -> tuple:
    """What in the content database changes the profiles: ASSS reports, deflators, suppressions and publications."""
    from oppvekst.disclosure import publication

    try:
        h = asss.history()
        d = asss.deflators()
        return (int(h["id"].max()) if len(h) else 0, len(d), publication.version())
    except Exception:  # no content database: profiles still work from the warehouse
        return (0, 0, None)


def _profile_or_404(d: ProfileData, code: str) -> dict:
    try:
        return d.profile(code)
    except KeyError as exc:
        raise HTTPException(404, exc.args[0] if exc.args else "ukjent / unknown") from None


def _method_context(method: Method) -> dict:
    nb, en = method.describe()
    return {"method": method, "method_nb": nb, "method_en": en}


# -- profile -----------------------------------------------------------------------------------------

@pages.get("/profil/{code}", response_class=HTMLResponse)
def profile_page(request: Request, code: str, metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    if code.endswith(".pdf"):
        return profile_pdf(code.removesuffix(".pdf"), metode, fdr, wh)
    method = _method(metode, fdr)
    d = data(wh, method)
    p = _profile_or_404(d, code)
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
    d = data(wh, _method(metode, fdr))
    p = _profile_or_404(d, code)
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
    d = data(wh, Method())
    cat = catalogue()
    monitor_ids = [i.id for i in in_framework("kommunemonitor")]
    chosen = [i for i in indikator if i in cat] or monitor_ids + [MONITOR_DEFAULT]
    codes = [c for c in kommune if regions.region_name(c)] or ["0301"]
    panels = []
    for ind_id in chosen:
        ind = cat[ind_id]
        shown = d.shown_indicator(ind, codes)
        df = monitor_frame(d.head, d.regions, shown.id, codes, gruppe or None)
        svg = charts.to_svg(charts.time_series(df, y_title=ind.unit.nb if ind.unit else "")) if len(df) else None
        panels.append({"ind": ind, "shown": shown, "df": df, "svg": svg})
    munis = d.regions[d.regions["level"].isin(["kommune", "bydel"])][["code", "name", "level"]]
    return templates.TemplateResponse(request, "monitor.html", {
        "panels": panels, "codes": codes, "gruppe": gruppe, "chosen": chosen, "munis": munis.to_dict("records"),
        "options": [cat[i] for i in monitor_ids] + [i for i in cat.values() if i.id not in monitor_ids and i.measure in ("proportion", "rate", "mean")],
        "names": {c: regions.region_name(c) for c in codes}})


# -- comparison table, map and funnel -------------------------------------------------------------------

def _compare_frame(d: ProfileData, indicator_id: str, year: int | None, level: str, county: str | None,
                   method: Method) -> tuple[pd.DataFrame, int | None]:
    head = d.head[d.head["indicator"] == indicator_id]
    lv = head["region"].map(d.regions.set_index("code")["level"])
    rows = head[lv == level]
    years = sorted(rows["period_to"].unique().tolist())
    if not years:
        return rows.iloc[0:0].assign(cls=None, cls_name=None, name=None, p_value=None, p_adjusted=None), None
    year = year if year in years else years[-1]
    rows = rows[rows["period_to"] == year]
    if county:
        rows = rows[rows["region"].str.startswith(county)]
    if year == d.baro[d.baro["indicator"] == indicator_id]["period_to"].max() and method.code == d.method.code:
        b = d.baro[(d.baro["indicator"] == indicator_id) & (d.baro["comparator"] == "national")]
    else:   # another year: the same barometer (all indicators, so each profile's BH family is the same)
        b = barometer(d.obs, d.regions, method=method, comparators=("national",), levels=(level,), years=[year])
        b = b[b["indicator"] == indicator_id]
    cols = ["region", "cls", "p_value", "p_adjusted", "ref_value"]
    b = b[b["period_to"] == year][cols] if len(b) else pd.DataFrame(columns=cols)
    out = rows.merge(b, on="region", how="left")
    out["cls"] = out["cls"].fillna("not_assessed")
    out["cls_name"] = out["cls"].map(lambda c: CLASS_NAMES[c][0])
    out["name"] = out["region"].map(d.regions.set_index("code")["name"])
    return out, year


SORTS = {"navn": ["name"], "verdi": ["value"], "klasse": ["cls_order", "value"], "nevner": ["denominator"]}


@pages.get("/sammenlign", response_class=HTMLResponse)
def compare_page(request: Request, indikator: str = "neet_15_29", aar: int | None = None, niva: str = "kommune",
                 fylke: str = "", sorter: str = "verdi", synkende: bool = True, q: str = "", klasse: str = "",
                 metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    cat = catalogue()
    if indikator not in cat:
        raise HTTPException(404, f"Ukjent indikator / unknown indicator {indikator!r}")
    method = _method(metode, fdr)
    d = data(wh, method)
    ind = cat[indikator]
    df, year = _compare_frame(d, indikator, aar, niva, fylke or None, method)
    years = sorted(d.head[d.head["indicator"] == indikator]["period_to"].unique().tolist())
    if q:
        df = df[df["name"].str.contains(q, case=False, regex=False)]
    if klasse:
        df = df[df["cls"] == klasse]
    order = {"worse": 0, "same": 1, "better": 2, "not_assessed": 3}
    df = df.assign(cls_order=df["cls"].map(order))
    df = df.sort_values(SORTS.get(sorter, ["value"]), ascending=not synkende, na_position="last")
    funnel_svg = None
    nat = d.head[(d.head["indicator"] == indikator) & (d.head["region"] == "0") & (d.head["period_to"] == year)]
    class_map = bool(len(df)) and niva == "kommune"
    has_counts = len(df) and df["denominator"].notna().any() and ind.measure in ("proportion", "rate")
    if has_counts and len(nat) and nat["value"].notna().all():
        theta = float(nat["value"].iloc[0]) / ind.scale
        pts = df[df["denominator"] > 0]
        funnel_svg = charts.to_svg(funnel.chart(pts, theta, measure=ind.measure, scale=ind.scale,
                                                y_title=ind.unit.nb if ind.unit else "",
                                                highlight=[q] if q else None))
    counties = d.regions[d.regions["level"] == "fylke"][["code", "name"]].to_dict("records")
    return templates.TemplateResponse(request, "compare.html", {
        "ind": ind, "rows": df, "year": year, "years": years, "niva": niva, "fylke": fylke, "sorter": sorter,
        "synkende": synkende, "q": q, "klasse": klasse, "counties": counties,
        "class_map": class_map, "funnel_svg": funnel_svg, "national": nat.iloc[0] if len(nat) else None,
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
    if indikator not in catalogue():
        raise HTTPException(404, f"Ukjent indikator / unknown indicator {indikator!r}")
    method = _method(metode, fdr)
    df, year = _compare_frame(data(wh, method), indikator, aar, "kommune", fylke or None, method)
    classes = tuple(zip(df["region"], df["cls_name"], strict=True))
    svg = _class_map_svg(f"{catalogue()[indikator].label}: barometer {year} ({method.code})", classes)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=600"})


# -- ASSS reporting ---------------------------------------------------------------------------------------

def _check_token(token: str | None) -> None:
    expected = os.environ.get(REPORT_TOKEN_ENV, "")
    if not token or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "Ugyldig eller manglende rapporteringsnøkkel / invalid or missing report token")


def _is_report_token(token: str | None) -> bool:
    expected = os.environ.get(REPORT_TOKEN_ENV)
    return bool(token and expected and secrets.compare_digest(token.encode(), expected.encode()))


def _reporter(request: Request, token: str | None, csrf: str | None = None) -> auth.Principal | None:
    """Who may report: a signed-in analyst or administrator (returned), else the holder of the report token (None).

    Forms sent with the session cookie carry its CSRF token."""
    if _is_report_token(token):
        return None
    p = auth.principal(request)
    if p.role in (Role.ANALYST, Role.ADMINISTRATOR):
        if csrf is not None:
            auth.check_csrf(request, csrf)
        return p
    if p.role != Role.PUBLIC:
        auth.refuse(request, p, "asss_report")
    if not os.environ.get(REPORT_TOKEN_ENV):
        raise HTTPException(401, "Logg inn som analytiker for kommunen for å rapportere / sign in to report",
                            headers={"WWW-Authenticate": "Bearer"})
    _check_token(token)
    return None


def _save_reports(request: Request, p: auth.Principal | None, recs: list[dict], channel: str):
    """An analyst only for their own municipality; the report and who sent it go to the audit log."""
    if p is not None and p.role == Role.ANALYST:
        other = sorted({r["municipality"] for r in recs} - {p.municipality})
        if other:
            audit.record("denied", request.url.path, {"needs": f"analyst for {other[0]}"}, who=p.name)
            raise HTTPException(403, f"{p.name} rapporterer for {p.municipality}, ikke {other[0]} "
                                     f"/ may report for {p.municipality} only")
    saved = asss.submit(recs, channel=channel, who=p.name if p is not None else "rapporteringsnøkkel")
    audit.record("asss_report", request.url.path, {
        "channel": channel, "reports": [f"{r.municipality}/{r.year} v{r.version}" for r in saved],
        "via": "account" if p is not None else "report token"}, who=p.name if p is not None else "rapporteringsnøkkel")
    return saved


def _may_report(request: Request) -> bool:
    return bool(os.environ.get(REPORT_TOKEN_ENV)) or auth.principal(request).role in (Role.ANALYST, Role.ADMINISTRATOR)


@pages.get("/asss", response_class=HTMLResponse)
def asss_page(request: Request):
    cur = asss.current()
    names = {c: regions.region_name(c) for c in (cur["municipality"].unique() if len(cur) else [])}
    inds = sorted(in_framework("asss"), key=lambda i: i.asss_number or 0)
    return templates.TemplateResponse(request, "asss.html", {
        "reports": cur, "names": names, "inds": inds, "chain_names": CHAIN_NAMES, "fields": asss.FIELDS,
        "asss_codes": [(c, regions.region_name(c)) for c in regions.peer_groups()["asss"]],
        "reporting": _may_report(request)})


def _form_context(request: Request, values: dict, error: InputError | None = None) -> dict:
    munis = regions.regions_2024()
    munis = munis[munis["level"] == "kommune"][["code", "name"]].to_dict("records")
    p = auth.principal(request)
    signed_in = p.role in (Role.ANALYST, Role.ADMINISTRATOR)
    if p.role == Role.ANALYST:
        munis = [m for m in munis if m["code"] == p.municipality]
        values = {**values, "kommune": p.municipality}
    return {"fields": asss.FIELDS, "values": values, "error": error, "munis": munis,
            "reporting": _may_report(request), "user": p if signed_in else None,
            "csrf": auth.csrf_token(request)}


@pages.get("/asss/rapport", response_class=HTMLResponse)
def asss_form(request: Request, kommune: str = "", aar: int | None = None):
    values: dict = {"kommune": kommune, "aar": aar or ""}
    if kommune and aar:
        cur = asss.current()
        hit = cur[(cur["municipality"] == kommune) & (cur["year"] == aar)] if len(cur) else cur
        if len(hit):
            r = hit.iloc[0]
            for f in asss.FIELDS:
                v = r[f.name]
                values[f.column] = ("ja" if v else "nei") if f.kind == "bool" else ("" if v is None or v != v else v)
            values["kommentar"] = r["comment"] or ""
    return templates.TemplateResponse(request, "asss_form.html", _form_context(request, values))


@pages.post("/asss/rapport", response_class=HTMLResponse)
async def asss_submit(request: Request):
    form = await request.form()
    values = {k: v for k, v in form.items() if k not in ("token", "csrf")}
    p = _reporter(request, form.get("token"), str(form.get("csrf", "")))
    try:
        rec = asss.validate(values, file="skjema")
    except InputError as exc:
        return templates.TemplateResponse(request, "asss_form.html", _form_context(request, values, exc), status_code=422)
    _save_reports(request, p, [rec], "web")
    return RedirectResponse(f"/asss/historikk/{rec['municipality']}?lagret={rec['year']}", status_code=303)


@pages.post("/asss/opplasting", response_class=HTMLResponse)
async def asss_upload(request: Request, fil: UploadFile = File(...), token: str = Form(""), csrf: str = Form("")):
    p = _reporter(request, token, csrf)
    body = await fil.read()
    try:
        recs = asss.read_csv(body, file=fil.filename or "opplasting.csv")
    except InputError as exc:
        return templates.TemplateResponse(request, "asss_form.html", _form_context(request, {}, exc), status_code=422)
    _save_reports(request, p, recs, "csv")
    return templates.TemplateResponse(request, "asss_history.html", {
        "code": None, "name": None, "history": asss.history(), "fields": asss.FIELDS,
        "uploaded": len(recs), "saved": None})


@pages.get("/asss/mal.csv")
def asss_template():
    return Response(asss.template_csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="asss_mal.csv"'})


@pages.get("/asss/historikk/{code}", response_class=HTMLResponse)
def asss_history(request: Request, code: str, lagret: int | None = None):
    name = regions.region_name(code)
    if not name:
        raise HTTPException(404, f"Ukjent kommune / unknown municipality {code!r}")
    return templates.TemplateResponse(request, "asss_history.html", {
        "code": code, "name": name, "history": asss.history(code), "fields": asss.FIELDS, "uploaded": None,
        "saved": lagret})


# -- JSON API ------------------------------------------------------------------------------------------------

def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


@api.get("/profile/{code}", summary="Oppvekstprofil / childhood profile of a municipality or city district")
def api_profile(code: str, metode: str = Query("exact", description="exact | interval"),
                fdr: str = Query("bh", description="bh | ingen"), wh=Depends(warehouse)):
    return _profile_or_404(data(wh, _method(metode, fdr)), code)


BARO_COLS = ["indicator", "region", "level", "period_from", "period_to", "sex", "age", "background", "ses",
             "comparator", "ref_region", "numerator", "denominator", "value", "ci_low", "ci_high", "ref_value",
             "direction", "p_value", "p_adjusted", "cls", "reason", "test", "method"]


@api.get("/barometer", summary="Barometerklasser / barometer classes (better, worse, same, not assessed)")
def api_barometer(region: list[str] | None = Query(None), indicator: list[str] | None = Query(None),
                  year: int | None = None, comparator: list[str] | None = Query(None),
                  metode: str = "exact", fdr: str = "bh", all_breakdowns: bool = False, wh=Depends(warehouse)):
    method = _method(metode, fdr)
    d = data(wh, method)
    comps = tuple(comparator) if comparator else ("national", "parent", "asss", "previous")
    unknown = [c for c in comps if c not in COMPARATORS]
    if unknown:
        raise HTTPException(400, f"ukjent sammenligning / unknown comparator {unknown[0]!r}")
    if year is None and not all_breakdowns and region is None:
        b = d.baro
    else:
        b = barometer(d.obs, d.regions, method=method, comparators=comps, asss=d.asss_codes, areas=region,
                      years=[year] if year else None, headline_only=not all_breakdowns, latest_only=year is None)
    b = b[b["comparator"].isin(comps)]
    if region:
        b = b[b["region"].isin(region)]
    if indicator:
        b = b[b["indicator"].isin(indicator)]
    nb, en = method.describe()
    return {"method": {"code": method.code, "nb": nb, "en": en}, "count": len(b),
            "rows": _records(b[[c for c in BARO_COLS if c in b]])}


@api.get("/compare", summary="Sammenligningstabell / comparison table for one indicator and year")
def api_compare(indicator: str, year: int | None = None, level: str = "kommune", county: str | None = None,
                metode: str = "exact", fdr: str = "bh", wh=Depends(warehouse)):
    if indicator not in catalogue():
        raise HTTPException(404, f"ukjent indikator / unknown indicator {indicator!r}")
    method = _method(metode, fdr)
    df, yr = _compare_frame(data(wh, method), indicator, year, level, county, method)
    cols = ["region", "name", "period_from", "period_to", "numerator", "denominator", "value", "ci_low", "ci_high",
            "cls", "p_value", "p_adjusted", "synthetic"]
    return {"indicator": indicator, "year": yr, "method": method.code, "count": len(df),
            "rows": _records(df[[c for c in cols if c in df]])}


@api.get("/monitor", summary="Kommunemonitor: tidsserier for kommuner og en gruppe / series side by side")
def api_monitor(region: list[str] = Query(...), indicator: list[str] | None = Query(None),
                group: str | None = Query(None, description="asss | fylke"), wh=Depends(warehouse)):
    d = data(wh, Method())
    cat = catalogue()
    ids = indicator or [i.id for i in in_framework("kommunemonitor")]
    bad = [i for i in ids if i not in cat]
    if bad:
        raise HTTPException(404, f"ukjent indikator / unknown indicator {bad[0]!r}")
    out = []
    for i in ids:
        df = monitor_frame(d.head, d.regions, i, list(region), group)
        out.append({"indicator": i, "synthetic": bool(df["synthetic"].fillna(False).any()) if len(df) else False,
                    "series": _records(df[["region", "name", "period_from", "period_to", "value", "ci_low", "ci_high"]])})
    return {"regions": region, "group": group, "indicators": out}


@api.get("/trends", summary="Trender med usikkerhet / trends with uncertainty")
def api_trends(indicator: str | None = None, region: list[str] | None = Query(None), wh=Depends(warehouse)):
    t = data(wh, Method()).trends
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
    ind = cat[indicator]
    d = data(wh, Method())
    df, yr = _compare_frame(d, indicator, year, "kommune", None, d.method)
    nat = d.head[(d.head["indicator"] == indicator) & (d.head["region"] == "0") & (d.head["period_to"] == yr)]
    if df.empty or nat.empty:
        raise HTTPException(404, "ingen data / no data")
    theta = float(nat["value"].iloc[0]) / ind.scale
    pts = funnel.classify_points(df[df["denominator"] > 0], theta, measure=ind.measure, scale=ind.scale)
    return {"indicator": indicator, "year": yr, "target": theta * ind.scale,
            "method": "Spiegelhalter (2005) exact limits, 95 % and 99.8 %",
            "points": _records(pts[["region", "name", "denominator", "value", "funnel"]])}


@api.get("/methods", summary="Barometermetodene / the barometer methods")
def api_methods():
    out = []
    for key in ("exact", "interval"):
        for f in ("bh", None):
            m = Method(key, f)
            nb, en = m.describe()
            out.append({"code": m.code, "metode": key, "fdr": f or "ingen", "nb": nb, "en": en})
    return out


@api.get("/asss/reports", summary="ASSS 1–10: kommunenes rapporter / municipal self-reports")
def api_asss_reports(municipality: str | None = None, year: int | None = None, history: bool = False):
    df = asss.history(municipality, year) if history else asss.current()
    if not history and len(df):
        if municipality:
            df = df[df["municipality"] == municipality]
        if year:
            df = df[df["year"] == year]
    return {"count": len(df), "reports": _records(df)}


@api.post("/asss/reports", status_code=201, summary="Rapporter ASSS 1–10 / submit reports (one object or a list)")
def api_asss_submit(request: Request, payload: dict | list = Body(...), authorization: str | None = Header(None),
                    x_report_token: str | None = Header(None)):
    """With a user's API token (analyst: own municipality; administrator) or the shared report token."""
    token = x_report_token or (authorization[7:].strip() if authorization and authorization.startswith("Bearer ") else None)
    p = _reporter(request, token)
    items = payload if isinstance(payload, list) else [payload]
    try:
        recs = [asss.validate(item if isinstance(item, dict) else {}, file="api", row=i + 1) for i, item in enumerate(items)]
    except InputError as exc:
        return JSONResponse({"detail": {"message": exc.reason, "file": exc.file, "row": exc.row, "field": exc.field}},
                            status_code=422)
    saved = _save_reports(request, p, recs, "api")
    return {"saved": [{"id": r.id, "municipality": r.municipality, "year": r.year, "version": r.version} for r in saved]}


router.include_router(pages)
router.include_router(api)
