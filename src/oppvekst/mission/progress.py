"""Progress towards a target, two ways, shown together.

(a) Open SDG's automated progress measure, reproduced from sdg-build's `sdg/ProgressMeasure.py`
    (open-sdg/sdg-build, the version with the −5…+5 score and natural limits, read at commit
    139fede74ba534d2ed8b9eee4cd878b41f54cb67): compound annual growth (CAGR) between a base year and
    the latest year, against the growth the target requires (method 2) or against fixed thresholds
    when there is no target (method 1). Written anew here (the package is a site builder, not a
    library we can call with a plain series); each step names the sdg-build function it follows.
(b) A statistical assessment over the whole series: an OLS trend (statsmodels) with its uncertainty,
    the projected value at the target year with a prediction interval, and the probability of reaching
    the target from the predictive distribution; optionally adjusted for a business-cycle series.

Both report the years they used. A target year that has passed is judged against that year's value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from oppvekst.errors import InputError

SDG_BUILD_COMMIT = "139fede74ba534d2ed8b9eee4cd878b41f54cb67"

# sdg-build SeriesProgress.get_progress_thresholds: defaults per method
METHOD1_THRESHOLDS = {"high": 0.015, "med": 0.005, "low": 0.0}
METHOD2_THRESHOLDS = {"high": 0.95, "med": 0.6, "low": 0.0}
LIMIT_EXPONENT = 4.44  # sdg-build's `a` in the limit coefficient
# sdg-build SeriesProgress.__init__ defaults
SDG_DEFAULT_BASE_YEAR, SDG_DEFAULT_TARGET_YEAR = 2015, 2030

STATUSES = ("target_achieved", "substantial_progress", "moderate_progress", "limited_progress",
            "deterioration", "not_available")
STATUS_NB = {
    "target_achieved": "Målet er nådd", "substantial_progress": "Betydelig framgang",
    "moderate_progress": "Moderat framgang", "limited_progress": "Begrenset framgang",
    "deterioration": "Forverring", "not_available": "Kan ikke beregnes",
}
Direction = Literal["increase", "decrease"]
_DIRECTION_SIGN = {"positive": 1, "increase": 1, "negative": -1, "decrease": -1}


# --- (a) sdg-build's ProgressMeasure ---------------------------------------------------------------

def growth_calculation(current: float, base: float, current_year: float, base_year: float) -> float:
    """sdg-build `growth_calculation`: compound annual growth rate from base to current."""
    return (current / base) ** (1 / (current_year - base_year)) - 1


def limit_coefficient(base_value: float, limit: float) -> float:
    """sdg-build `get_progress_thresholds` (method 1, limit set): how much the thresholds shrink when
    the base value is near a natural limit (1 far away, 0 at the limit)."""
    base, lim = abs(base_value), abs(limit)
    if base >= 2 * lim:  # checked first so that base = limit = 0 gives 1, as in sdg-build
        return 1.0
    if base <= lim:
        return 1 - (base / lim) ** LIMIT_EXPONENT
    return 1 - ((2 * lim - base) / lim) ** LIMIT_EXPONENT


def progress_thresholds(method: int, user: Mapping[str, float] | None = None, *, base_value: float = 1.0,
                        limit: float | None = None) -> dict[str, float]:
    """sdg-build `get_progress_thresholds`: the defaults for the method, updated with the user's, and
    for method 1 scaled by the limit coefficient (stored as 'coefficient'). Method 2 ignores a limit."""
    thresholds = dict(METHOD1_THRESHOLDS if method == 1 else METHOD2_THRESHOLDS)
    thresholds.update(user or {})
    if method == 1 and limit is not None:
        coeff = limit_coefficient(base_value, limit)
        for key in ("high", "med", "low"):
            thresholds[key] *= coeff
        thresholds["coefficient"] = coeff
    return thresholds


def progress_status(value: float | None, thresholds: Mapping[str, float], target_achieved: bool = False) -> str:
    """sdg-build `get_progress_status`: the label for a progress value."""
    if target_achieved:
        return "target_achieved"
    high, med, low = (float(thresholds[k]) for k in ("high", "med", "low"))
    if value is not None:
        if value >= high:
            return "substantial_progress"
        if med <= value < high:
            return "moderate_progress"
        if low <= value < med:
            return "limited_progress"
        if value < low:
            return "deterioration"
    return "not_available"  # None, or NaN (every comparison false)


def progress_score(value: float | None, thresholds: Mapping[str, float], method: int,
                   target_achieved: bool = False) -> float | None:
    """sdg-build `SeriesProgress.get_score`: the −5…+5 score. Its linear pieces are fixed to the default
    thresholds (sdg-build says so: "Score functions hardcoded based on default progress thresholds")."""
    if target_achieved:
        return 5.0
    if value is None:
        return None
    high, med, low = thresholds["high"], thresholds["med"], thresholds["low"]
    if method == 1:
        coeff = thresholds.get("coefficient", 1)
        if value < low:
            return max(125 * value - 2.5, -5)
        if coeff == 0:  # base value at the limit and not moving away from it: the limit is kept
            return 5.0
        if value >= high:
            return min(500 * value / coeff - 5, 5)
        if value >= med:
            return 250 * value / coeff - 1.25
        return 500 * value / coeff - 2.5  # value >= low
    if value >= med:  # the high and medium branches are the same line in sdg-build
        return min(7.1429 * value - 4.2857, 5)
    return max(4.1667 * value - 2.5, -5)  # the low and below-low branches likewise


def status_from_score(score: float | None, target_achieved: bool = False) -> str | None:
    """sdg-build `get_progress_status_from_score`: the indicator-level label from a (mean) score."""
    if target_achieved:
        return "target_achieved"
    if score is None:
        return "not_available"
    if 2.5 <= score <= 5:
        return "substantial_progress"
    if 0 <= score < 2.5:
        return "moderate_progress"
    if -2.5 <= score < 0:
        return "limited_progress"
    if -5 <= score < -2.5:
        return "deterioration"
    return None  # sdg-build falls through for a score outside −5…5


@dataclass(frozen=True)
class SdgProgressResults:
    """One series' progress as sdg-build computes it (its `get_progress_calculation_components`, plus
    the intermediates: observed and required growth, the years asked for and used)."""
    method: int                      # 1: no target (thresholds on CAGR); 2: target (ratio of CAGRs)
    direction: int                   # 1 positive (increase is good), -1 negative
    base_year_requested: int
    base_year: int | None
    base_value: float | None
    current_year: int | None
    current_value: float | None
    target: float | None
    target_year: int | None
    limit: float | None
    sign: int | None
    thresholds: dict[str, float]
    cagr_observed: float | None
    cagr_required: float | None
    progress_value: float | None     # method 1: signed CAGR; method 2: the growth ratio
    target_achieved: bool
    status: str
    score: float | None
    years_used: tuple[int, ...]
    notes: tuple[str, ...] = ()

    @property
    def status_nb(self) -> str:
        return STATUS_NB[self.status]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["years_used"] = list(self.years_used)
        out["notes"] = list(self.notes)
        out["sdg_build_commit"] = SDG_BUILD_COMMIT
        return out

    def summary_frame(self) -> pd.DataFrame:
        keys = ("method", "base_year", "base_value", "current_year", "current_value", "target", "target_year",
                "cagr_observed", "cagr_required", "progress_value", "status", "score")
        return pd.DataFrame([{k: getattr(self, k) for k in keys}], index=["sdg_progress"])


def _clean_series(data: pd.Series | Mapping[int | str, float]) -> pd.Series:
    """Year -> value, NaN dropped, years as int (sdg-build `filter_data`: a year range such as
    "2021-2023" is read as its first four characters)."""
    s = pd.Series(data, dtype="float64") if not isinstance(data, pd.Series) else data.astype("float64")
    years = pd.Index(s.index).astype(str)
    if (years.str.len() > 4).any():
        years = years.str.slice(0, 4)
    s.index = years.astype(int)
    s = s[s.notna()]
    dup = s.index[s.index.duplicated()]
    if len(dup):  # sdg-build raises on duplicate years
        raise InputError(f"duplicate value for year {int(dup[0])}", field="year")
    return s.sort_index()


def _direction_sign(direction: str) -> int:
    try:
        return _DIRECTION_SIGN[direction]
    except KeyError:  # sdg-build reads anything but 'positive' as negative; we refuse a typo instead
        raise InputError(f"direction must be increase or decrease, not {direction!r}", field="direction") from None


def sdg_progress(data: pd.Series | Mapping[int | str, float], *, base_year: int = SDG_DEFAULT_BASE_YEAR,
                 target: float | None = None, target_year: int = SDG_DEFAULT_TARGET_YEAR,
                 direction: str = "negative", limit: float | None = None,
                 thresholds: Mapping[str, float] | None = None) -> SdgProgressResults:
    """sdg-build `SeriesProgress` on one series (year -> value). Defaults are sdg-build's (base year 2015,
    target year 2030, direction negative); `direction` takes increase/decrease or positive/negative.

    Refused (InputError) where sdg-build would crash or compute nonsense: duplicate years, no data in or
    after the base year, a target year not after the base year, a target equal to the base value."""
    dir_sign = _direction_sign(direction)
    series = _clean_series(data)
    notes: list[str] = []
    if target == 0:  # sdg-build: a zero target would make the required growth undefined
        target = 0.001
        notes.append("target 0 replaced by 0.001 (sdg-build)")
    method = 1 if target is None else 2
    if series.empty:  # sdg-build: no data -> status not_available, score None
        return SdgProgressResults(method, dir_sign, base_year, None, None, None, None, target,
                                  target_year if method == 2 else None, limit, None,
                                  progress_thresholds(method, thresholds), None, None, None, False,
                                  "not_available", None, (), ("no data",))
    years = series.index
    current_year = int(years.max())
    current_value = float(series[current_year])
    used_base = base_year
    if base_year not in years:
        later = years[years > base_year]
        if later.empty:
            raise InputError(f"no data in or after base year {base_year} (latest is {current_year})",
                             field="base_year")
        used_base = int(later.min())
        notes.append(f"base year {base_year} has no data: the next available year {used_base} is used")
    if method == 2 and target_year <= used_base:
        raise InputError(f"target year {target_year} is not after the base year {used_base}", field="target_year")
    base_value = float(series[used_base])
    sign = -1 if base_value < 0 else 1
    th = progress_thresholds(method, thresholds, base_value=base_value, limit=limit)
    if method == 2 and limit is not None:
        notes.append(f"limit {limit} ignored: a target is given (sdg-build)")
    achieved = target is not None and ((dir_sign == -1 and current_value <= target)
                                       or (dir_sign == 1 and current_value >= target))

    # sdg-build `calculate_progress_value`, its checks in its order
    progress: float | None = None
    cagr_o = cagr_r = None
    if base_value == 0:
        base_value = 0.001
        notes.append("base value 0 replaced by 0.001 (sdg-build)")
    if (base_value > 0 > current_value) or (base_value < 0 < current_value):
        notes.append("base and current value differ in sign: progress not computable")
    elif current_year - used_base < 1:
        notes.append("fewer than two years of data from the base year: progress not computable")
    else:
        cagr_o = growth_calculation(current_value, base_value, current_year, used_base)
        if method == 1:  # sdg-build `methodology_1`
            progress = sign * dir_sign * cagr_o
        else:  # sdg-build `methodology_2`
            cagr_r = growth_calculation(target, base_value, target_year, used_base)
            if cagr_r == 0:
                raise InputError("the target equals the base value: no growth is required", field="target")
            progress = sign * dir_sign * cagr_o / abs(cagr_r)
    status = progress_status(progress, th, achieved)
    score = progress_score(progress, th, method, achieved)
    used = tuple(sorted({used_base, current_year}))
    return SdgProgressResults(method, dir_sign, base_year, used_base, base_value, current_year, current_value,
                              target, target_year if method == 2 else None, limit, sign, th, cagr_o, cagr_r,
                              progress, achieved, status, score, used, tuple(notes))


def indicator_progress(results: Sequence[SdgProgressResults]) -> tuple[float | None, str]:
    """sdg-build `IndicatorProgress.get_indicator_progress`: the mean score over the series that have one,
    and the label from that mean (target achieved only when every scored series achieved it)."""
    scored = [r for r in results if r.score is not None]
    if not scored:
        return None, ""  # sdg-build returns an empty status when nothing could be scored
    mean = float(np.mean([r.score for r in scored]))
    return mean, status_from_score(mean, all(r.target_achieved for r in scored))


def series_from_observations(obs: pd.DataFrame, *, region: str = "0") -> pd.Series:
    """Year -> value for one region from an observation table already filtered to one breakdown.
    A multi-year period is placed at its first year, as sdg-build reads "2021-2023" as 2021."""
    part = obs[(obs["region"] == region) & (obs["flag"] == 0)]
    keys = [c for c in ("indicator", "sex", "age", "background", "ses") if c in part and part[c].nunique() > 1]
    if keys:
        raise InputError(f"more than one series in the observations (varies by {keys})", field=keys[0])
    return pd.Series(part["value"].to_numpy(float), index=part["period_from"].astype(int).to_numpy(),
                     name=str(part["indicator"].iloc[0]) if len(part) else None)


# --- targets and their validation --------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A target for one indicator: a level `value` by `target_year`, or only a direction (value None).
    `source` says who set it: 'document' (the goal's own number) or 'partnership'."""
    direction: Direction
    base_year: int
    target_year: int | None = None
    value: float | None = None
    limit: float | None = None
    thresholds: Mapping[str, float] | None = None
    source: str = "partnership"

    def check(self, *, base_value: float | None = None, goal_direction: Direction | None = None) -> Target:
        """Refuse a target that points the wrong way or ends before it starts."""
        if self.direction not in ("increase", "decrease"):
            raise InputError(f"direction must be increase or decrease, not {self.direction!r}", field="direction")
        if goal_direction is not None and self.direction != goal_direction:
            raise InputError(f"the goal needs this indicator to {goal_direction}; the target says "
                             f"{self.direction}", field="direction")
        if self.target_year is not None and self.target_year <= self.base_year:
            raise InputError(f"target year {self.target_year} is not after the base year {self.base_year}",
                             field="target_year")
        if self.value is not None and self.target_year is None:
            raise InputError("a target value needs a target year", field="target_year")
        if self.value is not None and base_value is not None:
            wrong = self.value >= base_value if self.direction == "decrease" else self.value <= base_value
            if wrong:
                raise InputError(f"target {self.value:g} is not a {self.direction} from the base value "
                                 f"{base_value:g}: it points the wrong way", field="target")
        return self


