"""read_jsonstat / read_jsonstat_collection on every bundled JSON-stat fixture.

Expected cells were read by hand from the fixture files (cited per test); positions follow the
JSON-stat rule that the last dimension in `id` varies fastest.
"""

import json
import math

import pytest

from oppvekst.errors import InputError
from oppvekst.sources import catalogue as bundled
from oppvekst.sources.jsonstat import read_jsonstat, read_jsonstat_collection

FIXTURES = [bundled.path(n) for n in bundled.names() if bundled.entry(n).format == "jsonstat"]


def cell(df, **where):
    mask = True
    for col, val in where.items():
        mask = mask & (df[col] == val)
    rows = df[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_parses_with_product_of_sizes_rows(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    df = read_jsonstat(path)
    if raw.get("class") == "collection":
        return  # checked in the collection tests
    ds = raw if "class" in raw else next(iter(raw.values()))
    sizes = ds.get("size") or ds["dimension"]["size"]
    assert len(df) == math.prod(sizes)
    assert set(df["flag"].unique()) <= {0, 1, 2, 3}


def test_canada_cells_status_and_metadata():
    df = read_jsonstat(bundled.path("jsonstat_org_canada"))
    # value[6] = 1928.8: age "4" (0 to 4), concept POP, sex T
    row = cell(df, age="4", concept="POP", sex="T")
    assert row["value"] == 1928.8 and row["age_label"] == "0 to 4" and row["sex_label"] == "total"
    assert cell(df, age="4", concept="PERCENT", sex="F")["value"] == 5.3  # value[11]
    # status is the one-element array ["a"]: it applies to every cell; values are present -> flag 0
    assert (df["status"] == "a").all() and (df["flag"] == 0).all()
    # country has no category index (single category): the code comes from the label key
    assert set(df["country"]) == {"CA"} and set(df["country_label"]) == {"Canada"}
    assert df.attrs["source"] == "Statistics Canada, CANSIM, table 051-0001"
    assert df.attrs["updated"] == "2012-09-27"
    assert df.attrs["unit"]["concept"]["POP"]["label"] == "thousands of persons"
    assert list(df.columns[:2]) == ["country", "country_label"]


def test_galicia_sizes_and_nulls():
    df = read_jsonstat(bundled.path("jsonstat_org_galicia"))
    assert [df[d].nunique() for d in ["birth", "age", "gender", "time", "residence", "concept"]] == [
        6, 22, 3, 2, 5, 1]
    assert len(df) == 3960
    assert df["value"].iloc[0] == 2695880  # first cell: all totals, 2001
    # the file has exactly 4 nulls (cells 3278, 3288, 3298, 3947), no status -> flag 1
    assert df.index[df["value"].isna()].tolist() == [3278, 3288, 3298, 3947]
    assert (df.loc[df["value"].isna(), "flag"] == 1).all()
    assert set(df["concept"]) == {"pop"}  # single category given by label only


def test_oecd_sparse_status_dict():
    df = read_jsonstat(bundled.path("jsonstat_org_oecd"))
    row = cell(df, area="AU", year="2003")
    assert row["value"] == pytest.approx(5.943826289)
    # status {"10": "e", ...}: AU 2013 is an estimate, still a value (flag 0)
    row = cell(df, area="AU", year="2013")
    assert row["status"] == "e" and row["flag"] == 0 and row["value"] == pytest.approx(5.50415003)
    assert cell(df, area="AU", year="2012")["status"] is None
    assert (df["status"] == "e").sum() == 72


def test_hierarchy_sparse_value_object():
    df = read_jsonstat(bundled.path("jsonstat_org_hierarchy"))
    # value is {"0": null} for 132 categories: every cell missing, flag 1
    assert len(df) == 132 and df["value"].isna().all() and (df["flag"] == 1).all()
    assert df["commodity"].iloc[0] == "T" and df["commodity_label"].iloc[0] == "Total"


def test_order_row_major_and_string_values():
    df = read_jsonstat(bundled.path("jsonstat_org_order"))
    assert cell(df, A="2", B="2", C="1")["value"] == "A2B2C1"
    assert cell(df, A="3", B="2", C="4")["value"] == "A3B2C4"
    assert df["value"].iloc[0] == "A1B1C1"


def test_us_gsp_and_labor():
    gsp = read_jsonstat(bundled.path("jsonstat_org_us_gsp"))
    # state 06 (California, 5th in the index) x 4 concepts: value[16:20] = 2080600, 13.34, 37.3, 51914
    ca = gsp[gsp.state == "06"].set_index("concept")["value"]
    assert ca.to_dict() == {"gsp": 2080600, "perc": 13.34, "pop": 37.3, "capita": 51914}
    labor = read_jsonstat(bundled.path("jsonstat_org_us_labor"))
    row = cell(labor, county="01001", labor="unr")
    assert row["value"] == 6.5 and row["county_label"] == "Autauga County, AL"
    assert read_jsonstat(bundled.path("jsonstat_org_us_unr"))["value"].iloc[0] == 6.5


def test_ssb_07221_status_markers():
    df = read_jsonstat(bundled.path("ssb_07221_pxwebapi_v1_response"))
    assert df.attrs["role"] == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert df.attrs["extension"]["px"]["tableid"] == "07221"
    assert df.attrs["updated"] == "2024-01-12T07:00:00Z"
    assert len(df.attrs["note"]) == 2
    # value[176] is null with status ".." : Innlandet (007), Småhus (02), 2022K1
    row = cell(df, Region="007", Boligtype="02", Tid="2022K1")
    assert row["status"] == ".." and row["flag"] == 1 and math.isnan(row["value"])
    assert row["Region_label"] == "Innlandet" and row["Boligtype_label"] == "Småhus"
    # value[175] = 131.5: Innlandet, Eneboliger, 2023K4
    row = cell(df, Region="007", Boligtype="01", Tid="2023K4")
    assert row["value"] == 131.5 and row["flag"] == 0 and row["status"] is None
    assert (df["status"] == "..").sum() == 24 and (df["flag"] == 1).sum() == 24
    assert df.attrs["unit"]["ContentsCode"]["Boligindeks"]["decimals"] == 1


def test_ssb_29843_v1_bundle_with_status_dict():
    df = read_jsonstat(bundled.path("ssb_29843_jsonstat_v1_2016"))
    assert df.attrs["name"] == "dataset"
    assert list(df.columns[::2][:3]) == ["PKoder", "ContentsCode", "Tid"]
    assert len(df) == 20 * 6 * 312
    # status "." on null cells -> flag 2 (cannot occur); 7200 such cells in the file
    assert (df["status"] == ".").sum() == 7200 and (df["flag"] == 2).sum() == 7200
    first = df.iloc[0]
    assert (first["PKoder"], first["ContentsCode"], first["Tid"], first["status"], first["flag"]) == (
        "P1021", "Sesongjustert", "1990M01", ".", 2)
    # value[60] = 114.6 (P1021, seasonally adjusted, 60 months after 1990M01)
    row = cell(df, PKoder="P1021", ContentsCode="Sesongjustert", Tid="1995M01")
    assert row["value"] == 114.6 and row["flag"] == 0
    assert row["PKoder_label"] == "Extraction of crude petroleum"
    assert df.attrs["role"]["time"] == ["Tid"]


def test_scb_v2_dimensions_and_value():
    df = read_jsonstat(bundled.path("scb_tab6471_pxwebapi_v2"))
    assert df.attrs["dimension_labels"] == {"Region": "region", "Alder": "ålder", "Kon": "kön",
                                            "ContentsCode": "tabellinnehåll", "Tid": "månad"}
    assert [df[d].nunique() for d in ["Region", "Alder", "Kon", "ContentsCode", "Tid"]] == [21, 11, 3, 1, 4]
    # value[0:4] = 245284 ... 251635: Stockholms län, 0-9 år, both sexes, months 2026M01-M04
    row = cell(df, Region="01", Alder="0-9", Kon="TotSa", Tid="2026M04")
    assert row["value"] == 251635 and row["Region_label"] == "Stockholms län"
    assert cell(df, Region="01", Alder="0-9", Kon="1", Tid="2026M01")["value"] == 125373  # value[4]


def test_collection_links_resolved_locally():
    col = read_jsonstat_collection(bundled.path("jsonstat_org_collection"))
    assert list(col) == ["oecd", "canada", "galicia", "us-gsp", "us-unr", "us-labor", "order", "hierarchy"]
    assert len(col["galicia"]) == 3960
    assert col["canada"].attrs["name"] == "canada"


def test_collection_embedded_and_1x_bundle():
    for path in (bundled.path("jsonstat_org_oecd_canada_col"), bundled.path("jsonstat_org_oecd_canada")):
        col = read_jsonstat_collection(path)
        assert set(col) == {"oecd", "canada"}
        assert cell(col["oecd"], area="AU", year="2003")["value"] == pytest.approx(5.943826289)
        assert cell(col["canada"], age="4", concept="POP", sex="T")["value"] == 1928.8
    assert read_jsonstat(bundled.path("jsonstat_org_oecd_canada"), name="canada").attrs["name"] == "canada"
    assert len(read_jsonstat(bundled.path("jsonstat_org_oecd_canada"))) == 432  # the first dataset, oecd


def test_dict_source_with_status_string_and_sparse_values():
    ds = {"version": "2.0", "class": "dataset", "id": ["r", "t"], "size": [2, 2],
          "dimension": {"r": {"category": {"index": {"b": 1, "a": 0}, "label": {"a": "A", "b": "B"}}},
                        "t": {"category": {"index": ["2020", "2021"]}}},
          "value": {"0": 1, "3": 4.5}, "status": ":"}
    df = read_jsonstat(ds)
    assert df["r"].tolist() == ["a", "a", "b", "b"] and df["t"].tolist() == ["2020", "2021"] * 2
    assert df["value"].iloc[0] == 1 and df["value"].iloc[3] == 4.5
    # null cells with status ":" are suppressed (flag 3); present values keep flag 0
    assert df["flag"].tolist() == [0, 3, 3, 0] and (df["status"] == ":").all()


# --- bad input ---------------------------------------------------------------

def test_truncated_json_names_file_and_line(tmp_path):
    bad = tmp_path / "truncated.json"
    bad.write_text((bundled.path("jsonstat_org_canada")).read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_jsonstat(bad)
    assert err.value.file == str(bad) and err.value.field == "json" and err.value.row is not None
    assert "truncated.json" in str(err.value)


def test_value_length_mismatch(tmp_path):
    raw = json.loads((bundled.path("jsonstat_org_canada")).read_text(encoding="utf-8"))
    raw["value"] = raw["value"][:-1]
    bad = tmp_path / "short.json"
    bad.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(InputError, match="119 cells but the product of size is 120") as err:
        read_jsonstat(bad)
    assert err.value.field == "value" and "short.json" in str(err.value)


def test_size_and_category_mismatch():
    raw = json.loads((bundled.path("jsonstat_org_order")).read_text(encoding="utf-8"))
    raw["size"] = [3, 3, 4]
    with pytest.raises(InputError) as err:
        read_jsonstat(raw, origin="order-bad")
    assert err.value.field == "dimension.B.category" and err.value.file == "order-bad"
    raw["size"] = [3, 2]
    with pytest.raises(InputError) as err:
        read_jsonstat(raw)
    assert err.value.field == "size"


def test_unknown_class_and_bad_status():
    with pytest.raises(InputError) as err:
        read_jsonstat({"version": "2.0", "class": "dimension", "label": "x"})
    assert err.value.field == "class"
    raw = json.loads((bundled.path("jsonstat_org_order")).read_text(encoding="utf-8"))
    raw["status"] = {"24": "e"}
    with pytest.raises(InputError) as err:
        read_jsonstat(raw)
    assert err.value.field == "status"
    with pytest.raises(InputError) as err:
        read_jsonstat_collection(bundled.path("jsonstat_org_canada"))
    assert err.value.field == "class"
