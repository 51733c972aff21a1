"""The CLI as a user runs it: show, regions, releases, load (good and bad files)."""

import json

import pytest
from typer.testing import CliRunner

from oppvekst.cli import _register, app
from oppvekst.warehouse import Warehouse

_register()
runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_show_oslo_2024_json(built):
    out = json.loads(run("show", "neet_15_29", "--region", "0301", "--year", "2024", "--json").output)
    row = next(o for o in out["observations"] if o["sex"] == "all" and o["age"] == "15-29")
    assert (row["numerator"], row["denominator"]) == (16109, 159078)
    assert out["region_name"] == "Oslo" and out["source"]["table"] == "13556"


def test_show_table_text(built):
    text = run("show", "neet_15_29", "--region", "0301", "--year", "2024").output
    assert "16 109" in text and "159 078" in text and "Oslo" in text


def test_show_unknown_indicator_fails_clearly(built):
    result = run("show", "nope", "--region", "0301", ok=False)
    assert result.exit_code == 2 and "unknown indicator" in result.output


def test_regions_search_and_weights():
    hits = json.loads(run("regions", "--search", "Haram", "--json").output)
    assert [h["code"] for h in hits] == ["1580"]
    weights = json.loads(run("regions", "--weights", "--json").output)
    alesund = [w for w in weights if w["old_code"] == "1507"]
    assert {w["new_code"] for w in alesund} == {"1508", "1580"}
    assert sum(w["weight"] for w in alesund) == pytest.approx(1.0)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_HOME", str(tmp_path))
    return tmp_path


GOOD = ("indicator,region,period_from,period_to,sex,age,background,ses,numerator,denominator,value,n_years,flag\n"
        "neet_15_29,0301,2030,2030,all,15-29,all,all,10,100,10.0,1,0\n"
        "neet_15_29,3101,2030,2030,all,15-29,all,all,5,50,10.0,1,0\n")


def test_load_release_list_and_rollback(fresh_home):
    f = fresh_home / "obs.csv"
    f.write_text(GOOD, encoding="utf-8")
    out = json.loads(run("load", str(f), "--json").output)
    assert out == {"release": 1, "rows": 2, "indicators": ["neet_15_29"]}
    listed = json.loads(run("releases", "--json").output)
    assert listed[0]["source"] == "obs.csv" and listed[0]["status"] == "active"
    run("releases", "rollback", "1")
    with Warehouse(read_only=True) as wh:
        assert wh.observations(indicator="neet_15_29").empty


@pytest.mark.parametrize("body, message", [
    (GOOD.replace("10,100,10.0", "-10,100,10.0"), "row 2, field 'numerator': negative count"),
    (GOOD.replace("5,50,10.0", "60,50,10.0"), "row 3, field 'numerator': numerator larger than its denominator"),
    (GOOD.replace("3101", "3001"), "row 3, field 'region'"),   # a retired code (Halden before 2024)
    (GOOD.replace("3101", "9876"), "row 3, field 'region'"),   # no such code
])
def test_bad_load_names_file_row_field_and_changes_nothing(fresh_home, body, message):
    f = fresh_home / "bad.csv"
    f.write_text(GOOD, encoding="utf-8")
    run("load", str(f))
    before = json.loads(run("releases", "--json").output)
    f.write_text(body, encoding="utf-8")
    result = run("load", str(f), ok=False)
    assert result.exit_code == 2
    assert "bad.csv" in result.output and message in " ".join(result.output.split())
    assert json.loads(run("releases", "--json").output) == before


def test_wrong_encoding_is_named(fresh_home):
    f = fresh_home / "latin1.csv"
    f.write_bytes(GOOD.replace("neet_15_29,3101", "neet_15_29,3101").encode("utf-8")
                  + "neet_15_29,0301,2031,2031,all,Bærum,all,all,1,2,50,1,0\n".encode("latin-1"))
    result = run("load", str(f), ok=False)
    assert "latin1.csv" in result.output and "row 4" in result.output and "encoding" in result.output


def test_load_on_old_codes_is_harmonised(fresh_home):
    # 2023 codes: 1507 Ålesund was split in 2024; 3001 Halden became 3101.
    f = fresh_home / "old.csv"
    f.write_text(GOOD.replace("0301,2030", "1507,2023").replace("3101,2030", "3001,2023")
                 .replace("2030", "2023"), encoding="utf-8")
    run("load", str(f), "--codes-year", "2023")
    with Warehouse(read_only=True) as wh:
        df = wh.observations(indicator="neet_15_29", age="15-29").set_index("region")
    assert set(df.index) == {"1508", "1580", "3101"}
    assert df.loc[["1508", "1580"], "numerator"].sum() == 10
    assert df.loc[["1508", "1580"], "denominator"].sum() == 100
    assert (df.loc["3101", "numerator"], df.loc["3101", "denominator"]) == (5, 50)


MAPPING = """\
columns: {region: komnr, period: tid, age: alder, sex: kjonn, numerator: NEET, denominator: tot}
constants: {indicator: neet_15_29}
value_maps:
  sex: {"Begge kjønn": all, Kvinner: female, Menn: male}
  age: {"15-29 år": "15-29"}
value_from_ratio: 100
"""


def test_load_statbank_layout_with_a_mapping_on_2023_codes(fresh_home):
    # SSB 13556 rows for 2023, on the 2023 codes (1507 Ålesund before the split, 3001 Halden)
    (fresh_home / "map.yaml").write_text(MAPPING, encoding="utf-8")
    f = fresh_home / "neet2023.csv"
    f.write_text("region,komnr,tid,alder,kjonn,tot,NEET\n"
                 "Ålesund,1507,2023,15-29 år,Begge kjønn,12000,1000\n"
                 "Halden,3001,2023,15-29 år,Begge kjønn,5000,600\n", encoding="utf-8")
    out = json.loads(run("load", str(f), "--mapping", str(fresh_home / "map.yaml"), "--codes-year", "2023",
                         "--json").output)
    assert out["rows"] == 3  # 1508 + 1580 + 3101
    with Warehouse(read_only=True) as wh:
        df = wh.observations(indicator="neet_15_29", age="15-29").set_index("region")
    # 1507 is shared out by the 2024 populations of 1508 and 1580 (SSB 07459): 58,509 and 9,357.
    share = 58509 / (58509 + 9357)
    assert df.loc["1508", "denominator"] == round(12000 * share)
    assert df.loc[["1508", "1580"], "numerator"].sum() == 1000
    assert df.loc["3101", "value"] == pytest.approx(12.0)


def test_unknown_indicator_is_refused(fresh_home):
    f = fresh_home / "x.csv"
    f.write_text(GOOD.replace("neet_15_29,3101", "no_such_indicator,3101"), encoding="utf-8")
    result = run("load", str(f), ok=False)
    assert "row 3, field 'indicator'" in " ".join(result.output.split())