def target_for_subgoal(kind: str, change: float | None, base_value: float, *, base_year: int,
                       target_year: int, direction: Direction) -> Target:
    """The target a sub-goal's own words set on an indicator that moves the sub-goal's way:
    relative (−25 %: change −0.25), halving, absolute (+10 percentage points); any other kind gives a
    direction only (value None), judged against sdg-build's fixed thresholds."""
    if kind in ("relative", "halving"):
        value = base_value * (1 + (change if change is not None else -0.5))
    elif kind == "absolute":
        value = base_value + float(change)
    else:
        value = None
    return Target(direction, base_year, target_year, value, source="document").check(base_value=base_value)


# --- (b) the statistical assessment ------------------------------------------------------------------

@dataclass(frozen=True)
class TrendFit:
    """One OLS fit: slope per year with its uncertainty, the projection at the target year and the
    probabilities read from the predictive distribution (Student t with the residual df)."""
    label: str
    slope: float
    slope_se: float
    slope_ci: tuple[float, float]
    intercept: float
    df_resid: float
    sigma: float
    projection: float | None
    projection_se_mean: float | None
    prediction_interval: tuple[float, float] | None
    p_target: float | None
    p_direction: float
    cycle_coef: float | None = None
    cycle_coef_se: float | None = None
    cycle_level: float | None = None


