"""Disclosure control on the way out: controlled releases through the API, per role, and the limits."""

from __future__ import annotations

from tests.access.conftest import PASSWORD

from oppvekst.content import audit

IND = "neet_15_29_disclosure_syn"


def _obs(client, headers=None, **params):
    res = client.get("/api/v1/observations", params={"indicator": IND, "sex": "", **params}, headers=headers or {})
    return res


def test_controlled_release_is_held_back_then_published_suppressed(people, controlled, client, monkeypatch):
    # the indicator is not in the catalogue: the public API refuses it; read the rows through the
    # research and pre-publication endpoints, and the web view (deps.Published) directly
    from oppvekst.disclosure import publication
    from oppvekst.warehouse import Warehouse

    with Warehouse(read_only=True) as wh:
        everything = wh.observations(indicator=IND, sex=None)
        assert len(everything) > 1000 and everything["numerator"].between(1, 3).any()
        assert publication.masked(wh, everything).empty                       # public: nothing before publication
        kari = publication.masked(wh, everything, _principal("kari"))
        assert len(kari) and kari["region"].str.startswith("1103").all()
        hidden = kari["flag"] == 3
        assert hidden.any() and kari.loc[hidden, "numerator"].isna().all() and kari.loc[hidden, "value"].isna().all()
        assert kari.loc[hidden, "denominator"].notna().all()
        assert not kari.loc[~hidden, "numerator"].between(1, 3).any()
    res = client.post("/api/v1/research/aggregates", json={"indicator": IND, "regions": ["1103", "11"]},
                      headers=people["forsker"])
    assert res.status_code == 200
    rows = res.json()["observations"]
    assert rows and all(r["numerator"] is None for r in rows if r["flag"] == 3)
    assert not any(r["numerator"] is not None and 1 <= r["numerator"] <= 3 for r in rows)
    assert {r["region"] for r in rows} == {"1103", "11"}
    assert client.post("/api/v1/research/aggregates", json={"indicator": IND}, headers=people["kari"]).status_code == 403
    from oppvekst.compare import comparison

    before = comparison.content_version()
    res = client.post(f"/api/v1/admin/releases/{controlled}/publish", headers=people["admin"])
    assert res.status_code == 200
    assert comparison.content_version() != before      # cached profile statistics are recomputed after publishing
    with Warehouse(read_only=True) as wh:
        public = publication.masked(wh, wh.observations(indicator=IND, sex=None))
    assert len(public) == len(everything)
    assert set(public.loc[public["flag"] == 3, "flag_reason"]) <= {"primary", "secondary", "complement", "series"}
    assert not public.loc[public["flag"] == 0, "numerator"].between(1, 3).any()
    actions = [e["action"] for e in audit.entries(limit=1000)]
    for needed in ("release_load", "disclosure_apply", "derive_aggregates", "release_publish", "denied"):
        assert needed in actions
    assert audit.verify().ok


def _principal(name):
    from oppvekst.access import users

    return users.get(name)


def test_prepublication_api_for_the_analyst(people, controlled, client):
    res = client.get("/api/v1/prepublication/observations", params={"indicator": IND}, headers=people["kari"])
    assert res.status_code == 200
    rows = res.json()["observations"]
    assert rows and {r["region"][:4] for r in rows} == {"1103"}
    entry = audit.entries(action="read_prepublication")[0]
    assert entry["actor"] == "kari" and entry["detail"]["rows"] == len(rows)
    page = client.get("/forhandsvisning/1103", headers=people["kari"])
    assert page.status_code == 200 and "Ikke publisert ennå" in page.text


def test_publish_needs_a_proven_suppression(people, client, small_table):
    from oppvekst.warehouse import Warehouse

    with Warehouse() as wh:
        rel = wh.load_release(small_table, source="test", synthetic=True)
    res = client.post(f"/api/v1/admin/releases/{rel.id}/publish", headers=people["admin"])
    assert res.status_code == 409 and "disclosure apply" in res.json()["detail"]
    assert client.post("/api/v1/admin/releases/999/publish", headers=people["admin"]).status_code == 404


def test_login_page_session_and_logout(people, client):
    res = client.post("/logg-inn", data={"username": "kari", "password": "feil", "neste": "/konto"})
    assert res.status_code == 401
    res = client.post("/logg-inn", data={"username": "kari", "password": PASSWORD, "neste": "//evil.example/"},
                      follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/konto"     # no open redirect
    cookie = res.cookies.get("opv_session")
    assert cookie and "httponly" in res.headers["set-cookie"].lower() and "samesite=lax" in res.headers["set-cookie"].lower()
    page = client.get("/konto")
    assert page.status_code == 200 and "kari" in page.text
    assert client.post("/logg-ut", data={"csrf": "feil"}).status_code == 403
    import re

    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    assert client.post("/logg-ut", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("opv_session", cookie)                 # the old cookie no longer works
    assert client.get("/konto", follow_redirects=False).status_code == 303
    assert audit.entries(action="logout")[0]["actor"] == "kari"


def test_rate_and_size_limits(people, monkeypatch):
    from fastapi.testclient import TestClient

    from oppvekst.web.app import create_app

    monkeypatch.setenv("OPPVEKST_RATE_LIMIT", "3")
    monkeypatch.setenv("OPPVEKST_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("OPPVEKST_MAX_QUERY_REGIONS", "5")
    client = TestClient(create_app(), raise_server_exceptions=False)
    codes = [client.get("/api/v1/auth/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    res = client.get("/api/v1/auth/me")
    assert res.status_code == 429 and int(res.headers["retry-after"]) >= 1
    admin = people["admin"]                                    # a user has a bucket of their own
    assert client.get("/api/v1/auth/me", headers=admin).json()["role"] == "administrator"
    big = client.post("/api/v1/auth/token", content=b"x" * 2000, headers={**admin, "content-type": "application/json"})
    assert big.status_code == 413
    many = client.get("/api/v1/auth/me", params=[("region", str(i)) for i in range(6)], headers=admin)
    assert many.status_code == 413


def test_publish_can_withhold_the_unproven_indicators(people, small_table):
    import pandas as pd
    from sqlalchemy import update

    from oppvekst.disclosure import publication
    from oppvekst.disclosure.models import DisclosureRun
    from oppvekst.warehouse import Warehouse

    other = small_table["indicator"].iloc[0] + "_b"
    with Warehouse() as wh:
        rel = wh.load_release(pd.concat([small_table, small_table.assign(indicator=other)], ignore_index=True),
                              source="test: synthetic", synthetic=True)
        publication.apply(wh, rel.id)
        with publication._session() as s:      # as if the second indicator's proof had not held
            s.execute(update(DisclosureRun).where(DisclosureRun.release == rel.id, DisclosureRun.indicator == other)
                      .values(certified=False))
            s.commit()
        try:
            publication.publish(wh, rel.id)
            raise AssertionError("published with an unproven indicator")
        except publication.NotReady as exc:
            assert other in str(exc)
        assert publication.publish(wh, rel.id, withhold_unproven=True) == [other]
        public = publication.masked(wh, wh.observations(indicator=None, sex=None))
    assert set(public.loc[public["release"] == rel.id, "indicator"]) == {small_table["indicator"].iloc[0]}
    entry = audit.entries(action="release_publish")[0]
    assert entry["detail"]["withheld"] == [other]
