"""Planning values from Norway's own data: the baseline rate, the between-area ICC and the spread of
area sizes of an outcome indicator, computed from the warehouse with the source and year shown.

Nothing is invented: an indicator without counts (a published mean, a share without numerator and
denominator) gives no ICC, and the planner must enter one. The ICC is the one-way ANOVA estimator for
a binary outcome from grouped counts (Fleiss 1981; Donner 1986, Int Stat Rev 54:67–82), our own code
because no Python package estimates it from aggregates:
  MSB = Σ n_i (p_i − p)² / (k − 1),  MSW = Σ n_i p_i (1 − p_i) / (N − k),
  n0 = (N − Σ n_i² / N) / (k − 1),   ICC = (MSB − MSW) / (MSB + (n0 − 1) MSW).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from oppvekst import regions
from oppvekst.errors import InputError
from oppvekst.observations import FLAG_VALUE
from oppvekst.warehouse import StatisticsReader


@dataclass(frozen=True)
class PlanningValues:
    indicator: str
    year: int
    level: str
    baseline: float | None        # national share (0–1) of the outcome
    icc: float | None             # between-area ICC of the binary outcome
    areas: int                    # areas with counts
    mean_size: float | None       # mean denominator per area
    cv_size: float | None         # coefficient of variation of the areas' sizes
    left_out: int                 # areas without usable counts (suppressed or missing)
    source: str
    synthetic: bool
    note: str

    def to_dict(self) -> dict:
        return asdict(self)


def icc_from_counts(events: np.ndarray, sizes: np.ndarray) -> float:
    """ANOVA estimator of the ICC of a binary outcome from events and sizes per group."""
    events, sizes = np.asarray(events, float), np.asarray(sizes, float)
    k, total = len(sizes), sizes.sum()
    if k < 2 or (sizes < 1).any() or (events < 0).any() or (events > sizes).any():
        raise InputError("need at least two groups with 0 ≤ events ≤ size", field="counts")
    p_i, p = events / sizes, events.sum() / total
    msb = (sizes * (p_i - p) ** 2).sum() / (k - 1)
    msw = (sizes * p_i * (1 - p_i)).sum() / (total - k)
    n0 = (total - (sizes ** 2).sum() / total) / (k - 1)
    return float((msb - msw) / (msb + (n0 - 1) * msw))


def planning_values(reader: StatisticsReader, indicator: str, *, year: int | None = None,
                    level: str = "kommune") -> PlanningValues:
    """Baseline and ICC of `indicator` across areas of `level` (kommune or bydel) in `year` (default latest)."""
    from oppvekst.indicators.catalogue import catalogue

    cat = catalogue()
    if indicator not in cat:
        raise InputError("not an indicator of the catalogue", field="indicator")
    if level not in ("kommune", "bydel"):
        raise InputError("must be kommune or bydel", field="level")
    ind = cat[indicator]
    obs = reader.observations(indicator=indicator, age=ind.headline.get("age"))   # the headline breakdown
    if not len(obs):
        raise InputError(f"the warehouse has no figures for {indicator}: enter the planning values yourself",
                         field="indicator")
    year = int(year if year is not None else obs["period_to"].max())
    rows = obs[obs["period_to"] == year]
    table = regions.regions_2024()
    codes = set(table.loc[table["level"] == level, "code"])
    areas = rows[rows["region"].isin(codes)]
    usable = areas[(areas["flag"] == FLAG_VALUE) & areas["numerator"].notna() & areas["denominator"].notna()
                   & (areas["denominator"] > 0)]
    source = f"{ind.source.name}{' ' + ind.source.table if ind.source.table else ''}, {year}"
    synthetic = bool(rows["synthetic"].any()) if "synthetic" in rows else False
    national = rows[rows["region"] == "0"]
    if len(national) and national["numerator"].notna().all() and national["denominator"].notna().all():
        baseline = float(national["numerator"].sum() / national["denominator"].sum())
    elif len(usable):
        baseline = float(usable["numerator"].sum() / usable["denominator"].sum())
    else:
        baseline = None
    if ind.measure != "proportion" or len(usable) < 2:
        note = ("no ICC: the indicator has no counts per area (enter an ICC from a study)"
                if ind.measure != "proportion" or not len(usable) else "no ICC: fewer than two areas with counts")
        return PlanningValues(indicator, year, level, baseline if ind.measure == "proportion" else None, None,
                              len(usable), None, None, len(areas) - len(usable), source, synthetic, note)
    sizes = usable["denominator"].to_numpy(float)
    icc = icc_from_counts(usable["numerator"].to_numpy(float), sizes)
    note = (f"ICC between {level}r from {len(usable)} areas (ANOVA estimator, Donner 1986)"
            + (f"; {len(areas) - len(usable)} areas left out (suppressed or missing)" if len(areas) > len(usable)
               else ""))
    return PlanningValues(indicator, year, level, baseline, icc, len(usable), float(sizes.mean()),
                          float(sizes.std(ddof=1) / sizes.mean()), len(areas) - len(usable), source, synthetic, note)


def summary(values: PlanningValues) -> pd.DataFrame:
    return pd.DataFrame([values.to_dict()])
