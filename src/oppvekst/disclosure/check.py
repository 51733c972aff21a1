"""The attack check on a published table, as anyone can run it (`oppvekst disclosure check FILE`).

Only what is in the file is used: published numerators and every denominator shown (this system
keeps the denominators of suppressed cells visible, since it assumes them known anyway). For each
suppressed cell, the tightest interval an attacker can derive by linear programming; the table
fails if a cell suppressed for confidentiality (primary, complement, secondary, or with no reason
given) is pinned to a single value or, given a limit, a published count is small. Cells hidden for
quality or by decision (series, coverage, manual) are reported too, but may be derivable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from oppvekst.disclosure import attack
from oppvekst.disclosure.model import build
from oppvekst.errors import InputError
from oppvekst.observations import FLAG_SUPPRESSED, FLAG_VALUE, validate

PROTECTED = ("primary", "complement")
# hidden for quality or by decision, not for confidentiality: pinning them reveals nothing protected
NOT_CONFIDENTIAL = ("series", "coverage", "manual")


@dataclass
class CheckResult:
    intervals: pd.DataFrame       # one row per suppressed cell: its dimensions, reason, low, high, width, pinned
    small_published: pd.DataFrame  # published cells with a numerator in 1..limit
    cells: int

    @property
    def pinned(self) -> int:
        return int(self.intervals["pinned"].sum())

    @property
    def pinned_protected(self) -> int:
        """Pinned cells suppressed for confidentiality (or of unknown reason)."""
        reason = self.intervals["flag_reason"].fillna("primary")
        return int((self.intervals["pinned"] & reason.isin(PROTECTED)).sum())

    @property
    def pinned_confidential(self) -> int:
        """Pinned cells suppressed for confidentiality: primary, complement, secondary, or no reason given."""
        reason = self.intervals["flag_reason"].fillna("primary")
        return int((self.intervals["pinned"] & ~reason.isin(NOT_CONFIDENTIAL)).sum())

    @property
    def ok(self) -> bool:
        return self.pinned_confidential == 0 and self.small_published.empty

    def summary(self) -> dict:
        widths = self.intervals["width"]
        return {"cells": self.cells, "suppressed": len(self.intervals), "pinned": self.pinned,
                "pinned_confidential": self.pinned_confidential, "pinned_protected": self.pinned_protected, "small_published": len(self.small_published),
                "min_width": float(widths.min()) if len(widths) else None,
                "median_width": float(widths.median()) if len(widths) else None, "ok": self.ok}


def read_table(path: Path) -> pd.DataFrame:
    """A published table in the observation layout (CSV or Parquet), validated."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.suffix.lower() == ".parquet":
        df = pd.read_parquet(path)
    else:
        try:
            df = pd.read_csv(path, dtype={"region": str, "age": str, "sex": str, "background": str, "ses": str},
                             encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not UTF-8", file=str(path)) from exc
    return validate(df, file=str(path), first_row=2)


def check_table(table: pd.DataFrame, *, limit: int | None = None, pooled_periods: bool = False,
                protected_only: bool = False) -> CheckResult:
    """Attack intervals for every suppressed cell of a published table (all indicators in it)."""
    from oppvekst.disclosure.control import protected_tables

    frames, smalls = [], []
    pieces = []        # (table, its model if already built), as `suppress` protected them
    for _ind, part in table.groupby("indicator", sort=True):
        ways, model = protected_tables(part, pooled_periods)
        pieces += [(w, None) for w in ways.values()] if ways is not None else [(part, model)]
    for part, model in pieces:
        model = model or build(part, pooled_periods=pooled_periods)
        cells = model.cells
        n = cells["numerator"].to_numpy(dtype=float)
        d = cells["denominator"].to_numpy(dtype=float)
        flag = cells["flag"].to_numpy()
        value = cells["value"].to_numpy(dtype=float)
        mean_like = bool(np.isnan(n).all() and (~np.isnan(value)).any())
        if mean_like:      # a mean: the attack works on the sums (mean x count), unbounded above
            n = value * d
        published = (flag == FLAG_VALUE) & ~np.isnan(n)
        suppressed = flag == FLAG_SUPPRESSED
        if protected_only:
            suppressed &= cells["flag_reason"].fillna("primary").isin(PROTECTED).to_numpy()
        iv = attack.intervals(model, published=published, numerator=n, denominator=d,
                              denominator_known=~np.isnan(d) & (not mean_like), cells=suppressed)
        keys = ["indicator", "region", "period_from", "period_to", "sex", "age", "background", "ses", "flag_reason"]
        frames.append(pd.concat([cells.loc[iv["cell"], keys].reset_index(drop=True),
                                 iv.drop(columns="cell").reset_index(drop=True)], axis=1))
        if limit:
            count = d if mean_like else n
            smalls.append(cells.loc[published & (count >= 1) & (count <= limit), keys[:-1] + ["numerator"]])
    intervals = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["low", "high", "width", "pinned", "flag_reason"])
    if len(pieces) > table["indicator"].nunique() and len(intervals):
        # a total in several linked tables: the attacker takes the narrowest of its intervals
        keys = [c for c in intervals.columns if c not in ("low", "high", "width", "pinned")]
        intervals = intervals.groupby(keys, dropna=False, as_index=False, sort=False).agg(
            low=("low", "max"), high=("high", "min"), pinned=("pinned", "any"))
        intervals["width"] = intervals["high"] - intervals["low"]
        intervals["pinned"] |= intervals["width"] <= attack.PINNED * np.maximum(1.0, intervals["high"].abs())
    small = pd.concat(smalls, ignore_index=True).drop_duplicates() if smalls else pd.DataFrame()
    return CheckResult(intervals, small, len(table))
