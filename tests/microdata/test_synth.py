"""The synthetic registers: exact 2024 population (SSB 07459 / 10826), identities, zones, determinism."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from microdata_sample import SAMPLE

from oppvekst import regions
from oppvekst.config import DATA_DIR
from oppvekst.errors import InputError
from oppvekst.microdata import fnr, synth
from oppvekst.sources.statbank import read_population


def _raw(base, name, columns=None):
    return pd.read_parquet(base / "raw" / f"{name}.parquet", columns=columns)


def _residence_2024(base):
    res = _raw(base, "residence", ["fnr", "year", "kommune", "bydel", "levekarssone"])
    pop = _raw(base, "population", ["fnr", "birth_date"])
    r = res[res["year"] == 2024].merge(pop, on="fnr")
    return r.assign(age=2023 - pd.to_datetime(r["birth_date"]).dt.year)   # completed years on 1 January 2024


def test_population_2024_equals_ssb_07459_exactly(sample):
    base, _ = sample
    r = _residence_2024(base)
    got = r.groupby(["kommune", "age"]).size()
    ssb = read_population(DATA_DIR / "population" / "ssb_07459_raw_Personer2024.csv")
    ssb = ssb[ssb["region"].isin(SAMPLE) & (ssb["age"] <= 29)].set_index(["region", "age"])["persons"]
    ssb.index.names = ["kommune", "age"]
    assert got.reindex(ssb.index, fill_value=0).tolist() == ssb.tolist()
    assert got.sum() == ssb.sum()
    # Utsira, the smallest municipality: every one of its residents aged 0–29 is in the register.
    assert got.loc["1151"].sum() == ssb.loc["1151"].sum()


def test_city_districts_equal_ssb_10826_exactly(sample):
    base, _ = sample
    r = _residence_2024(base)
    r = r[r["kommune"] == "1103"]
    ward = read_population(DATA_DIR / "population" / "ssb_10826_raw_Personerward2024.csv")
    ward = ward[ward["region"].str.fullmatch(r"1103\d\d") & (ward["age"] <= 29)]
    known = ward[~ward["region"].str.endswith("99")].groupby(["region", "age"])["persons"].sum()
    got = r.groupby(["bydel", "age"]).size()
    assert got.reindex(known.index, fill_value=0).tolist() == known.tolist()
    unknown = ward[ward["region"] == "110399"]["persons"].sum()      # 'Unknown urban district Stavanger'
    assert r["bydel"].isna().sum() == unknown


def test_identity_numbers_are_valid_synthetic_and_unique(sample):
    base, _ = sample
    pop = _raw(base, "population")
    p = fnr.parse(pop["fnr"])
    assert p.valid.all() and set(p.kind) == {"synthetic"}
    assert pop["fnr"].is_unique
    assert (p.birth_date == pop["birth_date"].to_numpy().astype("datetime64[D]")).all()
    parents = pd.concat([pop["mother_fnr"], pop["father_fnr"]]).dropna().unique()
    pp = fnr.parse(parents)
    assert pp.valid.all() and set(pp.kind) == {"synthetic"}
    assert not set(parents) & set(pop["fnr"])


def test_zones_sit_inside_their_district_or_municipality(sample):
    base, _ = sample
    res = _raw(base, "residence", ["kommune", "bydel", "levekarssone"]).drop_duplicates()
    parent = regions.regions_2024().set_index("code")["parent"]
    zoned = res[res["levekarssone"].notna()]
    expected_parent = zoned["bydel"].fillna(zoned["kommune"])
    assert (zoned["levekarssone"].map(parent) == expected_parent).all()
    assert set(zoned["kommune"]) == {"1103", "3107"}                    # zones exist there only
    assert res.loc[res["kommune"].isin(["4001", "1151"]), ["bydel", "levekarssone"]].isna().all().all()
    assert (res.loc[res["bydel"].notna(), "bydel"].str[:4] == "1103").all()


def test_people_move_between_years(sample):
    base, _ = sample
    res = _raw(base, "residence", ["fnr", "year", "kommune"])
    moved = res.groupby("fnr")["kommune"].nunique() > 1
    assert 0.02 < moved.mean() < 0.5


def test_consumption_units_follow_the_eu_scale():
    # EU (modified OECD) scale, by hand: 2 adults + one child of 15 + one of 10 = 1 + 0.5 + 0.5 + 0.3 = 2.3;
    # one adult with two children under 14 = 1 + 0.3 + 0.3 = 1.6; one person alone = 1.
    assert synth.consumption_units(np.array([3, 1, 1]), np.array([1, 2, 0])).tolist() == [2.3, 1.6, 1.0]


def test_registers_are_in_raw_only_and_marked_synthetic(sample):
    base, report = sample
    assert sorted(p.name for p in base.iterdir()) == ["linked", "raw"]
    manifest = json.loads((base / "raw" / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["municipalities"] == sorted(SAMPLE)
    assert {f"{n}.parquet" for n in synth.REGISTERS} <= {p.name for p in (base / "raw").iterdir()}
    assert report.counts["person_years"] == len(_raw(base, "residence", ["year"]))


@pytest.mark.filterwarnings("error::RuntimeWarning")   # the calibration copes with a tiny sample
def test_same_seed_same_files_other_seed_other_people(tmp_path):
    a = synth.generate(tmp_path / "a", seed=5, municipalities=["1151"])
    b = synth.generate(tmp_path / "b", seed=5, municipalities=["1151"])
    c = synth.generate(tmp_path / "c", seed=6, municipalities=["1151"])
    assert a.counts == b.counts
    for name in synth.REGISTERS:
        ta = pq.read_table(tmp_path / "a" / "raw" / f"{name}.parquet")
        assert ta.equals(pq.read_table(tmp_path / "b" / "raw" / f"{name}.parquet")), name
    fa = set(pd.read_parquet(tmp_path / "a" / "raw" / "population.parquet")["fnr"])
    fc = set(pd.read_parquet(tmp_path / "c" / "raw" / "population.parquet")["fnr"])
    assert fa != fc and c.counts["population"] == a.counts["population"]


def test_unknown_municipality_is_refused(tmp_path):
    with pytest.raises(InputError, match="9998"):
        synth.generate(tmp_path, municipalities=["9998"])
    assert not (tmp_path / "raw").exists()
