"""Disclosure control of whole tables: a synthetic regional table with zones, and the single rules."""

import numpy as np
import pandas as pd
import pytest

from oppvekst.disclosure import model as M
from oppvekst.disclosure.check import check_table
from oppvekst.disclosure.control import suppress
from oppvekst.disclosure.coverage import unknown_district_share
from oppvekst.disclosure.primary import Rules, primary
from oppvekst.disclosure.testing import national_table
from oppvekst.observations import SUPPRESSION_REASONS, validate

RULES = Rules(numerator_max=3, series_max_share=0.5, coverage_max_unknown=0.10)


@pytest.fixture(scope="module")
def rogaland():
    """SYNTHETIC: Rogaland's municipalities, Stavanger's 9 districts and 78 zones, sex x age bands,
    four overlapping 3-year periods (2019-2024)."""
    return national_table(counties=["11"], years=(2019, 2024))


@pytest.fixture(scope="module")
def rogaland_suppressed(rogaland):
    return suppress(rogaland, RULES, pooled_periods=True, check=True)


def test_regional_table_is_protected(rogaland, rogaland_suppressed):
    res = rogaland_suppressed
    out = res.table
    assert len(out) == len(rogaland)
    validate(out)                                      # a valid observation table, reasons kept
    assert set(out.loc[res.suppressed, "flag_reason"]) <= set(SUPPRESSION_REASONS)
    shown = ~res.suppressed
    assert not out.loc[shown, "numerator"].between(1, 3).any()
    assert res.stats["primary"] == int(rogaland["numerator"].between(1, 3).sum())
    assert res.stats["secondary"] > 0 and res.stats["certified"] == 1 and res.ok
    # every suppressed cell keeps a protection interval, and confidential ones are at least 1 wide
    prim = res.check["reason"].isin(["primary", "complement"])
    assert not res.check.loc[prim | (res.check["reason"] == "secondary"), "pinned"].any()
    assert res.check.loc[prim, "width"].min() >= 1
    # the true value lies inside every interval
    assert ((res.check["low"] <= res.check["true"] + 1e-6) & (res.check["true"] <= res.check["high"] + 1e-6)).all()


def test_published_file_passes_the_public_check(rogaland_suppressed, tmp_path):
    published = rogaland_suppressed.published()
    assert published.loc[rogaland_suppressed.suppressed, "numerator"].isna().all()
    assert published.loc[rogaland_suppressed.suppressed, "denominator"].notna().all()
    path = tmp_path / "rogaland.csv"
    published.to_csv(path, index=False)
    from oppvekst.disclosure.check import read_table

    result = check_table(read_table(path), limit=3, pooled_periods=True, protected_only=True)
    assert result.ok and result.pinned_protected == 0
    assert len(result.intervals) == rogaland_suppressed.stats["primary"] + rogaland_suppressed.stats["complement"]


def test_coverage_hides_districts_with_many_unknown(rogaland):
    table = national_table(counties=["11"], years=(2022, 2024), unknown_district=0.3, seed=7)
    m = M.build(table, pooled_periods=True)
    shares = unknown_district_share(m)
    stavanger = shares[shares["region"] == "1103"]
    assert len(stavanger) == 1 and 0.25 < stavanger["share"].iloc[0] < 0.35
    res = suppress(table, RULES, pooled_periods=True, check=False)
    out = res.table
    below = out["region"].str.startswith("1103") & (out["region"].str.len() > 4)
    assert (out.loc[below, "flag"] == 3).all()
    assert set(out.loc[below, "flag_reason"]) <= {"coverage", "primary", "complement"}
    assert (out.loc[~below & (out["flag"] == 3), "flag_reason"] != "coverage").all()


def test_primary_rules_by_hand():
    df = pd.DataFrame({"numerator": [0, 1, 3, 4, 9, 10, 5, np.nan], "denominator": [20, 20, 20, 20, 10, 10, 6, 9]})
    got = primary(df, Rules(numerator_max=3, denominator_min=7)).tolist()
    # 0: zero published; 1 and 3 small; 4 fine; 9 of 10 leaves a complement of 1; 10 of 10 a complement
    # of 0 (everyone has it); 5 of 6: denominator below 7; no figure: nothing
    assert got == [None, "primary", "primary", None, "complement", "complement", "primary", None]
    assert primary(df, Rules(numerator_max=3, protect_zeros=True)).tolist()[0] == "primary"


def test_series_rule_and_manual():
    # one region over four single years: 2 of 4 periods small -> exactly half, kept; 3 of 4 -> hidden
    rows = []
    for k, (year, n) in enumerate([(2020, 1), (2021, 2), (2022, 8), (2023, 9)]):
        for region, value in (("1101", n), ("1106", 20 + k), ("11", n + 20 + k)):
            rows.append({"indicator": "x", "region": region, "period_from": year, "numerator": value,
                         "denominator": 100, "value": value})
    from oppvekst.observations import frame

    df = frame(rows)
    df.loc[df["region"] == "11", "denominator"] = 200
    res = suppress(df, Rules(numerator_max=3, series_max_share=0.5), check=False)
    reasons = res.table.set_index(["region", "period_from"])["flag_reason"]
    assert reasons[("1101", 2020)] == "primary" and reasons[("1106", 2020)] == "secondary"
    assert pd.isna(reasons[("1101", 2022)])
    manual = pd.DataFrame({"region": ["1101"], "period_from": [2022]})
    res = suppress(df, Rules(numerator_max=3, series_max_share=0.5), manual=manual, check=False)
    reasons = res.table.set_index(["region", "period_from"])["flag_reason"]
    assert reasons[("1101", 2022)] == "manual"
    assert reasons[("1101", 2023)] == "series"       # 3 of its 4 periods are now hidden
