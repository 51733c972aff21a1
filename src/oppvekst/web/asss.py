"""ASSS 1–10 self-reporting: pages, CSV upload and JSON API.

Pages (bokmål first): /asss, /asss/rapport, /asss/opplasting, /asss/mal.csv, /asss/historikk/{code}.
API (/api/v1): asss/reports (GET: the reports; POST: submit one or a list).

Who may report is decided by the accounts (web/auth.py): a signed-in analyst for their own
municipality, an administrator for any, by the session (forms carry its CSRF token) or by the user's
API token (`Authorization: Bearer`). Every report is written to the audit log with who sent it.
"""

from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Body, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from oppvekst import regions
from oppvekst.access.roles import Role
from oppvekst.content import audit
from oppvekst.errors import InputError
from oppvekst.indicators import asss
from oppvekst.indicators.catalogue import CHAIN_NAMES, in_framework
from oppvekst.web import auth
from oppvekst.web.templating import templates

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["profiler / profiles"])
REPORTERS = (Role.ANALYST, Role.ADMINISTRATOR)


def _reporter(request: Request, csrf: str | None = None) -> auth.Principal:
    """The analyst or administrator sending the report; 401 for the public, 403 (audited) for other roles.

    Forms sent with the session cookie carry its CSRF token (a bearer token needs none)."""
    p = auth.principal(request)
    if p.role == Role.PUBLIC:
        raise HTTPException(401, "Logg inn som analytiker for kommunen for å rapportere / sign in to report",
                            headers={"WWW-Authenticate": "Bearer"})
    if p.role not in REPORTERS:
        auth.refuse(request, p, "asss_report")
    if csrf is not None:
        auth.check_csrf(request, csrf)
    return p


def _save_reports(request: Request, p: auth.Principal, recs: list[dict], channel: str):
    """An analyst only for their own municipality; the report and who sent it go to the audit log."""
    if p.role == Role.ANALYST:
        other = sorted({r["municipality"] for r in recs} - {p.municipality})
        if other:
            audit.record("denied", request.url.path, {"needs": f"analyst for {other[0]}"}, who=p.name)
            raise HTTPException(403, f"{p.name} rapporterer for {p.municipality}, ikke {other[0]} "
                                     f"/ may report for {p.municipality} only")
    return asss.submit(recs, channel=channel, who=p.name)   # stored and audited in one transaction


def _may_report(request: Request) -> bool:
    return auth.principal(request).role in REPORTERS


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
    signed_in = p.role in REPORTERS
    if p.role == Role.ANALYST:
        munis = [m for m in munis if m["code"] == p.municipality]
        values = {**values, "kommune": p.municipality}
    return {"fields": asss.FIELDS, "values": values, "error": error, "munis": munis,
            "user": p if signed_in else None, "csrf": auth.csrf_token(request)}


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
    values = {k: v for k, v in form.items() if k != "csrf"}
    p = _reporter(request, str(form.get("csrf", "")))
    try:
        rec = asss.validate(values, file="skjema")
    except InputError as exc:
        return templates.TemplateResponse(request, "asss_form.html", _form_context(request, values, exc),
                                          status_code=422)
    _save_reports(request, p, [rec], "web")
    return RedirectResponse(f"/asss/historikk/{rec['municipality']}?lagret={rec['year']}", status_code=303)


@pages.post("/asss/opplasting", response_class=HTMLResponse)
async def asss_upload(request: Request, fil: UploadFile = File(...), csrf: str = Form("")):
    p = _reporter(request, csrf)
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
def api_asss_submit(request: Request, payload: dict | list = Body(...)):
    """With a user's API token: an analyst for their own municipality, an administrator for any."""
    p = _reporter(request)
    items = payload if isinstance(payload, list) else [payload]
    try:
        recs = [asss.validate(item if isinstance(item, dict) else {}, file="api", row=i + 1)
                for i, item in enumerate(items)]
    except InputError as exc:
        return JSONResponse({"detail": {"message": exc.reason, "file": exc.file, "row": exc.row, "field": exc.field}},
                            status_code=422)
    saved = _save_reports(request, p, recs, "api")
    return {"saved": [{"id": r.id, "municipality": r.municipality, "year": r.year, "version": r.version}
                      for r in saved]}


router.include_router(pages)
router.include_router(api)
