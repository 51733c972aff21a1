"""The authorization matrix: every endpoint of the application, every role.

Each route is given one access policy below; a route missing from the table fails the test, so a new
endpoint cannot slip in without a decision. For each role the test asserts the refusals (401 for the
public, 403 for a logged-in role without the right) and that an allowed role is not refused.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from oppvekst.web.app import create_app

ROLES = ["public", "kari", "forsker", "admin"]        # public, analyst (1103), researcher, administrator
OPEN = {r: True for r in ROLES}
POLICIES = {
    "open": OPEN,                                                   # published, suppressed aggregates; pages
    "user": {"public": False, "kari": True, "forsker": True, "admin": True},
    "analyst_own": {"public": False, "kari": True, "forsker": False, "admin": True},
    "researcher": {"public": False, "kari": False, "forsker": True, "admin": True},
    "admin": {"public": False, "kari": False, "forsker": False, "admin": True},
    # ASSS self-reports: an analyst (own municipality, see test_acc_asss) or an administrator
    "asss_report": {"public": False, "kari": True, "forsker": False, "admin": True},
    "admin_token_in_form": {r: False for r in ROLES},  # evidence forms: an administrator's token in the form
}
ADMIN_PREFIXES = ("/api/v1/admin/",)
EVIDENCE_EDIT = re.compile(r"^/api/v1/evidence/(import|measures|studies|outcomes|local-examples)")
FORMS_EDIT = ("/kunnskapsbase/tiltak/{measure_id}/overstyr", "/kunnskapsbase/inspirasjonsbanken/ny")


def policy(method: str, path: str) -> str:
    if path.startswith(ADMIN_PREFIXES):
        return "admin"
    if path in ("/api/v1/prepublication/observations", "/forhandsvisning/{municipality}"):
        return "analyst_own"
    if path == "/api/v1/research/aggregates":
        return "researcher"
    if path in ("/api/v1/auth/revoke", "/konto", "/konto/nokkel"):
        return "user"
    if method != "GET" and (path.startswith("/api/v1/trials/plans") or path.startswith("/forsok/plan")):
        return "user"                                    # trial plans: any signed-in planner (owner checked)
    if method == "POST" and path == "/utenforregnskap/lagre":
        return "user"                                    # saving a scenario: any signed-in role
    if method == "POST" and path in ("/api/v1/mission/learning", "/samfunnsoppdraget/laering"):
        return "user"                                    # learning logs: any signed-in user, audited
    if method == "POST" and path in FORMS_EDIT:
        return "admin_token_in_form"
    if method != "GET" and EVIDENCE_EDIT.match(path):
        return "admin"                                   # editing the evidence base: administrators' tokens
    if method == "POST" and path in ("/asss/rapport", "/asss/opplasting", "/api/v1/asss/reports"):
        return "asss_report"
    if method == "GET" or path in ("/logg-inn", "/logg-ut", "/api/v1/auth/token",
                                   "/api/v1/evidence/meta",       # meta: a computation on posted data
                                   "/api/v1/trials/randomise",    # randomises the units posted, stores nothing
                                   "/api/v1/economics/run", "/utenforregnskap",   # computes the posted scenario,
                                   "/utenforregnskap/pdf"):                        # stores nothing
        return "open"
    raise KeyError(f"no access policy for {method} {path}")


def routes(app):
    def walk(items, prefix=""):
        for x in items:
            if isinstance(x, APIRoute):
                yield prefix + x.path, x
            elif hasattr(x, "original_router"):              # FastAPI's included routers
                yield from walk(x.original_router.routes, prefix + x.include_context.prefix)
            elif hasattr(x, "routes") and getattr(x, "routes", None):
                yield from walk(x.routes, prefix)
    for path, route in walk(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, path


FILL = {"code": "1103", "indicator_id": "neet_15_29", "measure_id": "holf", "outcome_id": "x", "example_id": "1",
        "study_id": "1", "username": "ola", "release_id": "1", "pseudonym": "p0", "municipality": "1103",
        "indicator": "neet_15_29", "trial_id": "1"}


def test_every_route_has_a_policy():
    app = create_app()
    table = {(m, p): policy(m, p) for m, p in routes(app)}
    assert len(table) > 60
    assert table[("GET", "/api/v1/admin/audit")] == "admin"
    assert table[("POST", "/api/v1/research/aggregates")] == "researcher"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, people, controlled, client):
    headers = people[role]
    app = client.app
    checked = 0
    # revoking the token in use goes last
    for method, path in sorted(routes(app), key=lambda mp: mp[1] == "/api/v1/auth/revoke"):
        name = policy(method, path)
        url = re.sub(r"\{(\w+)\}", lambda m: FILL[m.group(1)], path).replace(".svg", ".svg")
        kwargs = {"headers": headers, "follow_redirects": False}
        if path == "/asss/opplasting":
            kwargs["files"] = {"fil": ("rapport.csv", b"kommune,aar\n", "text/csv")}
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["json" if path.startswith("/api/") else "data"] = {}
        res = client.request(method, url, **kwargs)
        code = res.status_code
        allowed = POLICIES[name][role]
        if name == "admin_token_in_form":
            assert code in (401, 403), (method, path, role, code)
        elif allowed:
            assert code not in (401, 403), (method, path, role, code, res.text[:200])
        elif role == "public":
            if path.startswith("/api/"):
                assert code == 401 and res.headers.get("www-authenticate"), (method, path, code)
            else:                                            # pages send the public to the login page
                assert code in (303, 401), (method, path, code)
        else:
            assert code == 403, (method, path, role, code)
        checked += 1
    assert checked > 60


def test_analyst_sees_only_own_municipality(people, controlled, client):
    kari, ola = people["kari"], people["ola"]
    assert client.get("/api/v1/prepublication/observations", params={"region": "1103"}, headers=kari).status_code == 200
    assert client.get("/api/v1/prepublication/observations", params={"region": "4601"}, headers=kari).status_code == 403
    assert client.get("/forhandsvisning/1103", headers=ola).status_code == 403
    assert client.get("/forhandsvisning/4601", headers=ola).status_code == 200


def test_bad_token_is_refused_not_ignored(people, client):
    res = client.get("/api/v1/observations", params={"indicator": "neet_15_29"},
                     headers={"Authorization": "Bearer opv_not-a-real-token"})
    assert res.status_code == 401 and "invalid_token" in res.headers["www-authenticate"]


def test_evidence_form_takes_an_administrators_token(people, client):
    from oppvekst.evidence.seed import ensure_seeded

    ensure_seeded()
    admin_token = people["admin"]["Authorization"].split()[1]
    analyst_token = people["kari"]["Authorization"].split()[1]
    form = {"level": "3", "reason": "Lokal evaluering"}
    url = "/kunnskapsbase/tiltak/slt/overstyr"
    assert client.post(url, data={**form, "token": analyst_token}).status_code == 403
    assert client.post(url, data={**form, "token": admin_token}, follow_redirects=False).status_code == 303
    from oppvekst.content import audit

    assert any(e["action"] == "denied" and e["actor"] == "kari" for e in audit.entries())