@dataclass(frozen=True)
class TrendResults:
    """The statistical assessment; statsmodels style: the intermediates as attributes, `summary_frame()`
    and `to_dict()`. On the log-linear scale slope and projection are back-transformed (slope as
    annual growth rate, projection as a level)."""
    model: str                       # "linear" (percentage points a year) | "log-linear" (growth rate)
    direction: Direction
    years_used: tuple[int, ...]
    target: float | None
    target_year: int | None
    alpha: float
    fit: TrendFit
    cycle_fit: TrendFit | None
    cycle_note: str
    judged_on: str                   # "projection" | "observed" (the target year has passed)
    observed_at_target_year: float | None
    reached: bool | None

    def summary_frame(self) -> pd.DataFrame:
        rows = [self.fit] + ([self.cycle_fit] if self.cycle_fit else [])
        return pd.DataFrame([{
            "slope": f.slope, "slope_se": f.slope_se, "slope_ci_low": f.slope_ci[0], "slope_ci_high": f.slope_ci[1],
            "projection": f.projection,
            "pi_low": f.prediction_interval[0] if f.prediction_interval else None,
            "pi_high": f.prediction_interval[1] if f.prediction_interval else None,
            "p_target": f.p_target, "p_direction": f.p_direction, "cycle_coef": f.cycle_coef,
        } for f in rows], index=[f.label for f in rows])

    def to_dict(self) -> dict:
        out = asdict(self)
        out["years_used"] = list(self.years_used)
        return out


