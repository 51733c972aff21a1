"""The 2024 structure, code lists 2008-2025, the change table, peer groups and boundaries.

Expected values are published figures: SSB KLASS 131 (versions and change table), KLASS 104/103 via
FHI norgeo, SSB 13556 and the independent gardenberg/kommunekoder code lists (data/SOURCES.md).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from oppvekst import regions
from oppvekst.config import DATA_DIR
from oppvekst.regions import _codes

GARDENBERG = DATA_DIR / "codes" / "kommunekoder_2013_2020_gardenberg"


def _level(df: pd.DataFrame, level: str) -> pd.DataFrame:
    return df[df["level"] == level]


# ---------------------------------------------------------------- the 2024 structure

def test_counts_per_level_2024():
    r = regions.regions_2024()
    assert list(r.columns) == ["code", "level", "name", "parent", "valid_from", "valid_to"]
    assert r["level"].value_counts().to_dict() == {
        "land": 1, "fylke": 15, "kommune": 357, "bydel": 38, "levekårssone": 207}
    assert r["code"].is_unique
    # districts: Oslo 17 (incl. Sentrum, Marka), Stavanger 9, Bergen 8, Trondheim 4 (KLASS 103 via norgeo)
    assert _level(r, "bydel").groupby("parent").size().to_dict() == {"0301": 17, "1103": 9, "4601": 8, "5001": 4}
    # zones: 84 under a district, 123 directly under a municipality
    zones = _level(r, "levekårssone")
    assert zones["parent"].str.len().value_counts().to_dict() == {4: 123, 6: 84}


def test_unknown_codes_are_known_but_left_out():
    everything = regions.regions_2024(include_unknown=True)
    extra = set(everything["code"]) - set(regions.regions_2024()["code"])
    assert extra == {"99", "9999", "030199", "110399", "460199", "500199"}
    assert set(everything.loc[everything["code"].isin(extra), "name"]) == {"Uoppgitt"}
    assert regions.is_unknown("9999") and not regions.is_unknown("1103")


def test_klass_names_not_map_names():
    name = regions.regions_2024().set_index("code")["name"]
    assert name["0"] == "Hele landet"
    assert name["1818"] == "Herøy (Nordland)"  # the map file says 'Herøy'
    assert name["1515"] == "Herøy (Møre og Romsdal)"
    assert name["5025"] == "Røros - Rosse"  # map: 'Rosse - Røros'; norgeo: 'Røros - Rossen'
    assert name["1833"] == "Rana - Raane"
    assert name["5001"] == "Trondheim - Tråante"
    assert name["18"] == "Nordland - Nordlánnda"
    assert name["56"] == "Finnmark - Finnmárku - Finmarkku"
    assert name["030101"] == "Gamle Oslo"
    assert regions.region_name("4601") == "Bergen"


def test_parents_chain_to_the_country():
    parent = regions.regions_2024().set_index("code")["parent"]
    assert parent["030101"] == "0301" and parent["0301"] == "03" and parent["03"] == "0"
    assert pd.isna(parent["0"])
    assert parent["03011101"] == "030111"  # a zone inside Stovner
    assert parent["31070001"] == "3107"  # Fredrikstad has zones but no districts
    r = regions.regions_2024()
    codes = set(r["code"])
    assert set(r["parent"].dropna()) <= codes


def test_valid_from_is_derived_from_the_change_table():
    vf = regions.regions_2024().set_index("code")["valid_from"]
    assert vf["5001"] == 2018  # 1601 Trondheim -> 5001 on 2018-01-01
    assert vf["1806"] == 2020 and vf["3101"] == 2024 and vf["1508"] == 2024
    assert pd.isna(vf["0301"])  # in force before the change table starts (1971)
    assert vf["50"] == 2018 and vf["46"] == 2020 and vf["31"] == 2024 and pd.isna(vf["03"])
    assert regions.regions_2024()["valid_to"].isna().all()


def test_results_are_copies_of_the_cache():
    r = regions.regions_2024()
    r.loc[r["code"] == "0301", "name"] = "changed"
    assert regions.region_name("0301") == "Oslo"
    assert regions.regions_2024().set_index("code").loc["0301", "name"] == "Oslo"


# ---------------------------------------------------------------- codes 2008-2025

@pytest.mark.parametrize("year, n", [(2008, 430), (2012, 429), (2013, 428), (2017, 426), (2018, 422),
                                     (2019, 422), (2020, 356), (2021, 356), (2022, 356), (2023, 356),
                                     (2024, 357), (2025, 357)])
def test_number_of_municipalities(year, n):
    df = regions.municipality_codes(year)
    assert list(df.columns) == ["code", "name"]
    assert len(df) == n and df["code"].is_unique and "9999" not in set(df["code"])


def test_walk_back_reproduces_the_bundled_klass_versions():
    # the change table takes each bundled version exactly to the one before it, codes and names
    v = _codes._version
    assert _codes._walk_back(v(2024), 2024) == v(2023)
    assert _codes._walk_back(v(2020), 2020) == v(2019)
    assert _codes._walk_back(v(2019), 2019) == v(2018)
    assert _codes._walk_back(_codes._walk_back(_codes._walk_back(v(2023), 2023), 2022), 2021) == v(2020)


def test_change_table_is_consistent_back_to_1970():
    current = set(_codes._version(2024))
    for year in range(2024, 1970, -1):
        rows = _codes._changes_by_year().get(year, [])
        new = {r["new_code"] for r in rows}
        old = {r["old_code"] for r in rows}
        assert new <= current, year  # every new code exists
        assert not (old - new) & current, year  # no old code is still there
        current = (current - new) | old


@pytest.mark.parametrize("year", [2013, 2017, 2018, 2019, 2020])
def test_codes_match_an_independent_list(year):
    # gardenberg/kommunekoder: 2013/2017/2018/2019/2020 code lists compiled from SSB
    wide = pd.read_csv(GARDENBERG / "alle_kommunenummer_fra2013_til2020_wide.csv", sep=";",
                       encoding="latin-1", dtype=str)
    theirs = set(wide[f"kommunenummer_{year}"].dropna()) - {"9999"}
    assert set(regions.municipality_codes(year)["code"]) == theirs


def test_2012_has_harstad_and_bjarkoy_not_1903():
    codes = set(regions.municipality_codes(2012)["code"])
    assert {"1901", "1915"} <= codes and "1903" not in codes
    assert regions.valid_years("1903") == list(range(2013, 2020))


def test_every_13556_code_is_valid_in_its_year():
    df = pd.read_csv(DATA_DIR / "neet" / "ssb13556_neet_15-29_by_kommune_sex_age_2008-2024.csv",
                     dtype={"komnr": str})
    munis = df[~df["komnr"].isin(["0", "03"])]
    for year, part in munis.groupby("tid"):
        invalid = set(part["komnr"]) - set(regions.municipality_codes(int(year))["code"])
        if year == 2012:
            # SSB 13556 publishes 2012 for Harstad on 1903, the code of the 2013 merger (1901 + 1915)
            assert invalid == {"1903"}
            assert not {"1901", "1915"} & set(part["komnr"])
        else:
            assert invalid == set(), year
    assert sorted(munis["tid"].unique()) == list(range(2008, 2025))


def test_year_out_of_range():
    with pytest.raises(ValueError):
        regions.municipality_codes(2007)
    with pytest.raises(ValueError):
        regions.municipality_codes(2026)


# ---------------------------------------------------------------- changes

def _change(c: pd.DataFrame, old: str, new: str) -> pd.Series:
    hit = c[(c["old_code"] == old) & (c["new_code"] == new)]
    assert len(hit) == 1, (old, new)
    return hit.iloc[0]


def test_trondelag_2018():
    c = regions.changes(2018)
    row = _change(c, "1601", "5001")
    assert (row["date"], row["kind"], row["new_name"]) == ("2018-01-01", "renumber", "Trondheim")
    assert _change(c, "1624", "5054")["kind"] == "merge" and _change(c, "1718", "5054")["kind"] == "merge"
    assert _change(c, "1567", "5061")["date"] == "2019-01-01"  # Rindal moved county a year later


def test_reform_2020_and_split_2024():
    c = regions.changes()
    assert _change(c, "0101", "3001")["date"] == "2020-01-01"
    assert _change(c, "3001", "3101")[["date", "kind"]].tolist() == ["2024-01-01", "renumber"]
    assert _change(c, "3018", "3114")["new_name"] == "Våler (Østfold)"
    for new in ("1508", "1580"):
        assert _change(c, "1507", new)[["date", "kind"]].tolist() == ["2024-01-01", "split"]
    assert _change(c, "5025", "5025")[["new_name", "kind"]].tolist() == ["Røros - Rosse", "rename"]
    assert _change(c, "0704", "0704")["kind"] == "merge"  # Tønsberg continues through the 2017 merger


def test_the_splits_since_2008():
    c = regions.changes(2008)
    splits = c[c["kind"] == "split"].groupby(["old_code", "date"])["new_code"].apply(sorted).to_dict()
    assert splits == {
        ("0720", "2017-01-01"): ["0704", "0710"],
        ("1850", "2020-01-01"): ["1806", "1875"],
        ("5012", "2020-01-01"): ["5055", "5056", "5059"],
        ("1507", "2024-01-01"): ["1508", "1580"],
    }
    assert regions.changes(2021)["year"].min() == 2022
    assert (c["date"].str.endswith("-01-01")).all()


# ---------------------------------------------------------------- peers

def test_asss_peer_group():
    asss = regions.peer_groups()["asss"]
    names = regions.regions_2024().set_index("code")["name"]
    assert dict(zip(asss, names[asss])) == {
        "0301": "Oslo", "1103": "Stavanger", "1108": "Sandnes", "3107": "Fredrikstad", "3201": "Bærum",
        "3203": "Asker", "3205": "Lillestrøm", "3301": "Drammen", "4204": "Kristiansand", "4601": "Bergen",
        "5001": "Trondheim - Tråante", "5501": "Tromsø"}


def test_county_peers():
    assert regions.county_peers("0301") == ["0301"]
    trondelag = regions.county_peers("5001")
    assert len(trondelag) == 38 and trondelag == regions.county_peers("50")
    assert "5001" in trondelag and all(c.startswith("50") for c in trondelag)
    assert sum(len(regions.county_peers(c)) for c in
               _level(regions.regions_2024(), "fylke")["code"]) == 357
    with pytest.raises(ValueError):
        regions.county_peers("3001")


# ---------------------------------------------------------------- boundaries

def test_municipality_boundaries():
    fc = regions.municipality_geojson()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 357
    codes = {f["properties"]["code"] for f in fc["features"]}
    assert codes == set(_codes._version(2024)) - {"9999"}
    props = {f["properties"]["code"]: f["properties"]["name"] for f in fc["features"]}
    assert props["1818"] == "Herøy (Nordland)" and props["5025"] == "Røros - Rosse"
    assert {f["geometry"]["type"] for f in fc["features"]} == {"Polygon", "MultiPolygon"}


def test_county_boundaries():
    fc = regions.county_geojson()
    assert len(fc["features"]) == 15
    codes = {f["properties"]["code"] for f in fc["features"]}
    assert codes == set(_level(regions.regions_2024(), "fylke")["code"])
    oslo = next(f for f in fc["features"] if f["properties"]["code"] == "03")
    ring = oslo["geometry"]["coordinates"][0][0] if oslo["geometry"]["type"] == "MultiPolygon" \
        else oslo["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]  # closed ring
    lon = [p[0] for p in ring]
    lat = [p[1] for p in ring]
    assert 10.3 < min(lon) and max(lon) < 11.0 and 59.7 < min(lat) and max(lat) < 60.2  # Oslo


def test_topojson_decoder_reproduces_the_published_geojson():
    # the source repository publishes the same 357 polygons as TopoJSON and as GeoJSON
    topo = json.loads((DATA_DIR / "geo" / "Kommuner-S.topojson").read_text(encoding="utf-8"))
    geo = json.loads((DATA_DIR / "geo" / "Kommuner-S.geojson").read_text(encoding="utf-8"))
    decoded = regions.topojson_to_geojson(topo, "Kommuner")
    expected = {f["properties"]["kommunenummer"]: f["geometry"] for f in geo["features"]}
    got = {f["properties"]["kommunenummer"]: f["geometry"] for f in decoded["features"]}
    assert got == expected


def test_topojson_decoder_quantised_and_reversed_arcs():
    # hand-computed: delta-encoded arc with transform, and the same arc reversed (~0 = -1)
    topo = {"type": "Topology", "transform": {"scale": [2, 3], "translate": [10, 20]},
            "arcs": [[[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]],
            "objects": {"o": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0]], "properties": {"k": 1}},
                {"type": "MultiPolygon", "arcs": [[[-1]]]}]}}}
    fc = regions.topojson_to_geojson(topo, "o")
    square = [[10, 20], [12, 20], [12, 23], [10, 23], [10, 20]]
    assert fc["features"][0]["geometry"]["coordinates"] == [square]
    assert fc["features"][0]["properties"] == {"k": 1}
    assert fc["features"][1]["geometry"]["coordinates"] == [[square[::-1]]]
