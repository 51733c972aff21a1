"""Secondary suppression by Gaussian elimination, against a published reference and against the
pairwise heuristic, and verified by exact linear algebra (matrix rank) and by linear programming."""

import numpy as np
import pytest
from tests.disclosure.helpers import bridge_table, cross_table

from oppvekst.disclosure import attack
from oppvekst.disclosure import model as M
from oppvekst.disclosure.control import suppress
from oppvekst.disclosure.primary import Rules, primary
from oppvekst.disclosure.secondary import pairwise, secondary
from oppvekst.observations import TOTAL


def test_reference_gausssuppression_vignette_table_1():
    """SSB's GaussSuppression vignette "Small count frequency table suppression", Table 1
    (https://cran.r-project.org/web/packages/GaussSuppression/vignettes/Small_count_frequency_table_suppression.html):
    dataset_a (age x geo, 2014), maxN = 1 with zeros primary suppressed. The reference output
    suppresses young/Portugal (0, primary) and old/Iceland, old/Portugal, young/Iceland (secondary)."""
    freq = {("young", "Spain"): 5, ("young", "Iceland"): 2, ("young", "Portugal"): 0,
            ("old", "Spain"): 6, ("old", "Iceland"): 3, ("old", "Portugal"): 4}
    geo = {"Iceland": "46", "Portugal": "50", "Spain": "55"}      # any region codes under the country
    inner = {(a, geo[g]): (v, v + 10) for (a, g), v in freq.items()}
    df = cross_table(inner, {"background": {TOTAL: ["young", "old"], "young": ["young"], "old": ["old"]},
                             "region": {"0": list(geo.values()), **{c: [c] for c in geo.values()}}})
    res = suppress(df, Rules(numerator_max=1, protect_zeros=True, complement=False), check=True)
    hidden = res.table[res.suppressed]
    got = {(r.background, r.region, r.flag_reason) for r in hidden.itertuples()}
    assert got == {("young", "50", "primary"), ("old", "46", "secondary"), ("old", "50", "secondary"),
                   ("young", "46", "secondary")}
    assert res.ok


def _derivable(model: M.TableModel, published: np.ndarray, cells, zero_atoms=()) -> list[int]:
    """Cells whose vector lies in the span of the published cells (and known-zero inner cells): by rank."""
    x = model.matrix().toarray()
    basis = x[:, published]
    if len(zero_atoms):
        basis = np.column_stack([basis, np.eye(x.shape[0])[:, sorted(zero_atoms)]])
    rank = np.linalg.matrix_rank(basis)
    return [int(i) for i in cells if np.linalg.matrix_rank(np.column_stack([basis, x[:, i]])) == rank]


def test_pairwise_heuristic_fails_where_gauss_holds():
    df = bridge_table()
    m = M.build(df)
    n = m.cells["numerator"].to_numpy()
    d = m.cells["denominator"].to_numpy()
    rules = Rules(numerator_max=3)
    targets = primary(m.cells, rules).notna().to_numpy()
    assert sorted(zip(m.cells.loc[targets, "region"], m.cells.loc[targets, "background"])) == \
        [("0301", "b"), ("0301", "d"), ("0304", "d")]
    # the pairwise heuristic: every row and column with a hidden cell has at least two ...
    pw = pairwise(m, targets=targets, candidates=~targets, priority=d * 1e7 + n)
    shown = ~targets & ~pw
    cell = {(r.region, r.background): i for i, r in enumerate(m.cells.itertuples())}
    hidden_pairs = sorted(k for k, i in cell.items() if not shown[i])
    assert ("0301", "c") in hidden_pairs and ("0302", "a") in hidden_pairs
    # ... but 0301/d = (column a + column d) - (row 0302 + row 0304), over the hidden cells, all from
    # published figures: column a: 45 - 15 - 15; column d: 20 - 12; row 0302: 37 - 15 - 9; row 0304: 32 - 8 - 15
    value = lambda r, c: n[cell[(r, c)]]
    col_a = value("03", "a") - value("0301", "a") - value("0303", "a")
    col_d = value("03", "d") - value("0303", "d")
    row_2 = value("0302", TOTAL) - value("0302", "b") - value("0302", "c")
    row_4 = value("0304", TOTAL) - value("0304", "b") - value("0304", "c")
    assert (col_a, col_d, row_2, row_4) == (15, 8, 13, 9)
    assert col_a + col_d - row_2 - row_4 == value("0301", "d") == 1
    assert _derivable(m, shown, np.flatnonzero(targets)) == [cell[("0301", "d")]]
    iv = attack.intervals(m, published=shown, numerator=n, denominator=d, denominator_known=np.ones(len(n), bool),
                          cells=targets)
    assert iv.loc[iv["cell"] == cell[("0301", "d")], ["low", "high"]].values.tolist() == [[1.0, 1.0]]
    # Gaussian elimination over the whole table protects every primary cell
    res = suppress(df, rules, check=True)
    assert res.ok and res.stats["certified"] == 1
    published = (~res.suppressed).to_numpy()
    assert _derivable(m, published, np.flatnonzero(targets)) == []
    assert not res.check["pinned"].any()
    assert res.stats["secondary"] <= pw.sum()


