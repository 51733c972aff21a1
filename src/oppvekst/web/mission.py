"""Samfunnsoppdraget (/samfunnsoppdraget) and its JSON API (/api/v1/mission): thin over
oppvekst.mission.overview and mission.report, reading the warehouse through the door (`Depends(warehouse)`)."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oppvekst.errors import InputError
from oppvekst.mission import overview, report
from oppvekst.roles import Role
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/mission", tags=["mission"])


def _bad(exc: InputError) -> HTTPException:
    return HTTPException(422, {"error": exc.reason, "field": exc.field, "file": exc.file, "row": exc.row})


@pages.get("/samfunnsoppdraget", response_class=HTMLResponse)
def mission_page(request: Request, wh=Depends(warehouse)):
    # one dict for the page and the PDF (mission.report.data), so both show the same figures
    from oppvekst.web import auth

    p = auth.principal(request)
    return templates.TemplateResponse(request, "mission/status.html", {
        **report.data(wh), "signed_in": p.role != Role.PUBLIC, "csrf": auth.csrf_token(request)})


def _signed_in(request: Request):
    """Learning logs are written by any signed-in user (the initiative's people), never by the public."""
    from oppvekst.web import auth

    p = auth.principal(request)
    if p.role == Role.PUBLIC:
        auth.refuse(request, p, "a signed-in user")
    return p


def _learn(p, fields: dict) -> int:
    from oppvekst.mission import store

    return store.add_learning(str(fields.get("initiative") or ""), tried=str(fields.get("tried") or ""),
                              learned=str(fields.get("learned") or ""), changes=str(fields.get("changes") or ""),
                              participants=fields.get("participants") or None, date=fields.get("date") or None,
                              actor=p.name)


@pages.post("/samfunnsoppdraget/laering", response_class=HTMLResponse)
async def learning_form(request: Request):
    from oppvekst.web import auth

    p = _signed_in(request)
    form = await request.form()
    auth.check_csrf(request, str(form.get("csrf", "")))
    try:
        _learn(p, {k: str(v) for k, v in form.items()})
    except InputError as exc:
        raise _bad(exc) from None
    return RedirectResponse("/samfunnsoppdraget#learning", status_code=303)


@pages.get("/samfunnsoppdraget/rapport.pdf")
def mission_pdf(wh=Depends(warehouse)) -> Response:
    """The annual status report as PDF: the same figures as the page."""
    return Response(report.to_pdf(report.data(wh)), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="samfunnsoppdraget.pdf"'})


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


@api.get("/learning")
def learning_api(initiative: str | None = None) -> list[dict]:
    """The learning-log entries, newest first (of one initiative, or all)."""
    from oppvekst.mission import store

    return store.learning(initiative)


@api.post("/learning", status_code=201)
def learning_create_api(request: Request, body: dict = Body(..., examples=[{
        "initiative": "kubu", "tried": "…", "learned": "…", "changes": "…", "participants": "…"}])) -> dict:
    """Add a learning-log entry (signed-in users; audited)."""
    p = _signed_in(request)
    try:
        return {"id": _learn(p, body)}
    except InputError as exc:
        raise _bad(exc) from None


@api.get("/portfolio")
def portfolio_api() -> dict:
    """The initiatives, the landscape (sub-goals × age bands: gap, single, overlap) and the tensions."""
    return overview.portfolio()
