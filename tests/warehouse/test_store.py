"""Warehouse: releases are all or nothing, can be listed, compared and rolled back."""

import duckdb
import pandas as pd
import pytest

from oppvekst.errors import InputError
from oppvekst.observations import frame
from oppvekst.warehouse import Warehouse, content_hash


def obs(rows):
    """Hand-made NEET-like observations: (region, year, numerator, denominator)."""
    return frame([{"indicator": "neet_15_29", "region": r, "period_from": y, "numerator": n, "denominator": d,
                   "value": 100 * n / d} for r, y, n, d in rows])


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as w:
        yield w


def snapshot(w: Warehouse) -> tuple:
    return (w.query("SELECT * FROM releases ORDER BY id").to_dict("records"),
            w.query("SELECT count(*) AS n FROM observations")["n"].iloc[0])


def test_release_is_recorded_with_source_and_hash(wh):
    data = obs([("0", 2024, 104388, 1044103), ("0301", 2024, 16109, 159078)])
    rel = wh.load_release(data, source="SSB 13556 test")
    assert rel.id == 1 and rel.n_rows == 2 and rel.source == "SSB 13556 test"
    assert rel.content_hash == content_hash(data.iloc[::-1])  # order does not change the hash
    cur = wh.observations(indicator="neet_15_29", regions=["0"])
    assert cur["numerator"].tolist() == [104388] and round(cur["value"].iloc[0], 1) == 10.0


def test_same_content_is_not_loaded_twice(wh):
    data = obs([("0", 2024, 10, 100)])
    assert wh.load_release(data, source="a") is not None
    assert wh.load_release(data, source="a") is None
    assert len(wh.releases()) == 1


@pytest.mark.parametrize("rows, field", [
    ([("0", 2024, -1, 100)], "numerator"),            # negative count
    ([("0", 2024, 101, 100)], "numerator"),           # numerator larger than denominator
    ([("0", 2024, 1, 100), ("0", 2024, 2, 100)], "indicator"),  # duplicate observation
])
def test_bad_load_changes_nothing(wh, rows, field):
    wh.load_release(obs([("0", 2023, 5, 50)]), source="first")
    before = snapshot(wh)
    with pytest.raises(InputError) as err:
        wh.load_release(obs(rows), source="bad.csv", file="bad.csv")
    assert err.value.field == field and err.value.file == "bad.csv" and err.value.row is not None
    assert snapshot(wh) == before


def test_failure_inside_the_transaction_rolls_back(wh, monkeypatch):
    wh.load_release(obs([("0", 2023, 5, 50)]), source="first")
    before = snapshot(wh)
    real = wh.con

    class FailingInsert:  # the observations insert fails after the release row was written
        def __getattr__(self, name):
            return getattr(real, name)

        def register(self, name, df):
            if name == "obs_new":
                raise duckdb.IOException("disk full")
            return real.register(name, df)

    wh.con = FailingInsert()
    with pytest.raises(duckdb.IOException):
        wh.load_release(obs([("0", 2024, 6, 60)]), source="second")
    wh.con = real
    assert snapshot(wh) == before


def test_diff_and_rollback(wh):
    r1 = wh.load_release(obs([("0", 2023, 100, 1000), ("0301", 2023, 10, 100), ("3101", 2023, 5, 50)]),
                         source="v1")
    r2 = wh.load_release(obs([("0", 2023, 104, 1000), ("0301", 2023, 10, 100), ("1508", 2023, 7, 70)]),
                         source="v2")
    d = wh.diff(r1.id, r2.id)
    assert (d["identical"], d["changed"], d["new_rows"], d["removed"]) == (1, 1, 1, 1)
    sums = d["national_sums"].iloc[0]
    assert (sums["numerator_old"], sums["numerator_new"]) == (100, 104)
    assert wh.observations(indicator="neet_15_29", regions=["0"])["numerator"].tolist() == [104]
    wh.rollback(r2.id)
    assert wh.observations(indicator="neet_15_29", regions=["0"])["numerator"].tolist() == [100]
    assert [r.status for r in wh.releases()] == ["active", "rolled_back"]
    with pytest.raises(ValueError):
        wh.rollback(r2.id)
    with pytest.raises(KeyError):
        wh.diff(1, 99)


def test_current_view_keeps_each_indicators_newest_release(wh):
    wh.load_release(obs([("0", 2024, 1, 10)]), source="neet")
    other = frame([{"indicator": "population_0_17", "region": "0", "period_from": 2024,
                    "numerator": 1112853, "value": 1112853}])
    wh.load_release(other, source="pop")
    cur = wh.query("SELECT indicator, release FROM current_observations ORDER BY indicator")
    assert cur.to_dict("records") == [{"indicator": "neet_15_29", "release": 1},
                                      {"indicator": "population_0_17", "release": 2}]


def test_rows_are_typed_as_the_data_model(wh):
    wh.load_release(obs([("0", 2024, 1, 10)]), source="x")
    cols = wh.query("DESCRIBE observations").set_index("column_name")["column_type"]
    assert cols["flag"] == "TINYINT" and cols["period_from"] == "INTEGER" and cols["value"] == "DOUBLE"
    assert isinstance(wh.observations(indicator="neet_15_29"), pd.DataFrame)


def test_rebuilding_the_same_sources_adds_no_release(wh):
    a, b = obs([("0", 2024, 1, 10)]), frame([{"indicator": "population_0_17", "region": "0", "period_from": 2024,
                                              "numerator": 5, "value": 5}])
    assert wh.load_release(a, source="a") and wh.load_release(b, source="b")
    assert wh.load_release(a, source="a") is None and wh.load_release(b, source="b") is None
    assert len(wh.releases()) == 2
