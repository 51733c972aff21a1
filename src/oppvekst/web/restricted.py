"""Everything that is not public: pre-publication results (analyst), checked aggregates from the
microdata (researcher), and administration (users, audit log, publication, register rights).

Every endpoint here needs a token or a login with the right role (web/auth.py), and every access to
non-public data is written to the audit log.
"""

from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from oppvekst.access import users
from oppvekst.access.roles import NAMES_NB, Role
from oppvekst.access.users import Principal
from oppvekst.content import audit
from oppvekst.errors import InputError
from oppvekst.warehouse import StatisticsReader
from oppvekst.web.auth import login_page_for, principal, require_permission
from oppvekst.web.deps import principal_warehouse
from oppvekst.web.templating import templates

api = APIRouter(prefix="/api/v1", tags=["tilgangsstyrt / restricted"])
pages = APIRouter(include_in_schema=False)
MAX_ROWS = 50_000


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


def _unprocessable(exc: InputError) -> HTTPException:
    return HTTPException(422, {"message": exc.reason, "field": exc.field, "detail": str(exc)})


def _controlled_rows(wh: StatisticsReader, *, indicator: str | None, regions: list[str] | None,
                     year: int | None) -> pd.DataFrame:
    """Observations of controlled releases (all of them, published or not) as the reader's principal may
    see them (`wh` is masked for them: deps.principal_warehouse)."""
    from oppvekst.disclosure.publication import controlled_releases

    ids = sorted(controlled_releases(wh))
    if not ids:
        return pd.DataFrame()
    return wh.observations(indicator=indicator or None, regions=regions or None, year=year, sex=None, age=None,
                           background=None, ses=None, releases=ids, limit=MAX_ROWS + 1)


# -- analyst ----------------------------------------------------------------------------------------

@api.get("/prepublication/observations", summary="Tall før publisering, egen kommune (analytiker) / "
                                                  "results before publication, own municipality")
def prepublication(request: Request, indicator: str | None = Query(None, max_length=100),
                   region: list[str] | None = Query(None), year: int | None = Query(None, ge=1900, le=2100),
                   p: Principal = Depends(require_permission("read_prepublication_own")),
                   wh: StatisticsReader = Depends(principal_warehouse)):
    if p.role == Role.ANALYST:
        region = region or [p.municipality]
        outside = [r for r in region if not r.startswith(p.municipality)]
        if outside:
            audit.record("denied", request.url.path, {"regions": outside}, who=p.name)
            raise HTTPException(403, f"bare egen kommune {p.municipality} / only your own municipality")
    df = _controlled_rows(wh, indicator=indicator, regions=region, year=year)
    audit.record("read_prepublication", ",".join(region or ["*"])[:300],
                 {"indicator": indicator, "year": year, "rows": len(df)}, who=p.name)
    return {"count": len(df), "observations": _records(df.head(MAX_ROWS))}


@pages.get("/forhandsvisning/{municipality}", response_class=HTMLResponse)
def prepublication_page(request: Request, municipality: str, p: Principal = Depends(principal),
                        wh: StatisticsReader = Depends(principal_warehouse)):
    if p.role == Role.PUBLIC:
        return login_page_for(request)
    if not (p.role == Role.ADMINISTRATOR or (p.role == Role.ANALYST and p.municipality == municipality)):
        audit.record("denied", request.url.path, {"role": p.role.value}, who=p.name)
        raise HTTPException(403, "bare egen kommune / only your own municipality")
    df = _controlled_rows(wh, indicator=None, regions=None, year=None)
    if len(df):
        df = df[df["region"].astype(str).str.startswith(municipality)]
    audit.record("read_prepublication", municipality, {"rows": len(df), "page": True}, who=p.name)
    return templates.TemplateResponse(request, "login_prepublication.html", {
        "p": p, "role_nb": NAMES_NB[p.role], "municipality": municipality,
        "rows": df.head(2000).to_dict("records") if len(df) else [], "count": len(df)})


# -- researcher ------------------------------------------------------------------------------------

class AggregateRequest(BaseModel):
    indicator: str = Field(min_length=1, max_length=100)
    regions: list[str] | None = Field(None, max_length=500)
    year: int | None = Field(None, ge=1900, le=2100)


@api.post("/research/aggregates", summary="Kontrollerte, prikkede aggregater fra mikrodata (forsker) / "
                                          "checked, suppressed aggregates from the microdata")
def research_aggregates(req: AggregateRequest = Body(...), p: Principal = Depends(require_permission("derive_aggregates")),
                        wh: StatisticsReader = Depends(principal_warehouse)):
    """Aggregates derived from the microdata, through the stored, proven suppression of their release:
    never records, never an unchecked cell. A new derivation is run with `oppvekst derive` and made
    available with `oppvekst disclosure apply --release N`."""
    from oppvekst.disclosure.publication import controlled_releases

    runs = {ind for info in controlled_releases(wh).values() for ind, ok in info["runs"].items() if ok}
    if req.indicator not in runs:
        raise HTTPException(404, f"ingen kontrollert avledning av {req.indicator!r} / no checked derivation")
    df = _controlled_rows(wh, indicator=req.indicator, regions=req.regions, year=req.year)
    audit.record("derive_aggregates", req.indicator, {"regions": (req.regions or [])[:20], "year": req.year,
                                                      "rows": len(df)}, who=p.name)
    return {"indicator": req.indicator, "count": len(df), "observations": _records(df.head(MAX_ROWS))}


