"""Samfunnsoppdraget (/samfunnsoppdraget) and its JSON API (/api/v1/mission): thin over
oppvekst.mission.overview and mission.report, reading the warehouse through the door (`Depends(warehouse)`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from oppvekst.errors import InputError
from oppvekst.mission import overview, report
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/mission", tags=["mission"])


def _bad(exc: InputError) -> HTTPException:
    return HTTPException(422, {"error": exc.reason, "field": exc.field, "file": exc.file, "row": exc.row})


@pages.get("/samfunnsoppdraget", response_class=HTMLResponse)
def mission_page(request: Request, wh=Depends(warehouse)):
    # one dict for the page and the PDF (mission.report.data), so both show the same figures
    return templates.TemplateResponse(request, "mission/status.html", report.data(wh))


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


@api.get("/portfolio")
def portfolio_api() -> dict:
    """The initiatives, the landscape (sub-goals × age bands: gap, single, overlap) and the tensions."""
    return overview.portfolio()
