"""The same Ibis expressions on PySpark (local mode) give exactly the DuckDB results: the linkage join and
the derivation."""

import pandas as pd
import pytest
from microdata_sample import KEY

from oppvekst.microdata import derive, link, synth


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Porsgrunn and Utsira: small enough for Spark in local mode to be quick."""
    base = tmp_path_factory.mktemp("spark_sample")
    synth.generate(base, seed=99, municipalities=["4001", "1151"])
    link.link(base, key=KEY)
    return base / "linked"


def test_spark_builds_the_same_person_years(small, spark, tmp_path):
    built = derive.build_person_years(derive.connect("spark", spark), small, tmp_path / "py_spark.parquet")
    sp = pd.read_parquet(built)
    duck = pd.read_parquet(small / derive.PERSON_YEARS)
    key = ["pid", "year"]
    pd.testing.assert_frame_equal(duck.sort_values(key).reset_index(drop=True),
                                  sp.sort_values(key).reset_index(drop=True)[list(duck.columns)], check_dtype=False)


def test_spark_and_duckdb_give_identical_aggregates(small, spark):
    con = derive.connect("duckdb")
    duck = derive.run(con, small)
    con.disconnect()
    sp = derive.run(derive.connect("spark", spark), small)
    assert len(duck) > 300 and duck["d_neet_15_29_syn"].sum() > 0
    pd.testing.assert_frame_equal(duck, sp, check_dtype=False)
    # and the same observations, values and intervals included
    pd.testing.assert_frame_equal(derive.observations(duck), derive.observations(sp))


def test_completion_split_is_the_same_on_spark(small, spark):
    con = derive.connect("duckdb")
    duck = con.execute(derive.completion_by_child_welfare(derive.read_tables(con, small)))
    scon = derive.connect("spark", spark)
    sp = scon.execute(derive.completion_by_child_welfare(derive.read_tables(scon, small)))
    key = ["measure"]
    pd.testing.assert_frame_equal(duck.sort_values(key).reset_index(drop=True),
                                  sp.sort_values(key).reset_index(drop=True), check_dtype=False)
