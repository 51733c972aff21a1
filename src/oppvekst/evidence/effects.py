"""Effect sizes: compute them from what studies report, and convert between scales.

Conventions follow R's metafor `escalc` (the reference in the tests): Hedges' g with the exact
small-sample correction and the large-sample variance; log odds and risk ratios from 2×2 tables with
1/2 added to every cell of a table that has a zero cell. Ratio measures are analysed on the log
scale: `Effect.yi` is ln(OR) or ln(RR); `Effect.estimate` gives the ratio back.

Sign convention: every effect is treatment minus (or over) control, as reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats
from scipy.special import gammaln

from oppvekst.evidence.vocab import EFFECT_MEASURES, RATIO_MEASURES


def z_crit(level: float = 0.95) -> float:
    return float(stats.norm.isf((1 - level) / 2))


@dataclass(frozen=True)
class Effect:
    """One effect on its analysis scale: yi (log for OR/RR) with sampling variance vi."""

    measure: str
    yi: float
    vi: float

    def __post_init__(self) -> None:
        if self.measure not in EFFECT_MEASURES:
            raise ValueError(f"unknown effect measure {self.measure!r}")
        if not (math.isfinite(self.yi) and math.isfinite(self.vi)) or self.vi <= 0:
            raise ValueError("an effect needs a finite estimate and a positive variance")

    @property
    def se(self) -> float:
        return math.sqrt(self.vi)

    @property
    def estimate(self) -> float:
        return natural(self.measure, self.yi)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        half = z_crit(level) * self.se
        return natural(self.measure, self.yi - half), natural(self.measure, self.yi + half)


def natural(measure: str, value: float) -> float:
    """From the analysis scale back to the reported scale (exp for ratio measures)."""
    return math.exp(value) if measure in RATIO_MEASURES else value


def analysis_scale(measure: str, value: float) -> float:
    if measure in RATIO_MEASURES:
        if value <= 0:
            raise ValueError(f"a {measure.upper()} must be positive, got {value}")
        return math.log(value)
    return value


# --- continuous outcomes -------------------------------------------------------------------------

def hedges_j(df: float) -> float:
    """Exact small-sample correction factor J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2)) (Hedges 1981)."""
    return math.exp(gammaln(df / 2) - 0.5 * math.log(df / 2) - gammaln((df - 1) / 2))


def _g_from_d(d: float, n_t: float, n_c: float) -> Effect:
    df = n_t + n_c - 2
    if df < 2:
        raise ValueError("Hedges' g needs at least 4 participants in total")
    g = hedges_j(df) * d
    # large-sample variance, as metafor's default (vtype="LS")
    vi = 1 / n_t + 1 / n_c + g * g / (2 * (n_t + n_c))
    return Effect("smd", g, vi)


def hedges_g(mean_t: float, sd_t: float, n_t: float, mean_c: float, sd_c: float, n_c: float) -> Effect:
    """Standardised mean difference (Hedges' g) from group means, SDs and sizes."""
    if min(sd_t, sd_c) <= 0 or min(n_t, n_c) < 2:
        raise ValueError("SDs must be positive and each group needs at least 2 participants")
    pooled = math.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (n_t + n_c - 2))
    return _g_from_d((mean_t - mean_c) / pooled, n_t, n_c)


def smd_from_t(t: float, n_t: float, n_c: float) -> Effect:
    """Hedges' g from an independent-samples t statistic: d = t·√(1/n_t + 1/n_c)."""
    return _g_from_d(t * math.sqrt(1 / n_t + 1 / n_c), n_t, n_c)


def smd_from_f(f: float, n_t: float, n_c: float, sign: int = 1) -> Effect:
    """Hedges' g from a one-way F with 1 numerator df (two groups): t = √F; the sign must be given."""
    if f < 0 or sign not in (1, -1):
        raise ValueError("F must be non-negative and sign +1 or -1")
    return smd_from_t(sign * math.sqrt(f), n_t, n_c)


def mean_difference(mean_t: float, sd_t: float, n_t: float, mean_c: float, sd_c: float,
                    n_c: float) -> Effect:
    """Raw mean difference with variance sd_t²/n_t + sd_c²/n_c."""
    return Effect("md", mean_t - mean_c, sd_t**2 / n_t + sd_c**2 / n_c)


# --- binary outcomes -----------------------------------------------------------------------------

