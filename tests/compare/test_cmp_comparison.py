"""The comparison results object on the bundled data (SSB 13556: NEET 15–29), and its cache per release state."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from oppvekst import regions
from oppvekst.compare import funnel as funnel_mod
from oppvekst.compare.barometer import Method, barometer
from oppvekst.compare.comparison import Comparison, comparison, forget
from oppvekst.compare.data import load_observations
from oppvekst.warehouse import Warehouse

NEET = "neet_15_29"
NATIONAL = (104388, 1044103)      # SSB 13556, Norway 2024, aged 15–29 (SOURCES.md)
BERGEN = (5909, 63315)            # SSB 13556, Bergen (4601) 2024
UTSIRA = (3, 32)                  # SSB 13556, Utsira (1151) 2024


def central_fisher(a, n, b, m) -> float:
    """The barometer's exact test: twice the smaller one-sided Fisher tail (scipy), area against the rest."""
    less = fisher_exact([[a, n - a], [b, m - b]], alternative="less").pvalue
    greater = fisher_exact([[a, n - a], [b, m - b]], alternative="greater").pvalue
    return min(1.0, 2 * min(less, greater))


@pytest.fixture(scope="module")
def obs(built_path) -> pd.DataFrame:
    with Warehouse(built_path, read_only=True) as wh:
        return load_observations(wh, self_reports=False)


@pytest.fixture(scope="module")
def c(obs) -> Comparison:
    return Comparison.from_observations(obs, method=Method("exact", "bh"))


def _old_table_classes(obs, indicator, year, level, method=Method()) -> pd.DataFrame:
    """What web/profiles.py computed before for a year other than the newest: a barometer of that year."""
    b = barometer(obs, regions.regions_2024(), method=method, comparators=("national",), levels=(level,), years=[year])
    return b[b["indicator"] == indicator].set_index("region")


def test_for_region_holds_what_the_bergen_profile_needs(c):
    rc = c.for_region("4601")
    assert (rc.name, rc.level, rc.parent, rc.asss_member) == ("Bergen", "kommune", "46", True)
    cur = rc.headline[NEET][-1]
    assert (cur["period_to"], cur["numerator"], cur["denominator"]) == (2024, *BERGEN)
    assert [r["period_to"] for r in rc.headline[NEET]] == list(range(2008, 2025))
    classes = {r["comparator"]: r for r in rc.barometer[NEET]}
    assert set(classes) == {"national", "parent", "asss", "previous"}
    nat = classes["national"]
    x, n = BERGEN
    p = central_fisher(x, n, NATIONAL[0] - x, NATIONAL[1] - n)
    assert nat["p_value"] == pytest.approx(p, rel=1e-6) and p < 1e-8
    assert nat["cls"] == "better" and x / n < NATIONAL[0] / NATIONAL[1]        # 9.3 % against 10.0 %
    assert rc.national(NEET, 2024)["value"] == pytest.approx(100 * NATIONAL[0] / NATIONAL[1])   # 10.0 %
    assert rc.spine(NEET, 2024)["n"] == 357
    assert rc.trends[NEET][0]["k"] == 10
    with pytest.raises(KeyError):
        c.for_region("0")              # no profile for the country
    with pytest.raises(KeyError):
        c.for_region("9999")


def test_table_of_the_newest_year_has_every_municipality_and_the_national_share(c):
    t = c.table(NEET)
    assert t.year == 2024 and len(t.rows) == 357
    assert t.national["value"] == pytest.approx(100 * 104388 / 1044103) and round(t.national["value"], 1) == 10.0
    rows = t.rows.set_index("region")
    assert tuple(rows.loc["1151", ["numerator", "denominator"]]) == UTSIRA
    x, n = UTSIRA
    assert rows.loc["1151", "p_value"] == pytest.approx(central_fisher(x, n, NATIONAL[0] - x, NATIONAL[1] - n))
    assert rows.loc["1151", "cls"] == "same" and rows.loc["1151", "cls_name"] == "Ingen sikker forskjell"
    assert rows.loc["4601", "cls"] == "better" and rows.loc["3301", "cls"] == "worse"
    # the newest year shows the profiles' classes: one computation for the table and the profile
    assert rows.loc["4601", "p_adjusted"] == c.for_region("4601").barometer[NEET][0]["p_adjusted"]
    county = c.table(NEET, 2024, county="46").rows
    assert len(county) and county["region"].str.startswith("46").all()
    assert len(c.table(NEET, level="fylke").rows) == 15
    assert c.table(NEET, 1990).year == 2024                          # an unknown year falls back to the newest


@pytest.mark.parametrize(("year", "level"), [(2018, "kommune"), (2015, "fylke"), (2009, "kommune")])
def test_table_of_another_year_equals_that_years_barometer(c, obs, year, level):
    t = c.table(NEET, year, level=level)
    assert t.year == year
    old = _old_table_classes(obs, NEET, year, level)
    got = t.rows.set_index("region")
    assert set(got.index) == set(old.index)
    assert (got["cls"] == old.loc[got.index, "cls"].astype(str)).all()
    # equal to the last bits but one: the vectorised exact test's float rounding depends on the batch it is
    # computed in (numpy's SIMD loops), 1e-16 relative; the API's JSON (10 digits) and the pages are identical
    np.testing.assert_allclose(got["p_adjusted"].to_numpy(float), old.loc[got.index, "p_adjusted"].to_numpy(float),
                               rtol=1e-13)


