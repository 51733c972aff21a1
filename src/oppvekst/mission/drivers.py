"""Who is driving the change: progress by region and by group, the gaps between groups over time (an
equality goal is judged on the gap, not the average), and each municipality's contribution to the
change in the national figure.

Every function takes an observation table (the warehouse's long layout, one indicator) and is pure.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from oppvekst.errors import InputError
from oppvekst.mission.progress import Direction, SdgProgressResults, sdg_progress
from oppvekst.observations import FLAG_VALUE, TOTAL

GROUP_DIMENSIONS = ("sex", "age", "background", "ses")


def _values(obs: pd.DataFrame, keys: tuple[str, ...] = ("region",)) -> pd.DataFrame:
    """Rows with a value, `year` = the period's first year; one row per keys + year, or refused (the
    caller filters the table to one breakdown, e.g. NEET's headline age 15-29)."""
    if obs["indicator"].nunique() > 1:
        raise InputError("observations for more than one indicator", field="indicator")
    v = obs[obs["flag"] == FLAG_VALUE].assign(year=lambda d: d["period_from"].astype(int))
    dup = v.duplicated([*keys, "year"])
    if dup.any():
        varying = [d for d in GROUP_DIMENSIONS if d not in keys and v[d].nunique() > 1]
        raise InputError(f"more than one observation per {'/'.join(keys)} and year: filter the breakdown "
                         f"first (varies by {varying})", field=varying[0] if varying else keys[0])
    return v


def _progress_row(s: pd.Series, base_year: int, year: int | None, direction: Direction,
                  target: float | None, target_year: int | None) -> dict:
    s = s.sort_index()
    if year is not None:
        s = s[s.index <= year]
    if s.empty or not (s.index >= base_year).any():
        return {"base_year": None, "base_value": None, "year": None, "value": None, "change": None,
                "cagr": None, "status": "not_available", "score": None}
    r: SdgProgressResults = sdg_progress(s, base_year=base_year, direction=direction, target=target,
                                         target_year=target_year or 2030)
    change = None if r.current_value is None else r.current_value - r.base_value
    return {"base_year": r.base_year, "base_value": r.base_value, "year": r.current_year, "value": r.current_value,
            "change": change, "cagr": r.cagr_observed, "status": r.status, "score": r.score}


def progress_by_region(obs: pd.DataFrame, *, base_year: int, direction: Direction, year: int | None = None,
                       target: float | None = None, target_year: int | None = None) -> pd.DataFrame:
    """Per region (at the totals of every breakdown): base and latest value, the change, the CAGR and
    sdg-build's status and score. Regions are ranked by change in the desired direction."""
    v = _values(obs)
    rows = [{"region": region, **_progress_row(part.set_index("year")["value"], base_year, year, direction,
                                               target, target_year)}
            for region, part in v.groupby("region")]
    out = pd.DataFrame(rows)
    sign = -1 if direction == "decrease" else 1
    return out.assign(_k=out["change"].astype(float) * sign).sort_values("_k", ascending=False,
                                                                         na_position="last").drop(columns="_k") \
        .reset_index(drop=True)


def progress_by_group(obs: pd.DataFrame, dimension: str, *, base_year: int, direction: Direction,
                      region: str = "0", year: int | None = None) -> pd.DataFrame:
    """Per group of one breakdown (sex, age, background or ses; the others at their totals) in one
    region: the same columns as `progress_by_region`."""
    if dimension not in GROUP_DIMENSIONS:
        raise InputError(f"dimension must be one of {GROUP_DIMENSIONS}", field="dimension")
    v = _values(obs[(obs["region"] == region) & (obs[dimension] != TOTAL)], keys=("region", dimension))
    if v.empty:
        raise InputError(f"the data has no breakdown by {dimension} in region {region}", field="dimension")
    rows = [{dimension: g, **_progress_row(part.set_index("year")["value"], base_year, year, direction, None, None)}
            for g, part in v.groupby(dimension)]
    return pd.DataFrame(rows)


