"""The indicator catalogue: coverage of the frameworks, the ASSS definitions, and validation errors."""

from pathlib import Path

import pytest
import yaml

from oppvekst.errors import InputError
from oppvekst.indicators.catalogue import (
    CATALOGUE_DIR,
    PROFILE_THEMES,
    catalogue,
    in_framework,
    load_dir,
    load_file,
    profile_indicators,
)


def test_at_least_30_profile_indicators_in_the_four_themes():
    by_theme = profile_indicators()
    assert list(by_theme) == list(PROFILE_THEMES)
    real = [i for inds in by_theme.values() for i in inds if not i.synthetic]
    assert len(real) >= 30
    for theme, inds in by_theme.items():
        assert len(inds) >= 5, theme


def test_every_indicator_has_definition_source_and_reference():
    for ind in catalogue().values():
        if ind.synthetic:
            continue
        assert ind.definition.nb and ind.definition.en, ind.id
        assert ind.source.name, ind.id
        assert ind.reference, ind.id
        if ind.source.table is None and ind.data != "self_report":
            # a source without a table id says it is still to be confirmed
            assert "bekreftes" in (ind.source.note or "") or "confirmed" in (ind.source.note or ""), ind.id


def test_the_15_asss_indicators_follow_menon_43_2024():
    asss = sorted(in_framework("asss"), key=lambda i: i.asss_number)
    assert [i.asss_number for i in asss] == list(range(1, 16))
    # results chain, Menon ch. 4.1 (activity 1-6), 4.2 (result 7-11), 4.3 (effect 12-15)
    assert [i.chain_level for i in asss] == ["aktivitet"] * 6 + ["resultat"] * 5 + ["effekt"] * 4
    # self-reported: 1-10
    assert [i.self_report for i in asss] == [True] * 10 + [False] * 5
    # yes/no indicators 1, 2, 3, 6, 7, 8, 9 (Menon: "1 hvis ... og 0 ellers")
    assert [i.asss_number for i in asss if i.measure == "binary"] == [1, 2, 3, 6, 7, 8, 9]
    by_no = {i.asss_number: i for i in asss}
    # comparability between municipalities, appendix 5 (table 0-1), verbatim in part
    assert by_no[4].comparability["between_municipalities"].startswith("Nei (ikke direkte")
    assert by_no[14].comparability["between_municipalities"].startswith("Nei, hvis sammenligningen skal gi mening")
    assert "prisjustert med kommunal deflator" in by_no[5].comparability["over_time"]
    assert "10 000" in by_no[5].comparability["between_municipalities"]
    assert "andel av barnefamilier" in by_no[10].comparability["over_time"]
    # the normalisation the report asks for
    assert by_no[11].scale == 10000 and by_no[11].measure == "rate"
    assert by_no[5].scale == 10000
    assert "§ 15-1" in by_no[1].definition.nb


def test_kommunemonitor_quality_of_life_and_mission_indicators():
    km = {i.id for i in in_framework("kommunemonitor")}
    assert "low_income_persistent_0_17" in km
    lq = {i.id for i in in_framework("livskvalitet")}
    # Meld. St. 28 ch. 7.3.2: school well-being, loneliness, crowded families, children and low income, completion
    assert {"school_wellbeing_10", "loneliness", "crowded_families", "low_income_persistent_0_17",
            "upper_secondary_completion"} <= lq
    goals = {i.mission_subgoal for i in in_framework("samfunnsoppdrag")}
    assert goals == {1, 2, 3, 4, 5, 6}      # Boks 8.3, sub-goals 1-6
    neet = catalogue()["neet_15_29"]
    assert neet.mission_subgoal == 6 and neet.headline == {"age": "15-29"} and neet.data == "bundled"


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _valid() -> dict:
    return yaml.safe_load((CATALOGUE_DIR / "neet_15_29.yaml").read_text(encoding="utf-8"))


def test_valid_copy_loads(tmp_path):
    data = _valid()
    data["id"] = "copy_of_neet"
    assert load_file(_write(tmp_path, "copy_of_neet", data)).measure == "proportion"


