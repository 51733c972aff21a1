"""The Utenforregnskap calculator (/utenforregnskap) and its JSON API (/api/v1/economics): thin over
oppvekst.economics. Computing stores nothing, so neither needs a login."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import altair as alt
import pandas as pd
from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from oppvekst.economics import baselines
from oppvekst.economics.model import LEVEL_LABELS, ScenarioResults
from oppvekst.economics.montecarlo import MonteCarloResults
from oppvekst.economics.output import (
    cumulative,
    discount_payload,
    payload,
    scenario_from_dict,
    scenario_from_text,
    template_text,
)
from oppvekst.errors import InputError
from oppvekst.reports import charts
from oppvekst.warehouse import StatisticsReader
from oppvekst.web import deps
from oppvekst.web.templating import templates as pages_templates

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/economics", tags=["economics"])

MAX_DRAWS = 100_000   # a public, unauthenticated endpoint: bound the work one request can ask for
LEVEL_COLOURS = alt.Scale(domain=list(LEVEL_LABELS.values()), range=charts.SERIES_COLOURS[:3])


def _bad(exc: InputError) -> HTTPException:
    return HTTPException(422, {"error": exc.reason, "field": exc.field, "file": exc.file, "row": exc.row})


def _draws(draws: int | None) -> int | None:
    if draws is not None and not 0 <= draws <= MAX_DRAWS:
        raise InputError(f"0–{MAX_DRAWS} trekk her / at most {MAX_DRAWS} draws here", field="draws")
    return draws or None


@api.post("/run")
def run_api(scenario: dict = Body(..., description="A scenario (schema: `oppvekst economics template`)"),
            draws: int | None = Query(None, description="Monte Carlo draws"),
            seed: int | None = Query(None, description="Monte Carlo seed")) -> dict:
    """The same dict as `oppvekst economics run --json`."""
    try:
        return payload(scenario_from_dict(_local(scenario, "", "")), _draws(draws), seed)[0]
    except InputError as exc:
        raise _bad(exc) from None


@api.get("/discount")
def discount_api(years: int = Query(..., ge=1, le=100), rate: float | None = None, r109_confirmed: bool = False,
                 timing: str = "start") -> dict:
    """The same dict as `oppvekst economics discount --json`."""
    try:
        return discount_payload(years, rate, r109_confirmed, timing)
    except InputError as exc:
        raise _bad(exc) from None


# --- charts -----------------------------------------------------------------------------------------------

def cumulative_svg(table: pd.DataFrame) -> str:
    """Cumulative discounted costs (dashed) and savings (solid) per level over the years."""
    long = table.melt(id_vars=["year", "age", "level"], value_vars=["cum_cost_pv", "cum_saving_pv"],
                      var_name="series", value_name="kroner")
    long["nivå"] = long["level"].map(LEVEL_LABELS)
    long["serie"] = long["series"].map({"cum_cost_pv": "kostnader", "cum_saving_pv": "besparelser"})
    # no point marks: they would turn the dash legend (costs vs savings) into dots
    chart = alt.Chart(long).mark_line().encode(
        x=alt.X("year:Q", title="År fra start", axis=alt.Axis(format="d", tickMinStep=1)), y=alt.Y("kroner:Q", title="Kroner, nåverdi, kumulativt"),
        color=alt.Color("nivå:N", scale=LEVEL_COLOURS, title="Nivå"),
        strokeDash=alt.StrokeDash("serie:N", title="", sort=["besparelser", "kostnader"]),
        tooltip=["nivå", "serie", "year", "age", alt.Tooltip("kroner:Q", format=",.0f")])
    return charts.to_svg(chart.properties(width=520, height=280))


def histogram_svg(hist: dict) -> str:
    edges = hist["edges"]
    frame = pd.DataFrame({"fra": edges[:-1], "til": edges[1:], "trekk": hist["counts"]})
    bars = alt.Chart(frame).mark_bar(color=charts.SERIES_COLOURS[0]).encode(
        x=alt.X("fra:Q", title="Netto nåverdi i alt (kroner)", bin="binned"), x2="til:Q",
        y=alt.Y("trekk:Q", title="Trekk"))
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=charts.SERIES_COLOURS[1]).encode(x="x:Q")
    return charts.to_svg((bars + zero).properties(width=520, height=220))


def tornado_svg(frame: pd.DataFrame) -> str:
    data = frame.reset_index()[["input", "npv_total_low", "npv_total_high", "npv_total_base"]]
    order = list(data["input"])
    bars = alt.Chart(data).mark_bar(color=charts.SERIES_COLOURS[0]).encode(
        y=alt.Y("input:N", sort=order, title=None), x=alt.X("npv_total_low:Q", title="Netto nåverdi i alt (kroner)"),
        x2="npv_total_high:Q")
    base = alt.Chart(data.head(1)).mark_rule(color=charts.SERIES_COLOURS[1]).encode(x="npv_total_base:Q")
    return charts.to_svg((bars + base).properties(width=520, height=max(60, 28 * len(data))))


# --- the page ---------------------------------------------------------------------------------------------

def _number(raw: str, field: str, cast=float):
    try:
        return cast(raw.strip().replace(",", "."))
    except ValueError:
        raise InputError("må være et tall / must be a number", field=field) from None


@contextmanager
def _reader() -> Iterator[StatisticsReader]:
    """The public door (deps.warehouse), opened only when a scenario asks for local figures: the calculator
    itself needs no warehouse, and works before one is built."""
    gen = deps.warehouse()
    try:
        reader = next(gen)
    except HTTPException as exc:
        raise InputError(f"{exc.detail}; oppgi tallene selv / enter the figures yourself", field="region") from None
    try:
        yield reader
    finally:
        gen.close()


def _local(data: dict, region: str, indicator: str) -> dict:
    reg, ind = region.strip() or None, indicator.strip() or None
    if ind is not None and reg is None:
        raise InputError("indikatoren trenger et kommunenummer / the indicator needs a municipality", field="region")
    if not baselines.needs_warehouse(data, reg):
        return data
    with _reader() as reader:
        return baselines.fill(data, reader, region=reg, indicator=ind)[0]


def scenario_data(text: str, effect: str = "", se: str = "", region: str = "", indicator: str = "") -> dict:
    """The scenario mapping from the form: the YAML, local figures filled in from the warehouse, and the form's
    effect and SE fields replacing the scenario's, so a user can try another effect quickly."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        scenario_from_text(text)   # raises the parse error with its field
        raise
    if not isinstance(data, dict):
        raise InputError("scenariet må være en tabell / the scenario must be a mapping", field="scenario")
    data = _local(data, region, indicator)
    if not (effect.strip() or se.strip()):
        return data
    eff = dict(data.get("effect") or {})
    for name, raw in (("estimate", effect), ("se", se)):
        if raw.strip():
            eff[name] = _number(raw, f"effect.{name}")
            if name == "se":
                eff.pop("ci_low", None), eff.pop("ci_high", None)   # the SE given replaces the interval
    return {**data, "effect": eff}


