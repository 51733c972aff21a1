"""Multi-year periods (e.g. 3-year): sums of numerator and denominator, shown as annual averages.

A period ending in year Y covers Y-window+1 .. Y. Its value is Σ numerator / Σ denominator (so the
larger years weigh more, as in FHI's and SSB's period figures); the numerator and denominator stored
are the annual averages (sum / years used), and n_years says how many years went in.

Rules for missing years (a year is missing when its row is absent, flagged or lacks a count):
- `min_years=None` (default): every year of the window must be present, otherwise the period is
  "not computable" (flag 2, reason `missing years`).
- `min_years=k`: at least k of the years must be present; the period then uses those years only
  and n_years < window tells the reader so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oppvekst.indicators.stats import interval
from oppvekst.observations import FLAG_NOT_COMPUTABLE, FLAG_VALUE, frame

KEYS = ["indicator", "region", "sex", "age", "background", "ses"]


def multi_year(obs: pd.DataFrame, window: int = 3, *, min_years: int | None = None, measure: str = "proportion",
               scale: float = 100.0, step: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """Period observations from annual ones (n_years == 1), vectorised over all series at once.

    `step=window` gives non-overlapping periods (for trend tests); step=1 gives rolling periods.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    need = window if min_years is None else min_years
    if not 1 <= need <= window:
        raise ValueError("min_years must be between 1 and the window")
    annual = obs[obs["n_years"] == 1]
    if annual.empty:
        return frame(None)
    years = np.arange(int(annual["period_to"].min()), int(annual["period_to"].max()) + 1)
    ok = (annual["flag"] == FLAG_VALUE) & annual["numerator"].notna() & annual["denominator"].notna()
    keys = annual[KEYS].astype(str).agg("\x1f".join, axis=1)
    codes, uniques = pd.factorize(keys)
    col = (annual["period_to"].to_numpy() - years[0]).astype(int)
    shape = (len(uniques), len(years))
    num, den, cnt = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    sel = ok.to_numpy()
    num[codes[sel], col[sel]] = annual["numerator"].to_numpy()[sel]
    den[codes[sel], col[sel]] = annual["denominator"].to_numpy()[sel]
    cnt[codes[sel], col[sel]] = 1
    present = np.zeros(shape, dtype=bool)
    present[codes, col] = True      # series exists in that year (even if flagged)

    def rolling(a: np.ndarray) -> np.ndarray:
        c = np.cumsum(np.pad(a, ((0, 0), (1, 0))), axis=1)
        return c[:, window:] - c[:, :-window]

    ends = years[window - 1:]
    s_num, s_den, s_cnt = rolling(num), rolling(den), rolling(cnt)
    any_present = rolling(present.astype(float)) > 0
    pick = np.arange(len(ends))[::-1][::step][::-1] if step > 1 else np.arange(len(ends))
    rows, cols = np.nonzero(any_present[:, pick])
    cols = pick[cols]
    s_num, s_den, s_cnt = s_num[rows, cols], s_den[rows, cols], s_cnt[rows, cols]
    key_parts = pd.Series(uniques[rows]).str.split("\x1f", expand=True)
    key_parts.columns = KEYS
    enough = s_cnt >= need
    n_years = np.where(enough, s_cnt, 0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(enough & (s_den > 0), s_num / s_den * scale, np.nan)
    low, high = interval(measure, s_num, s_den, scale=scale, alpha=alpha)
    low, high = np.where(enough, low, np.nan), np.where(enough, high, np.nan)
    computable = enough & ~np.isnan(value)
    out = key_parts.assign(
        period_from=ends[cols] - window + 1, period_to=ends[cols],
        numerator=np.where(enough, s_num / np.maximum(n_years, 1), np.nan),
        denominator=np.where(enough, s_den / np.maximum(n_years, 1), np.nan),
        value=value, ci_low=low, ci_high=high,
        n_years=np.where(enough, n_years, window),
        flag=np.where(computable, FLAG_VALUE, FLAG_NOT_COMPUTABLE),
        flag_reason=np.where(computable, None, "missing years"),
    )
    return frame(out)


def period_sums(obs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Total numerator and denominator of period rows (annual averages × years used)."""
    n = obs["n_years"].to_numpy(dtype=float)
    return obs["numerator"].to_numpy(dtype=float) * n, obs["denominator"].to_numpy(dtype=float) * n
