"""Power, sample size, number of clusters and minimum detectable effect (MDES) for trial designs.

One entry point, `solve(design=..., outcome=..., **known)`: exactly one of `n`, `clusters` (or
`cluster_size`), `power` and the effect (`effect` for a continuous outcome, `p1` for a binary one) is
None, and that one is solved for. The answer is a `PowerResult` (statsmodels style: inputs, the solved
quantity, intermediates, `summary_frame()`, `to_dict()`, `curve()`).

Designs and where each formula comes from:
- ``individual``: two-arm t-test (statsmodels `TTestIndPower`); a covariate R² divides the variance by
  (1 − R²); unequal allocation via `ratio` = n_control / n_treatment; attrition inflates n by 1/(1 − a).
  Binary outcomes: Cohen's h with the arcsine transformation (`NormalIndPower`, as R `pwr.2p.test`), or
  the normal approximation for the difference of proportions, either with the pooled variance under H0
  and the unpooled under H1 (statsmodels `power_proportions_2indep`, as R `power.prop.test`) or the
  unpooled (Wald) variance under both.
- ``cluster``: two-level cluster randomisation, PowerUp!'s CRA2_2 (Dong & Maynard 2013); unequal
  cluster sizes through Eldridge, Ashby & Kerry (2006)'s design effect 1 + ((CV² + 1)m̄ − 1)ρ.
- ``multisite``: individuals randomised within sites, random site effects, PowerUp!'s BIRA2_1.
- ``stepped-wedge``: Hussey & Hughes (2007) GLS variance for a given wave design, with the random
  treatment effect (η) and its correlation with the random intercept as in swCRTdesign `swPwr`
  (Hughes, Granston & Heagerty 2015). Time effects are fixed, one per period.
- ``did``: POST, ANCOVA or difference-in-differences with m pre and r post rounds and autocorrelation ρ
  (McKenzie 2012, J Dev Econ 99, eqs. for Var(POST), Var(ANCOVA), Var(DiD)).
- ``rdd``: sharp regression discontinuity as an RCT of the same size with the variance multiplied by
  Schochet (2009)'s design effect 1 / (1 − ρ²_TS).

No package covers the cluster, multi-site, stepped-wedge, DiD and RD cases in Python, so those formulas
are written here (each says so); the individual cases use statsmodels. Every planning value (ICC, R²,
baseline rate, autocorrelation, τ, η) comes from the caller: nothing here has a default for one.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from oppvekst.errors import InputError

DESIGNS = ("individual", "cluster", "multisite", "stepped-wedge", "did", "rdd")
OUTCOMES = ("continuous", "binary")

# Which quantities each design can solve for (the effect slot is called "mdes" here).
_SOLVABLE: dict[str, tuple[str, ...]] = {
    "individual": ("n", "power", "mdes"),
    "did": ("n", "power", "mdes"),
    "rdd": ("n", "power", "mdes"),
    "cluster": ("clusters", "cluster_size", "power", "mdes"),
    "multisite": ("clusters", "cluster_size", "power", "mdes"),
    "stepped-wedge": ("n", "power", "mdes"),
}

# Inputs each design accepts besides the common ones; anything else given is refused, not ignored.
_COMMON = {"alpha", "power", "effect", "p0", "p1", "two_sided"}
_ACCEPTS: dict[str, set[str]] = {
    "individual": {"n", "ratio", "r2_1", "attrition", "method", "variance"},
    "did": {"n", "ratio", "attrition", "autocorrelation", "pre_periods", "post_periods", "estimator"},
    "rdd": {"n", "r2_1", "attrition", "rho_ts", "treated_share"},
    "cluster": {"clusters", "cluster_size", "icc", "cv", "r2_1", "r2_2", "covariates", "allocation"},
    "multisite": {"clusters", "cluster_size", "icc", "omega", "r2_1", "r2_t2", "covariates",
                  "allocation"},
    "stepped-wedge": {"n", "waves", "icc", "tau", "eta", "rho_te", "sigma"},
}

REFERENCES: dict[str, tuple[str, ...]] = {
    "individual": ("Cohen (1988) Statistical power analysis for the behavioral sciences",
                   ("statsmodels.stats.power (TTestIndPower, NormalIndPower); "
                    "statsmodels.stats.proportion.power_proportions_2indep")),
    "cluster": ("Dong & Maynard (2013) PowerUp!, J Res Educ Eff 6(1):24-67, model CRA2_2",
                ("Eldridge, Ashby & Kerry (2006) Int J Epidemiol 35:1292-1300, design effect for "
                 "unequal cluster sizes")),
    "multisite": ("Dong & Maynard (2013) PowerUp!, J Res Educ Eff 6(1):24-67, model BIRA2_1",),
    "stepped-wedge": ("Hussey & Hughes (2007) Contemp Clin Trials 28:182-191",
                      ("Hughes, Granston & Heagerty (2015) Contemp Clin Trials 45:55-60; "
                       "swCRTdesign::swPwr")),
    "did": ("McKenzie (2012) Beyond baseline and follow-up, J Dev Econ 99:210-221",),
    "rdd": (("Schochet (2009) Statistical power for regression discontinuity designs in education "
             "evaluations, J Educ Behav Stat 34(2):238-266"),),
}


# --------------------------------------------------------------------------------------------- results


@dataclass
class PowerResult:
    """The answer of `solve`: every input, the solved quantity and the intermediates behind it.

    `solved` names the quantity that was solved for (`n`, `clusters`, `cluster_size`, `power` or
    `mdes`) and `value` holds it; `n`, `clusters`, `cluster_size`, `power`, `mdes` (and `p1` for a
    binary outcome) hold the whole consistent design after solving. Sizes are rounded up to whole
    units; the unrounded solution is in `intermediates` (`exact_<name>`).
    """

    design: str
    outcome: str
    solved: str
    value: float
    power: float
    mdes: float
    n: float | None
    clusters: int | None
    cluster_size: float | None
    p0: float | None
    p1: float | None
    effect_metric: str
    inputs: dict[str, Any]
    intermediates: dict[str, Any]
    method: str
    references: tuple[str, ...]
    notes: tuple[str, ...] = ()
    _params: dict[str, Any] = field(default_factory=dict, repr=False)
    _power_at: Callable[[dict[str, Any]], float] | None = field(default=None, repr=False)

    def summary_frame(self) -> pd.DataFrame:
        """One row per quantity: the inputs, the solved quantity and the intermediates."""
        rows = [(k, v, "input") for k, v in self.inputs.items()]
        rows.append((self.solved, self.value, "solved"))
        rows += [(k, v, "intermediate") for k, v in self.intermediates.items()]
        frame = pd.DataFrame(rows, columns=["quantity", "value", "role"])
        return frame.set_index("quantity")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain floats, ints, strings and lists only."""
        out = {
            "design": self.design, "outcome": self.outcome, "solved": self.solved,
            "value": self.value, self.solved: self.value, "power": self.power, "mdes": self.mdes,
            "n": self.n, "clusters": self.clusters, "cluster_size": self.cluster_size,
            "p0": self.p0, "p1": self.p1, "effect_metric": self.effect_metric,
            "inputs": self.inputs, "intermediates": self.intermediates, "method": self.method,
            "references": list(self.references), "notes": list(self.notes),
        }
        return _jsonable(out)

    def curve(self, over: str = "n", values: Sequence[float] | None = None) -> pd.DataFrame:
        """Power against sample size (`n`), clusters or cluster size, at this result's effect.

        Returns a DataFrame with the column `over` and `power`, for a chart and a table beside it.
        """
        sizes = [s for s in ("n", "clusters", "cluster_size") if self._params.get(s) is not None]
        if over not in sizes or self._power_at is None:
            raise InputError(f"a curve for the {self.design} design runs over one of {sizes}", field="over")
        current = float(self._params[over])
        if values is None:
            low = max(_minimum_size(self._params, over), math.floor(current / 4))
            high = max(math.ceil(current * 2.5), low + 10)
            values = sorted({round(float(v)) for v in np.linspace(low, high, 25)})
        powers = []
        for v in values:
            if v < _minimum_size(self._params, over):
                raise InputError(f"{over}={v} is below the smallest the design allows", field="values")
            powers.append(self._power_at({**self._params, over: float(v)}))
        return pd.DataFrame({over: list(values), "power": powers})


