"""Evidence base pages (/kunnskapsbase) and JSON API (/api/v1/evidence): a thin layer over
oppvekst.evidence. Editing needs the editor token; see `editor_from_token`."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Body, Depends, Form, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from oppvekst import config
from oppvekst.errors import InputError
from oppvekst.evidence import rubric, vocab
from oppvekst.evidence.store import EvidenceStore
from oppvekst.web.templating import templates

router = APIRouter()
api = APIRouter(prefix="/api/v1/evidence", tags=["evidence / kunnskapsbase"])
EDITOR_TOKEN_ENV = "OPPVEKST_EDITOR_TOKEN"


# --- who may edit --------------------------------------------------------------------------------

def editor_from_token(token: str | None, name: str | None = None) -> str:
    """The single check that decides who may edit the evidence base, returning the name to audit.

    An editor is an administrator presenting their API token (oppvekst.web.auth.editor_name: the
    user's name is what is audited). The older shared secret in OPPVEKST_EDITOR_TOKEN is still
    accepted during the transition; with it unset, only administrators' tokens work."""
    from oppvekst.access.users import TOKEN_PREFIX
    from oppvekst.web.auth import editor_name

    if not token or token.startswith(TOKEN_PREFIX):
        return editor_name(token, name)       # 401 without a token, 403 for a user who is no administrator
    expected = config.raw(EDITOR_TOKEN_ENV)
    if not expected:
        raise HTTPException(403, "Redigering med delt nøkkel er slått av: bruk en administrators API-nøkkel / "
                                 "shared-token editing is disabled: use an administrator's API token")
    if not token or not secrets.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(401, "Ugyldig eller manglende redaktørnøkkel / invalid or missing editor token")
    return f"redaktør:{name.strip()}" if name and name.strip() else "redaktør"


def require_editor(authorization: str | None = Header(None), x_editor_token: str | None = Header(None),
                   x_editor_name: str | None = Header(None)) -> str:
    token = x_editor_token
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return editor_from_token(token, x_editor_name)


def store() -> EvidenceStore:
    return EvidenceStore()


def _unprocessable(exc: InputError) -> HTTPException:
    return HTTPException(422, {"message": exc.reason, "file": exc.file, "record": exc.row, "field": exc.field,
                               "detail": str(exc)})


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        raise _unprocessable(exc) from None


def _int_or_none(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise HTTPException(422, f"{name} må være et heltall / must be a whole number") from None


def _vocabularies(st: EvidenceStore) -> dict:
    return {"arenas": vocab.ARENAS, "prevention": vocab.PREVENTION_LEVELS, "outcomes": st.outcomes(),
            "levels": rubric.LEVELS, "documents": vocab.DOCUMENTS, "designs": vocab.DESIGNS}


# --- pages ---------------------------------------------------------------------------------------

@router.get("/kunnskapsbase", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: str | None = None, alder: str | None = None, forebygging: str | None = None,
                arena: str | None = None, utfall: str | None = None, niva: str | None = None,
                st: EvidenceStore = Depends(store)):
    filters = {"age": _int_or_none(alder, "alder"), "prevention": forebygging or None, "arena": arena or None,
               "outcome": utfall or None, "min_level": _int_or_none(niva, "nivå")}
    error = None
    try:
        result = st.search(q, **filters)
    except InputError as exc:
        error, result = str(exc), {"measures": [], "local_examples": []}
    return templates.TemplateResponse(request, "evidence/search.html", {
        "q": q or "", "form": {"alder": alder or "", "forebygging": forebygging or "", "arena": arena or "",
                               "utfall": utfall or "", "niva": niva or ""},
        "result": result, "error": error, "empty": st.count_measures() == 0, **_vocabularies(st)})


@router.get("/kunnskapsbase/metode", response_class=HTMLResponse, include_in_schema=False)
def method_page(request: Request):
    order = ["L5", "L4", "L3", "L0", "L2", "L1"]
    rules = [(rule, int(rule[1]), rubric.LEVELS[int(rule[1])], rubric.RULES[rule]) for rule in order]
    return templates.TemplateResponse(request, "evidence/method.html", {"rules": rules,
                                                                        "nordic": sorted(vocab.NORDIC_COUNTRIES)})


@router.get("/kunnskapsbase/tiltak/{measure_id}", response_class=HTMLResponse, include_in_schema=False)
def measure_page(request: Request, measure_id: str, st: EvidenceStore = Depends(store)):
    from oppvekst.evidence.forest import forest_rows, forest_svg

    try:
        m = st.measure(measure_id)
    except InputError:
        raise HTTPException(404, f"Ukjent tiltak / unknown measure {measure_id!r}") from None
    plots = []
    for p in m["pooled"]:
        res = st.pooled(measure_id, p["outcome_id"], p["measure_type"])
        plots.append({"pooled": p, "svg": forest_svg(res, f"{p['outcome']} ({p['measure_label']})"),
                      "rows": forest_rows(res), "result": res})
    return templates.TemplateResponse(request, "evidence/measure.html", {
        "m": m, "plots": plots, "editing": bool(config.raw(EDITOR_TOKEN_ENV)), **_vocabularies(st)})


@router.get("/kunnskapsbase/tiltak/{measure_id}/overstyr", response_class=HTMLResponse, include_in_schema=False)
def override_form(request: Request, measure_id: str, st: EvidenceStore = Depends(store)):
    try:
        m = st.measure(measure_id)
    except InputError:
        raise HTTPException(404, f"Ukjent tiltak / unknown measure {measure_id!r}") from None
    return templates.TemplateResponse(request, "evidence/override.html", {
        "m": m, "error": None, "editing": bool(config.raw(EDITOR_TOKEN_ENV)), **_vocabularies(st)})


@router.post("/kunnskapsbase/tiltak/{measure_id}/overstyr", include_in_schema=False)
def override_submit(request: Request, measure_id: str, token: str = Form(""), editor: str = Form(""),
                    level: str = Form(""), reason: str = Form(""), clear: str = Form(""),
                    st: EvidenceStore = Depends(store)):
    actor = editor_from_token(token, editor)
    try:
        if clear:
            st.clear_level_override(measure_id, actor)
        else:
            st.set_level_override(measure_id, _int_or_none(level, "nivå") if level else -1, reason, actor)
    except InputError as exc:
        m = st.measure(measure_id)
        return templates.TemplateResponse(request, "evidence/override.html", {
            "m": m, "error": str(exc), "editing": True, **_vocabularies(st)}, status_code=422)
    return RedirectResponse(f"/kunnskapsbase/tiltak/{measure_id}", status_code=303)


@router.get("/kunnskapsbase/inspirasjonsbanken", response_class=HTMLResponse, include_in_schema=False)
def local_list_page(request: Request, arena: str | None = None, st: EvidenceStore = Depends(store)):
    return templates.TemplateResponse(request, "evidence/local_list.html", {
        "examples": st.local_examples(arena=arena or None), "arena": arena or "",
        "editing": bool(config.raw(EDITOR_TOKEN_ENV)), **_vocabularies(st)})


@router.get("/kunnskapsbase/inspirasjonsbanken/ny", response_class=HTMLResponse, include_in_schema=False)
def local_new_form(request: Request, st: EvidenceStore = Depends(store)):
    return templates.TemplateResponse(request, "evidence/local_new.html", {
        "error": None, "form": {}, "editing": bool(config.raw(EDITOR_TOKEN_ENV)), **_vocabularies(st)})


@router.post("/kunnskapsbase/inspirasjonsbanken/ny", include_in_schema=False)
async def local_new_submit(request: Request, st: EvidenceStore = Depends(store)):
    form = await request.form()
    actor = editor_from_token(form.get("token"), form.get("editor"))
    fields = ("title", "municipality", "description", "target_group", "cost_nok", "cost_note", "measured",
              "results", "contact", "started_year")
    data = {k: form.get(k) for k in fields if form.get(k)}
    data["arenas"] = form.getlist("arenas")
    try:
        ex_id = st.add_local_example(data, actor=actor, origin="editor")
    except InputError as exc:
        return templates.TemplateResponse(request, "evidence/local_new.html", {
            "error": str(exc), "form": data, "editing": True, **_vocabularies(st)}, status_code=422)
    return RedirectResponse(f"/kunnskapsbase/inspirasjonsbanken/{ex_id}", status_code=303)


@router.get("/kunnskapsbase/inspirasjonsbanken/{example_id}", response_class=HTMLResponse,
            include_in_schema=False)
def local_page(request: Request, example_id: int, st: EvidenceStore = Depends(store)):
    try:
        ex = st.local_example(example_id)
    except InputError:
        raise HTTPException(404, "Ukjent lokalt eksempel / unknown local example") from None
    measure = st.measure(ex["measure_id"]) if ex["measure_id"] else None
    return templates.TemplateResponse(request, "evidence/local.html", {"ex": ex, "measure": measure,
                                                                       **_vocabularies(st)})


@router.get("/kunnskapsbase/indikator/{indicator_id}", response_class=HTMLResponse, include_in_schema=False)
def indicator_page(request: Request, indicator_id: str, st: EvidenceStore = Depends(store)):
    return templates.TemplateResponse(request, "evidence/indicator.html", {
        "indicator_id": indicator_id, "rows": st.measures_for_indicator(indicator_id), **_vocabularies(st)})


# --- JSON API ------------------------------------------------------------------------------------

@api.get("/measures", summary="Søk i tiltak / search measures (ranked, with filters)")
def api_search(q: str | None = None, age: int | None = None,
               prevention: str | None = Query(None, description="universell | selektiv | indikativ"),
               arena: str | None = Query(None, description=", ".join(vocab.ARENAS)),
               outcome: str | None = None, min_level: int | None = Query(None, ge=0, le=5),
               st: EvidenceStore = Depends(store)):
    return _call(st.search, q, age=age, prevention=prevention, arena=arena, outcome=outcome, min_level=min_level)


@api.get("/measures/{measure_id}", summary="Ett tiltak med evidensnivå, studier og samlet effekt")
def api_measure(measure_id: str, st: EvidenceStore = Depends(store)):
    try:
        return st.measure(measure_id)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


@api.get("/measures/{measure_id}/pooled/{outcome_id}", summary="Metaanalyse for tiltak × utfall")
def api_pooled(measure_id: str, outcome_id: str, measure_type: str | None = None,
               method: str = Query("reml", pattern="^(fe|dl|pm|reml)$"), hk: bool = True,
               st: EvidenceStore = Depends(store)):
    res = _call(st.pooled, measure_id, outcome_id, measure_type, method=method, hk=hk)
    if res is None:
        raise HTTPException(404, "ingen effekter for dette utfallet / no effects for this outcome")
    return res.to_dict()


@api.get("/measures/{measure_id}/forest/{outcome_id}.svg", summary="Skogplott (SVG)",
         response_class=Response)
def api_forest(measure_id: str, outcome_id: str, measure_type: str | None = None,
               st: EvidenceStore = Depends(store)):
    svg = _call(st.forest_svg, measure_id, outcome_id, measure_type)
    if svg is None:
        raise HTTPException(404, "ingen effekter for dette utfallet / no effects for this outcome")
    return Response(svg, media_type="image/svg+xml")


@api.get("/outcomes", summary="Utfall og indikatorene de er koblet til")
def api_outcomes(st: EvidenceStore = Depends(store)):
    return st.outcomes()


@api.get("/indicators/{indicator_id}/measures", summary="Fra statistikk til tiltak / measures for an indicator")
def api_indicator(indicator_id: str, st: EvidenceStore = Depends(store)):
    return st.measures_for_indicator(indicator_id)


@api.get("/local-examples", summary="Inspirasjonsbanken: lokale eksempler")
def api_local_list(arena: str | None = None, st: EvidenceStore = Depends(store)):
    return st.local_examples(arena=arena)


@api.get("/local-examples/{example_id}")
def api_local(example_id: int, st: EvidenceStore = Depends(store)):
    try:
        return st.local_example(example_id)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


@api.get("/vocabularies", summary="Kodelister / controlled vocabularies")
def api_vocabularies():
    def terms(v):
        return [{"code": t.code, "nb": t.nb, "en": t.en} for t in v.values()]

    return {"arenas": terms(vocab.ARENAS), "prevention": terms(vocab.PREVENTION_LEVELS),
            "designs": terms(vocab.DESIGNS), "effect_measures": terms(vocab.EFFECT_MEASURES),
            "measure_statuses": terms(vocab.MEASURE_STATUSES), "measure_kinds": terms(vocab.MEASURE_KINDS),
            "levels": [{"level": k, "nb": v[0], "en": v[1], "rule_nb": rubric.RULES[f"L{k}"][0]}
                       for k, v in rubric.LEVELS.items()]}


@api.post("/meta", summary="Metaanalyse av oppgitte effekter / meta-analysis of given effects")
def api_meta(payload: dict = Body(..., examples=[{"yi": [-0.89, -1.59], "vi": [0.33, 0.19], "method": "reml"}])):
    from oppvekst.evidence.meta import meta_analysis

    try:
        res = meta_analysis(payload.get("yi") or [], payload.get("vi") or [], payload.get("method", "reml"),
                            hk=bool(payload.get("hk", False)), level=float(payload.get("level", 0.95)),
                            labels=payload.get("labels"), measure=payload.get("measure", "gen"))
    except (TypeError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    return res.to_dict()


@api.get("/export", summary="Eksport av hele kunnskapsbasen (JSON)")
def api_export(st: EvidenceStore = Depends(store)):
    from oppvekst.evidence.exchange import export_bundle

    return export_bundle(st)


# --- JSON API: editing (editor token) ------------------------------------------------------------

@api.post("/import", status_code=201, summary="Import (redaktør): alt eller ingenting")
def api_import(bundle: dict = Body(...), actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    from oppvekst.evidence.exchange import import_bundle

    return _call(import_bundle, st, bundle, actor=actor, file="request")


@api.post("/measures", status_code=201, summary="Nytt tiltak (redaktør), med studier og effekter")
def api_create_measure(data: dict = Body(...), actor: str = Depends(require_editor),
                       st: EvidenceStore = Depends(store)):
    return {"id": _call(st.add_measure, data, actor=actor, origin="editor")}


@api.patch("/measures/{measure_id}", summary="Endre tiltak (redaktør)")
def api_update_measure(measure_id: str, data: dict = Body(...), actor: str = Depends(require_editor),
                       st: EvidenceStore = Depends(store)):
    _call(st.update_measure, measure_id, data, actor)
    return st.measure(measure_id)


@api.delete("/measures/{measure_id}", status_code=204, summary="Slett tiltak (redaktør)")
def api_delete_measure(measure_id: str, actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    _call(st.delete_measure, measure_id, actor)
    return Response(status_code=204)


@api.post("/measures/{measure_id}/studies", status_code=201, summary="Ny studie (redaktør)")
def api_add_study(measure_id: str, data: dict = Body(...), actor: str = Depends(require_editor),
                  st: EvidenceStore = Depends(store)):
    return {"id": _call(st.add_study, measure_id, data, actor)}


@api.post("/studies/{study_id}/effects", status_code=201, summary="Ny effekt (redaktør)")
def api_add_effect(study_id: int, data: dict = Body(...), actor: str = Depends(require_editor),
                   st: EvidenceStore = Depends(store)):
    return {"id": _call(st.add_effect, study_id, data, actor)}


@api.put("/measures/{measure_id}/level-override", summary="Overstyr evidensnivå med begrunnelse (redaktør)")
def api_override(measure_id: str, data: dict = Body(..., examples=[{"level": 3, "reason": "..."}]),
                 actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    _call(st.set_level_override, measure_id, data.get("level"), data.get("reason") or "", actor)
    return st.measure(measure_id)["level"]


@api.delete("/measures/{measure_id}/level-override", summary="Fjern overstyring (redaktør)")
def api_clear_override(measure_id: str, actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    _call(st.clear_level_override, measure_id, actor)
    return st.measure(measure_id)["level"]


@api.post("/outcomes", status_code=201, summary="Nytt utfall (redaktør)")
def api_add_outcome(data: dict = Body(...), actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    return {"id": _call(st.add_outcome, data, actor)}


@api.post("/outcomes/{outcome_id}/indicators/{indicator_id}", summary="Koble utfall til indikator (redaktør)")
def api_link_indicator(outcome_id: str, indicator_id: str, actor: str = Depends(require_editor),
                       st: EvidenceStore = Depends(store)):
    _call(st.link_indicator, outcome_id, indicator_id, actor)
    return JSONResponse({"outcome": outcome_id, "indicator": indicator_id})


@api.post("/local-examples", status_code=201, summary="Registrer lokalt eksempel (redaktør)")
def api_add_local(data: dict = Body(...), actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    return {"id": _call(st.add_local_example, data, actor=actor, origin="editor")}


@api.post("/local-examples/{example_id}/upgrade", summary="Oppgrader lokalt eksempel til evaluert tiltak")
def api_upgrade_local(example_id: int, data: dict = Body(..., examples=[{"measure_id": "holf"}]),
                      actor: str = Depends(require_editor), st: EvidenceStore = Depends(store)):
    _call(st.upgrade_local_example, example_id, data.get("measure_id") or "", actor)
    return st.local_example(example_id)


router.include_router(api)
