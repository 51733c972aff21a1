"""Disclosure control of the derived (synthetic) tables: one breakdown at a time, so protected as linked
one-way tables when the cross-classified model would be too large (the national release)."""

from __future__ import annotations

import pandas as pd
import pytest

from oppvekst.disclosure import control, publication
from oppvekst.observations import FLAG_SUPPRESSED, TOTAL

IND = "child_welfare_measures_0_17_syn"     # every breakdown: sex, age, background, parents' education, income
KEY = ["region", "period_from", "period_to", "sex", "age", "background", "ses"]


@pytest.fixture(scope="module")
def table(obs):
    return obs[(obs["indicator"] == IND) & (obs["period_from"] >= 2022)].reset_index(drop=True)


def test_the_derived_table_splits_into_one_way_tables(table):
    ways = control._one_way_tables(table)
    assert sorted(ways) == ["age", "background", "ses:income_", "ses:parents_edu_", "sex"]
    totals = table[(table["sex"] == TOTAL) & (table["age"] == "0-17") & (table["background"] == TOTAL)
                   & (table["ses"] == TOTAL)]
    for name, sub in ways.items():                             # the totals, and rows broken down by `name` only
        rest = sub.drop(totals.index)
        col = name.split(":")[0]
        assert len(rest) and (rest[col] != ("0-17" if col == "age" else TOTAL)).all(), name
        assert (rest[[c for c in ("sex", "background", "ses") if c != col]] == TOTAL).all().all(), name
    assert sum(len(sub) - len(totals) for sub in ways.values()) + len(totals) == len(table)
    crossed = table.assign(sex="female")                       # sex crossed with every other breakdown
    assert control._one_way_tables(crossed) is None


def test_linked_suppression_is_consistent_and_proven(table, monkeypatch):
    monkeypatch.setattr(control, "MAX_CROSSED_ATOMS", 0)      # the sample is small: force the linked route
    rules = publication.rules_for(IND)
    res = control.suppress(table, rules, pooled_periods=publication.pooled(IND), check=True)
    out = res.table
    assert len(out) == len(table) and not out.duplicated(KEY).any()
    assert res.stats["linked_tables"] == 5 and res.ok and res.stats["pinned_primary"] == 0
    shown = out[out["flag"] != FLAG_SUPPRESSED]
    assert not shown["numerator"].between(1, rules.numerator_max).any()        # no small count published
    assert (out.loc[out["numerator"].between(1, rules.numerator_max), "flag"] == FLAG_SUPPRESSED).all()
    # each one-way table, with the totals as finally published, keeps every hidden cell's interval open
    for name, sub in control._one_way_tables(out).items():
        again = control.suppress(sub, rules, pooled_periods=publication.pooled(IND), check=True,
                                 manual=sub.loc[sub["flag"] == FLAG_SUPPRESSED, KEY].assign(indicator=IND))
        hidden = sub["flag"] == FLAG_SUPPRESSED
        assert (again.table["flag"].to_numpy()[hidden.to_numpy()] == FLAG_SUPPRESSED).all(), name
        assert again.stats["pinned_primary"] == 0, name
    assert set(out.loc[out["flag"] == FLAG_SUPPRESSED, "flag_reason"]) <= {"primary", "complement", "secondary",
                                                                           "series", "coverage"}
    assert isinstance(res.check, pd.DataFrame) and set(res.check["table"]) == set(control._one_way_tables(table))
    # the public check on the published table sees the same linked tables, each total once
    from oppvekst.disclosure import check_table

    public = check_table(res.published(), limit=rules.numerator_max, pooled_periods=publication.pooled(IND))
    assert public.ok and len(public.intervals) == int((out["flag"] == FLAG_SUPPRESSED).sum())


def test_linked_tables_that_do_not_agree_are_not_certified(obs, monkeypatch):
    ind = "kindergarten_1_5_syn"       # near 100 %: small complements, so hidden totals spread between tables
    table = obs[(obs["indicator"] == ind) & (obs["period_from"] >= 2022)]
    monkeypatch.setattr(control, "MAX_CROSSED_ATOMS", 0)
    rules = publication.rules_for(ind)
    full = control.suppress(table, rules, pooled_periods=publication.pooled(ind), check=False)
    assert full.stats["rounds"] >= 2 and full.ok          # a total hidden in one table had to be hidden in the rest
    monkeypatch.setattr(control, "MAX_LINK_ROUNDS", 1)
    cut = control.suppress(table, rules, pooled_periods=publication.pooled(ind), check=False)
    assert cut.stats["certified"] == 0 and not cut.ok     # stopped before the common cells agreed: not publishable


def test_a_mean_keeps_the_people_with_no_known_district(obs):
    """Stavanger's mean school points include pupils with no known city district: the model must keep that
    remainder (found from the sums, mean × count, since a mean has no numerator), or its equations
    contradict the figures."""
    from oppvekst.disclosure import model

    t = obs[(obs["indicator"] == "lower_secondary_points_syn") & (obs["sex"] == TOTAL)
            & (obs["background"] == TOTAL) & (obs["ses"] == TOTAL)]
    region = model.build(t).dims[0]
    districts = [j for j, code in enumerate(region.nodes) if code.startswith("1103") and len(code) == 6]
    own = region.member[region.index["1103"]] & ~region.member[districts].any(axis=0)
    assert [region.atoms[a] for a in own.nonzero()[0]] == ["1103\\rest"]