def _minimum_size(params: dict[str, Any], over: str) -> float:
    if over == "clusters":
        return _min_clusters(params)
    if over == "cluster_size":
        return 1
    return 1 if params["design"] == "stepped-wedge" else 2


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    return value


# ------------------------------------------------------------------------------------------ validation


def _check_unit(name: str, value: float | None, *, low_open: bool, high_open: bool) -> None:
    if value is None:
        return
    lo_ok = value > 0 if low_open else value >= 0
    hi_ok = value < 1 if high_open else value <= 1
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo_ok and hi_ok):
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise InputError(f"{name} must lie in {interval}, got {value!r}", field=name)


def _validate(p: dict[str, Any]) -> None:
    alpha = p["alpha"]
    _check_unit("alpha", alpha, low_open=True, high_open=True)
    if p.get("power") is not None:
        _check_unit("power", p["power"], low_open=True, high_open=True)
        if p["power"] <= alpha:
            raise InputError(f"power ({p['power']}) must be above alpha ({alpha})", field="power")
    for name in ("p0", "p1", "allocation", "treated_share"):
        _check_unit(name, p.get(name), low_open=True, high_open=True)
    for name in ("icc", "r2_1", "r2_2", "r2_t2", "attrition"):
        _check_unit(name, p.get(name), low_open=False, high_open=True)
    _check_unit("autocorrelation", p.get("autocorrelation"), low_open=False, high_open=False)
    if p.get("rho_ts") is not None:
        _check_unit("rho_ts", abs(p["rho_ts"]), low_open=False, high_open=True)
    for name in ("cv", "tau", "eta", "omega", "covariates"):
        if p.get(name) is not None and not (math.isfinite(p[name]) and p[name] >= 0):
            raise InputError(f"{name} must be zero or positive, got {p[name]!r}", field=name)
    if p.get("rho_te") is not None and not -1 <= p["rho_te"] <= 1:
        raise InputError(f"rho_te must lie in [-1, 1], got {p['rho_te']!r}", field="rho_te")
    if p.get("sigma") is not None and not p["sigma"] > 0:
        raise InputError(f"sigma must be positive, got {p['sigma']!r}", field="sigma")
    if p.get("ratio") is not None and not p["ratio"] > 0:
        raise InputError(f"ratio (n_control / n_treatment) must be positive, got {p['ratio']!r}",
                         field="ratio")
    if p.get("effect") is not None and p["effect"] == 0:
        raise InputError("the effect must not be zero: no design detects a null effect", field="effect")
    if p.get("p0") is not None and p.get("p1") is not None and p["p0"] == p["p1"]:
        raise InputError("p1 equals p0: no design detects a null effect", field="p1")
    n_min = 1 if p["design"] in ("cluster", "multisite", "stepped-wedge") else 2
    if p.get("n") is not None and not p["n"] >= n_min:
        raise InputError(f"n must be at least {n_min}, got {p['n']!r}", field="n")
    if p.get("cluster_size") is not None and not p["cluster_size"] >= 1:
        raise InputError(f"cluster_size must be at least 1, got {p['cluster_size']!r}", field="cluster_size")
    if p.get("clusters") is not None and p["clusters"] < _min_clusters(p):
        raise InputError(f"{p['clusters']} clusters are too few: the design needs at least "
                         f"{_min_clusters(p)} (two per arm, and degrees of freedom left after the "
                         f"{p.get('covariates') or 0} cluster-level covariates)", field="clusters")
    for name in ("pre_periods", "post_periods"):
        if p.get(name) is not None and (int(p[name]) != p[name] or p[name] < (1 if name == "post_periods"
                                                                             else 0)):
            raise InputError(f"{name} must be a whole number (post at least 1), got {p[name]!r}",
                             field=name)


