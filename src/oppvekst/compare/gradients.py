"""Social gradients: slope index (SII) and relative index of inequality (RII) across ordered SES groups.

Regression-based indices (Mackenbach & Kunst 1997, Soc Sci Med 44:757-71): the groups are ordered from
the most disadvantaged to the most advantaged; each gets the midpoint of its cumulative population
share (its ridit, 0..1); the indicator's value is regressed on the ridit by weighted least squares with
the groups' population shares as weights.

- SII = predicted value at the bottom (ridit 0) − at the top (ridit 1) = −slope, in the indicator's
  unit: positive when the disadvantaged have the higher value.
- RII = predicted bottom / predicted top = intercept / (intercept + slope), interval by the delta
  method on log(RII).
Intervals use t with k − 2 degrees of freedom (the residual variance is estimated from the groups),
as statsmodels' WLS does. `gradient` fits one group with statsmodels; `gradients` does every area,
period and indicator at once with the same closed-form WLS (tests check they agree).

Only where an indicator has a socioeconomic breakdown (the `ses` column); groups with unknown SES are
left out. Known orderings: parents' education (the microdata's parents_edu_*), income quintiles
(income_q1 lowest … income_q5), and generic low/middle/high, q1–q5, d01–d10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import t as student_t

from oppvekst.observations import FLAG_VALUE, TOTAL

# SES families: codes from the most disadvantaged to the most advantaged
SES_FAMILIES: dict[str, tuple[str, ...]] = {
    "parents_edu": ("parents_edu_basic", "parents_edu_upper_secondary", "parents_edu_higher_short",
                    "parents_edu_higher_long"),
    "income": tuple(f"income_q{q}" for q in range(1, 6)),
    "level3": ("low", "middle", "high"),
    "quintile": ("q1", "q2", "q3", "q4", "q5"),
    "decile": tuple(f"d{d:02d}" for d in range(1, 11)),
}
FAMILY_NAMES = {"parents_edu": ("foreldrenes utdanning", "parents' education"),
                "income": ("husholdningsinntekt (kvintiler)", "household income (quintiles)"),
                "level3": ("sosioøkonomisk status", "socioeconomic status"),
                "quintile": ("kvintiler", "quintiles"), "decile": ("desiler", "deciles")}
_RANK = {code: (fam, r) for fam, codes in SES_FAMILIES.items() for r, code in enumerate(codes)}
KEYS = ["indicator", "region", "period_from", "period_to", "age", "family"]


def ses_order(codes) -> list[str] | None:
    """The ordering (one SES family) that covers these codes, or None."""
    present = set(codes) - {TOTAL}
    for order in SES_FAMILIES.values():
        if present and present <= set(order):
            return [c for c in order if c in present]
    return None


def gradient(groups: pd.DataFrame, order: list[str] | None = None, alpha: float = 0.05) -> dict | None:
    """SII and RII for one area, period, indicator and SES family, fitted with statsmodels WLS.

    `groups` has ses, value, denominator (population) and flag; None with fewer than 3 groups.
    """
    g = groups[(groups["ses"] != TOTAL) & (groups["flag"] == FLAG_VALUE) & groups["value"].notna()
               & (groups["denominator"] > 0)]
    order = order or ses_order(g["ses"])
    if order is None or len(g) < 3:
        return None
    g = g.set_index("ses").reindex([c for c in order if c in set(g["ses"])])
    share = g["denominator"] / g["denominator"].sum()
    ridit = share.cumsum() - share / 2
    fit = sm.WLS(g["value"].to_numpy(float), sm.add_constant(ridit.to_numpy(float)), weights=share.to_numpy(float)).fit()
    b0, b1 = fit.params
    return _indices(b0, b1, fit.cov_params(), fit.df_resid, alpha) | {
        "groups": list(g.index), "ridit": ridit.round(6).tolist(), "n_groups": int(len(g))}


def _indices(b0, b1, cov, df, alpha: float) -> dict:
    crit = student_t.ppf(1 - alpha / 2, df)
    sii_se = np.sqrt(cov[1, 1])
    top = b0 + b1
    with np.errstate(invalid="ignore", divide="ignore"):
        rii = b0 / top
        ok = (b0 > 0) & (top > 0)
        # delta method on log RII = log b0 − log(b0 + b1)
        g0, g1 = 1 / b0 - 1 / top, -1 / top
        log_se = np.sqrt(g0 * g0 * cov[0, 0] + 2 * g0 * g1 * cov[0, 1] + g1 * g1 * cov[1, 1])
    # a fit whose lowest group is near zero has an unbounded RII interval: reported as not computable
    with np.errstate(invalid="ignore", over="ignore"):
        low, high = rii * np.exp(-crit * log_se), rii * np.exp(crit * log_se)
    ok = ok & np.isfinite(low) & np.isfinite(high)
    return {"sii": -b1, "sii_low": -b1 - crit * sii_se, "sii_high": -b1 + crit * sii_se, "rii": rii,
            "rii_low": np.where(ok, low, np.nan), "rii_high": np.where(ok, high, np.nan)}


def gradients(obs: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """SII/RII for every indicator × region × period × SES family (sex and background totals), at once."""
    d = obs[(obs["ses"] != TOTAL) & (obs["sex"] == TOTAL) & (obs["background"] == TOTAL)
            & (obs["flag"] == FLAG_VALUE) & obs["value"].notna() & (obs["denominator"] > 0)]
    rank = d["ses"].map(lambda c: _RANK.get(c, (None, -1)))
    d = d.assign(family=rank.str[0], rank=rank.str[1])
    d = d[d["family"].notna()].sort_values([*KEYS, "rank"])
    if d.empty:
        return pd.DataFrame(columns=[*KEYS, "n_groups", "sii", "sii_low", "sii_high", "rii", "rii_low", "rii_high"])
    grp = d.groupby(KEYS, sort=False)
    share = d["denominator"] / grp["denominator"].transform("sum")
    ridit = share.groupby([d[k] for k in KEYS], sort=False).cumsum() - share / 2
    y = d["value"].astype(float)
    w = share
    parts = pd.DataFrame({"w": w, "wx": w * ridit, "wy": w * y, "wxx": w * ridit ** 2, "wxy": w * ridit * y,
                          "wyy": w * y * y, **{k: d[k] for k in KEYS}})
    s = parts.groupby(KEYS, sort=False).agg(k=("w", "size"), Sw=("w", "sum"), Sx=("wx", "sum"), Sy=("wy", "sum"),
                                             Sxx=("wxx", "sum"), Sxy=("wxy", "sum"), Syy=("wyy", "sum")).reset_index()
    s = s[s["k"] >= 3]
    det = s["Sw"] * s["Sxx"] - s["Sx"] ** 2
    b1 = (s["Sw"] * s["Sxy"] - s["Sx"] * s["Sy"]) / det
    b0 = (s["Sy"] - b1 * s["Sx"]) / s["Sw"]
    # weighted residual sum of squares from the sums: Σw(y − b0 − b1 x)²
    rss = (s["Syy"] - 2 * b0 * s["Sy"] - 2 * b1 * s["Sxy"] + b0 ** 2 * s["Sw"] + 2 * b0 * b1 * s["Sx"]
           + b1 ** 2 * s["Sxx"]).clip(lower=0)
    dfree = s["k"] - 2
    scale = rss / dfree
    cov = np.array([[scale * s["Sxx"] / det, -scale * s["Sx"] / det], [-scale * s["Sx"] / det, scale * s["Sw"] / det]])
    res = _indices(b0.to_numpy(), b1.to_numpy(), cov, dfree.to_numpy(), alpha)
    return s[KEYS + ["k"]].rename(columns={"k": "n_groups"}).assign(**{k: np.asarray(v, dtype=float) for k, v in res.items()})
