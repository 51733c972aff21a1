"""Discount factors: the societal view's declining rate by time band (R-109) and the budget view's single
stated rate, with the timing convention stated, and annuity factors.

Own code (one short function): numpy-financial has no declining-rate schedule, and a banded schedule is a
sum of band overlaps on the log scale, which also vectorises over Monte Carlo draws of the rates.

Convention. Analysis year t = 0, 1, …, H−1; year 0 is the base year (sammenstillingsår). A flow booked in
year t happens at time τ = t + offset, with offset 0 ("start": year 0 undiscounted, the DFØ/FRAM practice),
0.5 ("mid": mid-year) or 1 ("end": end of year, year 0 discounted one year). The factor is

    D(τ) = exp(−Σ_b overlap((0, τ], (lo_b, hi_b]) · ln(1 + r_b))

so the rate of a later band applies to the years inside that band only, compounding on the factor at the
boundary, and D is continuous across band limits: D(40) = 1.04⁻⁴⁰, D(41) = 1.04⁻⁴⁰·1.03⁻¹.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from oppvekst.errors import InputError

TIMINGS = {"start": 0.0, "mid": 0.5, "end": 1.0}
TIMING_LABELS = {
    "start": "flows at the start of each year: year 0 undiscounted, year t discounted t years",
    "mid": "flows in the middle of each year: year t discounted t + 0.5 years",
    "end": "flows at the end of each year: year t discounted t + 1 years (year 0 discounted one year)",
}
MAX_HORIZON = 100


@dataclass(frozen=True)
class RateSchedule:
    """Piecewise-constant annual rates: `rates[i]` applies to time in (limits[i-1], limits[i]]; the last
    limit is None (no end). A single-rate schedule has one band."""

    limits: tuple[float | None, ...]
    rates: tuple[float, ...]
    label: str = ""
    confirmed: bool = True
    source: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.limits) != len(self.rates) or not self.rates:
            raise InputError("one rate per band", field="rates")
        if self.limits[-1] is not None:
            raise InputError("the last band must be open-ended (limit null)", field="limits")
        bounds = [x for x in self.limits[:-1]]
        if any(b is None for b in bounds) or any(b <= a for a, b in zip([0, *bounds], bounds)):
            raise InputError("band limits must be increasing and positive", field="limits")
        for r in self.rates:
            check_rate(r, "rates")

    @classmethod
    def single(cls, rate: float, label: str = "", source: dict | None = None) -> RateSchedule:
        return cls((None,), (float(rate),), label or f"{rate:.2%}", True, source or {})

    def bands(self) -> list[tuple[float, float, float]]:
        lows = [0.0, *[float(x) for x in self.limits[:-1]]]
        highs = [*[float(x) for x in self.limits[:-1]], math.inf]
        return list(zip(lows, highs, self.rates))

    def rate_in_year(self, t: int) -> float:
        """The rate that discounts year t back to year t − 1 (t ≥ 1)."""
        for lo, hi, r in self.bands():
            if lo < t <= hi:
                return r
        raise ValueError(t)


def check_rate(rate: float, field: str) -> float:
    if not isinstance(rate, (int, float)) or not math.isfinite(rate) or not -0.5 < rate < 1:
        raise InputError(f"rentesatsen må være et tall mellom -50 % og 100 % / rate out of range: {rate!r}",
                         field=field)
    return float(rate)


def check_horizon(years: int, field: str = "horizon") -> int:
    if not isinstance(years, (int, np.integer)) or isinstance(years, bool) or not 1 <= years <= MAX_HORIZON:
        raise InputError(f"horisonten må være et heltall 1–{MAX_HORIZON} år / horizon must be an integer "
                         f"1–{MAX_HORIZON} years, got {years!r}", field=field)
    return int(years)


def factor_at(tau, schedule: RateSchedule, rates: np.ndarray | None = None) -> np.ndarray:
    """D(τ) at any time(s) τ ≥ 0 (years after the base year). With `rates` of shape (n, bands) (Monte Carlo
    draws of the band rates) the result has shape (n, len(τ))."""
    tau = np.atleast_1d(np.asarray(tau, dtype=float))
    if (tau < 0).any():
        raise InputError("tid før basisåret / time before the base year", field="years")
    bands = schedule.bands()
    lows = np.array([b[0] for b in bands])
    highs = np.array([b[1] for b in bands])
    # overlap of (0, τ] with each band: shape (len(τ), bands)
    overlap = np.clip(np.minimum(tau[:, None], highs[None, :]) - lows[None, :], 0.0, None)
    if rates is None:
        return np.exp(-overlap @ np.log1p(np.asarray(schedule.rates, dtype=float)))
    rates = np.atleast_2d(np.asarray(rates, dtype=float))
    return np.exp(-(np.log1p(rates) @ overlap.T))


def discount_factors(years: int, schedule: RateSchedule, timing: str = "start",
                     rates: np.ndarray | None = None) -> np.ndarray:
    """Factors for analysis years 0…years−1 (years ≤ 100) under the timing convention; shape (years,), or
    (n, years) with `rates` of shape (n, bands)."""
    years = check_horizon(years, "years")
    if timing not in TIMINGS:
        raise InputError(f"ukjent konvensjon / unknown timing {timing!r}; choose {', '.join(TIMINGS)}",
                         field="timing")
    return factor_at(np.arange(years, dtype=float) + TIMINGS[timing], schedule, rates)


def annuity_factor(years: int, schedule: RateSchedule, timing: str = "start") -> float:
    """Present value of 1 krone a year for `years` years: Σ D(t). Divide a present value by it to get
    the equivalent yearly amount (annuitet)."""
    return float(discount_factors(years, schedule, timing).sum())


def factor_table(years: int, schedule: RateSchedule, timing: str = "start") -> list[dict]:
    """Rows for `oppvekst economics discount`: year, the rate of that year, the factor, the annuity so far."""
    d = discount_factors(years, schedule, timing)
    cum = np.cumsum(d)
    return [{"year": t, "rate": schedule.rate_in_year(max(t, 1) if timing == "start" else t + 1),
             "factor": float(d[t]), "annuity": float(cum[t])} for t in range(years)]
