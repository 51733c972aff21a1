"""The catalogue of bundled data files (data/catalogue.yaml): complete, documented, every entry loads.

Expected figures: data/SOURCES.md (13556: 62,502 rows; the 2024 KLASS version has 358 items; 07459 2024:
Norway 5,550,203; kindergarten Landet 2024 = 0.943) and the files themselves.
"""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from oppvekst import config
from oppvekst.errors import InputError
from oppvekst.sources import catalogue as bundled
from oppvekst.sources._text import decode_bytes
from oppvekst.sources.catalogue import Catalogue

SRC = Path(__file__).resolve().parents[2] / "src" / "oppvekst"


def test_every_file_is_catalogued_once_and_documented_in_sources_md():
    assert bundled.default().problems() == []
    files = {p.relative_to(config.DATA_DIR).as_posix() for p in config.DATA_DIR.rglob("*") if p.is_file()}
    assert len(bundled.names()) == len(files) - 2 == 61  # all but SOURCES.md and catalogue.yaml


@pytest.fixture
def small(tmp_path):
    """A data folder of two files, one section documenting one of them."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (tmp_path / "a" / "two.csv").write_text("x,y\n3,4\n", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("# Data\n\n## 1. a/ — things\n\n| `one.csv` | ... |\n"
                                         "| `{two,three}.csv` | a group |\n", encoding="utf-8")
    return tmp_path


def catalogue_of(folder: Path, text: str) -> Catalogue:
    (folder / "catalogue.yaml").write_text(text, encoding="utf-8")
    return Catalogue.from_yaml(folder / "catalogue.yaml")


def test_the_checks_find_each_kind_of_fault(small):
    ok = catalogue_of(small, "one: {path: a/one.csv, format: csv, section: '1. a/'}\n"
                             "two: {path: a/two.csv, format: csv, section: '1. a/'}\n")
    assert ok.problems() == []  # `{two,three}.csv` names two.csv
    bad = catalogue_of(small, "one: {path: a/one.csv, format: csv, section: '2. b/'}\n"
                              "ghost: {path: a/ghost.csv, format: csv, section: '1. a/'}\n"
                              "again: {path: a/one.csv, format: csv, section: '1. a/'}\n")
    assert bad.problems() == [
        "one: no section '2. b/' in SOURCES.md",
        "ghost: no file a/ghost.csv",
        "ghost: SOURCES.md section '1. a/' does not name ghost.csv",
        "again: a/one.csv is catalogued already as one",
        "a/two.csv: not in catalogue.yaml",
    ]


@pytest.mark.parametrize("text, field", [
    ("Bad-Name: {path: a/one.csv, format: csv, section: x}\n", "Bad-Name"),
    ("one: {path: a/one.csv, format: csv, section: x, layout: wide}\n", "one"),        # not a csv option
    ("one: {path: a/one.csv, format: statbank_csv, section: x}\n", "one"),             # no layout
    ("one: {path: a/one.csv, format: parquet, section: x}\n", "one.format"),
    ("one: {path: a/one.csv, format: csv}\n", "one.section"),
])
def test_a_bad_entry_names_its_field(small, text, field):
    with pytest.raises(InputError) as err:
        catalogue_of(small, text)
    assert err.value.field == field and err.value.file.endswith("catalogue.yaml")


def test_unknown_name():
    with pytest.raises(KeyError, match="no bundled file 'nope'"):
        bundled.load("nope")


KINDS = {"csv": pd.DataFrame, "excel": pd.DataFrame, "statbank_csv": pd.DataFrame, "json": (dict, list),
         "geojson": dict, "topojson": dict}


@pytest.mark.parametrize("name", bundled.names())
def test_every_entry_loads_with_its_declared_layout(name):
    e = bundled.entry(name)
    data = bundled.load(name)
    if e.format == "jsonstat":
        assert isinstance(data, dict if e.collection else pd.DataFrame)
    else:
        assert isinstance(data, KINDS[e.format])
    assert len(data) > 0
    if e.format in ("csv", "statbank_csv"):
        # the declared encoding reads the file as the detection would, where the detection can
        raw = bundled.path(name).read_bytes()
        try:
            detected = decode_bytes(raw, name)[0]
        except InputError:
            detected = None  # cp1252 (kommuner_med_endringer...): only the declared encoding reads it
        if detected is not None:
            assert decode_bytes(raw, name, e.encoding)[0] == detected
    if isinstance(data, pd.DataFrame) and e.format == "csv":
        assert not any(c.startswith("Unnamed") for c in data.columns)  # the header row is the header


def test_frames_as_the_consumers_read_them():
    neet = bundled.load("ssb_13556_neet")
    assert len(neet) == 62502
    assert list(neet.columns) == ["region", "komnr", "tid", "alder", "kjonn", "tot", "NEET"]
    assert neet["komnr"].iloc[0] == "0" and (neet["komnr"] == "0301").any()  # codes stay text
    assert neet.attrs["source_file"] == str(config.DATA_DIR / bundled.entry("ssb_13556_neet").path)
    pop = bundled.load("ssb_07459_2024")  # read_population
    assert pop.loc[pop["region"].str.fullmatch(r"\d{4}"), "persons"].sum() == 5_550_203
    assert len(bundled.load("klass131_version_2024")["classificationItems"]) == 358
    assert bundled.load("geo_counties_2024")["type"] == "Topology"
    changed = bundled.load("gardenberg_municipalities_changed_2019_2020")  # cp1252: 0x9a is 'š'
    assert changed["kommuner_2019"].iloc[0] == "0101\xa0-\xa0Halden"
    assert changed["kommuner_2020"].str.contains("Kárášjohka").any()
    assert bundled.path("geo_municipalities_2024") == config.DATA_DIR / "geo" / "Kommuner-S.geojson"


def test_load_with_a_mapping_takes_the_layout_from_the_catalogue():
    mapping = {"columns": {"region": "Kommunenummer", "period": "År", "value": "Andel"},
               "constants": {"indicator": "barnehage_dekningsgrad"}, "value_scale": "fraction"}
    obs = bundled.load("kindergarten_coverage_telemark", mapping)
    landet = obs[(obs["region"] == "00") & (obs["period_from"] == 2024)]
    assert landet["value"].tolist() == [pytest.approx(94.3)]
    with pytest.raises(InputError, match="differs from the catalogue") as err:
        bundled.load("kindergarten_coverage_telemark", {**mapping, "encoding": "iso-8859-1"})
    assert err.value.field == "encoding"
    with pytest.raises(ValueError, match="cannot be read with a table mapping"):
        bundled.load("ssb_07459_2024", mapping)


def test_a_misdeclared_encoding_fails_loudly(small):
    (small / "a" / "one.csv").write_bytes("navn\nBærum\n".encode("iso-8859-1"))
    cat = catalogue_of(small, "one: {path: a/one.csv, format: csv, encoding: utf-8, section: '1. a/'}\n")
    with pytest.raises(InputError) as err:
        cat.load("one")
    assert err.value.field == "encoding" and err.value.row == 2


def test_copy_of_the_bundled_catalogue_over_a_moved_folder(tmp_path):
    # the catalogue resolves paths against its data folder, not against the package
    shutil.copytree(config.DATA_DIR / "neet", tmp_path / "neet")
    cat = Catalogue.from_yaml(config.DATA_DIR / "catalogue.yaml", tmp_path)
    assert cat.path("ssb_13556_neet").is_relative_to(tmp_path)
    assert len(cat.load("ssb_13556_neet")) == 62502


def test_no_module_opens_a_bundled_file_by_path():
    # DATA_DIR is read only by the catalogue; everyone else asks by name
    users = sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                   if re.search(r"\bDATA_DIR\b", p.read_text(encoding="utf-8")))
    assert users == ["config.py", "sources/catalogue.py"]
