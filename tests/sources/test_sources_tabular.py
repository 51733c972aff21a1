"""read_table / jsonstat_to_observations with declared mappings, on bundled files.

Expected figures: data/SOURCES.md (NEET 13556 national 2024 104,388 / 1,044,103; Porsgrunn 698 / 6,430;
kindergarten Landet 2024 = 0.943; Telemark 08 -> 40 in 2024) and cells read from the files by hand.
"""

import pytest

from oppvekst import observations
from oppvekst.errors import InputError
from oppvekst.sources import catalogue as bundled
from oppvekst.sources.jsonstat import read_jsonstat
from oppvekst.sources.tabular import TableMapping, jsonstat_to_observations, read_table

NEET = bundled.path("ssb_13556_neet")
NEET_MAP = {
    "columns": {"region": "komnr", "period": "tid", "age": "alder", "sex": "kjonn",
                "numerator": "NEET", "denominator": "tot"},
    "constants": {"indicator": "neet_15_29"},
    "value_maps": {"sex": {"Begge kjønn": "all", "Kvinner": "female", "Menn": "male"},
                   "age": {"15-29 år": "15-29", "20-24 år": "20-24", "25-29 år": "25-29"}},
    "value_from_ratio": 100,
}


def one(df, **where):
    mask = True
    for col, val in where.items():
        mask = mask & (df[col] == val)
    rows = df[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


@pytest.fixture(scope="module")
def neet():
    return read_table(NEET, NEET_MAP)


def test_neet_counts_and_ratio(neet):
    assert list(neet.columns) == observations.COLUMNS and len(neet) == 62502
    row = one(neet, region="0", period_from=2024, sex="all", age="15-29")
    assert (row["numerator"], row["denominator"]) == (104_388, 1_044_103)
    assert row["value"] == pytest.approx(10.0, abs=0.01) and row["flag"] == 0
    row = one(neet, region="4001", period_from=2024, sex="all", age="15-29")
    assert (row["numerator"], row["denominator"]) == (698, 6430)
    assert row["value"] == pytest.approx(100 * 698 / 6430)
    assert set(neet["sex"]) == {"all", "female", "male"}


def test_neet_empty_cells_are_missing(neet):
    # 2,007 NEET cells are empty upstream (SOURCES.md); line 772: Aremark,3012,2020,25-29 år,Menn,40,
    assert (neet["flag"] == 1).sum() == 2007
    row = one(neet, region="3012", period_from=2020, sex="male", age="25-29")
    assert row["flag"] == 1 and row["denominator"] == 40 and row["numerator"] != row["numerator"]


def test_fraction_scale_and_dates_yaml(tmp_path):
    mapping = tmp_path / "bhg.yaml"
    mapping.write_text(
        "columns: {region: Kommunenummer, period: År, value: Andel}\n"
        "constants: {indicator: barnehage_dekningsgrad, age: '1-5'}\n"
        "value_scale: fraction\n", encoding="utf-8")
    df = read_table(bundled.path("kindergarten_coverage_telemark"), mapping)
    assert TableMapping.from_yaml(mapping).value_scale == "fraction"
    assert one(df, region="00", period_from=2024)["value"] == pytest.approx(94.3)
    # Telemark is 08 up to 2023 and 40 from 2024 in the file
    assert sorted(df.loc[df.region == "08", "period_from"]) == [2020, 2021, 2022, 2023]
    assert one(df, region="40", period_from=2024)["value"] == pytest.approx(94.9)
    assert set(df["age"]) == {"1-5"} and (df["period_to"] == df["period_from"]).all()


def test_excel_melt_periods_and_drop():
    df = bundled.load("low_income_0_17_vestfold_telemark_2013_2020", {  # read_table by the catalogue
        "columns": {"region": "Sted", "age": "Alder"},
        "constants": {"indicator": "vedvarende_lavinntekt_0_17"},
        "value_maps": {"age": {"0-17 år": "0-17"}},
        "drop": {"Alder": ["Gjennomsnitt"]},  # the author's unweighted means, not SSB figures
        "melt": {"into": "period"},
    })
    row = one(df, region="Horten", period_from=2018)
    assert (row["period_to"], row["n_years"], row["value"]) == (2020, 3, 11.3)
    assert one(df, region="Sandefjord", period_from=2013)["value"] == 11.2
    assert set(df["age"]) == {"0-17"}
    assert "Gjennomsnitt" not in set(df["region"])


def test_excel_header_row_keep_pattern_melt_age():
    # the catalogue gives the header row (4, below three title rows); the mapping only maps
    df = bundled.load("ssb_13502_kindergarten_vestfold_telemark_2021", {
        "columns": {"region": "column1"},
        "keep": {"column1": r"^\d{4} "},
        "patterns": {"region": r"^(?P<code>\d{4}) "},
        "constants": {"indicator": "barnehage_andel", "period": 2021},
        "melt": {"into": "age"},
        "value_maps": {"age": {"1-5 år": "1-5", "3-5 år": "3-5"}},
    })
    assert len(df) == 23 * 2  # 6 Vestfold + 17 Telemark municipalities, two age groups
    assert one(df, region="3804", age="1-5")["value"] == 91.3
    assert one(df, region="3825", age="3-5")["value"] == 100.9
    assert set(df["period_from"]) == {2021}


def test_jsonstat_to_observations_galicia():
    js = read_jsonstat(bundled.path("jsonstat_org_galicia"))
    df = jsonstat_to_observations(js, {
        "columns": {"region": "residence", "period": "time", "sex": "gender", "age": "age",
                    "background": "birth"},  # the cell feeds `value` by default
        "constants": {"indicator": "population"},
        "value_maps": {"sex": {"T": "all", "M": "male", "F": "female"}, "age": {"T": "all"},
                       "background": {"T": "all"}},
    })
    assert len(df) == 3960
    # first cell of the file: all totals, 2001 = 2695880
    assert one(df, region="T", period_from=2001, sex="all", age="all", background="all")["value"] == 2695880
    assert (df["flag"] == 1).sum() == 4  # the 4 nulls


def test_jsonstat_measures_and_status_flags():
    ds = {"version": "2.0", "class": "dataset", "id": ["Region", "ContentsCode", "Tid"], "size": [2, 2, 1],
          "dimension": {
              "Region": {"category": {"index": ["0301", "4001"]}},
              "ContentsCode": {"category": {"index": ["Bosatte", "NEET"]}},
              "Tid": {"category": {"index": ["2024"]}}},
          "value": [1000, 100, 50, None], "status": {"3": ":"}}
    df = jsonstat_to_observations(read_jsonstat(ds), {
        "columns": {"region": "Region", "period": "Tid"},
        "measures": {"column": "ContentsCode", "fields": {"denominator": "Bosatte", "numerator": "NEET"}},
        "constants": {"indicator": "neet"},
        "value_from_ratio": 100,
        "suppressed_reason": "primary",
    })
    oslo = one(df, region="0301")
    assert (oslo["numerator"], oslo["denominator"], oslo["value"], oslo["flag"]) == (100, 1000, 10.0, 0)
    pors = one(df, region="4001")
    assert pors["flag"] == 3 and pors["flag_reason"] == "primary" and pors["denominator"] == 50


# --- bad input ---------------------------------------------------------------

def test_negative_count_names_line_and_field(tmp_path):
    path = tmp_path / "neg.csv"
    path.write_text("komnr;tid;tot;NEET\n0301;2024;100;5\n0301;2023;100;-3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, {"columns": {"region": "komnr", "period": "tid", "numerator": "NEET",
                                      "denominator": "tot"}, "constants": {"indicator": "x"},
                          "value_from_ratio": 100})
    assert (err.value.file, err.value.row, err.value.field) == (str(path), 3, "numerator (NEET)")


