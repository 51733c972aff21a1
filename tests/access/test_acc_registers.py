"""Register rights end to end on a SYNTHETIC person (synthetic registers of one small municipality),
and no raw identity number anywhere after ingest."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from tests.access.conftest import PASSWORD
from typer.testing import CliRunner

from oppvekst.content import audit

KEY = "test-pseudonym-key-0123456789abcdef"     # a test key, only for these synthetic registers
ELEVEN_DIGITS = re.compile(rb"(?<!\d)\d{11}(?!\d)")


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory):
    """Synthetic registers for Kvitsøy (1144), linked, derived and loaded; built once, copied per test."""
    home = tmp_path_factory.mktemp("registers")
    old = {k: os.environ.get(k) for k in ("OPPVEKST_HOME", "OPPVEKST_PSEUDONYM_KEY")}
    os.environ.update({"OPPVEKST_HOME": str(home), "OPPVEKST_PSEUDONYM_KEY": KEY})
    try:
        from oppvekst.microdata import pipeline, synth

        synth.generate(municipalities=["1144"], seed=11)
        res = pipeline.run()
        return home, res.release.id
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture
def home(pipeline_home, tmp_path, monkeypatch, people):
    src, release = pipeline_home
    dst = tmp_path / "home"
    for item in ("microdata", "warehouse.duckdb"):
        (shutil.copytree if (src / item).is_dir() else shutil.copy)(src / item, dst / item)
    monkeypatch.setenv("OPPVEKST_HOME", str(dst))
    monkeypatch.setenv("OPPVEKST_PSEUDONYM_KEY", KEY)
    from oppvekst.disclosure import publication
    from oppvekst.warehouse import Warehouse

    with Warehouse() as wh:
        publication.apply(wh, release)
        publication.publish(wh, release)
    return dst, release


def _raw_numbers(base: Path) -> set[bytes]:
    t = pq.read_table(base / "raw" / "population.parquet", columns=["fnr", "mother_fnr", "father_fnr"]).to_pandas()
    return {v.encode() for col in t.columns for v in t[col].dropna()}


def _person(base: Path) -> int:
    """A synthetic person who was NEET in at least one year."""
    neet = pq.read_table(base / "linked" / "neet.parquet").to_pandas()
    return int(min(neet["pid"].unique()))


def _neet_counts(release: int) -> pd.DataFrame:
    from oppvekst.warehouse import Warehouse

    with Warehouse(read_only=True) as wh:
        return wh.query("SELECT period_to, numerator FROM observations WHERE release = ? AND indicator = "
                        "'neet_15_29_syn' AND region = '1144' AND sex = 'all' AND age = '15-29' AND background = 'all' "
                        "AND ses = 'all' ORDER BY period_to", [release]).set_index("period_to")["numerator"]


def test_access_correction_deletion_end_to_end(home):
    base, release = home[0] / "microdata", home[1]
    from oppvekst.disclosure import registers

    pid = _person(base)
    # access: everything held under the pseudonym, and no identity number in it
    export = registers.access(str(pid))
    assert export["registers"]["population"][0]["pid"] == pid
    neet_years = sorted(r["year"] for r in export["registers"]["neet"])
    assert neet_years and export["registers"]["residence"] and export["households"]["household_income"]
    blob = json.dumps(export, default=str).encode()
    assert not {m for m in ELEVEN_DIGITS.findall(blob)} & _raw_numbers(base)
    # correction with history, in linked/ and raw/
    old = export["registers"]["population"][0]["immigrant_category"]
    new = "immigrant" if old != "immigrant" else "rest"
    res = registers.correct(str(pid), register="population", field="immigrant_category", value=new,
                            reason="Feil i innrapportering (test)")
    assert res["rows"] == 1 and res["raw_rows"] == 1 and res["old_values"] == [old]
    again = registers.access(str(pid))
    assert again["registers"]["population"][0]["immigrant_category"] == new
    assert again["corrections"][0]["old_value"] == old and again["corrections"][0]["new_value"] == new
    raw = pq.read_table(base / "raw" / "population.parquet").to_pandas()
    assert (raw["immigrant_category"] == new).sum() == (pq.read_table(base / "linked" / "population.parquet")
                                                        .to_pandas()["immigrant_category"] == new).sum()
    from oppvekst.errors import InputError

    with pytest.raises(InputError) as exc:
        registers.correct(str(pid), register="population", field="pid", value="1", reason="x")
    assert exc.value.field == "field"
    with pytest.raises(InputError) as exc:
        registers.correct(str(pid), register="population", field="immigrant_category", value="innvandrer", reason="x")
    assert exc.value.field == "value"
    # deletion: tombstone, rows gone from linked/ and raw/, aggregates derived anew through disclosure control
    before = _neet_counts(release)
    res = registers.delete(str(pid), reason="Krav om sletting (test)", rederive=True)
    assert res["rows_removed"]["population"] == 1 and res["rows_removed"]["raw.population"] == 1
    assert res["rows_removed"]["neet"] == len(neet_years)
    new_release = res["rederived"]["release"]
    assert new_release != release and res["rederived"]["proven"] and res["rederived"]["published"]
    after = _neet_counts(new_release)
    # the person counted once in each year they were NEET (while resident in Kvitsøy)
    diff = (before - after)
    assert diff.sum() == len(neet_years) and set(diff[diff != 0].index) == set(neet_years)
    for path in (base / "linked").glob("*.parquet"):
        t = pq.read_table(path).to_pandas()
        for col in ("pid", "mother_pid", "father_pid"):
            if col in t.columns:
                assert not (t[col] == pid).any(), (path.name, col)
    gone = registers.access(str(pid))
    assert gone["deleted"]["reason"] == "Krav om sletting (test)" and not gone["registers"]["population"]
    actions = [e["action"] for e in audit.entries(limit=200)]
    for needed in ("register_access", "register_correct", "register_delete", "release_load", "disclosure_apply",
                   "release_publish"):
        assert needed in actions
    assert audit.verify().ok


def test_only_an_administrator_acts_from_the_command_line(home, people, monkeypatch):
    from oppvekst.cli import _register, app

    _register()
    base = home[0] / "microdata"
    pid = _person(base)
    runner = CliRunner()
    monkeypatch.delenv("OPPVEKST_TOKEN", raising=False)
    res = runner.invoke(app, ["register", "access", "--", str(pid)])
    assert res.exit_code == 2 and "OPPVEKST_TOKEN" in res.output                           # no login
    monkeypatch.setenv("OPPVEKST_TOKEN", people["kari"]["Authorization"].split()[1])
    res = runner.invoke(app, ["register", "access", "--", str(pid)])
    assert res.exit_code == 2 and "administrator" in res.output
    monkeypatch.setenv("OPPVEKST_TOKEN", people["admin"]["Authorization"].split()[1])
    res = runner.invoke(app, ["register", "access", "--", str(pid)])
    assert res.exit_code == 0 and json.loads(res.output)["pseudonym"] == str(pid)
    assert audit.entries(action="register_access")[0]["actor"] == "admin"
    res = runner.invoke(app, ["register", "access", "--user", "kari", "--", str(pid)], env={"OPPVEKST_TOKEN": ""},
                        input=PASSWORD + "\n")
    assert res.exit_code == 2


def test_no_raw_identity_number_anywhere_after_ingest(home, people, client):
    """Scan the warehouse, the linked registers, the content database and what the API returns."""
    base = home[0] / "microdata"
    numbers = _raw_numbers(base)
    assert len(numbers) > 100 and all(len(n) == 11 for n in numbers)

    def leaks(blob: bytes) -> set[bytes]:
        return set(ELEVEN_DIGITS.findall(blob)) & numbers

    import duckdb

    con = duckdb.connect(str(home[0] / "warehouse.duckdb"), read_only=True)
    for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
        text = con.execute(f'SELECT * FROM "{table}"').df().to_csv(index=False).encode()
        assert not leaks(text), table
    con.close()
    assert not leaks((home[0] / "warehouse.duckdb").read_bytes())
    for path in (base / "linked").glob("*"):
        frame = pq.read_table(path).to_pandas() if path.suffix == ".parquet" else None
        blob = frame.to_csv(index=False).encode() if frame is not None else path.read_bytes()
        assert not leaks(blob), path.name
    content = home[0] / "content.sqlite"
    assert not leaks(content.read_bytes())
    out = client.post("/api/v1/research/aggregates", json={"indicator": "neet_15_29_syn"}, headers=people["forsker"])
    assert out.status_code == 200 and out.json()["count"] > 0 and not leaks(out.content)
    pid = _person(base)
    export = client.get(f"/api/v1/admin/registers/{pid}", headers=people["admin"])
    assert export.status_code == 200 and not leaks(export.content)
    # the raw numbers are in raw/ only (the test's own check that the scan looks at the right thing)
    assert leaks(pq.read_table(base / "raw" / "population.parquet").to_pandas().to_csv().encode())