def _scenario(p: dict):
    return scenario_from_dict(scenario_data(p["scenario"], p["effect"], p["se"], p["region"], p["indicator"]))


def _view(results: ScenarioResults, mc: MonteCarloResults | None) -> dict:
    cum = cumulative(results)
    view = {"results": results, "summary": results.summary_frame().reset_index(), "cum": cum,
            "cum_svg": cumulative_svg(cum), "who": results.who_pays().reset_index(), "mc": mc,
            "figures": results.scenario.figures,
            "notes": [*results.scenario.notes, *results.scenario.effect.notes]}
    if mc is not None:
        hist = mc.histogram("total")
        view.update(mc_summary=mc.summary_frame().reset_index(names="series"), hist=hist,
                    hist_svg=histogram_svg(hist), tornado=mc.tornado().reset_index(),
                    tornado_svg=tornado_svg(mc.tornado()))
    return view


def _trial(results: ScenarioResults) -> dict | None:
    """The break-even beside the named trial plan's MDES (content database, no statistics)."""
    if results.scenario.trial is None:
        return None
    from oppvekst.economics.trial_link import for_trial

    return for_trial(results, results.scenario.trial)


async def _form(request: Request) -> dict:
    if request.method != "POST":
        return {}
    return {k: str(v) for k, v in (await request.form()).items()}


