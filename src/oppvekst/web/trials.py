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
    from oppvekst.web import auth

    p = auth.principal(request)
    plans = [_public(r, p) for r in _store().list() if r["status"] != "draft" or p.role.value != "public"]
    return pages_templates.TemplateResponse(request, "trials/home.html", {
        "templates": templates.templates(), "questions": method_choice.methods()["questions"], "plans": plans,
        "user": p if p.role.value != "public" else None, "csrf": auth.csrf_token(request)})


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
    from urllib.parse import urlencode

    from oppvekst.web import auth

    save_to = None
    if result is not None and params.get("forsok", "").isdigit():
        who = auth.principal(request)
        try:
            rec = _store().get(int(params["forsok"]))
            save_to = rec.id if _may_edit(rec, who) else None
        except InputError:
            save_to = None
    query = urlencode({k: v for k, v in params.items() if k not in ("forsok", "planning", "level")})
    return pages_templates.TemplateResponse(request, "trials/power.html", {
        "p": params, "result": result, "curve": curve, "svg": svg, "planning": planning_row, "error": error,
        "designs": pw.DESIGNS, "planning_indicators": PLANNING_INDICATORS, "save_to": save_to, "query": query,
        "csrf": auth.csrf_token(request)})


# -- plans ------------------------------------------------------------------------------------------------
# Drafts are seen and edited by signed-in planners (a plan by its owner or an administrator); a
# registered plan is public, as a trial register should be.

def _store():
    from oppvekst.trials.store import TrialStore

    return TrialStore()


def _visible(rec, p) -> bool:
    return rec.status != "draft" or p.role.value != "public"


def _public(row: dict, p) -> dict:
    """A plan as the public sees it: without the person who owns it (their name is for signed-in users)."""
    return row if p.role.value != "public" else {**row, "owner": None}


def _may_edit(rec, p) -> bool:
    return p.role.value == "administrator" or (p.role.value != "public" and rec.owner == p.name)


def _get_plan(trial_id: int, p):
    try:
        rec = _store().get(trial_id)
    except InputError:
        raise HTTPException(404, f"ukjent forsøk / no trial {trial_id}") from None
    if not _visible(rec, p):
        raise HTTPException(404, f"ukjent forsøk / no trial {trial_id}")
    return rec


def _planner(request: Request, csrf: str | None = None):
    from oppvekst.web import auth

    p = auth.require_permission("plan_trials")(request, auth.principal(request))
    if csrf is not None:
        auth.check_csrf(request, csrf)
    return p


def _owner(request: Request, trial_id: int, csrf: str | None = None):
    p = _planner(request, csrf)
    rec = _get_plan(trial_id, p)
    if not _may_edit(rec, p):
        from oppvekst.web import auth

        auth.refuse(request, p, "the plan's owner or an administrator")
    return p, rec


@api.get("/plans")
def plans_api(request: Request) -> list[dict]:
    from oppvekst.web import auth

    p = auth.principal(request)
    return [_public(r, p) for r in _store().list() if r["status"] != "draft" or p.role.value != "public"]


@api.get("/plans/{trial_id}")
def plan_api(trial_id: int, request: Request) -> dict:
    from oppvekst.web import auth

    p = auth.principal(request)
    return _public(_get_plan(trial_id, p).to_dict(), p)


@api.post("/plans", status_code=201)
def plan_create_api(request: Request, body: dict = Body(..., examples=[{"template": "laget_rundt_eleven"}])) -> dict:
    from oppvekst.trials.store import plan_from_template

    p = _planner(request)
    try:
        data = {**(plan_from_template(body["template"]) if body.get("template") else {}),
                **{k: v for k, v in body.items() if k != "template"}}
        return {"id": _store().create(data, p.name)}
    except InputError as exc:
        raise _bad(exc) from None


@api.patch("/plans/{trial_id}")
def plan_update_api(trial_id: int, request: Request, body: dict = Body(...)) -> dict:
    p, _ = _owner(request, trial_id)
    reason = body.pop("reason", None)
    try:
        return _store().update(trial_id, body, p.name, reason=reason).to_dict()
    except InputError as exc:
        raise _bad(exc) from None


@api.post("/plans/{trial_id}/register")
def plan_register_api(trial_id: int, request: Request) -> dict:
    p, _ = _owner(request, trial_id)
    try:
        rec = _store().register(trial_id, p.name)
    except InputError as exc:
        raise _bad(exc) from None
    return {"id": rec.id, "registered_at": rec.registered_at, "registered_hash": rec.registered_hash}


