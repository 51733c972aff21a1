"""Social gradients: slope index (SII) and relative index of inequality (RII) across ordered SES groups.

Regression-based indices (Mackenbach & Kunst 1997, Soc Sci Med 44:757-71): the groups are ordered from
the most disadvantaged to the most advantaged; each gets the midpoint of its cumulative population
share (its ridit, 0..1); the indicator's value is regressed on the ridit by weighted least squares with
the groups' population shares as weights (statsmodels WLS).

- SII = predicted value at the bottom (ridit 0) − at the top (ridit 1) = −slope, in the indicator's
  unit: positive when the disadvantaged have the higher value.
- RII = predicted bottom / predicted top = intercept / (intercept + slope), interval by the delta
  method on log(RII).
Intervals use t with k − 2 degrees of freedom (the residual variance is estimated from the groups).

Only where an indicator has a socioeconomic breakdown (the `ses` column); otherwise nothing is shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import t as student_t

from oppvekst.observations import FLAG_VALUE, TOTAL

# Known orderings of SES codes, most disadvantaged first. A source may declare its own with `order`.
SES_ORDERS = (
    ("low", "middle", "high"),
    ("q1", "q2", "q3", "q4", "q5"),
    ("d01", "d02", "d03", "d04", "d05", "d06", "d07", "d08", "d09", "d10"),
)


def ses_order(codes) -> list[str] | None:
    present = set(codes) - {TOTAL}
    for order in SES_ORDERS:
        if present and present <= set(order):
            return [c for c in order if c in present]
    return None


def gradient(groups: pd.DataFrame, order: list[str] | None = None, alpha: float = 0.05) -> dict | None:
    """SII and RII for one area, period and indicator; `groups` has ses, value, denominator (population).

    Returns None when there are fewer than 3 ordered groups with values.
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
    cov = fit.cov_params()
    z = student_t.ppf(1 - alpha / 2, fit.df_resid)      # as statsmodels' conf_int: t with k − 2 df
    sii, sii_se = -b1, float(np.sqrt(cov[1, 1]))
    top = b0 + b1
    rii = b0 / top if top != 0 else np.nan
    # delta method on log RII = log b0 − log(b0 + b1)
    grad = np.array([1 / b0 - 1 / top, -1 / top]) if b0 > 0 and top > 0 else None
    log_se = float(np.sqrt(grad @ cov @ grad)) if grad is not None else np.nan
    return {
        "groups": list(g.index), "ridit": ridit.round(6).tolist(),
        "sii": float(sii), "sii_low": float(sii - z * sii_se), "sii_high": float(sii + z * sii_se),
        "rii": float(rii), "rii_low": float(rii * np.exp(-z * log_se)) if grad is not None else np.nan,
        "rii_high": float(rii * np.exp(z * log_se)) if grad is not None else np.nan,
        "n_groups": len(g),
    }


def gradients(obs: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """SII/RII for every indicator × region × period with an SES breakdown (sex, age, background totals)."""
    d = obs[(obs["ses"] != TOTAL) & (obs["sex"] == TOTAL) & (obs["background"] == TOTAL)]
    rows = []
    for key, part in d.groupby(["indicator", "region", "period_from", "period_to", "age"]):
        res = gradient(part, alpha=alpha)
        if res:
            rows.append(dict(zip(["indicator", "region", "period_from", "period_to", "age"], key, strict=True)) | res)
    return pd.DataFrame(rows)
