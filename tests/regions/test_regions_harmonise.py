"""Carrying statistics onto the 2024 codes: crosswalk, split weights, harmonise.

Real data: SSB 07459 population 1 Jan 2019 (pre-2020 codes, Norway 5,328,212) and 1 Jan 2023 (2023
codes, Norway 5,488,984) as bundled (data/SOURCES.md). The split weights are checked against the
published 07459/13556 figures they are computed from, written out here by hand.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from oppvekst import regions
from oppvekst.config import DATA_DIR
from oppvekst.errors import InputError
from oppvekst.sources.statbank import read_population

POP = DATA_DIR / "population"


@pytest.fixture(scope="module")
def pop2019() -> pd.DataFrame:
    return read_population(POP / "ssb_07459_raw_Personer2019.csv")


@pytest.fixture(scope="module")
def pop2023() -> pd.DataFrame:
    df = read_population(POP / "ssb_07459_raw_Personer2023.csv")
    return df[df["region"].str.fullmatch(r"\d{4}")].reset_index(drop=True)  # no Svalbard, shelf, 'Rest'


def _by_code(df: pd.DataFrame) -> pd.Series:
    return df.groupby("region")["persons"].sum()


# ---------------------------------------------------------------- split weights

def test_split_weights_table():
    w = regions.split_weights()
    assert {"old_code", "date", "new_code", "weight", "population", "population_year", "method",
            "source"} <= set(w.columns)
    assert w.groupby("old_code")["weight"].sum().sub(1).abs().max() < 1e-12
    got = {(r.old_code, r.new_code): (r.population, r.population_year, r.method) for r in w.itertuples()}
    # SSB 07459, 1 January: 1508 Ålesund 58,509 and 1580 Haram 9,357 in 2024
    assert got[("1507", "1508")] == (58509, 2024, "population of the part")
    assert got[("1507", "1580")] == (9357, 2024, "population of the part")
    # residual, 07459: 1806 Narvik 2023 21,515 - (1805 Narvik 18,630 + 1854 Ballangen 2,470 in 2019) = 415;
    # 1875 Hamarøy 2023 2,682 - 1849 Hamarøy 2019 1,747 = 935
    assert got[("1850", "1806")] == (415, 2023, "residual")
    assert got[("1850", "1875")] == (935, 2023, "residual")
    # 5055 Heim 5,880 - (5011 Hemne 4,228 + 1571 Halsa 1,574) = 78; 5056 Hitra 5,281 - 4,694 = 587;
    # 5059 Orkland 18,690 - (5024 Orkdal 12,086 + 5023 Meldal 3,905 + 5016 Agdenes 1,693) = 1,006
    assert [got[("5012", n)][0] for n in ("5055", "5056", "5059")] == [78, 587, 1006]
    # residual, 13556 residents 15-29: 0704 Tønsberg 8,532 (2017) - 8,063 (2016) = 469;
    # 0710 Sandefjord 11,512 - (0706 Sandefjord 8,316 + 0719 Andebu 1,109) = 2,087
    assert got[("0720", "0704")] == (469, 2017, "residual")
    assert got[("0720", "0710")] == (2087, 2017, "residual")
    weight = dict(zip(zip(w["old_code"], w["new_code"]), w["weight"]))
    assert weight[("1507", "1580")] == pytest.approx(9357 / 67866, abs=1e-15)
    assert weight[("1850", "1806")] == pytest.approx(415 / 1350, abs=1e-15)
    assert weight[("5012", "5059")] == pytest.approx(1006 / 1671, abs=1e-15)
    assert weight[("0720", "0710")] == pytest.approx(2087 / 2556, abs=1e-15)
    sources = dict(zip(w["old_code"], w["source"]))
    assert "07459" in sources["1507"] and "07459" in sources["1850"] and "13556" in sources["0720"]


def test_aalesund_weights_match_an_independent_copy_of_07459():
    # csdata's b2024 population file is identical to the raw 2024 export (SOURCES.md)
    cs = pd.read_csv(POP / "csdata_nor_population_by_age_b2024_total_2024_2026.csv")
    cs = cs[(cs["calyear"] == 2024)].groupby("location_code")["pop_jan1_n"].sum()
    w = regions.split_weights().set_index("new_code")
    assert w.loc["1508", "population"] == cs["municip_nor1508"]
    assert w.loc["1580", "population"] == cs["municip_nor1580"]


# ---------------------------------------------------------------- crosswalk

def test_crosswalk_chains_and_multiplies():
    cw = regions.crosswalk(2016)
    rows = {(o, n): w for o, n, w in cw.itertuples(index=False)}
    assert rows[("0101", "3101")] == 1.0  # Halden: 0101 -> 3001 (2020) -> 3101 (2024)
    assert rows[("1601", "5001")] == 1.0  # Trondheim: 1601 -> 5001 (2018)
    # Stokke 2017 -> 0704 Tønsberg -> 3803 (2020) -> 3905 (2024), and -> 0710 Sandefjord -> 3804 -> 3907
    assert rows[("0720", "3905")] == pytest.approx(469 / 2556)
    assert rows[("0720", "3907")] == pytest.approx(2087 / 2556)
    cw20 = regions.crosswalk(2020)
    assert dict(zip(cw20.loc[cw20["old_code"] == "1507", "new_code"], cw20.loc[cw20["old_code"] == "1507", "weight"])) \
        == pytest.approx({"1508": 58509 / 67866, "1580": 9357 / 67866})


@pytest.mark.parametrize("year", range(2008, 2025))
def test_crosswalk_weights_sum_to_one(year):
    cw = regions.crosswalk(year)
    assert set(cw["old_code"]) == set(regions.municipality_codes(year)["code"])
    assert set(cw["new_code"]) == set(regions.municipality_codes(2024)["code"])
    assert cw.groupby("old_code")["weight"].sum().sub(1).abs().max() < 1e-12


def test_haram_before_2020_needs_no_weights():
    # KLASS note on 1507: 1580 Haram follows the borders of Haram before the merger of 1 January 2020
    cw = regions.crosswalk(2019).set_index("old_code")
    assert cw.loc["1534", "new_code"] == "1580" and cw.loc["1534", "weight"] == 1.0
    for old in ("1504", "1523", "1529", "1546"):  # Ålesund, Ørskog, Skodje, Sandøy
        assert cw.loc[old, "new_code"] == "1508" and cw.loc[old, "weight"] == 1.0


def test_crosswalk_2019_to_2020_matches_an_independent_table():
    theirs = pd.read_csv(DATA_DIR / "codes" / "kommunekoder_2013_2020_gardenberg" /
                         "fra_2019kommuner_til_2020kommuner.csv", sep=";", encoding="latin-1", dtype=str)
    pairs = set(zip(theirs["kommunenummer_2019"], theirs["kommunenummer_2020"])) - {("9999", "9999")}
    cw = regions.crosswalk(2019, 2020)
    assert set(zip(cw["old_code"], cw["new_code"])) == pairs


# ---------------------------------------------------------------- harmonise real populations

def test_population_2019_onto_2024(pop2019):
    # SSB lists '1567 Rindal (-2018)' with 0 at every age: Rindal is 5061 from 2019, so the row is
    # not a 2019 code; it holds no one and is dropped (keeping it is an error, see below).
    rindal = pop2019[pop2019["region"] == "1567"]
    assert len(rindal) == 106 and rindal["persons"].sum() == 0
    before = pop2019[pop2019["region"] != "1567"].reset_index(drop=True)
    assert before["region"].nunique() == 422
    out = regions.harmonise(before, 2019, count_cols=["persons"], name_col="region_name")

    assert out["persons"].sum() == before["persons"].sum() == 5_328_212
    assert out["persons"].dtype == np.int64
    assert set(out["region"]) == set(regions.municipality_codes(2024)["code"])
    assert out.groupby("age")["persons"].sum().equals(before.groupby("age")["persons"].sum())

    old, new = _by_code(before), _by_code(out)
    assert new["3101"] == old["0101"]  # Halden renumbered twice
    assert new["5001"] == old["5001"] + old["5030"]  # Trondheim + Klæbu (2020)
    assert new["1580"] == old["1534"]  # Haram restored with its pre-2020 borders
    assert new["1508"] == old[["1504", "1523", "1529", "1546"]].sum()
    assert new["1806"] + new["1875"] == old[["1805", "1854", "1849", "1850"]].sum()
    assert out.loc[out["region"] == "1875", "region_name"].iloc[0] == "Hábmer - Hamarøy"

    w = out.attrs["weights"]
    assert set(w["old_code"]) == {"1850", "5012"}
    assert set(w["method"]) == {"residual"}


def test_split_cells_are_shared_by_largest_remainder(pop2019):
    before = pop2019[pop2019["region"] != "1567"].reset_index(drop=True)
    out = regions.harmonise(before, 2019, count_cols=["persons"])
    cells = out.pivot_table(index="age", columns="region", values="persons", aggfunc="sum")
    src = before.pivot_table(index="age", columns="region", values="persons", aggfunc="sum")
    share = cells["1806"] - src["1805"] - src["1854"]  # Narvik's part of Tysfjord, age by age
    exact = src["1850"] * Fraction(415, 1350).__float__()
    assert ((share - exact).abs() < 1).all()
    assert (share + cells["1875"] - src["1849"]).equals(src["1850"])


def test_population_2023_onto_2024(pop2023):
    assert pop2023["region"].nunique() == 356
    out = regions.harmonise(pop2023, 2023, count_cols=["persons"])
    assert out["persons"].sum() == pop2023["persons"].sum() == 5_488_984
    assert set(out["region"]) == set(regions.municipality_codes(2024)["code"])
    old, new = _by_code(pop2023), _by_code(out)
    assert new["3101"] == old["3001"] == 31_730  # popinfo: 3101 Halden 31,730 (1 Jan 2023)
    assert new["1508"] + new["1580"] == old["1507"]
    cells = out[out["region"].isin(["1508", "1580"])].groupby("age")["persons"].sum()
    assert cells.equals(pop2023[pop2023["region"] == "1507"].groupby("age")["persons"].sum())
    w = out.attrs["weights"]
    assert w[["old_code", "new_code", "population"]].values.tolist() == [
        ["1507", "1508", 58509], ["1507", "1580", 9357]]
    assert out.attrs["crosswalk"]["weight"].sum() == pytest.approx(1.0)


def test_same_year_keeps_every_code():
    df = pd.DataFrame({"region": ["030101", "0301", "03", "0"], "n": [1, 2, 3, 4]})
    out = regions.harmonise(df, 2024, count_cols=["n"])
    assert out.equals(df)


# ---------------------------------------------------------------- hand-computed cases

def test_largest_remainder_and_override():
    df = pd.DataFrame({"region": ["1507", "1507", "1507"], "sex": ["m", "k", "all"], "n": [7, 10, 11]})
    out = regions.harmonise(df, 2023, count_cols=["n"]).set_index(["sex", "region"])["n"]
    # 7 x (0.862, 0.138) = 6.035, 0.965 -> floors 6, 0, the remaining 1 goes to the larger fraction
    assert (out[("m", "1508")], out[("m", "1580")]) == (6, 1)
    assert (out[("k", "1508")], out[("k", "1580")]) == (9, 1)  # 8.62, 1.38 -> 8 + 1, 1
    given = pd.DataFrame({"old_code": ["1507", "1507"], "new_code": ["1508", "1580"], "weight": [0.5, 0.5]})
    half = regions.harmonise(df, 2023, count_cols=["n"], weights=given)
    halves = half.set_index(["sex", "region"])["n"]
    assert (halves[("all", "1508")], halves[("all", "1580")]) == (6, 5)  # 5.5, 5.5: tie to the first code
    assert (halves[("k", "1508")], halves[("k", "1580")]) == (5, 5)
    assert set(half.attrs["weights"]["method"]) == {"given"}
    floats = regions.harmonise(df.assign(n=[2.5, 1.0, 0.0]), 2023, count_cols=["n"], weights=given)
    assert floats.set_index(["sex", "region"])["n"][("m", "1580")] == 1.25


def test_missing_values_stay_missing():
    df = pd.DataFrame({"region": ["1805", "1854", "1849", "1850", "1805", "1854", "1849", "1850"],
                       "sex": ["m"] * 4 + ["k"] * 4,
                       "n": [np.nan, 5, 3, 10, 1, 2, 3, np.nan]})
    out = regions.harmonise(df, 2019, count_cols=["n"]).set_index(["sex", "region"])["n"]
    assert np.isnan(out[("m", "1806")])  # 1805 missing: the merged sum is missing, not 5 + a share
    assert out[("m", "1875")] == 3 + 7  # 10 x 0.693 = 6.93 -> 6 + the remaining 1
    assert np.isnan(out[("k", "1806")]) and np.isnan(out[("k", "1875")])  # a missing Tysfjord
    nullable = pd.DataFrame({"region": ["1507", "1507"], "sex": ["m", "k"], "n": pd.array([7, None], "Int64")})
    got = regions.harmonise(nullable, 2023, count_cols=["n"])
    assert str(got["n"].dtype) == "Int64"
    assert got["n"].tolist()[:2] == [6, 1] and got["n"].isna().tolist()[2:] == [True, True]


def test_counties_carried_only_when_unchanged():
    df = pd.DataFrame({"region": ["0", "03", "08", "20", "11"], "n": [1, 2, 3, 4, 5]})
    out = regions.harmonise(df, 2019, count_cols=["n"], name_col=None)
    # Telemark 08 -> 40 and Finnmark 20 -> 56 kept their municipalities; Rogaland's 2020 mergers are inside it
    assert out["region"].tolist() == ["0", "03", "40", "56", "11"]
    with pytest.raises(InputError, match="territory"):  # 0121 Rømskog joined Aurskog-Høland (now Akershus)
        regions.harmonise(pd.DataFrame({"region": ["01"], "n": [1]}), 2019, count_cols=["n"])
    with pytest.raises(InputError, match="territory"):  # Jevnaker, Lunner, Røyken, Hurum joined Akershus
        regions.harmonise(pd.DataFrame({"region": ["02"], "n": [1]}), 2019, count_cols=["n"])
    with pytest.raises(InputError, match="territory"):  # Viken was split in 2024
        regions.harmonise(pd.DataFrame({"region": ["30"], "n": [1]}), 2023, count_cols=["n"])


# ---------------------------------------------------------------- bad input

def test_unknown_code_names_file_row_and_field():
    df = pd.DataFrame({"kommune": ["0301", "9876", "1103"], "n": [1, 2, 3]})
    copy = df.copy()
    assert regions.valid_years("9876") == []
    with pytest.raises(InputError) as err:
        regions.harmonise(df, 2024, code_col="kommune", count_cols=["n"], file="tall.csv")
    e = err.value
    assert (e.file, e.row, e.field) == ("tall.csv", 2, "kommune")
    assert "9876" in str(e) and "row 2" in str(e) and "tall.csv" in str(e)
    assert df.equals(copy)


def test_retired_code_names_its_successor(pop2019):
    copy = pop2019.copy()
    with pytest.raises(InputError) as err:
        regions.harmonise(pop2019, 2019, count_cols=["persons"])
    first = int(np.flatnonzero(pop2019["region"] == "1567")[0]) + 1
    e = err.value
    assert (e.row, e.field) == (first, "region")
    assert e.file.endswith("ssb_07459_raw_Personer2019.csv")
    assert "1567" in str(e) and "5061" in str(e) and "2019" in str(e) and "105 more rows" in str(e)
    assert pop2019.equals(copy)


def test_code_from_a_later_year():
    df = pd.DataFrame({"region": ["0301", "3001"], "n": [1, 2]})
    with pytest.raises(InputError, match=r"not valid in 2019 \(valid 2020-2023") as err:
        regions.harmonise(df, 2019, count_cols=["n"])
    assert err.value.row == 2


def test_other_bad_input():
    with pytest.raises(InputError) as err:
        regions.harmonise(pd.DataFrame({"region": [301], "n": [1]}), 2024, count_cols=["n"])
    assert (err.value.row, err.value.field) == (1, "region")
    with pytest.raises(InputError) as err:
        regions.harmonise(pd.DataFrame({"region": ["0301"], "n": [1]}), 2024, count_cols=["x"])
    assert err.value.field == "x"
    bad = pd.DataFrame({"old_code": ["1507", "1507"], "new_code": ["1508", "1580"], "weight": [0.5, 0.4]})
    with pytest.raises(InputError) as err:
        regions.harmonise(pd.DataFrame({"region": ["1507"], "n": [1]}), 2023, count_cols=["n"], weights=bad)
    assert (err.value.file, err.value.field) == ("weights", "weight")
    with pytest.raises(ValueError):
        regions.harmonise(pd.DataFrame({"region": ["0301"], "n": [1]}), 2024, count_cols=["n"], to_year=2020)
    with pytest.raises(InputError, match="district and zone"):
        regions.harmonise(pd.DataFrame({"region": ["030101"], "n": [1]}), 2023, count_cols=["n"])