def test_latin1_file_declared_utf8(tmp_path):
    path = tmp_path / "l1.csv"
    path.write_bytes("region;år;verdi\n0301;2024;1\n1804 Bodø;2024;2\n".encode("iso-8859-1"))
    mapping = {"encoding": "utf-8", "columns": {"region": "region", "period": "år", "value": "verdi"},
               "constants": {"indicator": "x"}}
    with pytest.raises(InputError) as err:
        read_table(path, mapping)
    assert (err.value.row, err.value.field) == (1, "encoding")  # 'å' in the header line
    assert "0xe5" in str(err.value)
    mapping["encoding"] = "iso-8859-1"
    df = read_table(path, {**mapping, "patterns": {"region": r"^(\d{4})"}})
    assert df["region"].tolist() == ["0301", "1804"]


def test_validate_fault_reports_file_line(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("r,t,v,s\n0301,2024,1,Kvinner\n0301,2024,2,Ukjent\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, {"columns": {"region": "r", "period": "t", "value": "v", "sex": "s"},
                          "constants": {"indicator": "x"}, "value_maps": {"sex": {"Kvinner": "female"}}})
    assert (err.value.row, err.value.field) == (3, "sex")


def test_bad_period_cell_and_missing_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("r,t,v\n0301,2024,1\n0301,2024K1,2\n", encoding="utf-8")
    base = {"columns": {"region": "r", "period": "t", "value": "v"}, "constants": {"indicator": "x"}}
    with pytest.raises(InputError) as err:
        read_table(path, base)
    assert (err.value.row, err.value.field) == (3, "period (t)")
    with pytest.raises(InputError) as err:
        read_table(path, {**base, "columns": {"region": "r", "period": "year", "value": "v"}})
    assert err.value.field == "year"


def test_bad_mapping():
    with pytest.raises(InputError) as err:
        TableMapping.load({"columns": {"region": "r", "colour": "c"}})
    assert err.value.field == "columns"
    with pytest.raises(InputError, match="indicator"):
        TableMapping.load({"columns": {"region": "r", "period": "t", "value": "v"}})
