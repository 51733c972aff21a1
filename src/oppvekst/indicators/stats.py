"""Interval estimates for indicator values (vectorised over whole tables)."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def wilson(numerator, denominator, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, as fractions; NaN where the denominator is 0 or missing.

    Same formula as statsmodels' proportion_confint(method="wilson"), vectorised for whole tables.
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    z = norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    bad = ~(n > 0)
    low, high = np.where(bad, np.nan, centre - half), np.where(bad, np.nan, centre + half)
    return np.clip(low, 0, 1), np.clip(high, 0, 1)
