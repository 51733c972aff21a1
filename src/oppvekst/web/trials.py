"""The trials planner (/forsok) and its JSON API (/api/v1/trials): thin over oppvekst.trials."""

from __future__ import annotations

import altair as alt
import pandas as pd
from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from oppvekst.errors import InputError
from oppvekst.reports import charts
from oppvekst.trials import method_choice, planning, templates
from oppvekst.trials import power as pw
from oppvekst.web.deps import warehouse
from oppvekst.web.templating import templates as pages_templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/trials", tags=["trials"])

POWER_FIELDS = ("effect", "p0", "p1", "alpha", "power", "n", "clusters", "cluster_size", "icc", "cv", "r2_1",
                "r2_2", "tau", "eta", "omega", "ratio", "attrition", "autocorrelation", "pre_periods",
                "post_periods", "rho_ts")
INT_FIELDS = {"clusters", "pre_periods", "post_periods"}
SOLVE_FOR = {"n": "n", "clusters": "clusters", "cluster_size": "cluster_size", "power": "power", "mdes": "effect"}
PLANNING_INDICATORS = ("neet_15_29", "kindergarten_1_5", "upper_secondary_completion", "low_income_persistent_0_17",
                       "child_welfare_measures_0_17")


def _bad(exc: InputError) -> HTTPException:
    return HTTPException(422, {"error": exc.reason, "field": exc.field, "file": exc.file, "row": exc.row})


def _number(name: str, raw: str | None) -> float | int | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        raise InputError("must be a number", field=name) from None
    return int(value) if name in INT_FIELDS else value


def power_inputs(params: dict) -> tuple[dict, str | None]:
    """solve() keywords from form or query parameters; `solve` names the unknown, which is blanked."""
    kwargs: dict = {"design": params.get("design") or "individual", "outcome": params.get("outcome") or "continuous"}
    for name in POWER_FIELDS:
        kwargs[name] = _number(name, params.get(name))
    if params.get("waves"):
        kwargs["waves"] = params["waves"]
    if params.get("method"):
        kwargs["method"] = params["method"]
    solve = params.get("solve")
    if solve:
        if solve not in SOLVE_FOR:
            raise InputError(f"must be one of {', '.join(SOLVE_FOR)}", field="solve")
        slot = "p1" if solve == "mdes" and kwargs["outcome"] == "binary" else SOLVE_FOR[solve]
        kwargs[slot] = None
    if kwargs["alpha"] is None:
        kwargs["alpha"] = 0.05
    return kwargs, solve


def power_curve_svg(result: pw.PowerResult, curve: pd.DataFrame, over: str) -> str:
    label = {"n": "Deltakere per arm", "clusters": "Klynger i alt", "cluster_size": "Klyngestørrelse"}[over]
    line = alt.Chart(curve).mark_line(point=True, color=charts.SERIES_COLOURS[0]).encode(
        x=alt.X(f"{over}:Q", title=label), y=alt.Y("power:Q", title="Styrke", scale=alt.Scale(domain=[0, 1])),
        tooltip=[over, alt.Tooltip("power:Q", format=".3f")])
    target = alt.Chart(pd.DataFrame({"power": [result.power]})).mark_rule(
        color=charts.SERIES_COLOURS[1], strokeDash=[4, 3]).encode(y="power:Q")
    return charts.to_svg((line + target).properties(width=560, height=260))


def _curve_over(design: str) -> str:
    return "clusters" if design in ("cluster", "multisite") else "n"


@api.get("/power")
def power_api(request: Request) -> dict:
    """Solve for the unknown (`solve=n|clusters|cluster_size|power|mdes`, or leave exactly one field out)."""
    try:
        kwargs, _ = power_inputs(dict(request.query_params))
        res = pw.solve(**kwargs)
        curve = res.curve(over=_curve_over(kwargs["design"]))
    except InputError as exc:
        raise _bad(exc) from None
    out = res.to_dict()
    out[res.solved] = res.value
    out["curve"] = curve.to_dict("records")
    return out


@api.get("/design")
def design_api(request: Request) -> dict:
    try:
        return method_choice.choose(dict(request.query_params)).to_dict()
    except InputError as exc:
        raise _bad(exc) from None


@api.get("/templates")
def templates_api() -> list[dict]:
    return templates.templates()


@api.get("/planning/{indicator}")
def planning_api(indicator: str, level: str = "kommune", year: int | None = None, wh=Depends(warehouse)) -> dict:
    try:
        return planning.planning_values(wh, indicator, level=level, year=year).to_dict()
    except InputError as exc:
        raise _bad(exc) from None


@api.post("/randomise")
def randomise_api(body: dict = Body(..., examples=[{"units": ["a", "b", "c", "d"], "seed": "2026",
                                                     "method": "blocked", "block_sizes": [4]}])) -> dict:
    from oppvekst.trials import randomise as rz

    try:
        units, seed, method = body.get("units") or [], body.get("seed"), body.get("method", "simple")
        if seed is None:
            raise InputError("a recorded seed is required", field="seed")
        if method == "simple":
            alloc = rz.simple(units, seed)
        elif method == "blocked":
            alloc = rz.blocked(units, seed, body.get("block_sizes") or [])
        elif method == "cluster":
            alloc = rz.cluster(units, seed)
        elif method == "stepped-wedge":
            alloc = rz.stepped_wedge(units, seed, body.get("waves") or [])
        else:
            raise InputError("must be simple, blocked, cluster or stepped-wedge", field="method")
    except InputError as exc:
        raise _bad(exc) from None
    import json

    return {"seal": rz.seal(alloc), "counts": alloc.counts(), "allocation": json.loads(alloc.to_json())}


@pages.get("/forsok", response_class=HTMLResponse)
def trials_home(request: Request):
    return pages_templates.TemplateResponse(request, "trials/home.html", {
        "templates": templates.templates(), "questions": method_choice.methods()["questions"]})


@pages.get("/forsok/metode", response_class=HTMLResponse)
def method_page(request: Request):
    params = {k: v for k, v in request.query_params.items() if v != ""}
    choice, error = None, None
    if params:
        try:
            choice = method_choice.choose(params).to_dict()
        except InputError as exc:
            error = str(exc)
    return pages_templates.TemplateResponse(request, "trials/method.html", {
        "questions": method_choice.methods()["questions"], "answers": params, "choice": choice, "error": error})


@pages.get("/forsok/styrke", response_class=HTMLResponse)
def power_page(request: Request, wh=Depends(warehouse)):
    params = dict(request.query_params)
    result = curve = svg = planning_row = error = None
    try:
        if params.get("planning"):
            planning_row = planning.planning_values(wh, params["planning"], level=params.get("level") or "kommune")
            if not params.get("icc") and planning_row.icc is not None:
                params["icc"] = f"{planning_row.icc:.4f}"
            if not params.get("p0") and planning_row.baseline is not None:
                params["p0"] = f"{planning_row.baseline:.4f}"
        if params.get("solve"):
            kwargs, _ = power_inputs(params)
            result = pw.solve(**kwargs)
            over = _curve_over(kwargs["design"])
            curve = result.curve(over=over)
            svg = power_curve_svg(result, curve, over)
    except InputError as exc:
        error = str(exc)
    return pages_templates.TemplateResponse(request, "trials/power.html", {
        "p": params, "result": result, "curve": curve, "svg": svg, "planning": planning_row, "error": error,
        "designs": pw.DESIGNS, "planning_indicators": PLANNING_INDICATORS})
