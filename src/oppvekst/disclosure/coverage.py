"""Coverage rule for city districts and living-conditions zones, and the series rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oppvekst.disclosure.model import TableModel
from oppvekst.observations import TOTAL

SERIES_KEYS = ["region", "sex", "age", "background", "ses"]


def unknown_district_share(model: TableModel) -> pd.DataFrame:
    """Share of a municipality's (or district's) denominator with no known district (or zone), by period.

    The part of a municipality that none of its districts covers is people whose district is unknown.
    Measured on the cells where every other breakdown is the total.
    """
    cells = model.cells
    totals = (cells["sex"] == TOTAL) & (cells["background"] == TOTAL) & (cells["ses"] == TOTAL)
    # the widest age band present (the indicator's total) for each period
    base = cells[totals].copy()
    span = base["age"].map(_age_width)
    base = base[span == span.groupby(base["period"]).transform("max")]
    rows = []
    parent_of = _parents(model)
    by_key = base.set_index(["region", "period"])["denominator"]
    for (code, period), den in by_key.items():
        kids = [c for c, p in parent_of.items() if p == code]
        kids = [c for c in kids if len(c) > 4]          # only districts and zones count here
        if not kids or not den or np.isnan(den):
            continue
        known = [by_key.get((k, period), np.nan) for k in kids]
        if any(np.isnan(k) for k in known):
            continue
        rows.append({"region": code, "period": period, "denominator": den,
                     "unknown": den - sum(known), "share": (den - sum(known)) / den})
    return pd.DataFrame(rows, columns=["region", "period", "denominator", "unknown", "share"])


def _age_width(code: str) -> float:
    from oppvekst.disclosure.model import _age_interval

    span = _age_interval(code)
    return 1e9 if span is None else span[1] - span[0]


def _parents(model: TableModel) -> dict[str, str | None]:
    from oppvekst.disclosure.model import _region_parents

    return _region_parents(model.dims[0].nodes)


def coverage(model: TableModel, max_unknown: float | None) -> np.ndarray:
    """Cells (districts and zones) hidden because too much of their municipality has no known district."""
    hide = np.zeros(len(model.cells), dtype=bool)
    if max_unknown is None:
        return hide
    shares = unknown_district_share(model)
    bad = shares[shares["share"] > max_unknown]
    if bad.empty:
        return hide
    regions = model.cells["region"].to_numpy()
    periods = model.cells["period"].to_numpy()
    for code, period in zip(bad["region"], bad["period"], strict=True):
        below = np.char.startswith(regions.astype(str), code) & (np.char.str_len(regions.astype(str)) > len(code))
        hide |= below & (periods == period)
    return hide


def series(cells: pd.DataFrame, suppressed: np.ndarray, shown: np.ndarray, max_share: float | None) -> np.ndarray:
    """Cells hidden because their series (one region and breakdown over time) is mostly suppressed."""
    hide = np.zeros(len(cells), dtype=bool)
    if max_share is None:
        return hide
    key = cells.groupby(SERIES_KEYS, sort=False, dropna=False).ngroup().to_numpy()
    counted = suppressed | shown
    total = np.bincount(key[counted], minlength=key.max() + 1 if len(key) else 0)
    hidden = np.bincount(key[counted & suppressed], minlength=len(total))
    share = np.divide(hidden, total, out=np.zeros(len(total)), where=total > 0)
    return (share[key] > max_share) & shown
