"""The read door (oppvekst.disclosure.door): every route and command that shows figures reads through it.

The world: bundled NEET (published by SSB, passes as it is), a synthetic release that is controlled,
suppressed and published (it has suppressed cells, flag 3), and a synthetic release that is suppressed
but not yet published (with counts of 1 and 2). Every route of the app (enumerated from `app.routes`,
so a new route is covered or must be exempted here with a reason) and every CLI command (enumerated
from the Typer app) is called; the proof is that
  (a) nothing of the unpublished release, and no figure of a suppressed cell, is in any public answer;
  (b) every read of the raw `Warehouse` happens inside the door's `PublishedView` (a route or command
      that reads the raw warehouse fails here).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from contextlib import contextmanager

import pandas as pd
import pytest
import typer
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

PASSWORD = "et-langt-passord-for-test"
PUBLISHED_IND = "neet_15_29_syn"              # controlled, published, with suppressed cells
UNPUBLISHED_IND = "low_income_annual_0_17_syn"  # controlled, suppressed, not published
UNPUBLISHED_SOURCE = "door-test: unpublished synthetic release"
CODE = "1103"                                  # Stavanger: in the synthetic tables (county 11)

# The read methods of a statistics handle: StatisticsReader's, and the raw SQL the warehouse keeps.
def _read_methods() -> list[str]:
    from oppvekst.warehouse import StatisticsReader

    names = [n for n in dir(StatisticsReader) if not n.startswith("_") and callable(getattr(StatisticsReader, n))]
    return sorted({*names, "query"} - {"close"})


class Tracer:
    """Counts reads through the door and records raw reads made outside it, per route or command."""

    def __init__(self):
        self.local = threading.local()
        self.where = "?"
        self.through: Counter[str] = Counter()
        self.outside: list[tuple[str, str]] = []

    def install(self, monkeypatch) -> None:
        from oppvekst.disclosure.publication import PublishedView
        from oppvekst.warehouse import Warehouse

        for name in _read_methods():
            raw = getattr(Warehouse, name)
            monkeypatch.setattr(Warehouse, name, self._raw(name, raw))
            if hasattr(PublishedView, name):
                monkeypatch.setattr(PublishedView, name, self._door(getattr(PublishedView, name)))

    def _raw(self, name, fn):
        def wrapper(wh, *args, **kwargs):
            if not getattr(self.local, "inside", 0):
                self.outside.append((self.where, name))
            return fn(wh, *args, **kwargs)
        return wrapper

    def _door(self, fn):
        def wrapper(view, *args, **kwargs):
            self.local.inside = getattr(self.local, "inside", 0) + 1
            self.through[self.where] += 1
            try:
                return fn(view, *args, **kwargs)
            finally:
                self.local.inside -= 1
        return wrapper


# -- the world -------------------------------------------------------------------------------------------

def _people() -> dict[str, dict]:
    from oppvekst.access import users
    from oppvekst.content import db

    db.dispose_all()
    for name, role, muni in (("admin", "administrator", None), ("kari", "analyst", CODE)):
        users.create_user(name, PASSWORD, role, municipality=muni)
    return {"public": {}, **{n: {"Authorization": f"Bearer {users.issue_token(n, 'test')}"} for n in ("admin", "kari")}}


@pytest.fixture
def world(monkeypatch):
    """The warehouse described above; returns the facts the checks need."""
    from oppvekst import regions
    from oppvekst.access import install_warehouse_audit
    from oppvekst.content import db
    from oppvekst.disclosure import publication
    from oppvekst.disclosure.testing import national_table
    from oppvekst.indicators import neet
    from oppvekst.indicators.catalogue import catalogue
    from oppvekst.warehouse import Warehouse

    for var in ("OPPVEKST_RATE_LIMIT", "OPPVEKST_RATE_LIMIT_USER", "OPPVEKST_RATE_LIMIT_LOGIN"):
        monkeypatch.setenv(var, "100000")
    people = _people()
    install_warehouse_audit()
    table = national_table(counties=["11"], years=(2022, 2024))
    with Warehouse() as wh:
        wh.replace_regions(regions.regions_2024())
        wh.replace_indicators([i.model_dump() for i in catalogue().values()])
        bundled = wh.load_release(neet.derive()[0], source="SSB 13556")
        pub = wh.load_release(table.assign(indicator=PUBLISHED_IND), source="door-test: published", synthetic=True)
        assert all(r.ok for r in publication.apply(wh, pub.id).values())
        publication.publish(wh, pub.id)
        other = national_table(seed=7, counties=["11"], years=(2022, 2024))     # other figures
        unpub = wh.load_release(other.assign(indicator=UNPUBLISHED_IND), source=UNPUBLISHED_SOURCE,
                                synthetic=True)
        publication.apply(wh, unpub.id)
        secret = wh.release_observations(unpub.id)
        raw_pub = wh.release_observations(pub.id)
        public = publication.masked(wh, wh.observations(sex=None, age=None, background=None, ses=None))
    assert secret["numerator"].isin([1, 2]).sum() >= 2                  # small counts, as the brief asks
    assert public["release"].ne(unpub.id).all()
    shown_pub = public[public["release"] == pub.id]
    hidden = shown_pub[shown_pub["flag"] == 3]
    assert len(hidden) > 10
    keys = ["region", "period_from", "period_to", "sex", "age", "background", "ses"]
    hidden_raw = raw_pub.merge(hidden[keys], on=keys)
    assert hidden_raw["numerator"].notna().all() and len(hidden_raw) == len(hidden)
    # figures that may not appear: every value of the unpublished release, every figure of a suppressed
    # cell; minus whole numbers and anything the public may see anyway (the same figure elsewhere)
    seen = _numbers(public[["numerator", "denominator", "value", "ci_low", "ci_high"]].to_numpy().ravel())
    secret_numbers = _numbers(pd.concat([secret[["value", "ci_low", "ci_high"]],
                                         hidden_raw[["value", "ci_low", "ci_high"]]]).to_numpy().ravel()) - seen
    assert len(secret_numbers) > 100
    yield {"people": people, "bundled": bundled.id, "pub": pub.id, "unpub": unpub.id,
           "secret_numbers": secret_numbers, "hidden": hidden_raw, "keys": keys}
    db.dispose_all()


def _numbers(values) -> set[float]:
    """Distinctive figures (more than 3 decimals: "1.6" is in any page's style sheet), rounded to 6 decimals
    as JSON and pandas may write them."""
    out = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        v = float(v)
        if abs(v - round(v, 3)) > 1e-9:
            out.add(round(v, 6))
    return out


NUMBER = re.compile(r"-?\d+\.\d+(?:[eE]-?\d+)?")


def _leaks(text: str, world: dict) -> list[str]:
    """What of the unpublished release or of a suppressed cell is in a public answer."""
    found = []
    if UNPUBLISHED_SOURCE in text:
        found.append("the unpublished release's source")
    hits = {round(float(m), 6) for m in NUMBER.findall(text)} & world["secret_numbers"]
    if hits:
        found.append(f"secret figures {sorted(hits)[:5]}")
    try:
        data = json.loads(text)
    except ValueError:
        return found
    hidden = {tuple(str(r[k]) for k in world["keys"]) for r in world["hidden"].to_dict("records")}
    for rec in _records(data):
        if rec.get("release") == world["unpub"] or rec.get("id") == world["unpub"] and "content_hash" in rec:
            found.append(f"a row of the unpublished release: {rec}")
        if rec.get("indicator") == PUBLISHED_IND and all(k in rec for k in world["keys"]) \
                and tuple(str(rec[k]) for k in world["keys"]) in hidden \
                and any(rec.get(c) is not None for c in ("numerator", "value", "ci_low", "ci_high")):
            found.append(f"a suppressed cell with figures: {rec}")
    return found


def _records(data):
    if isinstance(data, dict):
        yield data
        for v in data.values():
            yield from _records(v)
    elif isinstance(data, list):
        for v in data:
            yield from _records(v)


# -- the web ---------------------------------------------------------------------------------------------

# Routes that are not called, with the reason. Every other GET route is called.
EXEMPT_ROUTES = {
    "/static": "files shipped with the package (CSS, scripts), no statistics",
    "/openapi.json": "the API's description, no statistics",
    "/docs": "the API's description, no statistics",
    "/docs/oauth2-redirect": "the API's description, no statistics",
    "/redoc": "the API's description, no statistics",
}
# Routes other than GET that show figures, with the body they are called with.


def _local_scenario(ind: str) -> dict:
    """An economics scenario whose group size and baseline come from the warehouse (economics.baselines)."""
    src = {"source": "test", "price_year": 2024, "basis": "average"}
    here = {"from_warehouse": {"indicator": ind, "region": CODE}}
    return {"name": "door", "price_year": 2024, "horizon": 3, "start_age": 16, "target_group": here,
            "baseline": here, "effect": {"measure": "rd", "estimate": -0.01, "se": 0.005, "source": "test"},
            "measure_costs": [{"name": "m", "level": "kommune", "one_off": 10, **src}],
            "outcome_costs": [{"age_from": 16, "age_to": 20, "level": "stat", "amount": 100, "kind": "service",
                               **src}],
            "discounting": {"budget": {"rate": 0.04, "own_assumption": True}}, "views": ["budget"]}


FIGURE_POSTS = {("POST", "/api/v1/research/aggregates"): lambda ind: {"indicator": ind, "regions": [CODE, "11"]},
                ("POST", "/api/v1/economics/run"): _local_scenario}
# Routes other than GET that write content and show no figures (each is tested where it is defined).
WRITE_ROUTES = (
    "/kunnskapsbase/", "/api/v1/evidence/",          # the knowledge base: content database
    "/asss/", "/api/v1/asss/reports",                 # ASSS self-reports: content database
    "/logg-inn", "/logg-ut", "/konto/", "/api/v1/auth/",   # accounts and sessions
    "/api/v1/admin/",                                 # users, publication decisions, register rights
    "/api/v1/trials/randomise",                       # randomises the units the caller sends: no statistics
    "/forsok/plan", "/api/v1/trials/plans",           # trial plans: content database
    "/utenforregnskap",          # the calculator form; its local figures come through deps.warehouse, as the API's above
    "/api/v1/mission/learning", "/samfunnsoppdraget/laering",  # learning logs: content database, no statistics
)
PATH_VALUES = {"code": CODE, "municipality": CODE, "measure_id": "x", "example_id": "1", "outcome_id": "x",
               "study_id": "1", "pseudonym": "x", "username": "admin", "release_id": "1",
               "trial_id": "1"}


def _routes(routes, prefix=""):
    """Every route with its full path, also inside included routers (FastAPI may keep them nested)."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield prefix + r.path, r
        elif hasattr(r, "original_router"):
            yield from _routes(r.original_router.routes, prefix + r.include_context.prefix)
        else:
            yield prefix + getattr(r, "path", ""), r


def _calls(app, indicator: str):
    """(method, url, params, body) for every route; fails for a route nobody classified."""
    unclassified = []
    for path, route in _routes(app.routes):
        if path in EXEMPT_ROUTES:
            continue
        if not isinstance(route, APIRoute):
            unclassified.append(path)
            continue
        values = {**PATH_VALUES, "indicator_id": indicator, "indicator": indicator}
        url = re.sub(r"\{(\w+)\}", lambda m, values=values: values[m.group(1)], path)
        names = {p.name for p in route.dependant.query_params}
        params = {k: v for k, v in {"indicator": indicator, "indikator": indicator, "region": [CODE, "11", "0"],
                                    "kommune": [CODE], "municipality": CODE, "sex": "",
                                    "planning": indicator, "base_year": 2022}.items() if k in names}
        for method in sorted(route.methods):
            if method == "GET":
                yield method, url, params, None
            elif (method, path) in FIGURE_POSTS:
                yield method, url, params, FIGURE_POSTS[(method, path)](indicator)
            elif not path.startswith(WRITE_ROUTES):
                unclassified.append(f"{method} {path}")
    assert not unclassified, f"classify these routes in {__name__}: {unclassified}"


@pytest.fixture
def app():
    from oppvekst.web import deps
    from oppvekst.web.app import create_app

    deps._shared.cache_clear()
    yield create_app()
    deps._shared.cache_clear()


def test_every_route_reads_through_the_door_and_shows_nothing_unpublished(world, app, monkeypatch):
    tracer = Tracer()
    tracer.install(monkeypatch)
    client = TestClient(app, raise_server_exceptions=False)
    called, errors, leaks = 0, [], []
    for who in ("public", "admin"):
        for indicator in ([UNPUBLISHED_IND, PUBLISHED_IND, "neet_15_29"] if who == "public" else [PUBLISHED_IND]):
            for method, url, params, body in _calls(app, indicator):
                tracer.where = f"{who} {method} {url}"
                res = client.request(method, url, params=params, json=body, headers=world["people"][who])
                called += 1
                if res.status_code >= 500:
                    errors.append((tracer.where, res.status_code, res.text[:200]))
                if who == "public":
                    leaks += [(tracer.where, leak) for leak in _leaks(res.text, world)]
    assert called > 150
    assert not errors, errors
    assert not leaks, leaks[:5]
    assert not tracer.outside, f"raw warehouse reads outside the door: {sorted(set(tracer.outside))[:10]}"
    read = {w.split(" ", 2)[2].split("?")[0] for w in tracer.through}
    for url in ("/api/v1/observations", f"/region/{CODE}", "/api/v1/releases", f"/profil/{CODE}",
                "/api/v1/prepublication/observations", f"/forhandsvisning/{CODE}", "/api/v1/admin/disclosure",
                "/samfunnsoppdraget", "/samfunnsoppdraget/rapport.pdf", "/api/v1/mission/status",
                "/api/v1/mission/progress"):
        assert url in read, f"{url} did not read through the door"


def test_the_public_api_answers_the_published_release_suppressed(world, app):
    client = TestClient(app, raise_server_exceptions=False)
    where = sorted(set(world["hidden"]["region"]))[:20]           # regions with suppressed cells
    rows = client.get("/api/v1/observations", params={"indicator": PUBLISHED_IND, "region": where, "sex": ""}).json()
    assert rows["count"] > 0
    assert all(r["numerator"] is None and r["value"] is None for r in rows["observations"] if r["flag"] == 3)
    assert any(r["flag"] == 3 for r in rows["observations"])
    assert client.get("/api/v1/observations", params={"indicator": UNPUBLISHED_IND, "sex": ""}).json()["count"] == 0
    assert {r["id"] for r in client.get("/api/v1/releases").json()} == {world["bundled"], world["pub"]}
    # the analyst sees the unpublished release for their own municipality, suppressed (through the door)
    mine = client.get("/api/v1/prepublication/observations", params={"indicator": UNPUBLISHED_IND},
                      headers=world["people"]["kari"]).json()["observations"]
    assert mine and {r["region"][:4] for r in mine} == {CODE}
    assert all(r["numerator"] is None for r in mine if r["flag"] == 3)


def test_a_route_that_reads_the_raw_warehouse_is_caught(world, app, monkeypatch):
    """The proof can fail: a new route over the raw warehouse is a read outside the door."""
    from oppvekst.warehouse import Warehouse

    @app.get("/raw-leak")
    def raw_leak():
        with Warehouse(read_only=True) as wh:
            return json.loads(wh.observations(indicator=UNPUBLISHED_IND).to_json(orient="records"))

    tracer = Tracer()
    tracer.install(monkeypatch)
    tracer.where = "GET /raw-leak"
    res = TestClient(app).get("/raw-leak")
    assert ("GET /raw-leak", "observations") in tracer.outside
    assert _leaks(res.text, world)
    assert ("GET", "/raw-leak", {}, None) in list(_calls(app, UNPUBLISHED_IND))    # and the walk calls it


# -- the command line ------------------------------------------------------------------------------------

def _commands(cmd, prefix=()):
    if hasattr(cmd, "commands"):
        if prefix and getattr(cmd, "invoke_without_command", False):
            yield " ".join(prefix)
        for name, sub in cmd.commands.items():
            yield from _commands(sub, (*prefix, name))
    else:
        yield " ".join(prefix)


# Commands that show figures, with the arguments they are called with (read through the public door).
def _figure_commands(world, tmp) -> dict[str, list[list[str]]]:
    inds = [UNPUBLISHED_IND, PUBLISHED_IND]
    return {
        "show": [[i, "--region", r, *j] for i in inds for r in (CODE, "11", "0") for j in ([], ["--json"])],
        "profile": [[CODE, "--json"], [CODE], [CODE, "--pdf", str(tmp / "p.pdf")]],
        "profiles": [[CODE, "--out", str(tmp / "pdf"), "--workers", "1", "--json"]],
        "barometer": [["--region", CODE, "--indicator", i, "--all-breakdowns", "--json"] for i in inds]
        + [["--region", CODE]],
        "monitor": [[CODE, "--indicator", i, "--json"] for i in inds],
        "standardise": [["--region", CODE, "--json"]],
        "releases diff": [[str(world["bundled"]), str(world["unpub"])], [str(world["bundled"]), str(world["pub"])],
                          [str(world["bundled"]), str(world["bundled"])]],
        "regions": [["--level", "fylke", "--json"]],
        "indicators": [["--json"]],
        "asss history": [["--json"]],
        "asss template": [[]],
        "trials planning": [[i, "--json"] for i in inds] + [[i, "--level", "bydel"] for i in inds],
        "mission progress": [["--indicator", i, "--region", r, "--base-year", "2022", *j] for i in inds
                             for r in (CODE, "0") for j in ([], ["--json"])]
        + [["--indicator", "neet_15_29", "--base-year", "2015", "--json"]],
        "mission status": [["--json"], []],
        "mission baseline": [["--year", "2022", "--json"], ["--year", "2024"]],
        "economics run": [[_scenario_file(tmp, i), "--json"] for i in inds]
        + [[_scenario_file(tmp, i), "--region", r] for i in inds for r in (CODE, "11")],
        "economics save": [[f"door {i}", _scenario_file(tmp, i), "--json"] for i in inds],
        # freezes into the content database what it read through the door, then shows it
        "mission baseline freeze": [["--year", "2022", "--json"], ["--year", "2022"]],
        "mission report": [["--pdf", str(tmp / "mission.pdf")]],
    }


def _scenario_file(tmp, ind: str) -> str:
    import yaml

    path = tmp / f"scenario_{ind}.yaml"
    path.write_text(yaml.safe_dump(_local_scenario(ind)), encoding="utf-8")
    return str(path)


EXEMPT_COMMANDS = {
    "serve": "starts the web server, whose routes are walked above",
    "build": "writes releases (raw Job.LOAD); reports row counts, no figures",
    "load": "writes a release (raw Job.LOAD); reports row counts, no figures",
    "synth": "writes synthetic registers (microdata), not the warehouse",
    "derive": "writes a synthetic release (raw Job.LOAD) that is held back until published",
    "releases": "the operator's list of releases (raw Job.RELEASES): metadata, no figures",
    "releases rollback": "withdraws a release (raw Job.LOAD)",
    "asss report": "writes self-reports to the content database",
    "asss sync": "writes the self-reports as a release (raw Job.LOAD)",
    "asss deflator": "writes a deflator to the content database",
    "disclosure check": "checks a table the user gives it, not the warehouse",
    "disclosure apply": "suppresses from the raw cells (raw Job.DISCLOSURE), stores the pattern, shows counts",
    "disclosure publish": "a publication decision (raw Job.DISCLOSURE)",
    "disclosure mark": "a control decision (raw Job.DISCLOSURE)",
    "disclosure status": "publication state and proofs per indicator (raw Job.DISCLOSURE), no figures",
    "settings": "the settings in force, no statistics",
    "trials power": "computes from the planner's own inputs, no statistics",
    "trials design": "method choice from the planner's answers, no statistics",
    "trials randomise": "randomises the planner's own units, no statistics",
    "trials verify": "checks a randomisation list against its seal, no statistics",
    "trials analyse": "analyses the planner's own trial file, no statistics",
    "trials templates": "the ready plans quoted from the white paper, no statistics",
    "trials plan new": "writes a trial plan to the content database",
    "trials plan list": "trial plans (content database), no statistics",
    "trials plan show": "a trial plan (content database); its planning values were read through the door",
    "trials plan edit": "writes a trial plan to the content database",
    "trials plan register": "freezes a trial plan (content database)",
    "trials plan status": "moves a trial on (content database)",
    "trials plan export": "writes a trial plan to a file",
    "economics list": "saved scenarios (content database), no statistics",
    "economics compare": "reruns saved scenarios (content database); their local figures were read through the door",
    "economics discount": "discount factors from a stated rate or the confirmed R-109 bands, no statistics",
    "economics template": "prints the scenario schema, no statistics",
    "mission learn": "writes a learning-log entry to the content database, no statistics",
}
EXEMPT_GROUPS = {
    "users": "accounts and tokens (content database)",
    "audit": "the audit log (content database)",
    "register": "register rights over the microdata records, for the administrator",
    "evidence": "the knowledge base (content database), no statistics",
}


def test_every_command_that_shows_figures_reads_through_the_door(world, monkeypatch, tmp_path):
    from oppvekst.cli import _register, app

    _register()
    commands = list(_commands(typer.main.get_command(app)))
    figures = _figure_commands(world, tmp_path)
    unclassified = [c for c in commands if c not in figures and c not in EXEMPT_COMMANDS
                    and c.split(" ")[0] not in EXEMPT_GROUPS]
    assert not unclassified, f"classify these commands in {__name__}: {unclassified}"
    tracer = Tracer()
    tracer.install(monkeypatch)
    runner = CliRunner()
    leaks, crashes = [], []
    for name, calls in figures.items():
        for args in calls:
            tracer.where = f"{name} {' '.join(args)}"
            res = runner.invoke(app, [*name.split(" "), *args])
            if res.exception and not isinstance(res.exception, SystemExit):
                crashes.append((tracer.where, repr(res.exception)))
            leaks += [(tracer.where, leak) for leak in _leaks(res.output, world)]
    assert not crashes, crashes
    assert not leaks, leaks[:5]
    assert not tracer.outside, f"raw warehouse reads outside the door: {sorted(set(tracer.outside))[:10]}"
    for name in ("show", "profile", "profiles", "barometer", "monitor", "standardise", "releases diff",
                 "mission progress", "mission status", "mission baseline", "mission baseline freeze",
                 "mission report"):
        assert any(w.startswith(name + " ") for w in tracer.through), f"{name} did not read through the door"
    refused = runner.invoke(app, ["releases", "diff", str(world["bundled"]), str(world["unpub"])])
    assert refused.exit_code == 2 and "no release" in refused.output


# -- the door itself -------------------------------------------------------------------------------------

@contextmanager
def _warehouse(tmp_path):
    from oppvekst.warehouse import Warehouse

    with Warehouse(tmp_path / "w.duckdb") as wh:
        yield wh


def test_the_door_masks_by_default_and_opens_raw_only_for_an_administrator_or_a_job(tmp_path):
    from oppvekst.access.roles import Role
    from oppvekst.access.users import PUBLIC, Principal
    from oppvekst.disclosure.door import Job, PublishedView, open_statistics, reader
    from oppvekst.warehouse import StatisticsReader, Warehouse

    with _warehouse(tmp_path) as wh:
        assert isinstance(reader(wh), PublishedView) and isinstance(reader(wh, PUBLIC), PublishedView)
        admin = Principal("a", Role.ADMINISTRATOR)
        assert reader(wh, admin, raw=True) is wh and reader(wh, raw=True, job=Job.DISCLOSURE) is wh
        for who in (None, PUBLIC, Principal("r", Role.RESEARCHER), Principal("k", Role.ANALYST, CODE)):
            with pytest.raises(PermissionError):
                reader(wh, who, raw=True)
        with pytest.raises(ValueError):
            reader(wh, raw=True, job="anything")
        assert isinstance(wh, StatisticsReader) and isinstance(reader(wh), StatisticsReader)
        assert not hasattr(reader(wh), "query") and not hasattr(reader(wh), "con")
    path = tmp_path / "w.duckdb"
    with open_statistics(path=path) as view:
        assert isinstance(view, PublishedView) and view.path == path
        with pytest.raises(PermissionError):
            view.load_release(pd.DataFrame(), source="x")
    with pytest.raises(PermissionError):
        open_statistics(path=path, read_only=False)
    with open_statistics(raw=True, job=Job.LOAD, read_only=False, path=path) as raw:
        assert type(raw) is Warehouse