@pytest.mark.parametrize("change, field", [
    (lambda d: d.update(theme="skole"), "theme"),
    (lambda d: d.update(frameworks=["oppvekstprofil", "ukjent"]), "frameworks"),
    (lambda d: d.update(measure="ratio"), "measure"),
    (lambda d: d.pop("denominator"), None),
    (lambda d: d["definition"].pop("en"), "definition.en"),
    (lambda d: d.update(asss_number=16), "asss_number"),
    (lambda d: d.update(colour="red"), "colour"),
])
def test_bad_indicator_is_refused_naming_the_field(tmp_path, change, field):
    data = _valid()
    data["id"] = "bad"
    change(data)
    path = _write(tmp_path, "bad", data)
    with pytest.raises(InputError) as err:
        load_file(path)
    assert err.value.file == str(path)
    if field:
        assert err.value.field == field


def test_binary_with_interval_and_id_mismatch_are_refused(tmp_path):
    data = _valid()
    data.update(id="yes_no", measure="binary", interval="wilson")
    with pytest.raises(InputError, match="binary"):
        load_file(_write(tmp_path, "yes_no", data))
    data = _valid()
    with pytest.raises(InputError) as err:
        load_file(_write(tmp_path, "other_name", data))
    assert err.value.field == "id"


def test_a_bad_file_stops_the_whole_directory(tmp_path):
    good = _valid()
    good["id"] = "good"
    _write(tmp_path, "good", good)
    (tmp_path / "zz_broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_dir(tmp_path)
    assert err.value.file.endswith("zz_broken.yaml")


# -- the bundled release: derivation and inputs (issue 14) ---------------------------------------------

@pytest.mark.parametrize("change, field, message", [
    (lambda d: d.update(derivation="oppvekst.indicators.neet:nope"), "derivation", "does not import"),
    (lambda d: d.update(derivation="oppvekst.nowhere:derive"), "derivation", "does not import"),
    (lambda d: d.update(derivation="oppvekst.indicators.neet.derive"), "derivation", "pattern"),
    (lambda d: d.update(inputs=["ssb_13556_neet", "no_such_file"]), "inputs", "not a name in data/catalogue"),
    (lambda d: d.update(inputs=["ssb_07459_2024"]), None, "does not take the inputs by name"),
    (lambda d: d.pop("release"), None, "together"),
    (lambda d: d.update(data="synthetic"), None, "data: bundled"),
    (lambda d: d["release"].pop("source"), "release.source", "required"),
])
def test_a_bad_derivation_is_refused(tmp_path, change, field, message):
    data = _valid()
    data["id"] = "bad"
    change(data)
    with pytest.raises(InputError, match=message) as err:
        load_file(_write(tmp_path, "bad", data))
    assert err.value.field == field


def test_build_metadata_stays_out_of_the_dump():
    ind = catalogue()["neet_15_29"]
    assert (ind.derivation, ind.inputs, ind.release_name) == (
        "oppvekst.indicators.neet:observations", ["ssb_13556_neet"], "neet_15_29")
    # the warehouse's indicators table and the API show indicator metadata, not how build derives it
    assert not {"derivation", "inputs", "release"} & set(ind.model_dump())
    assert catalogue()["population_15_29"].release_name == "population"
    assert catalogue()["kindergarten_1_5"].release_name is None


def test_the_catalogue_declares_the_bundled_releases():
    from oppvekst.build import bundled_releases

    pop_inputs = ("ssb_07459_2019", "ssb_07459_2023", "ssb_07459_2024", "ssb_10826_2024",
                  "csdata_population_2024_2026")
    assert [(r.name, r.source, r.derivation, r.inputs, r.indicators) for r in bundled_releases()] == [
        ("neet_15_29", "SSB 13556 (bundled extract, 2008–2024)", "oppvekst.indicators.neet:observations",
         ("ssb_13556_neet",), ("neet_15_29",)),
        ("population", "SSB 07459 (2019, 2023, 2024), SSB 10826 (2024), FHI csdata (2025–2026)",
         "oppvekst.indicators.population:derive", pop_inputs, ("population_0_17", "population_15_29")),
    ]
