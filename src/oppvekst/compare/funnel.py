"""Funnel plots: compare municipalities of very different size against a target (the national value).

Control limits follow Spiegelhalter (2005), "Funnel plots for comparing institutional performance",
Stat Med 24:1185-1202, appendix A.1: exact binomial (or Poisson) limits with the interpolation that
makes them smooth in n. For a target θ, size n and tail probability p:
    r_p = the smallest r with F(r) ≥ p,  α = (F(r_p) − p) / (F(r_p) − F(r_p − 1)),  limit = (r_p − α) / n.
95 % limits use p = 0.025 / 0.975, 99.8 % limits p = 0.001 / 0.999.

Over-dispersion (optional): the multiplicative factor φ from 10 % winsorised z-scores
(Spiegelhalter 2005, section 6.2); limits θ ± z √(φ θ(1 − θ)/n) when φ > 1.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
from scipy.stats import binom, norm, poisson

LEVELS = (0.95, 0.998)


def _exact_limit(p: float, n: np.ndarray, theta: float, measure: str) -> np.ndarray:
    dist = (lambda r: binom.cdf(r, n, theta)) if measure == "proportion" else (lambda r: poisson.cdf(r, n * theta))
    r = binom.ppf(p, n, theta) if measure == "proportion" else poisson.ppf(p, n * theta)
    f_r, f_prev = dist(r), dist(r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f_r > f_prev, (f_r - p) / (f_r - f_prev), 0.0)
        return (r - a) / n


def limits(theta: float, n, *, measure: str = "proportion", levels=LEVELS, scale: float = 100.0,
           dispersion: float | None = None) -> pd.DataFrame:
    """Control limits at sizes n (denominators) around the target θ (a fraction or a rate per unit)."""
    n = np.asarray(n, dtype=float)
    out = {"n": n}
    for level in levels:
        lo_p, hi_p = (1 - level) / 2, 1 - (1 - level) / 2
        if dispersion and dispersion > 1:
            var = theta * (1 - theta) if measure == "proportion" else theta
            half = norm.ppf(hi_p) * np.sqrt(dispersion * var / n)
            lo, hi = theta - half, theta + half
        else:
            lo, hi = _exact_limit(lo_p, n, theta, measure), _exact_limit(hi_p, n, theta, measure)
        key = f"{level * 100:g}".replace(".", "_")
        out[f"low_{key}"] = np.clip(lo, 0, None) * scale
        out[f"high_{key}"] = hi * scale
    return pd.DataFrame(out)


def dispersion(x, n, theta: float, *, measure: str = "proportion", winsor: float = 0.1) -> float:
    """Spiegelhalter's multiplicative over-dispersion φ from winsorised z-scores (1 means none)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    var = theta * (1 - theta) / n if measure == "proportion" else theta / n
    z = (x / n - theta) / np.sqrt(var)
    z = z[np.isfinite(z)]
    if len(z) < 3:
        return 1.0
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


def classify_points(df: pd.DataFrame, theta: float, *, measure: str = "proportion", scale: float = 100.0,
                    dispersion: float | None = None) -> pd.DataFrame:
    """Per point: outside the 95 % / 99.8 % limits (above or below)."""
    lim = limits(theta, df["denominator"].to_numpy(float), measure=measure, scale=scale, dispersion=dispersion)
    v = df["value"].to_numpy(float)
    out = np.select([v > lim["high_99_8"], v < lim["low_99_8"], v > lim["high_95"], v < lim["low_95"]],
                    ["above_998", "below_998", "above_95", "below_95"], default="inside")
    return df.assign(funnel=out)


FUNNEL_NAMES = {"above_998": "over 99,8 %-grensen", "below_998": "under 99,8 %-grensen",
                "above_95": "over 95 %-grensen", "below_95": "under 95 %-grensen", "inside": "innenfor"}


def chart(points: pd.DataFrame, theta: float, *, measure: str = "proportion", scale: float = 100.0,
          y_title: str = "", highlight: list[str] | None = None, dispersion: float | None = None) -> alt.LayerChart:
    """Funnel plot: municipalities as points by size, 95 % and 99.8 % limits, the target as a line."""
    n_max = float(points["denominator"].max())
    grid = np.unique(np.round(np.geomspace(max(5.0, float(points["denominator"].min()) * 0.8), n_max * 1.05, 200)))
    lim = limits(theta, grid, measure=measure, scale=scale, dispersion=dispersion)
    long = pd.concat([
        pd.DataFrame({"n": lim["n"], "limit": lim[c], "band": band, "side": side})
        for c, band, side in (("low_95", "95 %", "low"), ("high_95", "95 %", "high"),
                              ("low_99_8", "99,8 %", "low"), ("high_99_8", "99,8 %", "high"))])
    x = alt.X("n:Q", title="Nevner (antall i gruppen)", scale=alt.Scale(type="log"))
    lines = alt.Chart(long).mark_line(strokeDash=[4, 3]).encode(
        x=x, y=alt.Y("limit:Q", title=y_title), detail="side:N",
        color=alt.Color("band:N", title="Kontrollgrense", scale=alt.Scale(range=["#888888", "#444444"])))
    target = alt.Chart(pd.DataFrame({"y": [theta * scale]})).mark_rule(color="black").encode(y="y:Q")
    pts = points.assign(denominator=points["denominator"].astype(float),
                        marked=points["region"].isin(highlight or []))
    dots = alt.Chart(pts).mark_circle(size=28, opacity=0.75).encode(
        x=alt.X("denominator:Q", scale=alt.Scale(type="log"), title="Nevner (antall i gruppen)"),
        y="value:Q", color=alt.condition("datum.marked", alt.value("#d7301f"), alt.value("#2c7bb6")),
        tooltip=["name:N", "value:Q", "denominator:Q"])
    return (lines + target + dots).properties(width=620, height=320)
