"""read_population / read_statbank_csv on the bundled SSB 07459 and 10826 exports.

Expected figures: data/SOURCES.md section 3 (checked there against csdata and FHI popinfo) and
sums taken from the raw files with awk, independently of this parser.
"""

import pytest

from oppvekst.sources import catalogue as bundled
from oppvekst.sources.statbank import read_population, read_statbank_csv


@pytest.fixture(scope="module")
def pop2024():
    return read_population(bundled.path("ssb_07459_2024"))


def test_2024_columns_and_first_row(pop2024):
    assert list(pop2024.columns) == ["region", "region_name", "age", "year", "persons"]
    first = pop2024.iloc[0]
    # first data line of the file: "K-3101 Halden";"0 years";286
    assert (first["region"], first["region_name"], first["age"], first["year"], first["persons"]) == (
        "3101", "Halden", 0, 2024, 286)
    assert str(pop2024["persons"].dtype) == "int64"


def test_2024_oslo_norway_children(pop2024):
    assert pop2024.loc[pop2024.region == "0301", "persons"].sum() == 717_710
    # "K-0301 Oslo";"105 years or older";49 -> age 105
    oslo105 = pop2024[(pop2024.region == "0301") & (pop2024.age == 105)]
    assert oslo105["persons"].tolist() == [49]
    assert pop2024["persons"].sum() == 5_550_203
    assert pop2024.loc[pop2024.age <= 17, "persons"].sum() == 1_112_853
    assert set(pop2024["age"]) == set(range(106))


def test_2024_pseudo_regions_are_present_and_zero(pop2024):
    # 357 municipalities + 3 pseudo-regions; the pseudo-regions hold 0 persons in the 2024 export,
    # so the Norway total is the same with or without them.
    assert pop2024["region"].nunique() == 360
    municipalities = pop2024[pop2024.region.str.fullmatch(r"\d{4}")]
    assert municipalities["region"].nunique() == 357
    pseudo = pop2024[~pop2024.region.str.fullmatch(r"\d{4}")]
    names = dict(zip(pseudo.region, pseudo.region_name))
    assert names == {"21-22": "Svalbard and Jan Mayen", "23": "Continental shelf",
                     "Rest": "Divided municalities and unknown"}
    assert pseudo["persons"].sum() == 0
    assert municipalities["persons"].sum() == 5_550_203


def test_2023_old_codes():
    df = read_population(bundled.path("ssb_07459_2023"))
    assert df.loc[df.region == "0301", "persons"].sum() == 709_037
    assert df["persons"].sum() == 5_488_984
    assert df.loc[df.region == "3001", "persons"].sum() == 31_730  # = FHI popinfo 3101 Halden (SOURCES.md)
    assert df[df.region.str.fullmatch(r"\d{4}")]["region"].nunique() == 356
    assert set(df["year"]) == {2023}
    # a latin-1 name with a trailing no-break space in the file: "K-5436 Porsanger - Porsángu - Porsanki\xa0"
    assert df.loc[df.region == "5436", "region_name"].iloc[0] == "Porsanger - Porsángu - Porsanki"


def test_2019_comma_no_title_lf():
    df = read_population(bundled.path("ssb_07459_2019"))
    assert df["persons"].sum() == 5_328_212
    assert df["region"].nunique() == 423
    rindal_old = df[df.region == "1567"]
    assert rindal_old["region_name"].iloc[0] == "Rindal (-2018)"
    assert len(rindal_old) == 106 and rindal_old["persons"].sum() == 0
    assert df.loc[df.region == "0301", "region_name"].iloc[0] == "Oslo municipality"
    assert df.loc[df.region == "0301", "persons"].sum() == 681_071
    # this file is UTF-8 whose Norwegian letters were already replaced by U+FFFD upstream (not
    # ISO-8859-1 as SOURCES.md says): "2030 S\ufffdr-Varanger". Join on codes, not names.
    assert df.loc[df.region == "2030", "region_name"].iloc[0] == "S\ufffdr-Varanger"
    # first data line: 0101 Halden,0 years,245
    assert df.iloc[0][["region", "age", "persons"]].tolist() == ["0101", 0, 245]


def test_10826_wards():
    df = read_population(bundled.path("ssb_10826_2024"))
    oslo = df[df.region == "030100aa"]
    assert oslo["region_name"].iloc[0] == "Oslo total"
    assert oslo["persons"].sum() == 717_710  # equals 0301 Oslo in 07459 2024
    assert oslo.loc[oslo.age == 0, "persons"].item() == 8328
    gamle = df[df.region == "030101a"]
    assert gamle["region_name"].iloc[0] == "Gamle Oslo"
    assert gamle["persons"].sum() == 63_712
    assert gamle.loc[gamle.age == 0, "persons"].item() == 960
    assert df.loc[df.region == "160199", "region_name"].iloc[0] == "Unknown urban district Trondheim  (2001-2004)"


def test_statbank_csv_long_layout():
    df = read_statbank_csv(bundled.path("ssb_07459_2024"))
    assert list(df.columns) == ["region", "region_name", "age", "contents", "year", "value", "flag"]
    assert set(df["contents"]) == {"Persons"}
    assert df["value"].dtype == "float64" and (df["flag"] == 0).all()
    assert len(df) == 360 * 106
