"""The content store on SQLite and on PostgreSQL: writes, bad input, levels and overrides, pooled
effects, search, the link from indicators to measures, local examples, import and export.

The measures here are test fixtures (not shipped). The BCG vaccine trials (Colditz et al. 1994) serve
as test effects, so the pooled effect read back from the database can be checked against metafor.
"""

from __future__ import annotations

import math

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from oppvekst.content import db
from oppvekst.content.models import AuditEntry, Base
from oppvekst.errors import InputError
from oppvekst.evidence import exchange
from oppvekst.evidence.meta import read_meta_csv, reference_data_path
from oppvekst.evidence.models import Effect, Measure, Study
from oppvekst.evidence.store import NO_EFFECT_NOTE, EvidenceStore

OUTCOMES = [
    {"id": "tb", "name_nb": "Tuberkulose (testutfall)", "name_en": "Tuberculosis (test outcome)",
     "higher_is_better": False, "indicators": ["test_tb"]},
    {"id": "helse", "name_nb": "Barns helse", "name_en": "Child health", "indicators": ["ind_helse"]},
    {"id": "skole", "name_nb": "Skoleresultater", "name_en": "School results"},
]


def measure(mid, **extra):
    data = {"id": mid, "name": f"Tiltak {mid}", "kind": "program", "description": "Beskrivelse",
            "status": "i_drift"}
    data.update(extra)
    return data


def bcg_studies():
    data = read_meta_csv(reference_data_path("dat_bcg.csv"), "rr")
    return [{"citation": label, "year": int(label[-4:]), "country": "US", "design": "rct",
             "risk_of_bias": "some",
             "effects": [{"outcome": "tb", "measure_type": "rr", "estimate": math.exp(y), "variance": v}]}
            for label, y, v in zip(data.labels, data.yi, data.vi)]


@pytest.fixture
def filled(store: EvidenceStore) -> EvidenceStore:
    for o in OUTCOMES:
        store.add_outcome(o)
    store.add_measure(measure("bcg", name="BCG-vaksine (testdata)", outcomes=["tb"], arenas=["helsestasjon"],
                              prevention=["universell"], studies=bcg_studies()))
    store.add_measure(measure(
        "hjemmebesok", name="Hjemmebesøk for nybakte foreldre", target_group="Førstegangsforeldre",
        rationale="Tidlig støtte", arenas=["helsestasjon", "familie"], prevention=["selektiv"], age_min=0,
        age_max=2, outcomes=["helse"],
        studies=[{"citation": "Nordisk RCT", "year": 2020, "country": "NO", "design": "rct", "risk_of_bias": "low",
                  "effects": [{"outcome": "helse", "measure_type": "smd", "estimate": 0.3, "ci_low": 0.1,
                               "ci_high": 0.5}]}]))
    store.add_measure(measure("leksehjelp", name="Leksehjelp i skolen",
                              description="Hjelp til skolearbeid for familier med hjemmebesøk av lærer",
                              arenas=["skole"], prevention=["universell"], age_min=6, age_max=12,
                              outcomes=["skole"]))
    return store


def counts(store: EvidenceStore) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Measure, Study, Effect, AuditEntry))


def test_migrations_match_the_models(store):
    """The one migration tree makes exactly the tables every capability's models describe."""
    db.load_models()
    with db.engine(store.url).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": db.VERSION_TABLE})
        diff = [d for d in compare_metadata(ctx, Base.metadata)
                if not any("ev_search" in str(part) for part in d)]
    assert diff == []


def test_measure_view_level_and_pooled_effect_match_metafor(filled):
    m = filled.measure("bcg")
    assert m["n_studies"] == 13 and m["n_effects"] == 13
    assert m["level"]["computed"]["level"] == 3 and m["level"]["rule"] == "L3"  # non-Nordic RCTs
    pooled = m["pooled"][0]
    assert pooled["k"] == 13 and pooled["hartung_knapp"] and pooled["scale"] == "ratio"
    # metafor docs (dat.bcg.html): REML without adjustment, exp(estimate) 0.4894, CI 0.3441–0.6962
    res = filled.pooled("bcg", "tb", hk=False)
    assert abs(math.exp(res.estimate) - 0.4894) <= 0.5e-4
    assert abs(math.exp(res.ci_low) - 0.3441) <= 0.5e-4 and abs(math.exp(res.ci_high) - 0.6962) <= 0.5e-4
    assert abs(res.tau2 - 0.3132) <= 0.5e-4 and abs(res.q - 152.2330) <= 0.5e-4
    svg = filled.forest_svg("bcg", "tb")
    assert svg.startswith("<svg") and "Aronson 1948" in svg and "TPT Madras 1980" in svg


def test_effect_decides_nordic_level_and_effect_note(filled):
    m = filled.measure("hjemmebesok")
    assert m["evidence_level"] == 4 and m["level"]["rule"] == "L4"
    assert m["effect_note"] is None
    empty = filled.measure("leksehjelp")
    assert empty["evidence_level"] == 1 and empty["effect_note"] == NO_EFFECT_NOTE and empty["pooled"] == []


