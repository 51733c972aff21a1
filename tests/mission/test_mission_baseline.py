"""The baseline is frozen: a new release changes the revision beside it, never the baseline itself."""

from dataclasses import FrozenInstanceError

import pytest

from oppvekst.disclosure import door
from oppvekst.errors import InputError
from oppvekst.mission.baseline import Baseline, freeze, revision
from oppvekst.observations import frame
from oppvekst.warehouse import StatisticsReader, Warehouse


def _neet(value_2023_num):
    return [{"indicator": "neet_15_29", "region": r, "period_from": y, "age": "15-29",
             "numerator": n, "denominator": d, "value": 100 * n / d}
            for r, y, n, d in [("0", 2023, value_2023_num, 1036594.0), ("0", 2024, 104388.0, 1044103.0),
                               ("3", 2023, 10000.0, 100000.0)]]


@pytest.fixture
def store(tmp_path):
    """A real warehouse with one NEET release; the baseline reads it through the public door."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load_release(frame(_neet(102259.0)), source="test: SSB 13556 figures for 2023–2024")
        yield wh


@pytest.fixture
def reader(store):
    return door.reader(store)


def test_the_public_view_satisfies_the_protocol(reader):
    assert isinstance(reader, StatisticsReader)


def test_frozen_baseline_survives_a_new_release(store, reader):
    base = freeze(reader, 2023, ["neet_15_29", "organised_leisure"], regions=("0", "3"), frozen_at="2025-03-01")
    before = base.to_dict()
    e = base.entry("neet_15_29")
    first = store.release(1).content_hash
    assert (e.numerator, e.denominator, e.release, e.content_hash, e.age) == (102259.0, 1036594.0, 1, first, "15-29")
    assert e.value == pytest.approx(9.864904, abs=1e-6)
    assert base.entry("organised_leisure").value is None  # no data: kept, with a note
    assert base.releases == (1,)

    # SSB revises 2023: a new release with a different numerator
    store.load_release(frame(_neet(103296.0)), source="test: revised")
    rev = revision(base, reader)
    assert base.to_dict() == before                    # the frozen record is unchanged
    with pytest.raises(FrozenInstanceError):
        base.entries[0].value = 1.0                    # and cannot be changed in place
    row = rev[(rev.indicator == "neet_15_29") & (rev.region == "0")].iloc[0]
    assert (row.frozen_release, row.current_release, row.frozen_hash, row.current_hash) == (1, 2, first, store.release(2).content_hash)
    # 100*103296/1036594 - 100*102259/1036594 = 100*1037/1036594 = 0.100039
    assert row.difference == pytest.approx(100 * 1037 / 1036594)
    assert bool(row.revised)
    # round trip for the storage layer
    assert Baseline.from_dict(before) == base


def test_baseline_for_a_year_with_no_data_is_refused(reader):
    with pytest.raises(InputError) as err:
        freeze(reader, 2010, ["neet_15_29"])
    assert err.value.field == "year"


def test_default_indicators_are_the_goal_trees_links(reader):
    base = freeze(reader, 2023)
    from oppvekst.mission import goals
    assert sorted({e.indicator for e in base.entries}) == goals.load().indicator_ids()