def from_2x2(events_t: float, n_t: float, events_c: float, n_c: float, measure: str,
             add: float = 0.5) -> Effect:
    """OR, RR or RD from event counts. For OR and RR, `add` goes to every cell of a table with a zero."""
    if measure not in ("or", "rr", "rd"):
        raise ValueError(f"2×2 counts give or, rr or rd, not {measure!r}")
    if min(events_t, events_c) < 0 or events_t > n_t or events_c > n_c or min(n_t, n_c) <= 0:
        raise ValueError("events must lie between 0 and the group size")
    a, b, c, d = events_t, n_t - events_t, events_c, n_c - events_c
    if measure == "rd":
        p1, p2 = a / n_t, c / n_c
        vi = p1 * (1 - p1) / n_t + p2 * (1 - p2) / n_c
        if vi <= 0:
            raise ValueError("risk difference variance is 0 (all or no events in both groups)")
        return Effect("rd", p1 - p2, vi)
    if 0 in (a, b, c, d):
        a, b, c, d = a + add, b + add, c + add, d + add
    if measure == "or":
        return Effect("or", math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d)
    n1, n2 = a + b, c + d
    return Effect("rr", math.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2)


# --- reported estimates --------------------------------------------------------------------------

def from_ci(measure: str, estimate: float, ci_low: float, ci_high: float, level: float = 0.95) -> Effect:
    """An estimate with its confidence interval (reported scale). The variance comes from the mean
    half-width on the analysis scale (log for OR/RR)."""
    if not ci_low <= estimate <= ci_high:
        raise ValueError(f"estimate {estimate} lies outside its own interval [{ci_low}, {ci_high}]")
    lo, hi = analysis_scale(measure, ci_low), analysis_scale(measure, ci_high)
    if hi <= lo:
        raise ValueError("the interval has no width")
    return Effect(measure, analysis_scale(measure, estimate), ((hi - lo) / (2 * z_crit(level))) ** 2)


def from_variance(measure: str, estimate: float, variance: float) -> Effect:
    """An estimate (reported scale) with the variance of its analysis-scale value (of ln OR for OR)."""
    return Effect(measure, analysis_scale(measure, estimate), variance)


# --- conversions between scales ------------------------------------------------------------------

_LOGIT_SCALE = math.sqrt(3) / math.pi


def logor_to_smd(effect: Effect) -> Effect:
    """ln(OR) → d by the logistic approximation d = ln(OR)·√3/π (Hasselblad & Hedges 1995; Chinn 2000)."""
    if effect.measure != "or":
        raise ValueError("needs an odds ratio")
    return Effect("smd", effect.yi * _LOGIT_SCALE, effect.vi * _LOGIT_SCALE**2)


def smd_to_logor(effect: Effect) -> Effect:
    """d → ln(OR) = d·π/√3, the inverse of logor_to_smd."""
    if effect.measure != "smd":
        raise ValueError("needs a standardised mean difference")
    return Effect("or", effect.yi / _LOGIT_SCALE, effect.vi / _LOGIT_SCALE**2)


def or_to_rr(odds_ratio: float, control_risk: float) -> float:
    """RR = OR / (1 − p0 + p0·OR), given the control group's risk p0 (Zhang & Yu 1998)."""
    _check_risk(control_risk)
    return odds_ratio / (1 - control_risk + control_risk * odds_ratio)


def rr_to_or(risk_ratio: float, control_risk: float) -> float:
    _check_risk(control_risk)
    p1 = risk_ratio * control_risk
    if not 0 < p1 < 1:
        raise ValueError("RR × control risk must lie in (0, 1)")
    return (p1 / (1 - p1)) / (control_risk / (1 - control_risk))


def rr_to_rd(risk_ratio: float, control_risk: float) -> float:
    """RD = p0·RR − p0, given the control group's risk."""
    _check_risk(control_risk)
    return control_risk * risk_ratio - control_risk


def d_to_r(d: float, n_t: float, n_c: float) -> float:
    """Point-biserial r from d: r = d / √(d² + a), a = (n_t + n_c)² / (n_t·n_c)."""
    a = (n_t + n_c) ** 2 / (n_t * n_c)
    return d / math.sqrt(d * d + a)


def r_to_d(r: float, n_t: float, n_c: float) -> float:
    a = (n_t + n_c) ** 2 / (n_t * n_c)
    return math.sqrt(a) * r / math.sqrt(1 - r * r)


def _check_risk(p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"control risk must lie in (0, 1), got {p}")
