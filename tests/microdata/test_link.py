"""Ingest and linkage: numbers validated, then replaced by keyed pseudonyms; nothing raw leaves raw/."""

import shutil

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from microdata_sample import KEY

from oppvekst.errors import InputError
from oppvekst.microdata import link
from oppvekst.microdata.pseudonym import PseudonymKeyError, pseudonyms


def test_linked_files_hold_no_identity_number(sample):
    base, _ = sample
    raw_numbers = set(pd.read_parquet(base / "raw" / "population.parquet", columns=["fnr"])["fnr"])
    for path in (base / "linked").glob("*.parquet"):
        table = pq.read_table(path)
        assert not {"fnr", "mother_fnr", "father_fnr"} & set(table.column_names), path.name
        for name in table.column_names:
            col = table.column(name)
            if col.type in ("string", "large_string"):
                assert not pc.any(pc.match_substring_regex(col, r"\d{11}")).as_py(), (path.name, name)
                assert not raw_numbers & set(col.unique().to_pylist()), (path.name, name)
    assert "fnr" not in (base / "linked" / "manifest.json").read_text()


def test_records_join_on_the_keyed_pseudonym(sample):
    base, _ = sample
    raw = pd.read_parquet(base / "raw" / "population.parquet").sample(200, random_state=1)
    linked = pd.read_parquet(base / "linked" / "population.parquet").set_index("pid")
    pids = pseudonyms(raw["fnr"].tolist(), KEY)
    got = linked.loc[pids]
    assert (got["birth_date"].to_numpy() == raw["birth_date"].to_numpy()).all()
    assert (got["sex"].to_numpy() == raw["sex"].to_numpy()).all()
    mothers = raw["mother_fnr"].notna().to_numpy()
    assert (got["mother_pid"].to_numpy()[mothers]
            == pseudonyms(raw.loc[mothers, "mother_fnr"].tolist(), KEY)).all()
    # The same person keeps one pseudonym across registers: kindergarten records point at population rows.
    kg = pd.read_parquet(base / "linked" / "kindergarten.parquet", columns=["pid"])
    assert kg["pid"].isin(linked.index).all()


@pytest.fixture
def raw_copy(sample, tmp_path):
    base, _ = sample
    shutil.copytree(base / "raw", tmp_path / "raw")
    return tmp_path


def _edit(base, register, row, column, value):
    path = base / "raw" / f"{register}.parquet"
    df = pd.read_parquet(path)
    df.loc[row - 1, column] = value
    df.to_parquet(path, index=False)
    return path


def test_bad_check_digit_names_file_row_and_field(raw_copy):
    number = pd.read_parquet(raw_copy / "raw" / "kindergarten.parquet")["fnr"].iloc[4]
    bad = number[:10] + str((int(number[10]) + 1) % 10)
    path = _edit(raw_copy, "kindergarten", 5, "fnr", bad)
    with pytest.raises(InputError) as exc:
        link.link(raw_copy, key=KEY)
    assert exc.value.file == str(path) and exc.value.row == 5 and exc.value.field == "fnr"
    assert "check digits" in str(exc.value)
    assert not (raw_copy / "linked").exists() and not (raw_copy / "linked.tmp").exists()


def test_real_format_number_is_refused(raw_copy):
    _edit(raw_copy, "population", 3, "mother_fnr", "01010750160")   # valid check digits, not synthetic
    with pytest.raises(InputError, match="only synthetic") as exc:
        link.link(raw_copy, key=KEY)
    assert exc.value.row == 3 and exc.value.field == "mother_fnr"


def test_record_of_unknown_person_is_refused(raw_copy):
    stranger = "15831051261"   # a valid synthetic number (see test_fnr_pseudonym) that is not in the population
    _edit(raw_copy, "neet", 2, "fnr", stranger)
    with pytest.raises(InputError, match="not found in the population") as exc:
        link.link(raw_copy, key=KEY)
    assert exc.value.field == "fnr" and exc.value.row == 2


def test_failed_link_keeps_the_previous_linked_files(raw_copy):
    link.link(raw_copy, key=KEY)
    before = {p.name: p.stat().st_mtime_ns for p in (raw_copy / "linked").iterdir()}
    _edit(raw_copy, "child_welfare", 1, "fnr", "123")
    with pytest.raises(InputError, match="11 digits"):
        link.link(raw_copy, key=KEY)
    assert {p.name: p.stat().st_mtime_ns for p in (raw_copy / "linked").iterdir()} == before


def test_no_key_no_linkage(raw_copy, monkeypatch):
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(PseudonymKeyError, match="OPPVEKST_PSEUDONYM_KEY"):
        link.link(raw_copy)
    assert not (raw_copy / "linked").exists()


def test_another_key_gives_other_pseudonyms(raw_copy, sample):
    base, _ = sample
    summary = link.link(raw_copy, key=b"another-test-key-0123456789abcdef")
    assert summary["key_id"] != link.key_id(KEY)
    a = pd.read_parquet(base / "linked" / "population.parquet", columns=["pid"])["pid"]
    b = pd.read_parquet(raw_copy / "linked" / "population.parquet", columns=["pid"])["pid"]
    assert not set(a) & set(b)
