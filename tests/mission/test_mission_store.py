"""The frozen baseline in the content database: freeze from a warehouse, a later release revises the
figures beside it, never the stored baseline; a second freeze needs a reason and keeps the first."""

from __future__ import annotations

import json
import shutil

import pytest

from oppvekst.content import audit, db
from oppvekst.disclosure import door
from oppvekst.observations import COLUMNS, frame
from oppvekst.warehouse import Warehouse


@pytest.fixture
def copy(bundled_warehouse_path, tmp_path, monkeypatch):
    """A private copy of the bundled warehouse (we load a release into it) and a fresh content database."""
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_warehouse_path, path)
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(path))
    yield path
    db.dispose()


@pytest.fixture
def cli(copy, mission):
    return mission


def _revise_neet_2023(path, delta: float) -> int:
    """SSB revises NEET 15–29 for 2023: a new release of the whole indicator with one value changed."""
    with Warehouse(path) as wh:
        obs = door.reader(wh).observations(indicator="neet_15_29")
        obs = obs[[c for c in COLUMNS if c in obs.columns]].copy()
        hit = (obs.region == "0") & (obs.period_from == 2023) & (obs.age == "15-29")
        assert hit.sum() == 1
        obs.loc[hit, "value"] += delta
        obs.loc[hit, ["numerator", "denominator"]] = float("nan")   # the counts would no longer agree
        return wh.load_release(frame(obs), source="test: SSB 13556 revised").id


def _neet(rows):
    return next(r for r in rows if r["indicator"] == "neet_15_29" and r["region"] == "0")


def test_freeze_then_a_revision_shows_beside_the_unchanged_baseline(cli, copy):
    res = cli("baseline", "freeze", "--year", "2023", "--json")
    assert res.exit_code == 0, res.output
    frozen = json.loads(res.output)
    entry = _neet(frozen["entries"])
    assert frozen["stored"] is True and frozen["year"] == 2023 and entry["release"] in frozen["releases"]

    new_release = _revise_neet_2023(copy, 0.5)
    shown = json.loads(cli("baseline", "--json").output)
    assert shown["entries"] == frozen["entries"] and shown["frozen_at"] == frozen["frozen_at"]  # unchanged
    rev = _neet(shown["revision"])
    assert rev["frozen_value"] == entry["value"]
    assert rev["current_value"] == pytest.approx(entry["value"] + 0.5)
    assert rev["difference"] == pytest.approx(0.5)
    assert (rev["frozen_release"], rev["current_release"]) == (entry["release"], new_release)
    assert rev["revised"] is True and shown["revised"] is True
    text = cli("baseline")
    assert text.exit_code == 0 and "Fryst og nå" in text.output and "0,500" in text.output


def test_a_second_freeze_needs_a_reason_and_keeps_the_first(cli, copy):
    from oppvekst.mission import store

    first = json.loads(cli("baseline", "freeze", "--year", "2023", "--json").output)
    again = cli("baseline", "freeze", "--year", "2023")
    assert again.exit_code == 2 and "field 'year'" in again.output and "--replace" in again.output
    _revise_neet_2023(copy, 0.5)
    second = json.loads(cli("baseline", "freeze", "--year", "2023", "--replace", "SSB revised 2023",
                            "--json").output)
    assert second["id"] != first["id"] and second["reason"] == "SSB revised 2023"
    assert _neet(second["entries"])["value"] == pytest.approx(_neet(first["entries"])["value"] + 0.5)
    history = store.baseline_history(2023)
    assert [h.id for h in history] == [first["id"], second["id"]]
    assert history[0].superseded_by == second["id"] and history[0].baseline.to_dict()["entries"] == first["entries"]
    shown = json.loads(cli("baseline", "--year", "2023", "--json").output)
    assert shown["id"] == second["id"] and shown["revised"] is False
    actions = [e["action"] for e in audit.entries()]
    assert actions.count("mission_baseline_freeze") == 1 and actions.count("mission_baseline_replace") == 1
    replaced = audit.entries(action="mission_baseline_replace")[0]["detail"]
    assert (replaced["replaces"], replaced["reason"]) == (first["id"], "SSB revised 2023")
    assert audit.verify().ok


def test_the_status_api_and_page_show_the_frozen_baseline_and_its_revision(cli, copy):
    from fastapi.testclient import TestClient

    from oppvekst.mission import overview
    from oppvekst.web import deps
    from oppvekst.web.app import create_app

    with door.open_statistics() as reader:
        assert overview.frozen_baseline(reader) is None
    assert cli("baseline", "freeze", "--year", "2023").exit_code == 0
    _revise_neet_2023(copy, 0.5)                   # before the app opens the warehouse (one connection mode)
    deps._shared.cache_clear()
    client = TestClient(create_app())
    st = client.get("/api/v1/mission/status").json()
    assert st["baseline"]["year"] == 2023 and _neet(st["baseline"]["revision"])["difference"] == pytest.approx(0.5)
    html = client.get("/samfunnsoppdraget").text
    part = html[html.index('id="baseline"'):html.index('id="gaps"')]
    assert "2023" in part and 'id="baseline-table"' in part and "0,50" in part
    deps._shared.cache_clear()