@pages.get("/forsok/plan/{trial_id}", response_class=HTMLResponse)
def plan_page(trial_id: int, request: Request):
    from oppvekst.web import auth

    p = auth.principal(request)
    rec = _get_plan(trial_id, p)
    return pages_templates.TemplateResponse(request, "trials/plan.html", {
        "rec": rec, "plan": rec.plan, "designs": method_choice.methods()["designs"], "may_edit": _may_edit(rec, p),
        "owner": rec.owner if p.role.value != "public" else None,
        "csrf": auth.csrf_token(request), "error": request.query_params.get("feil")})


@pages.post("/forsok/plan", response_class=HTMLResponse)
async def plan_create_page(request: Request):
    from fastapi.responses import RedirectResponse

    from oppvekst.trials.store import plan_from_template

    form = await request.form()
    p = _planner(request, str(form.get("csrf", "")))
    try:
        data = plan_from_template(str(form["template"])) if form.get("template") else {}
        if form.get("title"):
            data["title"] = str(form["title"])
        trial_id = _store().create(data, p.name)
    except (InputError, KeyError) as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/forsok/plan/{trial_id}", status_code=303)


@pages.post("/forsok/plan/{trial_id}", response_class=HTMLResponse)
async def plan_edit_page(trial_id: int, request: Request, wh=Depends(warehouse)):
    """The plan form: question, method, unit, primary outcome, and (from the calculator) the power result."""
    from urllib.parse import quote

    from fastapi.responses import RedirectResponse

    form = await request.form()
    p, rec = _owner(request, trial_id, str(form.get("csrf", "")))
    plan = rec.plan.model_dump(mode="json")
    changes: dict = {}
    if "question" in form:
        changes["question"] = {"question": str(form["question"]), "who_needs": str(form.get("who_needs", ""))}
    if "design_choice" in form:
        changes["method"] = {**plan["method"], "design": str(form["design_choice"]) or None,
                             "reason": str(form.get("reason_text", ""))}
    if "unit" in form or "primary" in form:
        outcomes = [{**o, "primary": str(i) in form.getlist("primary")} for i, o in enumerate(plan["design"]["outcomes"])]
        changes["design"] = {**plan["design"], "unit": str(form.get("unit", "")), "outcomes": outcomes}
    if form.get("power_query"):
        from urllib.parse import parse_qsl

        params = dict(parse_qsl(str(form["power_query"])))
        try:
            kwargs, _ = power_inputs(params)
            changes["design"] = {**changes.get("design", plan["design"]), "power": pw.solve(**kwargs).to_dict()}
            if form.get("planning_indicator"):          # the planning values used, with their source
                used = planning.planning_values(wh, str(form["planning_indicator"]),
                                                level=str(form.get("planning_level") or "kommune")).to_dict()
                kept = [v for v in changes["design"]["planning_values"] if v.get("indicator") != used["indicator"]]
                changes["design"]["planning_values"] = [*kept, used]
        except InputError as exc:
            return RedirectResponse(f"/forsok/plan/{trial_id}?feil={quote(str(exc))}", status_code=303)
    try:
        _store().update(trial_id, changes, p.name, reason=str(form.get("amendment_reason", "")) or None)
        if form.get("register"):
            _store().register(trial_id, p.name)
    except InputError as exc:
        return RedirectResponse(f"/forsok/plan/{trial_id}?feil={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/forsok/plan/{trial_id}", status_code=303)


@pages.get("/forsok/plan/{trial_id}/plan.md")
def plan_markdown(trial_id: int, request: Request):
    from fastapi.responses import Response

    from oppvekst.trials.export import to_markdown
    from oppvekst.web import auth

    p = auth.principal(request)
    rec = _get_plan(trial_id, p)
    return Response(to_markdown(rec, with_owner=p.role.value != "public"), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="forsok-{trial_id}.md"'})


@pages.get("/forsok/plan/{trial_id}/plan.pdf")
def plan_pdf(trial_id: int, request: Request):
    from fastapi.responses import Response

    from oppvekst.trials.export import to_pdf
    from oppvekst.web import auth

    p = auth.principal(request)
    rec = _get_plan(trial_id, p)
    return Response(to_pdf(rec, with_owner=p.role.value != "public"), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="forsok-{trial_id}.pdf"'})
