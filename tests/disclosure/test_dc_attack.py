"""The attack check: intervals by linear programming, checked against hand computation."""

import numpy as np
import pandas as pd
from tests.disclosure.helpers import cross_table

from oppvekst.disclosure import attack
from oppvekst.disclosure import model as M
from oppvekst.disclosure.check import check_table
from oppvekst.observations import TOTAL


def _two_by_two():
    # inner cells (numerator, denominator): a=(2,10) b=(5,10) / c=(4,10) d=(7,10)
    inner = {("1101", "f"): (2, 10), ("1101", "m"): (5, 10), ("1106", "f"): (4, 10), ("1106", "m"): (7, 10)}
    return cross_table(inner, {"region": {"11": ["1101", "1106"], "1101": ["1101"], "1106": ["1106"]},
                               "background": {TOTAL: ["f", "m"], "f": ["f"], "m": ["m"]}})


def _cells(m, pairs):
    index = {(r.region, r.background): i for i, r in enumerate(m.cells.itertuples())}
    mask = np.zeros(len(m.cells), dtype=bool)
    mask[[index[p] for p in pairs]] = True
    return mask, index


def test_four_cycle_intervals_by_hand():
    """All four inner cells hidden, margins published. With a the first cell: b = 7 - a, c = 6 - a,
    d = 5 + a. Counts are non-negative, so 0 <= a <= 6; each is at most its denominator 10, so also
    d = 5 + a <= 10: a <= 5. So a lies in [0, 5], b in [2, 7], c in [1, 6], d in [5, 10]."""
    m = M.build(_two_by_two())
    n, d = m.cells["numerator"].to_numpy(), m.cells["denominator"].to_numpy()
    hidden, index = _cells(m, [("1101", "f"), ("1101", "m"), ("1106", "f"), ("1106", "m")])
    iv = attack.intervals(m, published=~hidden, numerator=n, denominator=d, denominator_known=np.ones(len(n), bool),
                          cells=hidden).set_index("cell")
    got = {k: tuple(iv.loc[index[k], ["low", "high"]]) for k in [("1101", "f"), ("1101", "m"), ("1106", "f"), ("1106", "m")]}
    assert got == {("1101", "f"): (0, 5), ("1101", "m"): (2, 7), ("1106", "f"): (1, 6), ("1106", "m"): (5, 10)}
    # without the denominators only non-negativity bounds a: [0, 6]
    iv2 = attack.intervals(m, published=~hidden, numerator=n, denominator=d, denominator_known=np.zeros(len(n), bool),
                           cells=hidden).set_index("cell")
    assert tuple(iv2.loc[index[("1101", "f")], ["low", "high"]]) == (0, 6)
    assert not iv["pinned"].any()


def test_one_hidden_cell_in_a_row_is_pinned():
    m = M.build(_two_by_two())
    n, d = m.cells["numerator"].to_numpy(), m.cells["denominator"].to_numpy()
    hidden, _index = _cells(m, [("1101", "f")])
    iv = attack.intervals(m, published=~hidden, numerator=n, denominator=d, denominator_known=np.ones(len(n), bool),
                          cells=hidden)
    assert iv[["low", "high", "pinned"]].values.tolist() == [[2.0, 2.0, True]]


def test_zero_forces_a_cell():
    """a + b = 2 published and b's column is 0: b = 0 by non-negativity, so a = 2 is pinned, although a
    is not a linear combination of the published cells (the rows a+b, c+d and the column b+d = 0)."""
    inner = {("1101", "f"): (2, 10), ("1101", "m"): (0, 10), ("1106", "f"): (4, 10), ("1106", "m"): (0, 10)}
    df = cross_table(inner, {"region": {"11": ["1101", "1106"], "1101": ["1101"], "1106": ["1106"]},
                             "background": {TOTAL: ["f", "m"], "f": ["f"], "m": ["m"]}})
    m = M.build(df)
    n, d = m.cells["numerator"].to_numpy(), m.cells["denominator"].to_numpy()
    hidden, index = _cells(m, [("1101", "f"), ("1101", "m"), ("1106", "f"), ("1106", "m"), ("11", "f"), ("11", "m")])
    iv = attack.intervals(m, published=~hidden, numerator=n, denominator=d, denominator_known=np.zeros(len(n), bool),
                          cells=hidden).set_index("cell")
    assert tuple(iv.loc[index[("1101", "f")], ["low", "high"]]) == (0, 2)     # nothing forces it yet
    shown = ~hidden
    shown[index[("11", "m")]] = True                                         # publish the zero column
    iv = attack.intervals(m, published=shown, numerator=n, denominator=d, denominator_known=np.zeros(len(n), bool),
                          cells=~shown).set_index("cell")
    assert tuple(iv.loc[index[("1101", "f")], ["low", "high"]]) == (2, 2)
    imp = attack.implicit_equalities(m, published=shown, numerator=n, denominator=d,
                                     denominator_known=np.zeros(len(n), bool), cells=~shown)
    assert {m.atom_label(a)[0] for a in imp.zero} == {"1101", "1106"}
    assert {m.atom_label(a)[4] for a in imp.zero} == {"m"}


def test_check_table_on_a_published_file(tmp_path):
    df = _two_by_two()
    df.loc[df["region"].isin(["1101", "1106"]) & (df["background"] != TOTAL), ["flag", "flag_reason"]] = [3, "primary"]
    df.loc[df["flag"] == 3, ["numerator", "value"]] = np.nan
    path = tmp_path / "published.csv"
    df.to_csv(path, index=False)
    result = check_table(pd.read_csv(path, dtype={"region": str}), limit=3)
    assert result.ok
    assert result.intervals[["low", "high"]].values.tolist() == [[0, 5], [2, 7], [1, 6], [5, 10]]
    df.loc[(df["region"] == "1101") & (df["background"] == "m"), ["flag", "numerator"]] = [0, 5]
    result = check_table(df, limit=3)
    assert not result.ok and result.pinned == 3          # 1101/f = 7 - 5, then the rest follows