def group_gap(obs: pd.DataFrame, dimension: str, group: str, reference: str, *, region: str = "0",
              kind: Literal["difference", "ratio"] = "difference") -> pd.DataFrame:
    """The gap between `group` and `reference` in each year: value(group) − value(reference) (in the
    indicator's unit, percentage points for a share) or their ratio. Years where either is missing are
    left out."""
    v = _values(obs[(obs["region"] == region) & obs[dimension].isin([group, reference])], keys=("region", dimension))
    wide = v.pivot_table(index="year", columns=dimension, values="value", aggfunc="first")
    if group not in wide or reference not in wide:
        raise InputError(f"no {dimension} values {group!r} and {reference!r} in region {region}", field=dimension)
    wide = wide[[group, reference]].dropna()
    gap = wide[group] - wide[reference] if kind == "difference" else wide[group] / wide[reference]
    return pd.DataFrame({"year": wide.index.astype(int), group: wide[group].to_numpy(),
                         reference: wide[reference].to_numpy(), "gap": gap.to_numpy()}).reset_index(drop=True)


def gap_progress(gaps: pd.DataFrame, *, base_year: int, kind: Literal["difference", "ratio"] = "difference",
                 target_year: int | None = None) -> SdgProgressResults:
    """An equality goal judged on the gap: sdg-build's measure on |gap| (or |ratio − 1|), which must fall;
    with a target year, against the target of no gap (sdg-build reads a target of 0 as 0.001)."""
    distance = (gaps["gap"] - (1.0 if kind == "ratio" else 0.0)).abs()
    s = pd.Series(distance.to_numpy(), index=gaps["year"].to_numpy())
    if target_year is None:
        return sdg_progress(s, base_year=base_year, direction="decrease")
    return sdg_progress(s, base_year=base_year, direction="decrease", target=0.0, target_year=target_year)


def contribution(obs: pd.DataFrame, *, base_year: int, year: int, regions: list[str] | None = None) -> pd.DataFrame:
    """Each region's contribution to the change in the total rate R = ΣN/ΣD between two years.

    The exact, additive split used here: contribution_i = (N_i1 − R0·D_i1)/D1 − (N_i0 − R0·D_i0)/D0, which
    sums over the regions to R1 − R0 (the R0 terms cancel because ΣN_0 = R0·ΣD_0). A region adds to the
    change when its count grows beyond what the starting rate implies for its population. Also given:
    its share of the change in the total numerator and denominator. The total is the sum of the regions
    passed (default: every four-digit municipality code), so the parts add up; a national row can
    differ where the statistic has people with unknown municipality."""
    v = _values(obs)
    if regions is None:
        regions = sorted(r for r in v["region"].unique() if len(r) == 4)
    part = v[v["region"].isin(regions) & v["year"].isin([base_year, year])]
    wide = part.pivot_table(index="region", columns="year", values=["numerator", "denominator"], aggfunc="first")
    needed = [("numerator", base_year), ("numerator", year), ("denominator", base_year), ("denominator", year)]
    if any(col not in wide.columns for col in needed):
        raise InputError(f"counts for both {base_year} and {year} are needed", field="year")
    wide = wide[needed].dropna()
    if len(wide) < len(regions):
        missing = sorted(set(regions) - set(wide.index))
        raise InputError(f"regions without counts in {base_year} or {year}: {missing[:5]}", field="region")
    n0, n1 = wide[("numerator", base_year)], wide[("numerator", year)]
    d0, d1 = wide[("denominator", base_year)], wide[("denominator", year)]
    N0, N1, D0, D1 = n0.sum(), n1.sum(), d0.sum(), d1.sum()
    r0, r1 = N0 / D0, N1 / D1
    contrib = (n1 - r0 * d1) / D1 - (n0 - r0 * d0) / D0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "region": wide.index, "numerator_base": n0.to_numpy(), "numerator": n1.to_numpy(),
            "denominator_base": d0.to_numpy(), "denominator": d1.to_numpy(),
            "share_of_numerator_change": ((n1 - n0) / (N1 - N0)).to_numpy() if N1 != N0 else np.nan,
            "share_of_denominator_change": ((d1 - d0) / (D1 - D0)).to_numpy() if D1 != D0 else np.nan,
            "contribution": contrib.to_numpy(),          # in the rate's unit: a fraction
            "contribution_pp": 100 * contrib.to_numpy(),  # percentage points, for a share in per cent
        })
    out.attrs.update({"rate_base": r0, "rate": r1, "change": r1 - r0})
    return out.sort_values("contribution", ascending=False).reset_index(drop=True)
