"""Trends over time with their uncertainty: an inverse-variance weighted linear trend per series.

For each series (indicator × region × breakdown) the values of the last `last` non-overlapping
periods are regressed on the period's end year by weighted least squares, with weights 1/var_i:
- proportions with counts: var_i = p̄(1 − p̄)/n_i · scale² (p̄ the series' pooled proportion, so a
  zero count does not get infinite weight); rates: var_i = r̄/e_i · scale²;
- otherwise the variance implied by the published 95 % interval.
Extra-binomial year-to-year variation is allowed for by the dispersion φ = Σ w r² / (k − 2), used
when above 1 (then t with k − 2 degrees of freedom, as statsmodels WLS); below 1 the binomial
variance stands (normal reference). The slope is in the indicator's unit per year.

Vectorised over all series at once (closed-form WLS with grouped sums); equal to statsmodels WLS
(tests check it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t

from oppvekst.compare.barometer import indicator_table
from oppvekst.indicators import stats
from oppvekst.indicators.catalogue import Indicator
from oppvekst.observations import FLAG_VALUE

SERIES = ["indicator", "region", "sex", "age", "background", "ses"]
TREND_NAMES = {"improving": ("Bedring", "Improving"), "worsening": ("Forverring", "Worsening"),
               "rising": ("Økende", "Rising"), "falling": ("Synkende", "Falling"),
               "stable": ("Ingen sikker endring", "No significant change"),
               "not_assessed": ("Ikke vurdert", "Not assessed")}


def non_overlapping(obs: pd.DataFrame) -> pd.DataFrame:
    """Keep periods that do not overlap, counting back from each series' latest period."""
    latest = obs.groupby(SERIES)["period_to"].transform("max")
    return obs[((latest - obs["period_to"]) % obs["n_years"]) == 0]


def trend(obs: pd.DataFrame, *, last: int = 10, alpha: float = 0.05,
          cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """One row per series: k, first/last year, slope per year, se, ci, p, dispersion, direction, cls."""
    meta = indicator_table(cat).set_index("indicator")
    d = obs[(obs["flag"] == FLAG_VALUE) & obs["value"].notna()]
    d = non_overlapping(d)
    rank = d.groupby(SERIES)["period_to"].rank(ascending=False, method="first")
    d = d[rank <= last].copy()
    if d.empty:
        return pd.DataFrame(columns=[*SERIES, "k", "slope", "se", "ci_low", "ci_high", "p_value", "cls"])
    scale = d["indicator"].map(meta["scale"]).fillna(1.0).to_numpy(dtype=float)
    measure = d["indicator"].map(meta["measure"]).fillna("unknown").to_numpy()
    x_tot = d["numerator"].to_numpy(dtype=float) * d["n_years"].to_numpy(dtype=float)
    n_tot = d["denominator"].to_numpy(dtype=float) * d["n_years"].to_numpy(dtype=float)
    g = d.groupby(SERIES, sort=False).ngroup().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (pd.Series(x_tot).groupby(g).transform("sum").to_numpy()
                  / pd.Series(n_tot).groupby(g).transform("sum").to_numpy())
        var = np.where(measure == "proportion", pooled * (1 - pooled) / n_tot * scale ** 2,
                       np.where(measure == "rate", pooled / n_tot * scale ** 2, np.nan))
        se_ci = stats.se_from_interval(d["ci_low"], d["ci_high"])
        var = np.where(np.isfinite(var) & (var > 0), var, se_ci ** 2)
    d["_w"] = 1.0 / var
    d["_x"] = d["period_to"].astype(float)
    d["_y"] = d["value"].astype(float)
    d = d[np.isfinite(d["_w"]) & (d["_w"] > 0)]
    d = d.assign(_wx=d["_w"] * d["_x"], _wy=d["_w"] * d["_y"], _wxx=d["_w"] * d["_x"] ** 2,
                 _wxy=d["_w"] * d["_x"] * d["_y"])
    s = d.groupby(SERIES, as_index=False, sort=False).agg(
        k=("_x", "size"), first=("period_to", "min"), last=("period_to", "max"), Sw=("_w", "sum"),
        Sx=("_wx", "sum"), Sy=("_wy", "sum"), Sxx=("_wxx", "sum"), Sxy=("_wxy", "sum"))
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = s["Sxx"] - s["Sx"] ** 2 / s["Sw"]
        slope = (s["Sxy"] - s["Sx"] * s["Sy"] / s["Sw"]) / sxx
        intercept = (s["Sy"] - slope * s["Sx"]) / s["Sw"]
    s = s.assign(slope=slope, intercept=intercept, _sxx=sxx)
    r = d.merge(s[[*SERIES, "slope", "intercept"]], on=SERIES)
    rss = (r["_w"] * (r["_y"] - r["intercept"] - r["slope"] * r["_x"]) ** 2).groupby(
        [r[c] for c in SERIES], sort=False).sum().rename("rss").reset_index()
    s = s.merge(rss, on=SERIES, how="left")
    k = s["k"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(k > 2, s["rss"] / (k - 2), np.nan)
        over = phi > 1
        se = np.sqrt(np.where(over, phi, 1.0) / s["_sxx"])
        stat = s["slope"] / se
        p = np.where(over, 2 * student_t.sf(np.abs(stat), k - 2), 2 * norm.sf(np.abs(stat)))
        crit = np.where(over, student_t.ppf(1 - alpha / 2, np.maximum(k - 2, 1)), norm.ppf(1 - alpha / 2))
    ok = (k >= 3) & np.isfinite(se)
    polarity = s["indicator"].map(meta["polarity"]).fillna("neutral").to_numpy()
    sig = ok & (p < alpha)
    up = s["slope"].to_numpy() > 0
    cls = np.where(~ok, "not_assessed", np.where(~sig, "stable", np.where(
        polarity == "neutral", np.where(up, "rising", "falling"),
        np.where(up == (polarity == "higher_better"), "improving", "worsening"))))
    return s.assign(slope=np.where(ok, s["slope"], np.nan), se=np.where(ok, se, np.nan), ci_low=np.where(ok, s["slope"] - crit * se, np.nan),
                    ci_high=np.where(ok, s["slope"] + crit * se, np.nan), p_value=np.where(ok, p, np.nan),
                    dispersion=phi, cls=cls)[
        [*SERIES, "k", "first", "last", "slope", "se", "ci_low", "ci_high", "p_value", "dispersion", "cls"]]