def _random_table(rng):
    """County 11 with municipalities, one with two districts (and people with no district), sex, two
    age bands and their total, two overlapping pooled 2-year periods: many small counts and zeros."""
    leaves = ["1101", "1106", "110301", "110302", "1103x"]
    regions = {"11": leaves, "1101": ["1101"], "1106": ["1106"], "1103": ["110301", "110302", "1103x"],
               "110301": ["110301"], "110302": ["110302"]}
    years = ["2019", "2020", "2021"]
    inner = {}
    for key in [(r, s, a, y) for r in leaves for s in ("female", "male") for a in ("15-19", "20-29") for y in years]:
        n = int(rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 9, 12, 20]))
        inner[key] = (n, n + int(rng.integers(0, 30)))
    dims = {"region": regions, "sex": {TOTAL: ["female", "male"], "female": ["female"], "male": ["male"]},
            "age": {"15-29": ["15-19", "20-29"], "15-19": ["15-19"], "20-29": ["20-29"]}}
    parts = []
    for lo in (2019, 2020):
        span = [str(lo), str(lo + 1)]
        sub = {k[:3] + (None,): None for k in inner}
        table = {k[:3]: (sum(inner[k[:3] + (y,)][0] for y in span), sum(inner[k[:3] + (y,)][1] for y in span))
                 for k in sub}
        parts.append(cross_table(table, dims, period=(lo, lo + 1)))
    import pandas as pd

    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_are_protected(seed):
    df = _random_table(np.random.default_rng(seed))
    rules = Rules(numerator_max=3)
    res = suppress(df, rules, pooled_periods=True, check=True)
    out = res.table
    shown = out["flag"] != 3
    assert not out.loc[shown, "numerator"].between(1, 3).any()          # no small count is published
    assert not ((out["denominator"] - out["numerator"]).between(0, 3) & shown & (out["numerator"] > 0)).any()
    assert res.stats["certified"] == 1
    prim = res.check["reason"].isin(["primary", "complement"])
    assert not res.check.loc[prim, "pinned"].any()                     # the LP agrees with the proof
    assert (res.check.loc[res.check["reason"] == "secondary", "width"] > 0).all()
    # exact linear algebra: no protected cell is a combination of published cells and known zeros
    m = M.build(df, pooled_periods=True)
    zero_atoms = set()
    for i in np.flatnonzero(shown.to_numpy() & (out["numerator"] == 0).to_numpy()):
        zero_atoms.update(m.atoms(int(i)).tolist())
    targets = np.flatnonzero(out["flag_reason"].isin(["primary", "complement"]).to_numpy())
    assert _derivable(m, shown.to_numpy(), targets, zero_atoms) == []


def test_pairwise_also_fails_through_zeros():
    """Over the same random tables the pairwise heuristic leaves some primary cell pinned by the LP
    (here through zeros and non-negativity); the Gaussian method never does (test above)."""
    failures = 0
    for seed in range(12):
        df = _random_table(np.random.default_rng(seed))
        m = M.build(df, pooled_periods=True)
        n, d = m.cells["numerator"].to_numpy(), m.cells["denominator"].to_numpy()
        targets = primary(m.cells, Rules(numerator_max=3)).notna().to_numpy()
        pw = pairwise(m, targets=targets, candidates=~targets, priority=d * 1e7 + n)
        iv = attack.intervals(m, published=~targets & ~pw, numerator=n, denominator=d,
                              denominator_known=np.ones(len(n), bool), cells=targets)
        failures += bool(iv["pinned"].any())
    assert failures >= 1


def test_secondary_prefers_small_cells():
    """Of two ways to protect a cell, the one hiding the smaller cells is taken."""
    df = bridge_table()
    m = M.build(df)
    _n, d = m.cells["numerator"].to_numpy(), m.cells["denominator"].to_numpy()
    targets = primary(m.cells, Rules(numerator_max=3)).notna().to_numpy()
    big_first = secondary(m, targets=targets, candidates=~targets, priority=d)
    small_first = secondary(m, targets=targets, candidates=~targets, priority=-d)
    assert d[big_first.suppressed].sum() < d[small_first.suppressed].sum()
