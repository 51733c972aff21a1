"""build: the bundled releases come from the indicator catalogue, with pinned content hashes; a new indicator
from a bundled file is one YAML file and one derivation function (the README's worked example)."""

import textwrap

import pytest
import yaml

from oppvekst.build import BundledRelease, build, bundled_releases
from oppvekst.errors import InputError
from oppvekst.indicators.catalogue import CATALOGUE_DIR, catalogue, load_dir
from oppvekst.warehouse import Warehouse

# content_hash of each bundled release, recorded from `oppvekst releases --json` after a build made
# before the data catalogue existed (hand-kept BUNDLED list in build.py, commit 2407968): the catalogue
# must give the same releases, in the same order, with the same sources and rows.
PINNED = [
    ("SSB 13556 (bundled extract, 2008–2024)", "bundled: neet_15_29", ("neet_15_29",), 76086,
     "8ef80288a02d146547f71ee081d2066f99108db6016ef9b184e79d41c68c1c67"),
    ("SSB 07459 (2019, 2023, 2024), SSB 10826 (2024), FHI csdata (2025–2026)", "bundled: population",
     ("population_0_17", "population_15_29"), 3806,
     "57ae778f248db82f3eefe4bba7bd0aa08f50b1c51f597ee0618ebe64ccf0ce59"),
]


def test_bundled_releases_keep_their_content_hashes(built):
    got = [(r.source, r.description, r.indicators, r.n_rows, r.content_hash) for r in built.releases()]
    assert got == PINNED


# -- the README example: "Adding an indicator from a bundled file" ------------------------------------

DERIVATION = '''
"""Children 0–17 with child-welfare measures, Norway (FHI table 337, bundled)."""

import pandas as pd

from oppvekst.observations import frame


def derive(fhi_337_child_welfare_telemark: pd.DataFrame) -> pd.DataFrame:
    raw = fhi_337_child_welfare_telemark       # the catalogue's CSV, as pandas reads it
    land = raw[(raw["Geografi"] == "Hele landet") & (raw["Kjønn"] == "Kjønn samlet")].drop_duplicates()
    year = land["År"].str[:4].astype(int)      # "2024-01-01" -> 2024
    return frame({"indicator": "child_welfare_share_0_17", "region": "0", "period_from": year,
                  "value": land["Andel"] * 100})   # a fraction in the file, per cent here
'''

INDICATOR = '''
id: child_welfare_share_0_17
name: {nb: "Barn med barnevernstiltak 0–17 år", en: "Children with child-welfare measures, 0–17"}
definition:
  nb: Andel barn 0–17 år med tiltak fra barnevernet i løpet av året, i prosent.
  en: Share of children aged 0–17 with a child-welfare measure during the year, per cent.
theme: levekår
measure: proportion
scale: 100
unit: {nb: prosent, en: per cent}
polarity: higher_worse
source: {name: FHI, table: "337"}
denominator: Barn 0–17 år
data: bundled
# how build makes its release: derivation(**inputs), inputs named in data/catalogue.yaml
derivation: "example_child_welfare:derive"
inputs: [fhi_337_child_welfare_telemark]
release: {source: "FHI statistikk tabell 337 (bundled extract, 2015–2024)"}
'''


@pytest.fixture
def example(tmp_path, monkeypatch):
    """The example's derivation module on the path, its YAML in a catalogue folder of its own."""
    (tmp_path / "example_child_welfare.py").write_text(textwrap.dedent(DERIVATION), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "child_welfare_share_0_17.yaml").write_text(INDICATOR, encoding="utf-8")
    return load_dir(tmp_path / "catalogue")


def test_one_yaml_and_one_function_make_a_release(example, tmp_path):
    # next to the bundled catalogue, the new indicator is one more release, in id order
    names = [r.name for r in bundled_releases({**catalogue(), **example})]
    assert names == ["child_welfare_share_0_17", "neet_15_29", "population"]
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        report = build(wh, seed_evidence=False, indicators=example)
        assert report.releases == [("child_welfare_share_0_17", 1, 10)]  # 2015-2024
        obs = wh.observations(indicator="child_welfare_share_0_17", regions=["0"])
        series = dict(zip(obs["period_from"], obs["value"].round(6)))
        # data/SOURCES.md section 7: Hele landet 0.043 (2015) falling to 0.032 (2024)
        assert (series[2015], series[2024]) == (4.3, 3.2)
        assert wh.releases()[0].source == "FHI statistikk tabell 337 (bundled extract, 2015–2024)"


def test_a_derivation_may_fill_only_the_indicators_that_name_it():
    rel = BundledRelease("neet_15_29", "x", "oppvekst.indicators.neet:observations", ("ssb_13556_neet",),
                         ("neet_15_29", "neet_other"))
    with pytest.raises(InputError, match="gives indicators"):
        rel.derive()


def test_indicators_of_one_release_must_agree(tmp_path):
    for ind_id in ("population_0_17", "population_15_29"):
        data = yaml.safe_load((CATALOGUE_DIR / f"{ind_id}.yaml").read_text(encoding="utf-8"))
        if ind_id == "population_15_29":
            data["release"]["source"] = "another source"
        (tmp_path / f"{ind_id}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError, match="differ from population_0_17.yaml") as err:
        bundled_releases(load_dir(tmp_path))
    assert err.value.file == "population_15_29.yaml"