@pages.api_route("/utenforregnskap", methods=["GET", "POST"], response_class=HTMLResponse)
async def calculator(request: Request):
    form = await _form(request)
    p = {"scenario": form.get("scenario") or template_text(), "effect": form.get("effect", ""),
         "se": form.get("se", ""), "region": form.get("region", ""), "indicator": form.get("indicator", ""),
         "name": form.get("name", ""), "draws": form.get("draws", "1000"), "seed": form.get("seed", "2026")}
    from oppvekst.roles import Role
    from oppvekst.web import auth

    who = auth.principal(request)
    ctx: dict = {"p": p, "error": None, "max_draws": MAX_DRAWS, "csrf": auth.csrf_token(request),
                 "user": who if who.role != Role.PUBLIC else None}
    if form:
        try:
            sc = _scenario(p)
            draws = _draws(_number(p["draws"], "draws", int)) if p["draws"].strip() else None
            seed = _number(p["seed"], "seed", int) if p["seed"].strip() else None
            _, results, mc = payload(sc, draws, seed)
            ctx.update(_view(results, mc), trial=_trial(results))
        except InputError as exc:
            ctx["error"] = str(exc)
    return pages_templates.TemplateResponse(request, "economics/calculator.html", ctx)


# --- saved scenarios --------------------------------------------------------------------------------------

def _signed_in(request: Request, csrf: str):
    """Saving needs an account (any role) and the session's form token: a write is audited under a name."""
    from oppvekst.roles import Role
    from oppvekst.web import auth

    p = auth.principal(request)
    if p.role == Role.PUBLIC:
        auth.refuse(request, p, "a signed-in user")
    auth.check_csrf(request, csrf)
    return p


@pages.post("/utenforregnskap/lagre", response_class=HTMLResponse)
async def save_page(request: Request):
    from fastapi.responses import RedirectResponse

    from oppvekst.economics.store import ScenarioStore

    form = await _form(request)
    p = _signed_in(request, form.get("csrf", ""))
    try:
        data = scenario_data(form.get("scenario", ""), form.get("effect", ""), form.get("se", ""),
                             form.get("region", ""), form.get("indicator", ""))
        scenario_id = ScenarioStore().save(form.get("name", ""), data, p.name)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/utenforregnskap/scenarier?lagret={scenario_id}", status_code=303)


@pages.get("/utenforregnskap/scenarier", response_class=HTMLResponse)
def saved_page(request: Request):
    from oppvekst.economics.store import ScenarioStore

    from oppvekst.web import auth

    signed_in = auth.principal(request).role.value != "public"     # a person's name only to signed-in users
    return pages_templates.TemplateResponse(request, "economics/saved.html", {
        "records": ScenarioStore().list(), "saved": request.query_params.get("lagret"), "signed_in": signed_in})


@pages.get("/utenforregnskap/sammenlign", response_class=HTMLResponse)
def compare_page(request: Request, id: list[int] = Query(default=[]), draws: int = Query(1000, ge=0, le=MAX_DRAWS),
                 seed: int = Query(2026)):
    from oppvekst.economics.store import ScenarioStore, compare

    ctx: dict = {"error": None, "frame": None, "draws": draws, "seed": seed}
    try:
        store = ScenarioStore()
        ctx["frame"] = compare([store.get(i) for i in id], draws, seed)
    except InputError as exc:
        ctx["error"] = str(exc)
    return pages_templates.TemplateResponse(request, "economics/compare.html", ctx)


# --- the PDF for the council ------------------------------------------------------------------------------

@pages.api_route("/utenforregnskap/pdf", methods=["GET", "POST"])
async def pdf_page(request: Request, id: int | None = Query(None, description="a saved scenario")):
    """POST: the calculator's form, as computed; GET ?id=N: a saved scenario. Computing stores nothing."""
    from fastapi.responses import Response

    from oppvekst.economics.export import to_pdf

    form = await _form(request)
    try:
        if request.method == "GET":
            if id is None:
                raise InputError("oppgi id for et lagret scenario / give a saved scenario's id", field="id")
            from oppvekst.economics.store import ScenarioStore

            rec = ScenarioStore().get(id)
            sc, draws, seed, name = scenario_from_dict(rec.scenario), 1000, 2026, f"scenario-{rec.id}"
        else:
            p = {k: form.get(k, "") for k in ("scenario", "effect", "se", "region", "indicator")}
            sc, name = _scenario(p), "scenario"
            draws = _draws(_number(form["draws"], "draws", int)) if form.get("draws", "").strip() else None
            seed = _number(form["seed"], "seed", int) if form.get("seed", "").strip() else None
        _, results, mc = payload(sc, draws, seed)
        trial = _trial(results)
    except InputError as exc:
        raise _bad(exc) from None
    return Response(to_pdf(results, mc, trial), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