@pytest.mark.parametrize("bad,field,phrase", [
    ({"outcome": "helse", "measure_type": "smd", "estimate": 0.2}, "variance", "varians"),
    ({"outcome": "helse", "measure_type": "smd", "estimate": 0.9, "ci_low": 0.1, "ci_high": 0.5},
     "estimate", "utenfor"),
    ({"outcome": "helse", "measure_type": "or", "estimate": 1.2, "ci_low": 0.0, "ci_high": 2.0},
     "ci_low", "større enn 0"),
    ({"outcome": "ukjent", "measure_type": "smd", "estimate": 0.2, "variance": 0.01}, "outcome", "ukjent utfall"),
    ({"outcome": "helse", "measure_type": "hr", "estimate": 0.2, "variance": 0.01}, "measure_type", "ukjent"),
    ({"outcome": "helse", "measure_type": "smd", "estimate": 0.2, "ci_low": 0.1}, "ci_high", "både"),
])
def test_bad_effects_are_refused_and_nothing_changes(filled, bad, field, phrase):
    before = counts(filled)
    study = {"citation": "Ny studie", "year": 2021, "country": "SE", "design": "rct", "effects": [bad]}
    with pytest.raises(InputError) as err:
        filled.add_study("hjemmebesok", study, actor="test")
    assert err.value.field == field and phrase in str(err.value)
    assert "Ny studie" in str(err.value.row)  # the record is named
    assert counts(filled) == before


def test_duplicate_study_unknown_arena_and_unknown_outcome_are_refused(filled):
    before = counts(filled)
    with pytest.raises(InputError) as err:
        filled.add_study("hjemmebesok", {"citation": "nordisk  RCT.", "year": 2020, "design": "rct"}, actor="t")
    assert err.value.field == "citation" and "duplicate" in str(err.value)
    with pytest.raises(InputError) as err:
        filled.add_measure(measure("x", arenas=["sykehus"]))
    assert err.value.field == "arenas" and "'x'" in str(err.value.row)
    with pytest.raises(InputError) as err:
        filled.add_measure(measure("y", outcomes=["lykke"]))
    assert err.value.field == "outcomes"
    with pytest.raises(InputError) as err:
        filled.add_measure(measure("z", colour="blå"))
    assert err.value.field == "colour"
    assert counts(filled) == before


def test_a_measure_is_written_all_or_nothing(filled):
    before = counts(filled)
    bad = measure("nytt", outcomes=["helse"], studies=[
        {"citation": "A", "design": "rct", "effects": [{"outcome": "helse", "measure_type": "md",
                                                         "estimate": 1, "variance": 0.2}]},
        {"citation": "B", "design": "rct", "effects": [{"outcome": "helse", "measure_type": "md",
                                                         "estimate": 1}]}])
    with pytest.raises(InputError) as err:
        filled.add_measure(bad)
    assert "studie 2" in str(err.value.row) and err.value.field == "variance"
    assert counts(filled) == before and "nytt" not in filled.measure_ids()


def test_level_override_shows_its_reason(filled):
    filled.set_level_override("leksehjelp", 3, "Ny norsk evaluering er under publisering", actor="redaktør")
    m = filled.measure("leksehjelp")
    assert m["evidence_level"] == 3 and m["level"]["rule"] == "override" and m["level_overridden"]
    assert m["level"]["override"]["reason"] == "Ny norsk evaluering er under publisering"
    assert m["level"]["override"]["by"] == "redaktør"
    assert m["level"]["computed"]["level"] == 1  # the rubric's own answer stays visible
    with pytest.raises(InputError) as err:
        filled.set_level_override("leksehjelp", 4, "  ", actor="redaktør")
    assert err.value.field == "reason"
    with pytest.raises(InputError):
        filled.set_level_override("leksehjelp", 7, "grunn", actor="redaktør")
    filled.clear_level_override("leksehjelp", actor="redaktør")
    assert filled.measure("leksehjelp")["evidence_level"] == 1


def test_search_ranks_and_filters(filled):
    found = filled.search("hjemmebesøk")["measures"]
    # the measure named so ranks above the one that only mentions it in its description
    assert [m["id"] for m in found] == ["hjemmebesok", "leksehjelp"]
    assert next(m["id"] for m in filled.search("hjemme")["measures"]) == "hjemmebesok"  # prefix
    assert [m["id"] for m in filled.search(arena="skole")["measures"]] == ["leksehjelp"]
    assert [m["id"] for m in filled.search(age=1)["measures"]] == ["hjemmebesok"]
    assert [m["id"] for m in filled.search(prevention="universell")["measures"]] == ["bcg", "leksehjelp"]
    assert [m["id"] for m in filled.search(outcome="helse")["measures"]] == ["hjemmebesok"]
    assert [m["id"] for m in filled.search(min_level=3)["measures"]] == ["hjemmebesok", "bcg"]
    assert filled.search("finnesikke")["measures"] == []
    with pytest.raises(InputError) as err:
        filled.search(arena="kino")
    assert err.value.field == "arena"


