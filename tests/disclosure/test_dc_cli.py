"""`oppvekst disclosure check|apply|publish|status` and `oppvekst audit verify`."""

from __future__ import annotations

import json

import pandas as pd
from tests.disclosure.helpers import bridge_table
from typer.testing import CliRunner

from oppvekst.cli import _register, app

_register()
runner = CliRunner()


def test_apply_a_file_then_check_it(tmp_path):
    src = tmp_path / "table.csv"
    bridge_table().to_csv(src, index=False)
    out = tmp_path / "published.csv"
    res = runner.invoke(app, ["disclosure", "apply", str(src), "--out", str(out), "--limit", "3", "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.output)["stats"]["table"]
    assert stats["primary"] == 3 and stats["certified"] == 1
    published = pd.read_csv(out, dtype={"region": str})
    assert published.loc[published["flag"] == 3, "numerator"].isna().all()
    assert not published.loc[published["flag"] == 0, "numerator"].between(1, 3).any()
    res = runner.invoke(app, ["disclosure", "check", str(out), "--limit", "3", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)["summary"]
    assert summary["pinned"] == 0 and summary["suppressed"] == stats["primary"] + stats["secondary"]
    # a table where a hidden cell is pinned fails the check (exit 1) and names the cell
    bad = published.copy()
    hidden = bad.index[bad["flag"] == 3]
    keep = hidden[0]
    for i in hidden[1:]:
        bad.loc[i, ["flag", "flag_reason", "numerator", "value"]] = [0, pd.NA, *bridge_table().loc[i, ["numerator", "value"]]]
    bad.to_csv(tmp_path / "bad.csv", index=False)
    res = runner.invoke(app, ["disclosure", "check", str(tmp_path / "bad.csv"), "--json"])
    assert res.exit_code == 1
    pinned = json.loads(res.output)["pinned_cells"]
    assert len(pinned) == 1 and pinned[0]["region"] == bad.loc[keep, "region"]


def test_check_names_the_bad_field(tmp_path):
    df = bridge_table()
    df.loc[3, "sex"] = "kvinne"
    df.to_csv(tmp_path / "t.csv", index=False)
    res = runner.invoke(app, ["disclosure", "check", str(tmp_path / "t.csv")])
    assert res.exit_code == 2 and "row 5" in res.output and "'sex'" in res.output


def test_release_apply_publish_status_and_audit():
    from oppvekst.warehouse import Warehouse

    with Warehouse() as wh:
        rel = wh.load_release(bridge_table().assign(indicator="bridge_syn"), source="test", synthetic=True)
    res = runner.invoke(app, ["disclosure", "publish", "--release", str(rel.id)])
    assert res.exit_code == 2 and "disclosure apply" in res.output
    res = runner.invoke(app, ["disclosure", "apply", "--release", str(rel.id), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["stats"]["bridge_syn"]["primary"] == 3
    assert runner.invoke(app, ["disclosure", "publish", "--release", str(rel.id)]).exit_code == 0
    status = json.loads(runner.invoke(app, ["disclosure", "status", "--json"]).output)
    assert status[0]["release"] == rel.id and status[0]["indicators"] == {"bridge_syn": True}
    assert status[0]["published_at"] is not None
    res = runner.invoke(app, ["audit", "verify", "--json"])
    v = json.loads(res.output)
    assert res.exit_code == 0 and v["ok"] and v["entries"] >= 2
    actions = [e["action"] for e in json.loads(runner.invoke(app, ["audit", "list", "--json"]).output)]
    assert {"disclosure_apply", "release_publish"} <= set(actions)


def test_applying_again_after_publication_keeps_hidden_what_was_hidden():
    from oppvekst.disclosure import publication
    from oppvekst.warehouse import Warehouse

    with Warehouse() as wh:
        rel = wh.load_release(bridge_table().assign(indicator="bridge_syn"), source="test", synthetic=True)
        first = publication.apply(wh, rel.id, rules={"numerator_max": 3})["bridge_syn"]
        v1 = publication.version()
        publication.publish(wh, rel.id)
        assert publication.version() != v1
        # a looser rule would publish cells the first publication hid: they stay hidden
        second = publication.apply(wh, rel.id, rules={"numerator_max": 0})["bridge_syn"]
        hidden_then = set(first.table.index[first.suppressed])
        hidden_now = set(second.table.index[second.suppressed])
        assert hidden_then == hidden_now and second.stats["kept_hidden"] == len(hidden_then) == 4
        shown = publication.masked(wh, wh.observations(indicator="bridge_syn", sex=None, background=None))
        assert (shown["flag"] == 3).sum() == len(hidden_now)
