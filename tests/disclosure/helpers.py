"""Small tables built by hand for the disclosure tests (invented counts, not statistics)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from oppvekst.observations import TOTAL, frame


def cross_table(inner: dict[tuple, tuple[int, int]], dims: dict[str, dict[str, list[str]]],
                period: tuple[int, int] = (2020, 2020), indicator: str = "x") -> pd.DataFrame:
    """A table with every combination of the given nodes; each node lists the inner codes it sums.

    inner: (code per dimension, in the order of `dims`) -> (numerator, denominator)
    dims: dimension -> {node code: [inner codes]}
    """
    names = list(dims)
    rows = []
    for combo in itertools.product(*(dims[d].items() for d in names)):
        keys = list(itertools.product(*(members for _, members in combo)))
        n = sum(inner[k][0] for k in keys)
        d = sum(inner[k][1] for k in keys)
        row = {"indicator": indicator, "region": "0", "period_from": period[0], "period_to": period[1],
               "numerator": n, "denominator": d, "value": 100 * n / d if d else np.nan}
        row.update({name: code for name, (code, _) in zip(names, combo, strict=True)})
        rows.append(row)
    return frame(rows)


def bridge_table() -> pd.DataFrame:
    """4 municipalities x 4 categories with totals, where pairwise suppression fails (see test)."""
    values = {
        "0301": (15, 2, 8, 1), "0302": (9, 15, 9, 4), "0303": (15, 4, 12, 12), "0304": (6, 8, 15, 3),
    }
    cats = ["a", "b", "c", "d"]
    inner = {(r, c): (v, v + 20) for r, vals in values.items() for c, v in zip(cats, vals, strict=True)}
    return cross_table(inner, {"region": {"03": list(values), **{r: [r] for r in values}},
                               "background": {TOTAL: cats, **{c: [c] for c in cats}}})