def _fit(label: str, years: np.ndarray, y: np.ndarray, base: int, *, log: bool, direction: Direction,
         target: float | None, target_year: int | None, alpha: float,
         cycle: np.ndarray | None = None) -> TrendFit:
    t = years - base  # centred at the first year used, so the intercept is that year's fitted level
    columns = [np.ones_like(t, dtype=float), t.astype(float)] + ([cycle] if cycle is not None else [])
    X = np.column_stack(columns)
    res = sm.OLS(y, X).fit()
    if res.df_resid < 1:
        raise InputError(f"too few years ({len(y)}) to estimate a trend with its uncertainty", field="series")
    slope, se = float(res.params[1]), float(res.bse[1])
    lo, hi = (float(v) for v in res.conf_int(alpha)[1])
    df = float(res.df_resid)
    # desired sign of the slope; P(slope has it) from its t distribution
    want = 1 if direction == "increase" else -1
    p_dir = float(stats.t.cdf(want * slope / se, df)) if se > 0 else float(want * slope > 0)
    proj = se_mean = None
    pi = None
    p_target = None
    level = float(np.mean(cycle)) if cycle is not None else None
    if target_year is not None:
        x0 = [1.0, float(target_year - base)] + ([level] if cycle is not None else [])
        pred = res.get_prediction(np.array([x0])).summary_frame(alpha=alpha).iloc[0]
        proj, se_mean = float(pred["mean"]), float(pred["mean_se"])
        pi = (float(pred["obs_ci_lower"]), float(pred["obs_ci_upper"]))
        scale = math.sqrt(se_mean ** 2 + res.scale)  # predictive sd: parameter + residual uncertainty
        if target is not None:
            goal = math.log(target) if log else target
            z = (goal - proj) / scale
            p_target = float(stats.t.sf(z, df) if direction == "increase" else stats.t.cdf(z, df))
    if log:  # back to the level scale; the slope becomes an annual growth rate
        slope, lo, hi = math.expm1(slope), math.expm1(lo), math.expm1(hi)
        se = se * (1 + slope)  # delta method
        if proj is not None:
            proj, pi = math.exp(proj), (math.exp(pi[0]), math.exp(pi[1]))
    return TrendFit(label, slope, se, (lo, hi), float(res.params[0]), df, float(math.sqrt(res.scale)),
                    proj, se_mean, pi, p_target, p_dir,
                    float(res.params[2]) if cycle is not None else None,
                    float(res.bse[2]) if cycle is not None else None, level)