@pytest.mark.postgres
def test_postgres_search_uses_norwegian_stemming(clean_pg_url):
    from oppvekst.evidence.seed import ensure_seeded

    ensure_seeded(clean_pg_url)
    store = EvidenceStore(clean_pg_url)
    # "barnehagene" (definite plural) finds measures that say "barnehage"/"barnehager" via the stemmer
    ids = [m["id"] for m in store.search("barnehagene")["measures"]]
    assert "gratis_kjernetid" in ids and "spraksterk" in ids


def test_measures_for_indicator(filled):
    rows = filled.measures_for_indicator("ind_helse")
    assert [(r["measure_id"], r["evidence_level"]) for r in rows] == [("hjemmebesok", 4)]
    pooled = rows[0]["pooled_effect"]
    assert pooled["k"] == 1 and pooled["estimate"] == pytest.approx(0.3)
    assert pooled["ci_low"] == pytest.approx(0.1) and pooled["ci_high"] == pytest.approx(0.5)
    tb = filled.measures_for_indicator("test_tb")[0]
    assert tb["pooled_effect"]["k"] == 13 and tb["pooled_effect"]["estimate"] < 1
    assert filled.measures_for_indicator("finnes_ikke") == []
    filled.link_indicator("skole", "ind_skole", actor="t")
    row = filled.measures_for_indicator("ind_skole")[0]
    assert row["measure_id"] == "leksehjelp" and row["pooled_effect"] is None
    assert row["effect_note"] == NO_EFFECT_NOTE


def test_local_examples_apart_and_upgrade(filled):
    ex = filled.add_local_example({"title": "Hjemmebesøk i Sandnes", "municipality": "Sandnes",
                                   "description": "Lokalt tiltak", "arenas": ["familie"], "cost_nok": 250000,
                                   "cost_note": "Årlig lønn, kommunens eget anslag", "contact": "post@example.no"})
    res = filled.search("hjemmebesøk")
    assert [e["id"] for e in res["local_examples"]] == [ex]
    assert all(m["id"] != ex for m in res["measures"])
    with pytest.raises(InputError) as err:
        filled.add_local_example({"title": "Hjemmebesøk i Sandnes!", "municipality": "sandnes"})
    assert err.value.field == "title"
    with pytest.raises(InputError) as err:
        filled.add_local_example({"title": "Kostnad uten kilde", "municipality": "Sola", "cost_nok": 10})
    assert err.value.field == "cost_note"
    filled.upgrade_local_example(ex, "hjemmebesok", actor="t")
    assert filled.local_example(ex)["status"] == "oppgradert"
    assert filled.local_example(ex)["measure_id"] == "hjemmebesok"


def test_json_export_import_round_trip(filled, tmp_path):
    filled.set_level_override("leksehjelp", 2, "Teori dokumentert i manual", actor="r")
    filled.add_local_example({"title": "Eksempel", "municipality": "Bodø"})
    bundle = exchange.export_bundle(filled)
    target = EvidenceStore(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    got = exchange.import_bundle(target, bundle, file="bundle.json")
    assert got["measures"] == 3 and got["studies"] == 14 and got["effects"] == 14 and got["level_overrides"] == 1
    again = exchange.export_bundle(target)
    bundle.pop("exported_at"), again.pop("exported_at")
    assert again == bundle
    with pytest.raises(InputError) as err:  # importing the same content again: duplicates refused
        exchange.import_bundle(target, bundle, file="bundle.json")
    assert err.value.file == "bundle.json" and err.value.field == "id"


def test_csv_import_is_all_or_nothing_and_names_row_and_field(filled, tmp_path):
    csv_text = exchange.export_csv(filled, "effects")
    assert csv_text.splitlines()[0].startswith("measure_id,study_citation,study_year,outcome,measure_type")
    target = EvidenceStore(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    for table in ("outcomes", "measures", "studies"):
        path = tmp_path / f"{table}.csv"
        path.write_text(exchange.export_csv(filled, table), encoding="utf-8")
        exchange.import_file(target, path)  # table guessed from the header
    bad = csv_text.splitlines()
    bad[3] = bad[3].replace(",rr,", ",xx,")
    path = tmp_path / "effects.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        exchange.import_file(target, path)
    assert (err.value.file, err.value.row, err.value.field) == (str(path), "4", "measure_type")
    assert target.measure("bcg")["n_effects"] == 0  # nothing from the refused file
    path.write_text(csv_text, encoding="utf-8")
    assert exchange.import_file(target, path) == {"effects": 14}
    assert target.measure("bcg")["pooled"][0]["estimate"] == pytest.approx(
        filled.measure("bcg")["pooled"][0]["estimate"])