def test_funnel_target_and_points(c):
    f = c.funnel(NEET)
    assert f.year == 2024 and f.theta == pytest.approx(104388 / 1044103)
    assert f.target == pytest.approx(100 * 104388 / 1044103)
    pts = f.points.set_index("region")
    assert len(pts) == 357
    # by hand against Spiegelhalter's exact limits: Bergen's 9.33 % lies below the 99.8 % limit at n = 63 315
    lim = funnel_mod.limits(f.theta, [BERGEN[1], UTSIRA[1]])
    assert 100 * BERGEN[0] / BERGEN[1] < lim.loc[0, "low_99_8"] and pts.loc["4601", "funnel"] == "below_998"
    assert lim.loc[1, "low_95"] < 100 * UTSIRA[0] / UTSIRA[1] < lim.loc[1, "high_95"]
    assert pts.loc["1151", "funnel"] == "inside"
    assert c.funnel(NEET, 2018).theta == c.funnel_theta(NEET, 2018) != f.theta
    assert c.funnel_theta("population_0_17", 2024) is None            # a count has no funnel


def _same_rows(got: pd.DataFrame, old: pd.DataFrame) -> None:
    """The same rows in the same order; floats to 1e-13 (see the table test), everything else exactly."""
    got, old = got.reset_index(drop=True), old.reset_index(drop=True)
    assert list(got.columns) == list(old.columns) and len(got) == len(old) > 0
    for col in got.columns:
        if pd.api.types.is_float_dtype(old[col]):
            np.testing.assert_allclose(got[col].to_numpy(float), old[col].to_numpy(float), rtol=1e-13, err_msg=col)
        else:
            assert got[col].astype(str).tolist() == old[col].astype(str).tolist(), col


def test_barometer_years_are_slices_of_one_computation(c, obs):
    rt, asss = regions.regions_2024(), regions.peer_groups()["asss"]
    assert c.barometer() is c.latest
    got = c.barometer(2018, regions=["4601", "1151"])
    old = barometer(obs, rt, method=c.method, asss=asss, areas=["4601", "1151"], years=[2018])
    _same_rows(got, old)
    got = c.barometer(regions=["0301", "3301"], comparators=("national", "previous"))
    old = barometer(obs, rt, method=c.method, comparators=("national", "previous"), asss=asss,
                    areas=["0301", "3301"], latest_only=True)
    _same_rows(got, old)


def test_a_region_whose_newest_period_is_older_gets_its_own_newest(obs):
    # without Utsira's 2024 row its newest NEET period is 2023: the region's barometer is computed for that
    drop = (obs["indicator"] == NEET) & (obs["region"] == "1151") & (obs["period_to"] == 2024)
    part = obs[~drop]
    c = Comparison.from_observations(part)
    got = c.barometer(regions=["1151"])
    assert set(got.loc[got["indicator"] == NEET, "period_to"]) == {2023}
    old = barometer(part, regions.regions_2024(), asss=regions.peer_groups()["asss"], areas=["1151"],
                    latest_only=True)
    _same_rows(got, old)
    assert NEET not in c.for_region("1151").barometer                # the profile's classes: 2024 only


def test_summary_frame(c):
    s = c.summary_frame().set_index(["indicator", "region"])
    row = s.loc[(NEET, "4601")]
    assert (row["name"], row["level"], row["period_to"], row["cls"]) == ("Bergen", "kommune", 2024, "better")
    assert row["trend"] == c.for_region("4601").trends[NEET][0]["cls"]
    assert row["value"] == pytest.approx(100 * BERGEN[0] / BERGEN[1])
    assert len(s.loc[NEET]) == 357 + 15                 # municipalities and counties (no city districts in 13556)


def test_one_object_per_release_state(built_path, tmp_path, monkeypatch):
    """Cached per release state: a load, a rollback and a new ASSS report each give a new object."""
    from oppvekst.disclosure.publication import PublishedView
    from oppvekst.indicators import asss

    forget()
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_path, path)
    with Warehouse(path) as wh:
        first = comparison(PublishedView(wh))
        assert comparison(PublishedView(wh)) is first
        assert comparison(wh) is not first                       # the raw warehouse never shares the public entry
        assert comparison(PublishedView(wh), Method("interval", None)) is not first
        rows = wh.observations(indicator=NEET, sex=None, age=None, background=None, ses=None)
        rows = rows.drop(columns=[c for c in ("release", "synthetic") if c in rows])
        at = (rows["region"] == "1151") & (rows["period_to"] == 2024) & (rows["age"] == "15-29") & (rows["sex"] == "all")
        rows.loc[at, "numerator"] = 4
        rows.loc[at, "value"] = 100 * 4 / 32
        rel = wh.load_release(rows, source="test: Utsira corrected")
        loaded = comparison(PublishedView(wh))
        assert loaded is not first
        assert loaded.table(NEET).rows.set_index("region").loc["1151", "numerator"] == 4
        wh.rollback(rel.id)
        back = comparison(PublishedView(wh))
        assert back is not loaded and back.table(NEET).rows.set_index("region").loc["1151", "numerator"] == 3
        rec = asss.validate({"kommune": "1151", "aar": "2024", "plan_vedtatt": "ja", "plan_i_samfunnsdelen": "nei",
                             "tverrfaglig_samarbeid": "ja", "antall_tjenester": "2", "eksternt_samarbeid": "nei",
                             "foreldrestotte_universell": "ja", "foreldrestotte_selektiv": "nei",
                             "foreldrestotte_indikativ": "nei", "rapportert_av": "Test"})
        asss.submit([rec], channel="test")
        reported = comparison(PublishedView(wh))
        assert reported is not back
        assert reported.for_region("1151").headline                     # the self-report is overlaid
    forget()
