"""Shared samples for the microdata tests: generated, linked and derived once per test session.

The sample is four whole municipalities (the national generator restricted to them, so every
calibration is solved on the sample itself): Stavanger (city districts and living-conditions zones),
Fredrikstad (zones directly under the municipality), Porsgrunn and Utsira (the smallest).
"""

from __future__ import annotations

import shutil

import pytest
from microdata_sample import KEY, SAMPLE, SEED

from oppvekst.microdata import derive, link, synth


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """Base folder with raw/ and linked/ for the four-municipality sample, and the generator's report."""
    base = tmp_path_factory.mktemp("microdata")
    report = synth.generate(base, seed=SEED, municipalities=SAMPLE)
    link.link(base, key=KEY)
    return base, report


@pytest.fixture(scope="session")
def agg_duckdb(sample):
    base, _ = sample
    con = derive.connect("duckdb")
    try:
        return derive.run(con, base / "linked")
    finally:
        con.disconnect()


@pytest.fixture(scope="session")
def obs(agg_duckdb):
    return derive.observations(agg_duckdb)


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the test session (skipped where PySpark or Java is missing)."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is needed for Spark")
    session = derive.spark_session()
    yield session
    session.stop()


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("OPPVEKST_PSEUDONYM_KEY", KEY.decode())
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY_FILE", raising=False)
    return KEY
