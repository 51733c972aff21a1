"""The warehouse's reads without SQL (StatisticsReader): region names, release keys, a release's rows."""

import pandas as pd
import pytest

from oppvekst.observations import frame
from oppvekst.warehouse import ReleaseKey, StatisticsReader, Warehouse


def obs(indicator, rows):
    return frame([{"indicator": indicator, "region": r, "period_from": y, "numerator": n, "denominator": d,
                   "value": 100 * n / d} for r, y, n, d in rows])


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as w:
        yield w


def test_regions_are_read_by_name(wh):
    assert isinstance(wh, StatisticsReader)
    assert not wh.has_regions() and wh.region_name("0301") is None and wh.region_names() == {}
    wh.replace_regions(pd.DataFrame({"code": ["0", "0301"], "level": ["land", "kommune"],
                                     "name": ["Hele landet", "Oslo"], "parent": [None, "0"],
                                     "valid_from": [None, None], "valid_to": [None, None]}))
    assert wh.has_regions() and wh.region_name("0301") == "Oslo" and wh.region_name("9999") is None
    assert wh.region_names() == {"0": "Hele landet", "0301": "Oslo"}


def test_release_keys_rows_and_the_releases_filter(wh):
    a = wh.load_release(obs("neet_15_29", [("0", 2024, 10, 100), ("0301", 2024, 3, 50)]), source="a")
    b = wh.load_release(obs("neet_15_29_syn", [("0", 2024, 7, 70)]), source="b", synthetic=True)
    assert wh.release_hashes() == {a.id: ReleaseKey(a.content_hash, False), b.id: ReleaseKey(b.content_hash, True)}
    rows = wh.release_observations(a.id)
    assert sorted(rows["numerator"]) == [3, 10] and set(rows["release"]) == {a.id}
    assert wh.observations(releases=[b.id])["indicator"].tolist() == ["neet_15_29_syn"]
    assert len(wh.observations(releases=[a.id, b.id])) == 3 and wh.observations(releases=[]).empty
    assert wh.observations(releases=[a.id], regions=["0301"], limit=5)["numerator"].tolist() == [3]
    wh.rollback(a.id)
    assert wh.observations(releases=[a.id]).empty                     # current rows only
    assert len(wh.release_observations(a.id)) == 2                    # a release's rows, current or not


def test_no_sql_on_warehouse_tables_outside_the_warehouse():
    """Issue 14: every read goes through the warehouse's API, so disclosure control cannot be bypassed."""
    import re
    from pathlib import Path

    import oppvekst

    tables = "observations|current_observations|releases|release_indicators|regions|indicators"
    sql = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:{tables})\b|\.con\.execute\(|\bwh\.query\(")
    root = Path(oppvekst.__file__).parent
    found = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") if "warehouse" not in p.parts
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if sql.search(line)]
    assert not found, found
