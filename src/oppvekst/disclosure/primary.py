"""Primary suppression per cell, and the rules that drive all suppression of one indicator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Rules:
    """Suppression rules for one indicator.

    numerator_max: a numerator in 1..numerator_max is suppressed (0: no small-number rule).
    complement: the complement (denominator - numerator) in 0..numerator_max is suppressed too when
        the numerator is positive: then (almost) everyone in the cell has the attribute. A complement
        of 0 counts, since it reveals the attribute of every person in the cell.
    denominator_min: a denominator below this is suppressed (too few to show a share).
    protect_zeros: a numerator of 0 is suppressed as well (SSB's protectZeros); off by default, since
        "nobody here has the attribute" reveals only the absence of the sensitive attribute.
    series_max_share: a series (one region and breakdown over time) with more than this share of its
        cells suppressed is hidden whole (None: no series rule).
    coverage_max_unknown: districts and zones are hidden where more than this share of the
        municipality's denominator has an unknown district (None: no coverage rule).
    denominators_public: the attacker is assumed to know every denominator (population-type counts
        are published elsewhere); suppressed cells then keep their denominator visible.
    """
    numerator_max: int = 0
    complement: bool = True
    denominator_min: int = 0
    protect_zeros: bool = False
    series_max_share: float | None = None
    coverage_max_unknown: float | None = None
    denominators_public: bool = True

    @classmethod
    def for_indicator(cls, indicator_id: str, **overrides) -> Rules:
        """The catalogue's limits for an indicator, with the project's policy for the rest."""
        from oppvekst.disclosure.policy import policy
        from oppvekst.indicators.catalogue import get

        sup = get(indicator_id).suppression
        base = policy()
        values = {"numerator_max": sup.numerator_max or base.get("numerator_max", 0),
                  "denominator_min": sup.denominator_min or base.get("denominator_min", 0),
                  "series_max_share": base.get("series_max_share"),
                  "coverage_max_unknown": base.get("coverage_max_unknown")}
        for name in ("complement", "protect_zeros", "denominators_public"):
            if hasattr(sup, name):
                values[name] = getattr(sup, name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def primary(table: pd.DataFrame, rules: Rules) -> pd.Series:
    """The primary reason per row ("primary", "complement") or None. Rows without figures get None."""
    n = table["numerator"].to_numpy(dtype=float)
    d = table["denominator"].to_numpy(dtype=float)
    known = ~np.isnan(n)
    limit = rules.numerator_max
    low = (n >= (0 if rules.protect_zeros else 1)) & (n <= limit) if limit > 0 else np.zeros(len(n), bool)
    small_d = ~np.isnan(d) & (d < rules.denominator_min) & (d > 0)
    comp = np.zeros(len(n), bool)
    if rules.complement and limit > 0:
        c = d - n
        comp = ~np.isnan(c) & (n > 0) & (c >= 0) & (c <= limit)
    reason = np.full(len(n), None, dtype=object)
    reason[known & comp] = "complement"
    reason[known & (low | small_d)] = "primary"
    return pd.Series(reason, index=table.index, dtype=object)