def trend_assessment(data: pd.Series | Mapping[int, float], *, direction: Direction,
                     target_year: int | None = None, target: float | None = None, base_year: int | None = None,
                     scale: Literal["linear", "log"] = "linear",
                     cycle: pd.Series | Mapping[int, float] | None = None, alpha: float = 0.05) -> TrendResults:
    """OLS trend over every year from `base_year` (default: the first) on.

    `scale="linear"` (default) fits value = a + b·year: for shares in per cent the slope is in
    percentage points a year, the unit of sub-goals such as "+10 prosentpoeng". `scale="log"` fits
    log(value), a constant growth rate, the model behind sdg-build's CAGR and natural for relative
    targets (−25 %). `cycle` is a business-cycle series by year (e.g. registered unemployment);
    when given, a second fit adds it as a regressor and projects with the cycle held at its mean over
    the years used (a neutral cycle), since its future is unknown."""
    series = _clean_series(data)
    if base_year is not None:
        if not (series.index >= base_year).any():
            raise InputError(f"no data in or after base year {base_year}", field="base_year")
        series = series[series.index >= base_year]
    if target_year is not None and target_year <= int(series.index.min()):
        raise InputError(f"target year {target_year} is not after the first year used "
                         f"{int(series.index.min())}", field="target_year")
    if target is not None and target_year is None:
        raise InputError("a target value needs a target year", field="target_year")
    log = scale == "log"
    if log and (series <= 0).any():
        raise InputError("a log-linear trend needs positive values", field="value")
    years = series.index.to_numpy(int)
    y = np.log(series.to_numpy()) if log else series.to_numpy()
    base = int(years.min())
    fit = _fit("trend", years, y, base, log=log, direction=direction, target=target, target_year=target_year,
               alpha=alpha)
    cycle_fit = None
    if cycle is None:
        note = ("Ingen konjunkturserie er gitt: trenden er ikke justert for konjunkturer. / "
                "No business-cycle series was given: the trend is not adjusted for the business cycle.")
    else:
        c = _clean_series(cycle)
        missing = [int(yr) for yr in years if yr not in c.index]
        if missing:
            raise InputError(f"the business-cycle series has no value for {missing}", field="cycle")
        cycle_fit = _fit("trend_cycle_adjusted", years, y, base, log=log, direction=direction, target=target,
                         target_year=target_year, alpha=alpha, cycle=c.loc[years].to_numpy(float))
        note = (f"Trenden er også justert for konjunkturserien {c.name or ''} (projisert ved gjennomsnittlig nivå). / "
                "The trend is also adjusted for the business-cycle series, projected at its mean level.")
    judged_on, observed, reached = "projection", None, None
    if target_year is not None and target_year <= int(years.max()) and target_year in series.index:
        judged_on, observed = "observed", float(series[target_year])
        if target is not None:
            reached = observed >= target if direction == "increase" else observed <= target
    return TrendResults("log-linear" if log else "linear", direction, tuple(int(v) for v in years), target,
                        target_year, alpha, fit, cycle_fit, note, judged_on, observed, reached)


