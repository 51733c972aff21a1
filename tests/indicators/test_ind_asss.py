"""ASSS 1–10 self-reports: validation naming the field, all-or-nothing CSV, versions, observations, sync."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.conftest import pg_schema

from oppvekst.errors import InputError
from oppvekst.indicators import asss
from oppvekst.observations import frame
from oppvekst.warehouse import Warehouse

HEADER = ";".join(asss.CSV_COLUMNS)


def row(**over) -> dict:
    base = {"kommune": "0301", "aar": "2024", "plan_vedtatt": "ja", "plan_i_samfunnsdelen": "ja",
            "tverrfaglig_samarbeid": "ja", "antall_tjenester": "7", "lonnskostnader_kr": "4 500 000",
            "arsverk": "6,5", "eksternt_samarbeid": "ja", "foreldrestotte_universell": "ja",
            "foreldrestotte_selektiv": "ja", "foreldrestotte_indikativ": "nei", "familier_hjulpet": "120",
            "barnefamilier": "80000", "kilde_barnefamilier": "oppgitt av kommunen", "rapportert_av": "Kari",
            "kommentar": ""}
    base.update(over)
    return base


def csv_text(*rows: dict) -> str:
    return HEADER + "\n" + "\n".join(";".join(str(r.get(c, "")) for c in asss.CSV_COLUMNS) for r in rows) + "\n"


@pytest.fixture(autouse=True)
def _dispose():
    yield
    asss.dispose_all()


def test_valid_report_is_typed():
    rec = asss.validate(row())
    assert rec["municipality"] == "0301" and rec["year"] == 2024
    assert rec["plan_adopted"] is True and rec["parent_support_indicative"] is False
    assert rec["cooperation_cost_nok"] == 4_500_000 and rec["cooperation_fte"] == 6.5
    assert rec["services_in_cooperation"] == 7 and rec["families_helped"] == 120


@pytest.mark.parametrize("over, field, text_", [
    ({"kommune": "0399"}, "kommune", "2024"),
    ({"aar": "to tusen"}, "aar", "heltall"),
    ({"aar": "2009"}, "aar", "mellom"),
    ({"plan_vedtatt": "kanskje"}, "plan_vedtatt", "ja/nei"),
    ({"foreldrestotte_selektiv": ""}, "foreldrestotte_selektiv", "ja eller nei"),
    ({"antall_tjenester": "-2"}, "antall_tjenester", "negativt"),
    ({"antall_tjenester": "2,5"}, "antall_tjenester", "heltall"),
    ({"lonnskostnader_kr": "mye"}, "lonnskostnader_kr", "tall"),
    ({"plan_vedtatt": "nei"}, "plan_i_samfunnsdelen", "ingen plan"),
    ({"tverrfaglig_samarbeid": "nei"}, "antall_tjenester", "tomt"),
    ({"antall_tjenester": ""}, "antall_tjenester", "fylles ut"),
    ({"barnefamilier": ""}, "barnefamilier", "antall barnefamilier"),
    ({"familier_hjulpet": "90000"}, "familier_hjulpet", "flere"),
    ({"kilde_barnefamilier": ""}, "kilde_barnefamilier", "kilden"),
    ({"rapportert_av": " "}, "rapportert_av", "hvem"),
    ({"ukjent_felt": "1"}, "ukjent_felt", "ukjent felt"),
])
def test_bad_report_names_the_field(over, field, text_):
    with pytest.raises(InputError) as err:
        asss.validate(row(**over), file="skjema")
    assert err.value.field == field
    assert text_ in err.value.reason
    assert err.value.file == "skjema"


def test_csv_is_all_or_nothing_and_names_row_and_field():
    bad = csv_text(row(), row(kommune="4601", foreldrestotte_universell="x"))
    with pytest.raises(InputError) as err:
        asss.read_csv(bad.encode(), file="asss.csv")
    assert (err.value.file, err.value.row, err.value.field) == ("asss.csv", 3, "foreldrestotte_universell")
    assert asss.history().empty          # nothing was stored
    with pytest.raises(InputError) as err:
        asss.read_csv(csv_text(row(), row()).encode(), file="dup.csv")
    assert err.value.row == 3 and "rad 2" in err.value.reason
    with pytest.raises(InputError) as err:
        asss.read_csv("kommune;aar\n0301;2024\n", file="short.csv")
    assert err.value.field == "rapportert_av" and err.value.row == 1
    with pytest.raises(InputError) as err:
        asss.read_csv("kommune;aar\n".encode("utf-8") + "Bærum".encode("latin-1"), file="latin.csv")
    assert err.value.field == "encoding"


def test_comma_separated_csv_and_bom_are_read():
    text_ = "\ufeff" + csv_text(row()).replace(";", ",").replace("4 500 000", "4500000").replace("6,5", "6.5")
    recs = asss.read_csv(text_.encode("utf-8"), file="komma.csv")
    assert recs[0]["cooperation_fte"] == 6.5


def test_history_keeps_every_version_and_the_newest_is_current():
    asss.submit([asss.validate(row())], channel="web")
    asss.submit([asss.validate(row(antall_tjenester="9", rapportert_av="Ola"))], channel="csv")
    asss.submit([asss.validate(row(kommune="4601", aar="2023"))], channel="api")
    hist = asss.history("0301")
    assert list(hist["version"]) == [2, 1]
    cur = asss.current().set_index("municipality")
    assert cur.loc["0301", "version"] == 2 and cur.loc["0301", "services_in_cooperation"] == 9
    assert cur.loc["0301", "reported_by"] == "Ola" and cur.loc["4601", "year"] == 2023


def test_observations_normalise_as_menon_asks():
    reports = pd.DataFrame([asss.validate(row())])
    pop = frame([{"indicator": "population_0_17", "region": "0301", "period_from": 2024, "numerator": 131594.0,
                  "value": 131594.0}])
    defl = pd.DataFrame({"year": [2023, 2024], "index_value": [100.0, 104.0]})
    obs = asss.to_observations(reports, pop, defl).set_index("indicator")
    assert obs.loc["asss_01_prevention_plan", "value"] == 1
    assert obs.loc["asss_09_parent_support_indicative", "value"] == 0
    assert obs.loc["asss_04_services_in_cooperation", "value"] == 7
    # 5: 4 500 000 kr at 2024 prices (newest deflator year, factor 104/104) per 10 000 aged 0-17
    assert obs.loc["asss_05_cooperation_resources", "value"] == pytest.approx(4_500_000 / 131594 * 10_000)
    # 10: 120 of 80 000 families, per cent, Wilson interval
    r10 = obs.loc["asss_10_families_helped"]
    assert r10["value"] == pytest.approx(0.15)
    assert r10["ci_low"] < 0.15 < r10["ci_high"]
    # an earlier year is brought to the newest year's prices
    reports23 = pd.DataFrame([asss.validate(row(aar="2023"))])
    pop23 = pop.assign(period_from=2023, period_to=2023)
    v = asss.to_observations(reports23, pop23, defl).set_index("indicator").loc["asss_05_cooperation_resources", "value"]
    assert v == pytest.approx(4_500_000 * 104 / 100 / 131594 * 10_000)
    # without a deflator, indicator 5 is not computable (flag 2), never a guess
    no_defl = asss.to_observations(reports, pop, None).set_index("indicator").loc["asss_05_cooperation_resources"]
    assert no_defl["flag"] == 2 and np.isnan(no_defl["value"])


def test_deflator_needs_a_source():
    with pytest.raises(InputError) as err:
        asss.set_deflator(2024, 104.0, "")
    assert err.value.field == "source"
    asss.set_deflator(2024, 104.0, "test: a user-entered index")
    asss.set_deflator(2024, 105.0, "test: corrected")
    d = asss.deflators()
    assert d.set_index("year").loc[2024, "index_value"] == 105.0


def test_sync_loads_current_reports_as_a_release(tmp_path):
    asss.submit([asss.validate(row())], channel="web")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        rel = asss.sync(wh)
        assert rel is not None and "asss_01_prevention_plan" in rel.indicators
        got = wh.observations(indicator="asss_03_formal_cooperation")
        assert got["value"].tolist() == [1.0]
        assert asss.sync(wh) is None          # unchanged: no new release


def test_build_loads_the_reports_into_the_warehouse(tmp_path):
    from oppvekst.build import build

    asss.submit([asss.validate(row(kommune="4601"))], channel="csv")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = build(wh)
        assert [name for name, *_ in report.releases][-1] == "asss_self_report"
        got = wh.observations(indicator="asss_04_services_in_cooperation")
        assert got[["region", "value"]].values.tolist() == [["4601", 7.0]]
        assert build(wh).releases[-1][1] is None      # rebuilt unchanged: no new release


@pytest.fixture
def pg_url():
    with pg_schema("asss_test", lambda _url: asss.dispose_all()) as url:
        yield url


@pytest.mark.postgres
def test_reports_on_postgresql(pg_url):
    asss.submit([asss.validate(row())], channel="web", db_url=pg_url)
    asss.submit([asss.validate(row(antall_tjenester="8"))], channel="web", db_url=pg_url)
    cur = asss.current(pg_url)
    assert len(cur) == 1 and cur["version"].iloc[0] == 2 and cur["services_in_cooperation"].iloc[0] == 8
    assert len(asss.history(db_url=pg_url)) == 2


def test_no_reports_give_no_observations(tmp_path):
    assert asss.to_observations(asss.current()).empty
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert asss.observations(wh).empty
        assert asss.sync(wh) is None