# -- administrator -------------------------------------------------------------------------------------

class NewUser(BaseModel):
    username: str = Field(min_length=2, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    role: str = Field(max_length=20)
    municipality: str | None = Field(None, max_length=8)


class UserChange(BaseModel):
    role: str | None = Field(None, max_length=20)
    municipality: str | None = Field(None, max_length=8)
    active: bool | None = None


def _as(p: Principal) -> None:
    audit.current_actor.set(p.name)


@api.get("/admin/users", summary="Brukere (administrator)")
def admin_users(p: Principal = Depends(require_permission("manage_users"))):
    return users.list_users()


@api.post("/admin/users", status_code=201, summary="Ny bruker (administrator)")
def admin_create_user(req: NewUser = Body(...), p: Principal = Depends(require_permission("manage_users"))):
    _as(p)
    try:
        u = users.create_user(req.username, req.password, req.role, municipality=req.municipality)
    except InputError as exc:
        raise _unprocessable(exc) from None
    return {"username": u.username, "role": u.role.value, "municipality": u.municipality}


@api.patch("/admin/users/{username}", summary="Endre rolle eller aktivitet (administrator)")
def admin_change_user(username: str, req: UserChange = Body(...),
                      p: Principal = Depends(require_permission("manage_users"))):
    _as(p)
    try:
        if req.role is not None:
            users.set_role(username, req.role, municipality=req.municipality)
        if req.active is not None:
            users.set_active(username, req.active)
        current = users.get(username)
    except InputError as exc:
        raise _unprocessable(exc) from None
    return {"username": username, "role": current.role.value if current else None,
            "active": current is not None}


@api.get("/admin/audit", summary="Revisjonsloggen (administrator)")
def admin_audit(action: str | None = Query(None, max_length=60), limit: int = Query(100, ge=1, le=1000),
                p: Principal = Depends(require_permission("read_audit"))):
    audit.record("read_audit", "audit", {"action": action, "limit": limit}, who=p.name)
    return audit.entries(action=action, limit=limit)


@api.get("/admin/audit/verify", summary="Kontroller hash-kjeden (administrator)")
def admin_audit_verify(p: Principal = Depends(require_permission("read_audit"))):
    return audit.verify().__dict__


@api.get("/admin/disclosure", summary="Kontrollerte versjoner og prikking (administrator)")
def admin_disclosure(p: Principal = Depends(require_permission("publish_releases")),
                     wh: StatisticsReader = Depends(principal_warehouse)):
    from oppvekst.disclosure.publication import status

    return [{**r, "published_at": str(r["published_at"]) if r["published_at"] else None} for r in status(wh)]


@api.post("/admin/releases/{release_id}/publish", summary="Publiser en kontrollert versjon (administrator)")
def admin_publish(release_id: int = FastPath(..., ge=1, le=2**31 - 1), p: Principal = Depends(require_permission("publish_releases")),
                  wh: StatisticsReader = Depends(principal_warehouse)):
    from oppvekst.disclosure.publication import NotReady, publish

    _as(p)
    try:
        publish(wh, release_id)
    except KeyError:
        raise HTTPException(404, f"ukjent versjon / unknown release {release_id}") from None
    except NotReady as exc:
        raise HTTPException(409, str(exc)) from None
    return {"release": release_id, "published": True}


# -- register rights (administrator) ----------------------------------------------------------------

class Correction(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    register_name: str = Field(min_length=1, max_length=60, alias="register")
    field: str = Field(min_length=1, max_length=60)
    value: str | None = Field(None, max_length=200)
    where: dict[str, str] = Field(default_factory=dict)
    reason: str = Field(min_length=1, max_length=1000)


class Deletion(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


def _registers():
    from oppvekst.disclosure import registers

    return registers


@api.get("/admin/registers/{pseudonym}", summary="Innsyn: alt om ett pseudonym (administrator)")
def register_access(pseudonym: str, p: Principal = Depends(require_permission("register_rights"))):
    _as(p)
    try:
        return _registers().access(pseudonym)
    except InputError as exc:
        raise _unprocessable(exc) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


@api.post("/admin/registers/{pseudonym}/corrections", summary="Retting med historikk (administrator)")
def register_correct(pseudonym: str, req: Correction = Body(...),
                     p: Principal = Depends(require_permission("register_rights"))):
    _as(p)
    try:
        return _registers().correct(pseudonym, register=req.register_name, field=req.field, value=req.value,
                                    where=req.where, reason=req.reason, rederive=False)
    except InputError as exc:
        raise _unprocessable(exc) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


@api.post("/admin/registers/{pseudonym}/deletion", summary="Sletting med gravstein (administrator)")
def register_delete(pseudonym: str, req: Deletion = Body(...),
                    p: Principal = Depends(require_permission("register_rights"))):
    _as(p)
    try:
        return _registers().delete(pseudonym, reason=req.reason, rederive=False)
    except InputError as exc:
        raise _unprocessable(exc) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
