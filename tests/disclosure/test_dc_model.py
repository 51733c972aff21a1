"""The linear model: relations taken from the codes and checked against the figures."""

import pandas as pd
from tests.disclosure.helpers import cross_table

from oppvekst.disclosure import model as M
from oppvekst.observations import TOTAL


def _regions(inner_codes, extra_in_parent=0):
    """Municipality 1103 with districts; `extra_in_parent` people with no district count only in 1103."""
    inner = {(c,): (2, 10) for c in inner_codes}
    df = cross_table(inner, {"region": {"1103": list(inner_codes), **{c: [c] for c in inner_codes}}})
    df.loc[df["region"] == "1103", "denominator"] += extra_in_parent
    return df


def test_exact_hierarchy_has_no_remainder():
    m = M.build(_regions(["110301", "110302"]))
    region = m.dims[0]
    assert region.atoms == ["110301", "110302"]
    assert region.detached == set()
    assert region.partitions == {region.index["1103"]: [region.index["110301"], region.index["110302"]]}


def test_unknown_district_becomes_a_remainder_atom():
    m = M.build(_regions(["110301", "110302"], extra_in_parent=5))
    region = m.dims[0]
    assert "1103\\rest" in region.atoms          # the people with an unknown district
    assert region.partitions == {}               # 1103 is no longer the sum of its districts


def test_contradicted_relation_is_detached():
    df = _regions(["110301", "110302"])
    df.loc[df["region"] == "1103", "numerator"] -= 1   # parent below the sum of its parts
    m = M.build(df)
    region = m.dims[0]
    assert region.detached == {"1103"}
    assert "1103\\own" in region.atoms


def test_age_bands_are_intervals_and_all_is_dropped_when_exact():
    bands = ["15-19", "20-24", "25-29"]
    inner = {(b,): (1, 5) for b in bands}
    df = cross_table(inner, {"age": {TOTAL: bands, "15-29": bands, **{b: [b] for b in bands}}})
    m = M.build(df)
    age = m.dims[3]
    assert age.name == "age"
    assert age.atoms == ["15-19", "20-24", "25-29"]     # the ages outside 15-29 are empty and gone
    assert age.twins[age.index[TOTAL]] == [age.index[TOTAL], age.index["15-29"]]


def test_ses_holds_two_classifications():
    inner = {(e, i): (1, 4) for e in ("parents_edu_basic", "parents_edu_higher_long") for i in ("income_q1", "income_q2")}
    rows = []
    for ses, pick in [(TOTAL, lambda e, i: True)] + \
            [(e, lambda e2, i, e=e: e2 == e) for e in ("parents_edu_basic", "parents_edu_higher_long")] + \
            [(i, lambda e, i2, i=i: i2 == i) for i in ("income_q1", "income_q2")]:
        n = sum(v[0] for (e, i), v in inner.items() if pick(e, i))
        d = sum(v[1] for (e, i), v in inner.items() if pick(e, i))
        rows.append({"indicator": "x", "region": "0", "period_from": 2020, "ses": ses, "numerator": n,
                     "denominator": d, "value": 1.0})
    from oppvekst.observations import frame

    m = M.build(frame(rows))
    names = [d.name for d in m.dims]
    assert "ses:parents_edu" in names and "ses:income" in names
    assert m.n_atoms == 4                             # education x income, cross-classified
    total = m.cells.index[m.cells["ses"] == TOTAL][0]
    assert len(m.atoms(total)) == 4


def test_pooled_periods_share_years():
    inner = {("2019",): (1, 3), ("2020",): (2, 3), ("2021",): (1, 3), ("2022",): (2, 3)}
    rows = []
    for lo in (2019, 2020):
        years = [str(y) for y in range(lo, lo + 3)]
        rows.append({"indicator": "x", "region": "0", "period_from": lo, "period_to": lo + 2,
                     "numerator": sum(inner[(y,)][0] for y in years), "denominator": 9, "value": 1.0})
    from oppvekst.observations import frame

    df = frame(rows)
    pooled = M.build(df, pooled_periods=True)
    assert pooled.dims[1].atoms == ["2019", "2020-2021", "2022"]   # the two windows share 2020-2021
    separate = M.build(df)
    assert separate.dims[1].atoms == ["2019-2021", "2020-2022"]     # a label each, no shared years


def test_ssb_13556_relations():
    """On the real NEET table (2022-2024): the country is exactly the sum of the counties and 15-29
    the sum of its three bands. The sexes add up everywhere except in Ålesund and Haram, whose
    2022-2023 figures are carried onto the 2024 split (regions.harmonise) and differ from female +
    male by 1; so "all" is modelled as unrelated to the sexes rather than as an exact sum."""
    from oppvekst.indicators import neet

    obs, _ = neet.derive()
    obs = obs[obs["period_from"] >= 2022].reset_index(drop=True)
    m = M.build(obs)
    region, sex, age = m.dims[0], m.dims[2], m.dims[3]
    counties = sorted(region.nodes[j] for j in region.partitions[region.index["0"]])
    assert len(counties) == 15 and counties[0] == "03"
    assert age.partitions == {age.index["15-29"]: [age.index[b] for b in ("20-24", "25-29", "15-19")]}
    assert sex.detached == {TOTAL}
    gaps = []
    for col in ("numerator", "denominator"):
        wide = obs[obs["flag"] == 0].pivot_table(index=["region", "period_from", "age"], columns="sex", values=col)
        gap = (wide[TOTAL] - wide["female"] - wide["male"]).dropna()
        gaps.append(gap[gap != 0])
    gap = pd.concat(gaps)
    assert set(gap.index.get_level_values("region")) == {"1508", "1580"}
    assert gap.abs().max() == 1