def _min_clusters(p: dict[str, Any]) -> int:
    g = p.get("covariates") or 0
    if p["design"] == "multisite":  # df = J − g − 1 must be at least 1; randomisation is within sites
        return int(max(2, g + 2))
    share = p.get("allocation") or 0.5
    # two clusters per arm at least, and df = J − g − 2 ≥ 1
    return int(max(math.ceil(2 / share - 1e-9), math.ceil(2 / (1 - share) - 1e-9), g + 3))


def _waves(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise InputError(f"waves must be whole numbers separated by commas, got {value!r}",
                             field="waves") from None
    waves = tuple(int(v) for v in (value or ()))
    if not waves or any(w < 0 for w in waves) or any(int(w) != w for w in (value or ())):
        raise InputError("waves must list the whole, non-negative number of clusters crossing over at "
                         "each step, e.g. 6,6,6,6", field="waves")
    if sum(waves) < 2:
        raise InputError("the wave design never treats (at least two) clusters: give the clusters that "
                         "cross over at each step", field="waves")
    return waves


# ----------------------------------------------------------------------------------- statsmodels door


def _sm_solve(engine: Any, field_name: str, **kw: Any) -> float:
    """statsmodels' `solve_power`, made safe: a scalar back, convergence checked, failure raised.

    `solve_power` may return a 0-d or 1-element array, and on failure it may only warn and return a
    non-solution; so the answer is plugged back in and must reproduce the target power.
    """
    unknown = [k for k, v in kw.items() if v is None]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            raw = engine.solve_power(**kw)
        except Exception as exc:  # statsmodels raises ValueError and friends on hopeless brackets
            raise InputError(f"statsmodels could not solve for {field_name}: {exc}", field=field_name) from exc
    arr = np.asarray(raw, dtype=float).reshape(-1)
    fit = getattr(engine, "cache_fit_res", None)
    converged = fit is None or (len(fit) > 0 and fit[0] == 1)
    if arr.size != 1 or not np.isfinite(arr[0]) or not converged:
        raise InputError(f"statsmodels' solve_power did not converge for {field_name}", field=field_name)
    value = float(arr[0])
    check = {**kw, unknown[0]: value}
    target = check.pop("power")
    if abs(float(np.asarray(engine.power(**check)).reshape(-1)[0]) - target) > 1e-6:
        raise InputError(f"statsmodels' solve_power returned a value for {field_name} that does not "
                         f"give the requested power", field=field_name)
    return value


def _alternative(p: dict[str, Any]) -> str:
    return "two-sided" if p["two_sided"] else "larger"


# ----------------------------------------------------------------------------------- effect helpers


def _standardised_binary(p0: float, p1: float) -> float:
    """(p1 − p0) / sqrt(p̄(1 − p̄)): a binary effect on the SD scale, as Hussey & Hughes set σ²."""
    pbar = (p0 + p1) / 2
    return (p1 - p0) / math.sqrt(pbar * (1 - pbar))


def _p1_from(p0: float, target: float, metric: Callable[[float], float], direction: int) -> float:
    """The p1 on the chosen side of p0 whose effect metric equals `target` (> 0)."""
    lo, hi = (p0, 1 - 1e-12) if direction > 0 else (1e-12, p0)

    def gap(p1: float) -> float:
        return abs(metric(p1)) - target

    if gap(hi if direction > 0 else lo) < 0:
        raise InputError("no proportion in (0, 1) on that side of p0 is detectable with this design",
                         field="p1")
    return float(optimize.brentq(gap, lo, hi, xtol=1e-14))


def _effect(p: dict[str, Any]) -> float:
    """The design's effect on its own metric (standardised d, Cohen's h or a risk difference)."""
    if p["outcome"] == "continuous":
        return abs(p["effect"])
    p0, p1 = p["p0"], p["p1"]
    if p["design"] == "individual":
        if p["method"] == "arcsine":
            return abs(_sm_h(p1, p0))
        return abs(p1 - p0)
    if p["design"] == "stepped-wedge":
        return abs(p1 - p0)
    return abs(_standardised_binary(p0, p1))


def _sm_h(p1: float, p0: float) -> float:
    from statsmodels.stats.proportion import proportion_effectsize

    # statsmodels calls Cohen's arcsine h method="normal"; it is 2·asin(√p1) − 2·asin(√p0)
    return float(proportion_effectsize(p1, p0, method="normal"))


def _metric_name(p: dict[str, Any]) -> str:
    if p["outcome"] == "continuous":
        return ("standardised mean difference (difference / σ within clusters)"
                if p["design"] == "stepped-wedge" else "standardised mean difference (Cohen's d)")
    if p["design"] == "individual":
        return "Cohen's h (arcsine)" if p["method"] == "arcsine" else "risk difference p1 − p0"
    if p["design"] == "stepped-wedge":
        return "risk difference p1 − p0"
    return "standardised risk difference (p1 − p0) / sqrt(p̄(1 − p̄))"


# --------------------------------------------------------------------------------- power functions


def _individual_power(p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    from statsmodels.stats.power import NormalIndPower, TTestIndPower, normal_power_het

    n_analysed = p["n"] * (1 - p["attrition"])
    ratio = p["ratio"]
    if p["outcome"] == "continuous":
        d_eff = _effect(p) / math.sqrt(1 - p["r2_1"])
        pw = TTestIndPower().power(effect_size=d_eff, nobs1=n_analysed, alpha=p["alpha"], ratio=ratio,
                                   alternative=_alternative(p))
        return float(pw), {"effective_effect": d_eff, "df": n_analysed * (1 + ratio) - 2,
                           "variance_factor": 1 - p["r2_1"], "n_analysed": n_analysed}
    if p["method"] == "arcsine":
        h = _effect(p)
        pw = NormalIndPower().power(effect_size=h, nobs1=n_analysed, alpha=p["alpha"], ratio=ratio,
                                    alternative=_alternative(p))
        return float(pw), {"cohens_h": h, "n_analysed": n_analysed}
    p0, p1 = p["p0"], p["p1"]
    diff = abs(p1 - p0)
    std_alt = math.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / ratio)
    if p["variance"] == "pooled":
        # H0 variance from the pooled proportion, H1 from the two proportions: as R power.prop.test
        pooled = (p1 + ratio * p0) / (1 + ratio)
        std_null = math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
    else:
        std_null = std_alt
    pw = normal_power_het(diff, n_analysed, p["alpha"], std_null=std_null, std_alternative=std_alt,
                          alternative=_alternative(p))
    return float(np.asarray(pw).reshape(-1)[0]), {"std_null": std_null, "std_alternative": std_alt,
                                                  "n_analysed": n_analysed}


def _mckenzie_factor(p: dict[str, Any]) -> float:
    """Var(estimator) / (σ²(1/n1 + 1/n2)) with m pre and r post rounds (McKenzie 2012); own code."""
    rho, m, r = p["autocorrelation"], p["pre_periods"], p["post_periods"]
    post = (1 + (r - 1) * rho) / r
    if p["estimator"] == "post":
        return post
    if m < 1:
        raise InputError(f"{p['estimator']} needs at least one pre-period", field="pre_periods")
    if p["estimator"] == "ancova":
        return post - m * rho ** 2 / (1 + (m - 1) * rho)
    return (1 + (m - 1) * rho) / m + post - 2 * rho


def _rdd_design_effect(p: dict[str, Any]) -> tuple[float, float]:
    """Schochet (2009): Var_RD = Var_RCT / (1 − ρ²_TS); own code.

    Without a given ρ_TS the score is assumed normal, with the cut-off at its (1 − P) quantile where P
    is the share treated: ρ_TS = φ(c) / sqrt(P(1 − P)). At P = 0.5 this gives 1 / (1 − 2/π) ≈ 2.75.
    """
    if p.get("rho_ts") is not None:
        rho = p["rho_ts"]
    else:
        share = p["treated_share"]
        rho = stats.norm.pdf(stats.norm.ppf(1 - share)) / math.sqrt(share * (1 - share))
    return 1 / (1 - rho ** 2), rho


def _t_power(p: dict[str, Any], variance_factor: float, extra: dict[str, Any]) -> tuple[float, dict]:
    from statsmodels.stats.power import TTestIndPower

    n_analysed = p["n"] * (1 - (p.get("attrition") or 0))
    d_eff = _effect(p) / math.sqrt(variance_factor)
    pw = TTestIndPower().power(effect_size=d_eff, nobs1=n_analysed, alpha=p["alpha"], ratio=p["ratio"],
                               alternative=_alternative(p))
    return float(pw), {**extra, "variance_factor": variance_factor, "effective_effect": d_eff,
                       "n_analysed": n_analysed}


def _did_power(p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    f = _mckenzie_factor(p)
    return _t_power(p, f, {"design_effect": f})


def _rdd_power(p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    de, rho = _rdd_design_effect(p)
    return _t_power(p, de * (1 - p["r2_1"]), {"design_effect": de, "rho_ts": rho})


def _cluster_parts(p: dict[str, Any]) -> tuple[float, float, float, float]:
    """(between-cluster variance term × J, within term × J·n, df, design effect); own code (PowerUp!)."""
    P = p["allocation"]
    pq = P * (1 - P)
    rho, m = p["icc"], p["cluster_size"]
    g = p["covariates"]
    if p["design"] == "cluster":
        # CRA2_2, with the cluster-level term scaled by (1 + CV²): Eldridge's design effect when R² = 0
        between = rho * (1 - p["r2_2"]) * (1 + p["cv"] ** 2) / pq
        df_loss = g + 2
        deff = 1 + ((p["cv"] ** 2 + 1) * m - 1) * rho if m is not None else float("nan")
    else:
        # BIRA2_1: random site effects, treatment-effect variance ω·ρ (as a ratio to the site variance)
        between = rho * p["omega"] * (1 - p["r2_t2"])
        df_loss = g + 1
        deff = float("nan")  # BIRA2_1 has no single design effect (see the notes of the result)
    within = (1 - rho) * (1 - p["r2_1"]) / pq
    return between, within, df_loss, deff


def _cluster_se(p: dict[str, Any]) -> tuple[float, float]:
    between, within, df_loss, _ = _cluster_parts(p)
    J, m = p["clusters"], p["cluster_size"]
    return math.sqrt(between / J + within / (J * m)), J - df_loss


def _multiplier(df: float, alpha: float, power: float, two_sided: bool) -> float:
    """PowerUp!'s M = t_{α/2} + t_{1−β} (two-tailed) at df degrees of freedom."""
    crit = stats.t.ppf(1 - alpha / 2 if two_sided else 1 - alpha, df)
    return float(crit + stats.t.ppf(power, df))


def _nct_power(es: float, se: float, df: float, alpha: float, two_sided: bool) -> float:
    """Power from the noncentral t with λ = es / se, as PowerUpR's power functions."""
    lam = es / se
    if two_sided:
        crit = stats.t.ppf(1 - alpha / 2, df)
        return float(stats.nct.sf(crit, df, lam) + stats.nct.cdf(-crit, df, lam))
    return float(stats.nct.sf(stats.t.ppf(1 - alpha, df), df, lam))


def _cluster_power(p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    se, df = _cluster_se(p)
    *_, deff = _cluster_parts(p)
    pw = _nct_power(_effect(p), se, df, p["alpha"], p["two_sided"])
    out = {"df": df, "standard_error": se, "variance": se ** 2, "noncentrality": _effect(p) / se}
    if p["design"] == "cluster":
        out["design_effect"] = deff
    return pw, out


def _sw_matrix(waves: Sequence[int]) -> np.ndarray:
    """X_ij: one row per cluster, one column per period; wave k crosses over at period k + 1."""
    steps = len(waves)
    rows = [[1.0 if j > k else 0.0 for j in range(steps + 1)] for k, w in enumerate(waves) for _ in range(w)]
    return np.array(rows)


def _sw_variance(waves: Sequence[int], n: float, sigma2: float, tau: float, eta: float, rho_te: float) -> float:
    """Var(θ̂) by GLS on cluster-period means (Hussey & Hughes 2007, eq. for the WLS estimator), with
    a random treatment effect η_i correlated ρ_te with the random intercept (swPwr's model); own code,
    as no Python package has it. Time enters as fixed period effects."""
    T = len(waves) + 1
    info = np.zeros((T + 1, T + 1))
    for k, count in enumerate(waves):
        if count == 0:
            continue
        x = np.array([1.0 if j > k else 0.0 for j in range(T)])
        # columns: intercept, periods 2..T, treatment
        Z = np.column_stack([np.ones(T), np.eye(T)[:, 1:], x])
        V = (tau ** 2 * np.ones((T, T)) + np.diag(np.full(T, sigma2 / n)) + eta ** 2 * np.outer(x, x)
             + rho_te * tau * eta * (x[:, None] + x[None, :]))
        info += count * Z.T @ np.linalg.solve(V, Z)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise InputError("the wave design does not identify the treatment effect apart from time: "
                         "clusters must cross over at different steps", field="waves") from None
    var = float(cov[-1, -1])
    if not (var > 0 and math.isfinite(var)):
        raise InputError("the wave design does not identify the treatment effect", field="waves")
    return var


def hussey_hughes_variance(waves: Sequence[int], n: float, sigma: float, tau: float) -> float:
    """Hussey & Hughes (2007)'s closed form for Var(θ̂) without random treatment effects.

    Var = Iσ²(σ² + Tτ²) / ((IU − W)σ² + (U² + ITU − TW − IV)τ²), σ² taken per cluster-period mean
    (σ²/n); U = ΣX_ij, W = Σ_j(Σ_i X_ij)², V = Σ_i(Σ_j X_ij)². Kept as the check on the GLS above.
    """
    X = _sw_matrix(waves)
    I, T = X.shape
    s2 = sigma ** 2 / n
    U, W, V = X.sum(), (X.sum(axis=0) ** 2).sum(), (X.sum(axis=1) ** 2).sum()
    return float(I * s2 * (s2 + T * tau ** 2) / ((I * U - W) * s2 + (U ** 2 + I * T * U - T * W - I * V) * tau ** 2))


def _sw_components(p: dict[str, Any]) -> tuple[float, float, float]:
    """(θ on the outcome scale, σ² within, τ) for the stepped wedge."""
    if p["outcome"] == "binary":
        pbar = (p["p0"] + p["p1"]) / 2
        sigma2 = pbar * (1 - pbar)  # Hussey & Hughes' binomial variance at the mean proportion
        theta = p["p1"] - p["p0"]
    else:
        sigma2 = p["sigma"] ** 2
        theta = p["effect"] * p["sigma"]
    if p.get("tau") is not None:
        tau = p["tau"]
    elif p.get("icc") is not None:
        tau = math.sqrt(p["icc"] * sigma2 / (1 - p["icc"]))
    else:
        raise InputError("a stepped wedge needs the between-cluster SD (tau) or the ICC", field="tau")
    if p["outcome"] == "binary" and tau ** 2 + p["eta"] ** 2 >= sigma2:
        raise InputError("tau² + eta² must be below p̄(1 − p̄) for a binary outcome", field="tau")
    return theta, sigma2, tau


def _normal_power(z: float, alpha: float, two_sided: bool) -> float:
    if two_sided:
        crit = stats.norm.ppf(1 - alpha / 2)
        return float(stats.norm.cdf(z - crit) + stats.norm.cdf(-z - crit))
    return float(stats.norm.cdf(z - stats.norm.ppf(1 - alpha)))


def _sw_power(p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    theta, sigma2, tau = _sw_components(p)
    var = _sw_variance(p["waves"], p["n"], sigma2, tau, p["eta"], p["rho_te"])
    pw = _normal_power(abs(theta) / math.sqrt(var), p["alpha"], p["two_sided"])
    return pw, {"variance": var, "standard_error": math.sqrt(var), "sigma2": sigma2, "tau": tau,
                "periods": len(p["waves"]) + 1, "clusters": sum(p["waves"]), "theta": theta}


_POWER: dict[str, Callable[[dict[str, Any]], tuple[float, dict[str, Any]]]] = {
    "individual": _individual_power, "did": _did_power, "rdd": _rdd_power,
    "cluster": _cluster_power, "multisite": _cluster_power, "stepped-wedge": _sw_power,
}


def _power_only(p: dict[str, Any]) -> float:
    return _POWER[p["design"]](p)[0]


# ----------------------------------------------------------------------------------------- solvers


def _root_size(p: dict[str, Any], name: str, low: float) -> float:
    """Smallest real size with the target power (power rises with size); brentq on a growing bracket."""
    target = p["power"]

    def gap(x: float) -> float:
        return _power_only({**p, name: x}) - target

    if gap(low) >= 0:
        return low
    high = max(low * 2, 10.0)
    while gap(high) < 0:
        high *= 4
        if high > 1e9:
            raise InputError(f"no {name} reaches power {target}: the design's power levels off below it "
                             f"(more clusters or a larger effect are needed)", field=name)
    return float(optimize.brentq(gap, low, high, xtol=1e-9, rtol=1e-12))


def _root_effect(p: dict[str, Any]) -> float:
    """The effect (d, or p1 for binary) that gives the target power."""
    target = p["power"]
    if p["outcome"] == "continuous":
        def gap(d: float) -> float:
            return _power_only({**p, "effect": d}) - target

        high = 1.0
        while gap(high) < 0:
            high *= 2
            if high > 1e6:
                raise InputError("no effect size reaches that power with this design", field="effect")
        return float(optimize.brentq(gap, 1e-12, high, xtol=1e-13, rtol=1e-13))
    direction = p["direction"]
    lo, hi = (p["p0"], 1 - 1e-9) if direction > 0 else (1e-9, p["p0"])

    def gap_p(p1: float) -> float:
        return _power_only({**p, "p1": p1}) - target

    far = hi if direction > 0 else lo
    if gap_p(far) < 0:
        raise InputError("no proportion on that side of p0 reaches that power with this design", field="p1")
    near = p["p0"] + direction * 1e-9
    lo, hi = sorted((near, far))
    return float(optimize.brentq(gap_p, lo, hi, xtol=1e-13, rtol=1e-13))


def _solve_individual_sm(p: dict[str, Any], unknown: str) -> float:
    """Individual designs through statsmodels' own solver where one fits (t-test and arcsine h)."""
    from statsmodels.stats.power import NormalIndPower, TTestIndPower

    keep = 1 - p["attrition"]
    if p["outcome"] == "continuous":
        engine, scale = TTestIndPower(), math.sqrt(1 - p["r2_1"])
    elif p["method"] == "arcsine":
        engine, scale = NormalIndPower(), 1.0
    else:
        return _root_size(p, "n", 2.0) if unknown == "n" else _root_effect(p)
    kw = {"alpha": p["alpha"], "power": p["power"], "ratio": p["ratio"], "alternative": _alternative(p)}
    if unknown == "n":
        es = _effect(p) / scale
        return _sm_solve(engine, "n", effect_size=es, nobs1=None, **kw) / keep
    es = _sm_solve(engine, "effect" if p["outcome"] == "continuous" else "p1", effect_size=None,
                   nobs1=p["n"] * keep, **kw)
    if p["outcome"] == "continuous":
        return es * scale
    return _p1_from(p["p0"], es, lambda p1: _sm_h(p1, p["p0"]), p["direction"])


def _solve_clusters_powerup(p: dict[str, Any]) -> float:
    """J by PowerUp!'s fixed-point iteration: J = (M_df / MDES)² (between + within / n), df = J − g − k."""
    between, within, df_loss, _ = _cluster_parts(p)
    per_j = between + within / p["cluster_size"]
    es = _effect(p)
    J = float(_min_clusters(p))
    for _ in range(200):
        M = _multiplier(max(J - df_loss, 1.0), p["alpha"], p["power"], p["two_sided"])
        new = (M / es) ** 2 * per_j
        new = max(new, df_loss + 1.0)
        if abs(new - J) < 1e-10:
            return new
        J = new
    raise InputError("the search for the number of clusters did not converge", field="clusters")


def _solve_cluster_size(p: dict[str, Any]) -> float:
    """n per cluster from the MDES formula with J fixed (df does not depend on n)."""
    between, within, df_loss, _ = _cluster_parts(p)
    J = p["clusters"]
    M = _multiplier(J - df_loss, p["alpha"], p["power"], p["two_sided"])
    room = (_effect(p) / M) ** 2 - between / J
    if room <= 0:
        raise InputError(f"with {J} clusters no cluster size detects this effect: the between-cluster "
                         f"variance alone is too large; add clusters", field="clusters")
    return within / (J * room)


# ---------------------------------------------------------------------------------------- solve()


def solve(design: str = "individual", outcome: str = "continuous", *,
          effect: float | None = None, p0: float | None = None, p1: float | None = None,
          alpha: float = 0.05, power: float | None = None, two_sided: bool = True,
          n: float | None = None, clusters: int | None = None, cluster_size: float | None = None,
          ratio: float | None = None, allocation: float | None = None, attrition: float | None = None,
          r2_1: float | None = None, r2_2: float | None = None, r2_t2: float | None = None,
          covariates: int | None = None, icc: float | None = None, cv: float | None = None,
          omega: float | None = None, waves: Sequence[int] | str | None = None,
          tau: float | None = None, eta: float | None = None, rho_te: float | None = None,
          sigma: float | None = None, autocorrelation: float | None = None,
          pre_periods: int | None = None, post_periods: int | None = None,
          estimator: str | None = None, rho_ts: float | None = None, treated_share: float | None = None,
          method: str | None = None, variance: str | None = None, direction: str = "increase",
          ) -> PowerResult:
    """Solve for the one unknown among n / clusters / cluster_size / power / effect (p1 if binary).

    Sizes: `n` is per arm (the treatment arm when `ratio` ≠ 1; `ratio` = n_control / n_treatment), or
    per cluster-period for a stepped wedge; `clusters` is the total J (sites for `multisite`);
    `cluster_size` the mean cluster size m̄ (individuals per site). `effect` is standardised;
    for a stepped wedge by σ, the within-cluster SD (`sigma`, default 1 so `tau` is then in units of σ).
    Binary outcomes take `p0` (control) and `p1` (treatment); `direction` says which side of p0 the
    minimum detectable p1 lies on. `method` is "arcsine" (Cohen's h) or "normal" for the individual
    binary case, and `variance` "pooled" or "unpooled" for the normal method.
    """
    if design not in DESIGNS:
        raise InputError(f"design must be one of {', '.join(DESIGNS)}, got {design!r}", field="design")
    if outcome not in OUTCOMES:
        raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}", field="outcome")
    if direction not in ("increase", "decrease"):
        raise InputError("direction must be 'increase' or 'decrease'", field="direction")
    given = {"effect": effect, "p0": p0, "p1": p1, "alpha": alpha, "power": power, "two_sided": two_sided, "n": n,
                 "clusters": clusters, "cluster_size": cluster_size, "ratio": ratio, "allocation": allocation,
                 "attrition": attrition, "r2_1": r2_1, "r2_2": r2_2, "r2_t2": r2_t2, "covariates": covariates, "icc": icc,
                 "cv": cv, "omega": omega, "waves": waves, "tau": tau, "eta": eta, "rho_te": rho_te, "sigma": sigma,
                 "autocorrelation": autocorrelation, "pre_periods": pre_periods, "post_periods": post_periods,
                 "estimator": estimator, "rho_ts": rho_ts, "treated_share": treated_share, "method": method,
                 "variance": variance}
    allowed = _COMMON | _ACCEPTS[design]
    for name, value in given.items():
        if value is not None and name not in allowed:
            raise InputError(f"{name} does not apply to the {design} design", field=name)
    if outcome == "continuous":
        for name in ("p0", "p1"):
            if given[name] is not None:
                raise InputError(f"{name} is for a binary outcome; give effect for a continuous one",
                                 field=name)
    else:
        if effect is not None:
            raise InputError("a binary outcome takes p0 and p1, not a standardised effect", field="effect")
        if p0 is None:
            raise InputError("a binary outcome needs the control proportion p0", field="p0")
        if design == "individual" and (r2_1 or 0) > 0:
            raise InputError("the covariate R² applies to continuous outcomes here", field="r2_1")

    p = _with_defaults(design, outcome, given)
    p["direction"] = 1 if direction == "increase" else -1
    effect_key = "effect" if outcome == "continuous" else "p1"
    slots = {"n": n, "clusters": clusters, "cluster_size": cluster_size, "power": power, "mdes": p[effect_key]}
    unknown = [s for s in _SOLVABLE[design] if slots[s] is None]
    if len(unknown) != 1:
        names = ", ".join("effect" if s == "mdes" else s for s in _SOLVABLE[design])
        raise InputError(f"exactly one of {names} must be left out (None) to be solved for; "
                         f"{len(unknown)} are missing", field=unknown[0] if unknown else "power")
    unknown = unknown[0]
    _validate(p)
    return _solve(p, unknown, effect_key)


def _with_defaults(design: str, outcome: str, given: dict[str, Any]) -> dict[str, Any]:
    """Design conventions only (α, allocation, zero R², one pre/post round): never a planning value."""
    p = {**given, "design": design, "outcome": outcome}
    if design in ("individual", "did", "rdd"):
        p["attrition"] = p["attrition"] if p["attrition"] is not None else 0.0
        p["r2_1"] = p["r2_1"] if p["r2_1"] is not None else 0.0
    if design == "individual":
        p["ratio"] = p["ratio"] if p["ratio"] is not None else 1.0
        p["method"] = p["method"] or "arcsine"
        if p["method"] not in ("arcsine", "normal"):
            raise InputError("method must be 'arcsine' or 'normal'", field="method")
        p["variance"] = p["variance"] or "pooled"
        if p["variance"] not in ("pooled", "unpooled"):
            raise InputError("variance must be 'pooled' or 'unpooled'", field="variance")
    if design == "did":
        p["ratio"] = p["ratio"] if p["ratio"] is not None else 1.0
        if p["autocorrelation"] is None:
            raise InputError("difference-in-differences / ANCOVA needs the autocorrelation of the outcome "
                             "between rounds", field="autocorrelation")
        p["estimator"] = p["estimator"] or "ancova"
        if p["estimator"] not in ("ancova", "did", "post"):
            raise InputError("estimator must be 'ancova', 'did' or 'post'", field="estimator")
        p["pre_periods"] = 1 if p["pre_periods"] is None else p["pre_periods"]
        p["post_periods"] = 1 if p["post_periods"] is None else p["post_periods"]
    if design == "rdd":
        if p["rho_ts"] is None and p["treated_share"] is None:
            p["treated_share"] = 0.5  # cut-off at the mean of a normal score: Schochet's ≈ 2.75 case
        # n is the treated side; the untreated side is n·(1 − P)/P
        share = p["treated_share"] if p["treated_share"] is not None else 0.5
        p["ratio"] = (1 - share) / share
    if design in ("cluster", "multisite"):
        if p["icc"] is None:
            raise InputError("a cluster design needs the intraclass correlation (icc)", field="icc")
        if design == "multisite" and p["omega"] is None:
            raise InputError("a multi-site design needs omega, the treatment-effect heterogeneity across "
                             "sites (0 for a constant effect)", field="omega")
        p["allocation"] = p["allocation"] if p["allocation"] is not None else 0.5
        p["covariates"] = p["covariates"] if p["covariates"] is not None else 0
        for name in ("r2_1", "r2_2", "r2_t2", "cv"):
            p[name] = p[name] if p[name] is not None else 0.0
    if design == "stepped-wedge":
        p["waves"] = _waves(p["waves"])
        p["eta"] = p["eta"] if p["eta"] is not None else 0.0
        p["rho_te"] = p["rho_te"] if p["rho_te"] is not None else 0.0
        p["sigma"] = p["sigma"] if p["sigma"] is not None else 1.0
        if p["eta"] == 0 and p["rho_te"] != 0:
            raise InputError("rho_te needs a random treatment effect (eta > 0)", field="rho_te")
        if p["clusters"] is not None and p["clusters"] != sum(p["waves"]):
            raise InputError("clusters must equal the sum of the waves", field="clusters")
    return p


def _solve(p: dict[str, Any], unknown: str, effect_key: str) -> PowerResult:
    design = p["design"]
    notes: list[str] = []
    exact: dict[str, float] = {}
    multiplier = None
    if unknown == "power":
        pass
    elif unknown == "mdes":
        if design in ("cluster", "multisite"):
            # PowerUp!'s MDES = M · SE (central-t multiplier), then back to p1 for a binary outcome
            se, df = _cluster_se(p)
            multiplier = _multiplier(df, p["alpha"], p["power"], p["two_sided"])
            d = multiplier * se
            if p["outcome"] == "continuous":
                p["effect"] = d
            else:
                p["p1"] = _p1_from(p["p0"], d, lambda x: _standardised_binary(p["p0"], x), p["direction"])
        elif design == "individual":
            p[effect_key] = _solve_individual_sm(p, "mdes")
        else:
            p[effect_key] = _root_effect(p)
    elif unknown == "n":
        exact_n = _solve_individual_sm(p, "n") if design == "individual" else \
            _root_size(p, "n", 1.0 if design == "stepped-wedge" else 2.0)
        exact["exact_n"] = exact_n
        p["n"] = float(math.ceil(exact_n - 1e-9))
    elif unknown == "clusters":
        exact_j = _solve_clusters_powerup(p)
        exact["exact_clusters"] = exact_j
        p["clusters"] = int(max(math.ceil(exact_j - 1e-9), _min_clusters(p)))
    elif unknown == "cluster_size":
        exact_m = _solve_cluster_size(p)
        exact["exact_cluster_size"] = exact_m
        p["cluster_size"] = float(math.ceil(exact_m - 1e-9))

    achieved, inter = _POWER[design](p)
    if unknown != "power" and design in ("cluster", "multisite"):
        notes.append("MDES and clusters follow PowerUp!'s multiplier M = t(α/2) + t(1−β); power follows "
                     "the noncentral t as PowerUpR does, so the two agree to about three digits.")
    if design in ("cluster", "multisite"):
        se, df = _cluster_se(p)
        multiplier = _multiplier(df, p["alpha"], p["power"] if unknown != "power" else achieved,
                                 p["two_sided"])
        inter["multiplier"] = multiplier
        if design == "multisite":
            notes.append("BIRA2_1 has no single design effect: ω·ρ is the site-by-treatment variance term.")
    if p.get("attrition") and design in ("individual", "did", "rdd"):
        notes.append(f"n is recruited per arm; {p['attrition']:.0%} attrition leaves {inter['n_analysed']:.1f}.")
    if design == "rdd":
        notes.append("The RD design effect assumes a sharp design, a correctly specified (linear) score "
                     "model and, without rho_ts, a normal score cut at its (1 − treated share) quantile.")
    if design == "stepped-wedge":
        notes.append("Power from the normal distribution with the GLS variance, as Hussey & Hughes and "
                     "swPwr compute it; time effects fixed per period.")
    if design == "individual" and p["outcome"] == "binary" and p["method"] == "normal":
        notes.append("Normal approximation with the " + ("pooled variance under H0 and the unpooled under "
                     "H1 (as R power.prop.test)" if p["variance"] == "pooled" else
                     "unpooled (Wald) variance under H0 and H1"))
    if design in ("cluster", "multisite", "did", "rdd") and p["outcome"] == "binary":
        notes.append("Binary outcome on the standardised scale (p1 − p0)/sqrt(p̄(1 − p̄)): a normal "
                     "approximation; the ICC is then on the proportion scale.")

    mdes = _effect(p)
    if unknown == "power":
        value = achieved
    elif unknown == "mdes":
        value = mdes
    else:
        value = p[unknown]
    inter.update(exact)
    inputs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.items()
              if v is not None and k not in ("design", "outcome", "direction")
              and k != unknown and not (unknown == "mdes" and k == effect_key)}
    if unknown != "power":
        inputs["power"] = p["power"]
    final_power = achieved
    return PowerResult(
        design=design, outcome=p["outcome"], solved=unknown, value=float(value), power=float(final_power),
        mdes=float(mdes), n=p.get("n"), clusters=(int(p["clusters"]) if p.get("clusters") is not None
                                                   else (sum(p["waves"]) if design == "stepped-wedge" else None)),
        cluster_size=p.get("cluster_size"), p0=p.get("p0"), p1=p.get("p1"),
        effect_metric=_metric_name(p), inputs=inputs, intermediates=inter,
        method=_method_text(p), references=REFERENCES.get(design, REFERENCES["individual"]),
        notes=tuple(notes), _params={**p, "power": p["power"]}, _power_at=_power_only)


def _method_text(p: dict[str, Any]) -> str:
    d = p["design"]
    if d == "individual":
        if p["outcome"] == "continuous":
            return "two-sample t-test (statsmodels TTestIndPower), variance × (1 − R²)"
        if p["method"] == "arcsine":
            return "two proportions, arcsine transformation, Cohen's h (statsmodels NormalIndPower)"
        return f"two proportions, normal approximation, {p['variance']} variance under H0"
    return {
        "cluster": "two-level cluster randomisation, PowerUp! CRA2_2, Eldridge design effect for unequal sizes",
        "multisite": "blocked individual randomisation within random sites, PowerUp! BIRA2_1",
        "stepped-wedge": "stepped wedge, Hussey & Hughes GLS variance (swPwr model)",
        "did": f"{p['estimator']} with {p['pre_periods']} pre and {p['post_periods']} post rounds (McKenzie 2012)",
        "rdd": "regression discontinuity: RCT variance × 1/(1 − ρ²_TS) (Schochet 2009)",
    }[d]