# --- both together -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    """Both methods on one series for one target, with the years each used."""
    indicator: str | None
    region: str
    target: Target
    sdg: SdgProgressResults
    trend: TrendResults | None
    notes: tuple[str, ...] = field(default=())

    def summary_frame(self) -> pd.DataFrame:
        sdg = self.sdg.summary_frame()
        trend = self.trend.summary_frame() if self.trend else pd.DataFrame()
        return pd.concat([sdg, trend], axis=0, sort=False)

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "region": self.region, "target": asdict(self.target),
                "sdg": self.sdg.to_dict(), "trend": self.trend.to_dict() if self.trend else None,
                "notes": list(self.notes)}


def assess(data: pd.Series | Mapping[int, float], target: Target, *, indicator: str | None = None,
           region: str = "0", goal_direction: Direction | None = None, scale: Literal["linear", "log"] = "linear",
           cycle: pd.Series | Mapping[int, float] | None = None) -> Assessment:
    """sdg-build's measure and the trend assessment for `target`. A target year that has passed is judged
    on the data up to that year: sdg-build's "current year" becomes the target year (or the last year
    before it with data)."""
    series = _clean_series(data)
    if not (series.index >= target.base_year).any():
        raise InputError(f"no data in or after base year {target.base_year}", field="base_year")
    first = series.index[series.index >= target.base_year].min()
    target.check(base_value=float(series[first]), goal_direction=goal_direction)
    notes = []
    judged = series
    if target.target_year is not None and target.target_year < int(series.index.max()):
        judged = series[series.index <= target.target_year]
        notes.append(f"target year {target.target_year} has passed: judged on the data up to that year")
    sdg = sdg_progress(judged, base_year=target.base_year, target=target.value,
                       target_year=target.target_year or SDG_DEFAULT_TARGET_YEAR, direction=target.direction,
                       limit=target.limit, thresholds=target.thresholds)
    trend = None
    if (series.index >= target.base_year).sum() >= 3:
        trend = trend_assessment(series, direction=target.direction, target_year=target.target_year,
                                 target=target.value, base_year=target.base_year, scale=scale, cycle=cycle)
    else:
        notes.append("fewer than three years from the base year: no trend assessment")
    return Assessment(indicator, region, target, sdg, trend, tuple(notes))
