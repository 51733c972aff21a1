"""Analysis of a trial: effects with robust and small-sample cluster-robust errors, binary outcomes,
difference-in-differences and event study, regression discontinuity, WWC attrition and baseline
equivalence, multiple-outcome adjustment, and effect sizes for the evidence base.

Estimation is statsmodels (OLS with ``cov_type="HC2"`` / ``"cluster"``, Logit) and rdrobust.
CR2 with Bell–McCaffrey degrees of freedom is written here because no Python package offers it
(statsmodels has CR1 only); it follows Bell & McCaffrey (2002) and Pustejovsky & Tipton (2018), as
R's clubSandwich ``vcovCR(type="CR2")`` with ``coef_test(test="Satterthwaite")`` for OLS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from oppvekst.errors import InputError
from oppvekst.evidence import effects as fx

ROLES = ("primary", "secondary")


# --- the results object --------------------------------------------------------------------------

@dataclass
class EffectResult:
    """One estimated effect, statsmodels style: the estimate with its intermediates.

    ``scale`` is ``"difference"`` (mean or risk difference) or ``"log_odds"`` (ln OR); ``df`` is the
    t reference distribution's degrees of freedom, or None for the normal. ``model`` holds the fitted
    statsmodels (or rdrobust) result; ``groups`` the raw group statistics used for effect sizes."""

    outcome: str
    method: str
    estimate: float
    se: float
    df: float | None
    cov_type: str
    n_treatment: int
    n_control: int
    scale: str = "difference"
    role: str | None = None
    alpha: float = 0.05
    model: object = field(default=None, repr=False)
    groups: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def statistic(self) -> float:
        return self.estimate / self.se

    @property
    def pvalue(self) -> float:
        t = abs(self.statistic)
        return float(2 * (stats.t.sf(t, self.df) if self.df else stats.norm.sf(t)))

    def _crit(self, alpha: float) -> float:
        return float(stats.t.isf(alpha / 2, self.df) if self.df else stats.norm.isf(alpha / 2))

    def conf_int(self, alpha: float | None = None) -> tuple[float, float]:
        """Confidence interval on the analysis scale (ln OR for odds ratios)."""
        half = self._crit(alpha or self.alpha) * self.se
        return self.estimate - half, self.estimate + half

    def summary_frame(self, alpha: float | None = None) -> pd.DataFrame:
        lo, hi = self.conf_int(alpha)
        row = {"outcome": self.outcome, "role": self.role, "method": self.method, "estimate": self.estimate,
               "se": self.se, "df": self.df, "statistic": self.statistic, "pvalue": self.pvalue,
               "ci_low": lo, "ci_high": hi, "cov_type": self.cov_type,
               "n_treatment": self.n_treatment, "n_control": self.n_control}
        if self.scale == "log_odds":
            row.update(odds_ratio=math.exp(self.estimate), or_ci_low=math.exp(lo), or_ci_high=math.exp(hi))
        return pd.DataFrame([row])

    def to_dict(self) -> dict:
        out = self.summary_frame().iloc[0].to_dict()
        out.update(scale=self.scale, groups=self.groups, extra=self.extra)
        return out

    def to_study_effect(self, outcome_id: str | None = None, *, timepoint: str = "",
                        beneficial_direction: str | None = None, source: str | None = None) -> dict:
        """The effect as an evidence-base effect record (input of ``EvidenceStore.add_effect``).

        Continuous outcomes give Hedges' g: the (adjusted) mean difference over the pooled SD of the
        outcome, times the exact small-sample factor J, with metafor's large-sample variance (as
        evidence/effects.py). Binary outcomes from ``odds_ratio`` give the OR with the variance of
        ln OR from the logistic model."""
        n_t, n_c = self.n_treatment, self.n_control
        if self.scale == "log_odds":
            measure, est, var = "or", math.exp(self.estimate), self.se**2
            lo, hi = (math.exp(v) for v in self.conf_int(0.05))
        else:
            g = self.groups
            if "sd_t" not in g:
                raise InputError("an effect size needs the outcome's group SDs (continuous outcomes only)",
                                 field=self.outcome)
            pooled = math.sqrt(((n_t - 1) * g["sd_t"]**2 + (n_c - 1) * g["sd_c"]**2) / (n_t + n_c - 2))
            eff = fx._g_from_d(self.estimate / pooled, n_t, n_c)
            measure, est, var = "smd", eff.yi, eff.vi
            lo, hi = eff.ci(0.95)
        return {"outcome": outcome_id or self.outcome, "measure_type": measure, "estimate": est,
                "ci_low": lo, "ci_high": hi, "variance": var, "n_treatment": int(n_t),
                "n_control": int(n_c), "timepoint": timepoint, "beneficial_direction": beneficial_direction,
                "notes": f"{self.method}, {self.cov_type} standard errors" + (f", {self.role} outcome"
                                                                               if self.role else ""),
                "source": source}


# --- CR2 with Bell–McCaffrey degrees of freedom --------------------------------------------------

def _inv_sqrt_psd(a: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Symmetric (pseudo-)inverse square root. The pseudo-inverse is needed when a cluster's own
    fixed effect is in the model, which makes I − H_jj singular (clubSandwich does the same)."""
    w, v = np.linalg.eigh((a + a.T) / 2)
    inv = np.where(w > tol, 1 / np.sqrt(np.clip(w, tol, None)), 0.0)
    return (v * inv) @ v.T


def cr2(exog: np.ndarray, resid: np.ndarray, clusters: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """CR2 covariance of OLS coefficients and the Bell–McCaffrey (Satterthwaite) df of each one.

    V = M Σ_j X_j' A_j e_j e_j' A_j X_j M with M = (X'X)⁻¹, A_j = (I − X_j M X_j')^(−1/2). For
    coefficient c the df are (tr G'G)² / tr((G'G)²) with G'G = diag(w_j'w_j) − B'MB, w_j = A_j X_j M c
    and b_j = X_j'w_j: the Satterthwaite approximation under a working model of independent
    homoscedastic errors (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018, clubSandwich's default
    for lm)."""
    x, e = np.asarray(exog, float), np.asarray(resid, float)
    m = np.linalg.inv(x.T @ x)
    codes = pd.factorize(pd.Series(list(clusters)))[0]
    groups = [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]
    adj = [_inv_sqrt_psd(np.eye(len(g)) - x[g] @ m @ x[g].T) for g in groups]
    meat = np.zeros((x.shape[1], x.shape[1]))
    for g, a in zip(groups, adj):
        u = x[g].T @ (a @ e[g])
        meat += np.outer(u, u)
    vcov = m @ meat @ m
    dfs = np.empty(x.shape[1])
    for k in range(x.shape[1]):
        mc = m[:, k]
        w = [a @ (x[g] @ mc) for g, a in zip(groups, adj)]
        b = np.column_stack([x[g].T @ wj for g, wj in zip(groups, w)])
        gram = np.diag([wj @ wj for wj in w]) - b.T @ m @ b
        dfs[k] = np.trace(gram) ** 2 / np.sum(gram * gram)
    return vcov, dfs


# --- continuous outcomes -------------------------------------------------------------------------

def estimate_effect(data: pd.DataFrame, outcome: str, treatment: str, *, covariates: Sequence[str] = (),
                    cluster: str | None = None, se: str | None = None, role: str | None = None,
                    alpha: float = 0.05) -> EffectResult:
    """Difference in means (no covariates) or ANCOVA (OLS on treatment + baseline covariates).

    ``se``: ``"HC2"`` (default without clusters), ``"CR2"`` (default with ``cluster``: Bell–McCaffrey
    df) or ``"CR1"`` (statsmodels' cluster-robust with its small-sample factor, df = clusters − 1)."""
    se = se or ("CR2" if cluster else "HC2")
    if se not in ("HC2", "CR1", "CR2") or (se != "HC2" and not cluster):
        raise InputError("se must be HC2, or CR1 / CR2 with a cluster column", field="se")
    cols = [outcome, treatment, *covariates, *([cluster] if cluster else [])]
    d = _numeric(data, cols, exempt=[cluster] if cluster else []).dropna(subset=cols)
    _check_binary(d, treatment)
    _check_arm_sizes(d, treatment, cluster)
    x = sm.add_constant(d[[treatment, *covariates]].astype(float), has_constant="add")
    y = d[outcome].astype(float)
    model = sm.OLS(y, x)
    k = list(x.columns).index(treatment)
    if se == "HC2":
        fit = model.fit(cov_type="HC2")
        est_se, df = float(fit.bse.iloc[k]), float(fit.df_resid)
    elif se == "CR1":
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(d[cluster])[0]})
        est_se, df = float(fit.bse.iloc[k]), float(d[cluster].nunique() - 1)
    else:
        fit = model.fit()
        vcov, dfs = cr2(x.to_numpy(), fit.resid.to_numpy(), d[cluster])
        est_se, df = math.sqrt(vcov[k, k]), float(dfs[k])
    t, c = y[d[treatment] == 1], y[d[treatment] == 0]
    groups = {"mean_t": t.mean(), "mean_c": c.mean(), "sd_t": t.std(ddof=1), "sd_c": c.std(ddof=1)}
    if cluster:
        groups["clusters"] = int(d[cluster].nunique())
    return EffectResult(outcome, "ancova" if covariates else "difference_in_means",
                        float(fit.params.iloc[k]), est_se, df, se, len(t), len(c), role=role, alpha=alpha,
                        model=fit, groups=groups)


# --- binary outcomes -----------------------------------------------------------------------------

def risk_difference(data: pd.DataFrame, outcome: str, treatment: str, *, covariates: Sequence[str] = (),
                    role: str | None = None) -> EffectResult:
    """Risk difference: the linear probability model with HC2 errors."""
    _check_binary(_numeric(data, [outcome]).dropna(subset=[outcome]), outcome)
    res = estimate_effect(data, outcome, treatment, covariates=covariates, se="HC2", role=role)
    res.method = "risk_difference"
    res.groups = {"p_t": res.groups["mean_t"], "p_c": res.groups["mean_c"]}
    return res


def odds_ratio(data: pd.DataFrame, outcome: str, treatment: str, *, covariates: Sequence[str] = (),
               role: str | None = None, alpha: float = 0.05) -> EffectResult:
    """Odds ratio from logistic regression (model-based SE, normal CI); ``estimate`` is ln OR."""
    cols = [outcome, treatment, *covariates]
    d = _numeric(data, cols).dropna(subset=cols)
    _check_binary(d, treatment)
    _check_binary(d, outcome)
    x = sm.add_constant(d[[treatment, *covariates]].astype(float), has_constant="add")
    fit = sm.Logit(d[outcome].astype(float), x).fit(disp=0)
    if not fit.mle_retvals.get("converged", False):
        raise InputError("the logistic regression did not converge (perfect separation?)", field=outcome)
    n_t, n_c = int((d[treatment] == 1).sum()), int((d[treatment] == 0).sum())
    return EffectResult(outcome, "odds_ratio", float(fit.params[treatment]), float(fit.bse[treatment]), None,
                        "model", n_t, n_c, scale="log_odds", role=role, alpha=alpha, model=fit,
                        groups={"events_t": int(d.loc[d[treatment] == 1, outcome].sum()),
                                "events_c": int(d.loc[d[treatment] == 0, outcome].sum())})


# --- difference in differences and event study ---------------------------------------------------

def did(panel: pd.DataFrame, outcome: str, unit: str, period: str, treated: str, *,
        cluster: str | None = None, se: str = "CR1") -> EffectResult:
    """Two-way fixed effects: y ~ treated + unit dummies + period dummies, errors clustered by
    ``cluster`` (default the unit). ``treated`` is 1 where the unit is under treatment in that period."""
    cluster = cluster or unit
    d = _numeric(panel, [outcome, treated], exempt=[]).dropna(subset=[outcome, treated, unit, period])
    _check_binary(d, treated)
    x = _twfe_design(d, unit, period, d[[treated]].astype(float))
    res = _cluster_fit(d[outcome].astype(float), x, d[cluster], [treated], se)[treated]
    ever = d.groupby(unit)[treated].transform("max") == 1
    return EffectResult(outcome, "did_twfe", res[0], res[1], res[2], se,
                        int(d.loc[ever, unit].nunique()), int(d.loc[~ever, unit].nunique()),
                        extra={"units": int(d[unit].nunique()), "periods": int(d[period].nunique())})


def event_study(panel: pd.DataFrame, outcome: str, unit: str, period: str, first_treated: str, *,
                reference: int = -1, cluster: str | None = None, se: str = "CR1",
                alpha: float = 0.05) -> pd.DataFrame:
    """Coefficients by period relative to first treatment (reference period −1 fixed at 0), from a
    TWFE regression on relative-period dummies; never-treated units (``first_treated`` empty) are
    the comparison. Returns a tidy table a chart can plot: rel_period, estimate, se, ci_low, ci_high."""
    cluster = cluster or unit
    d = _numeric(panel, [outcome, period, first_treated]).dropna(subset=[outcome, unit, period])
    rel = (d[period] - d[first_treated])
    levels = sorted(int(r) for r in rel.dropna().unique() if int(r) != reference)
    dummies = pd.DataFrame({f"rel_{r}": (rel == r).astype(float) for r in levels}, index=d.index)
    x = _twfe_design(d, unit, period, dummies)
    fits = _cluster_fit(d[outcome].astype(float), x, d[cluster], list(dummies.columns), se)
    rows = [{"rel_period": reference, "estimate": 0.0, "se": 0.0, "df": None, "ci_low": 0.0, "ci_high": 0.0,
             "n": int((rel == reference).sum()), "reference": True}]
    for r in levels:
        est, s, df = fits[f"rel_{r}"]
        half = (stats.t.isf(alpha / 2, df) if df else stats.norm.isf(alpha / 2)) * s
        rows.append({"rel_period": r, "estimate": est, "se": s, "df": df, "ci_low": est - half,
                     "ci_high": est + half, "n": int((rel == r).sum()), "reference": False})
    return pd.DataFrame(rows).sort_values("rel_period").reset_index(drop=True)


def _twfe_design(d: pd.DataFrame, unit: str, period: str, regressors: pd.DataFrame) -> pd.DataFrame:
    fe = pd.get_dummies(d[[unit, period]].astype(str), drop_first=True, dtype=float)
    return sm.add_constant(pd.concat([regressors, fe], axis=1), has_constant="add")


def _cluster_fit(y: pd.Series, x: pd.DataFrame, clusters: pd.Series, names: list[str],
                 se: str) -> dict[str, tuple[float, float, float]]:
    if clusters.nunique() < 2:
        raise InputError("cluster-robust errors need at least two clusters", field="cluster")
    if se == "CR1":
        fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0]})
        g = float(clusters.nunique() - 1)
        return {n: (float(fit.params[n]), float(fit.bse[n]), g) for n in names}
    if se != "CR2":
        raise InputError("se must be CR1 or CR2", field="se")
    fit = sm.OLS(y, x).fit()
    vcov, dfs = cr2(x.to_numpy(), fit.resid.to_numpy(), clusters)
    cols = list(x.columns)
    return {n: (float(fit.params[n]), math.sqrt(vcov[cols.index(n), cols.index(n)]),
                float(dfs[cols.index(n)])) for n in names}


# --- regression discontinuity --------------------------------------------------------------------

def rdd(data: pd.DataFrame, outcome: str, running: str, *, cutoff: float = 0.0, bandwidth: float | None = None,
        cluster: str | None = None) -> EffectResult:
    """Sharp RD by local linear regression with a triangular kernel (rdrobust). The bandwidth is
    CCT's MSE-optimal one (``bwselect="mserd"``) unless given. ``se`` is the conventional SE; the
    robust bias-corrected CI is in ``extra``."""
    from rdrobust import rdrobust  # imported here: rdrobust pulls in plotting libraries

    cols = [outcome, running, *([cluster] if cluster else [])]
    d = _numeric(data, cols, exempt=[cluster]).dropna(subset=cols)
    kwargs = {"c": cutoff, "p": 1, "kernel": "triangular"}
    if bandwidth is not None:
        kwargs["h"] = bandwidth
    if cluster:
        kwargs.update(cluster=d[cluster].to_numpy(), vce="nn")
    fit = rdrobust(d[outcome].to_numpy(), d[running].to_numpy(), **kwargs)
    ci = fit.ci.loc["Robust"].to_numpy()
    cov_type = "rdrobust_nn_cluster" if cluster else "rdrobust_nn"
    return EffectResult(outcome, "rdd_local_linear", float(fit.coef.iloc[0, 0]), float(fit.se.iloc[0, 0]),
                        None, cov_type, int(fit.N[1]), int(fit.N[0]), model=fit,
                        extra={"bandwidth": float(fit.bws.iloc[0, 0]), "bandwidth_bias": float(fit.bws.iloc[1, 0]),
                               "n_left": int(fit.N[0]), "n_right": int(fit.N[1]),
                               "n_left_effective": int(fit.N_h[0]), "n_right_effective": int(fit.N_h[1]),
                               "robust_ci": (float(ci[0]), float(ci[1])), "kernel": "triangular",
                               "bandwidth_rule": "mserd" if bandwidth is None else "given"})


# --- WWC attrition -------------------------------------------------------------------------------

def attrition_boundaries() -> pd.DataFrame:
    """The WWC attrition boundary table (see the CSV's header for its source)."""
    path = resources.files("oppvekst.trials") / "wwc_attrition_boundaries.csv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, comment="#")


@dataclass(frozen=True)
class Attrition:
    overall: float
    differential: float
    attrition_t: float
    attrition_c: float
    boundary: str
    max_differential: float | None
    level: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def attrition(randomised_t: int, analysed_t: int, randomised_c: int, analysed_c: int, *,
              boundary: str = "cautious") -> Attrition:
    """Overall and differential attrition classified as low or high against the WWC boundary.

    The boundary row is the overall attrition rounded to the nearest whole percent (the table is
    given in whole percents); a differential on the boundary counts as low."""
    if boundary not in ("cautious", "optimistic"):
        raise InputError("boundary must be cautious or optimistic", field="boundary")
    for name, r, a in (("treatment", randomised_t, analysed_t), ("control", randomised_c, analysed_c)):
        if not (isinstance(r, int) and isinstance(a, int) and 0 <= a <= r and r > 0):
            raise InputError("analysed must lie between 0 and the number randomised", field=name)
    at, ac = 1 - analysed_t / randomised_t, 1 - analysed_c / randomised_c
    overall = 1 - (analysed_t + analysed_c) / (randomised_t + randomised_c)
    diff = abs(at - ac)
    table = attrition_boundaries().set_index("overall_pct")
    row = math.floor(overall * 100 + 0.5)
    limit = table[f"{boundary}_max_differential_pct"].get(row, float("nan"))
    limit = None if pd.isna(limit) else float(limit)
    low = limit is not None and diff * 100 <= limit + 1e-9
    return Attrition(overall, diff, at, ac, boundary, limit, "low" if low else "high")


# --- WWC baseline equivalence --------------------------------------------------------------------

def wwc_hedges_g(mean_t: float, sd_t: float, n_t: int, mean_c: float, sd_c: float, n_c: int) -> float:
    """WWC's Hedges' g: pooled-SD difference times ω = 1 − 3 / (4N − 9) (Procedures Handbook)."""
    n = n_t + n_c
    pooled = math.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (n - 2))
    return (1 - 3 / (4 * n - 9)) * (mean_t - mean_c) / pooled


def cox_index(p_t: float, p_c: float) -> float:
    """WWC's Cox index for a binary variable: the difference in log odds divided by 1.65."""
    if not (0 < p_t < 1 and 0 < p_c < 1):
        raise InputError("the Cox index needs shares strictly between 0 and 1", field="share")
    return (math.log(p_t / (1 - p_t)) - math.log(p_c / (1 - p_c))) / 1.65


def wwc_category(effect_size: float) -> str:
    """|g| ≤ 0.05 satisfied; 0.05 < |g| ≤ 0.25 needs statistical adjustment; > 0.25 not satisfied."""
    a = abs(effect_size)
    return "satisfied" if a <= 0.05 else "requires_adjustment" if a <= 0.25 else "not_satisfied"


def baseline_equivalence(data: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> pd.DataFrame:
    """Baseline equivalence of the analytic sample by WWC's rule, one row per covariate: Hedges' g
    for continuous covariates, the Cox index for binary (0/1) ones."""
    d = _numeric(data, [treatment, *covariates])
    _check_binary(d.dropna(subset=[treatment]), treatment)
    rows = []
    for col in covariates:
        v = d[[treatment, col]].dropna()
        t, c = v.loc[v[treatment] == 1, col], v.loc[v[treatment] == 0, col]
        binary = set(v[col].unique()) <= {0, 1}
        es = cox_index(t.mean(), c.mean()) if binary else wwc_hedges_g(t.mean(), t.std(), len(t),
                                                                         c.mean(), c.std(), len(c))
        rows.append({"covariate": col, "kind": "binary" if binary else "continuous", "n_t": len(t),
                     "n_c": len(c), "mean_t": t.mean(), "mean_c": c.mean(),
                     "sd_t": None if binary else t.std(), "sd_c": None if binary else c.std(),
                     "effect_size": es, "category": wwc_category(es)})
    return pd.DataFrame(rows)


# --- multiple outcomes ---------------------------------------------------------------------------

def adjust_multiple(results: Sequence[EffectResult], method: str = "holm", *, alpha: float = 0.05,
                    by_role: bool = True) -> pd.DataFrame:
    """Holm (``"holm"``) or Benjamini–Hochberg (``"fdr_bh"``) adjusted p-values (statsmodels
    ``multipletests``). With ``by_role`` the primary and the secondary outcomes are separate families,
    as a registered plan usually states; each row keeps the role the plan gave."""
    if method not in ("holm", "fdr_bh"):
        raise InputError("method must be holm or fdr_bh", field="method")
    frame = pd.concat([r.summary_frame() for r in results], ignore_index=True)
    if frame["role"].isna().any() or not frame["role"].isin(ROLES).all():
        raise InputError("every outcome must be labelled primary or secondary", field="role")
    frame["family"] = frame["role"] if by_role else "all"
    frame["p_adjusted"], frame["reject"] = np.nan, False
    for idx in frame.groupby("family").groups.values():
        reject, padj, _, _ = multipletests(frame.loc[idx, "pvalue"], alpha=alpha, method=method)
        frame.loc[idx, "p_adjusted"], frame.loc[idx, "reject"] = padj, reject
    frame["adjustment"] = method
    return frame[["outcome", "role", "family", "estimate", "pvalue", "p_adjusted", "reject", "adjustment"]]


# --- the analysis file and plan ------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeSpec:
    name: str
    kind: str = "continuous"  # or "binary"
    role: str = "primary"


@dataclass(frozen=True)
class AnalysisPlan:
    """What the registered plan says the analysis file holds and how it is analysed."""

    treatment: str
    outcomes: tuple[OutcomeSpec, ...]
    covariates: tuple[str, ...] = ()
    cluster: str | None = None
    unit: str | None = None
    adjustment: str = "holm"


def read_analysis_file(source: str | Path | pd.DataFrame, plan: AnalysisPlan, *,
                       name: str | None = None) -> pd.DataFrame:
    """Read and check an analysis file against the plan; refuse it with InputError naming the file,
    row (spreadsheet row: the header is row 1) and column. Empty outcome cells are allowed (attrition);
    treatment, covariates and cluster must be filled."""
    file = name or (str(source) if not isinstance(source, pd.DataFrame) else "analysis data")
    frame = source if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype=str,
                                                                         keep_default_na=False)
    frame = frame.reset_index(drop=True)
    needed = [plan.treatment, *[o.name for o in plan.outcomes], *plan.covariates,
              *([plan.cluster] if plan.cluster else []), *([plan.unit] if plan.unit else [])]
    for col in needed:
        if col not in frame.columns:
            raise InputError(f"the plan needs column {col!r}, which the file lacks", file=file, row=1, field=col)
    out = pd.DataFrame(index=frame.index)
    for col in needed:
        raw = frame[col]
        if col in (plan.cluster, plan.unit):
            blank = raw.isna() | (raw.astype(str).str.strip() == "")
            if blank.any():
                raise InputError("empty cell", file=file, row=int(blank.idxmax()) + 2, field=col)
            out[col] = raw
            continue
        text = raw.astype(str).str.strip().str.replace(",", ".", regex=False)  # Norwegian decimal comma
        blank = raw.isna() | (text == "") | (text.str.lower() == "nan")
        values = pd.to_numeric(text.where(~blank), errors="coerce")
        bad = values.isna() & ~blank
        if bad.any():
            i = int(bad.idxmax())
            raise InputError(f"not a number: {raw.iloc[i]!r}", file=file, row=i + 2, field=col)
        outcome_cols = {o.name for o in plan.outcomes}
        if blank.any() and col not in outcome_cols:
            raise InputError("empty cell", file=file, row=int(blank.idxmax()) + 2, field=col)
        binary = col == plan.treatment or any(o.name == col and o.kind == "binary" for o in plan.outcomes)
        off = values.notna() & ~values.isin([0, 1])
        if binary and off.any():
            i = int(off.idxmax())
            raise InputError(f"must be 0 or 1, got {raw.iloc[i]!r}", file=file, row=i + 2, field=col)
        out[col] = values
    return out


@dataclass
class TrialAnalysis:
    """All results of one trial analysis."""

    results: list[EffectResult]
    adjusted: pd.DataFrame
    equivalence: pd.DataFrame | None
    attrition: Attrition | None

    def summary_frame(self) -> pd.DataFrame:
        frame = pd.concat([r.summary_frame() for r in self.results], ignore_index=True)
        return frame.merge(self.adjusted[["outcome", "p_adjusted", "reject"]], on="outcome", how="left")

    def to_dict(self) -> dict:
        return {"results": [r.to_dict() for r in self.results],
                "adjusted": self.adjusted.to_dict("records"),
                "equivalence": None if self.equivalence is None else self.equivalence.to_dict("records"),
                "attrition": None if self.attrition is None else self.attrition.to_dict()}

    def to_study_effects(self, **kwargs) -> list[dict]:
        return [r.to_study_effect(**kwargs) for r in self.results]


def analyse(data: pd.DataFrame, plan: AnalysisPlan, *, boundary: str = "cautious") -> TrialAnalysis:
    """Analyse every outcome of the plan: continuous ones by ANCOVA (HC2, or CR2 with a cluster),
    binary ones as odds ratios; adjust for multiple outcomes within role; attrition per the first
    primary outcome; baseline equivalence of its analytic sample on the covariates.

    ``data`` must hold every randomised unit, with an empty outcome for those lost to follow-up:
    attrition is counted from those empty cells."""
    results = []
    for o in plan.outcomes:
        if o.role not in ROLES:
            raise InputError("role must be primary or secondary", field=o.name)
        if o.kind == "binary":
            results.append(odds_ratio(data, o.name, plan.treatment, covariates=plan.covariates, role=o.role))
        else:
            results.append(estimate_effect(data, o.name, plan.treatment, covariates=plan.covariates,
                                           cluster=plan.cluster, role=o.role))
    first = next(o for o in plan.outcomes if o.role == "primary") if any(
        o.role == "primary" for o in plan.outcomes) else plan.outcomes[0]
    t = data[plan.treatment] == 1
    seen = data[first.name].notna()
    att = attrition(int(t.sum()), int((t & seen).sum()), int((~t).sum()), int((~t & seen).sum()),
                    boundary=boundary)
    eq = baseline_equivalence(data[seen], plan.treatment, plan.covariates) if plan.covariates else None
    return TrialAnalysis(results, adjust_multiple(results, plan.adjustment), eq, att)


# --- helpers -------------------------------------------------------------------------------------

def _numeric(data: pd.DataFrame, cols: Sequence[str], exempt: Sequence[str | None] = ()) -> pd.DataFrame:
    for col in cols:
        if col not in data.columns:
            raise InputError(f"no column {col!r}", field=col)
    d = data.copy()
    for col in cols:
        if col in exempt:
            continue
        values = pd.to_numeric(d[col], errors="coerce")
        bad = values.isna() & d[col].notna()
        if bad.any():
            raise InputError(f"not a number: {d[col][bad].iloc[0]!r}", row=int(np.flatnonzero(bad)[0]) + 1,
                             field=col)
        d[col] = values
    return d


def _check_arm_sizes(d: pd.DataFrame, treatment: str, cluster: str | None) -> None:
    for arm in (0, 1):
        rows = d[d[treatment] == arm]
        n = rows[cluster].nunique() if cluster else len(rows)
        if n < 2:
            what = "clusters" if cluster else "units with an outcome"
            raise InputError(f"arm {arm} has {n} {what}; each arm needs at least two", field=treatment)


def _check_binary(d: pd.DataFrame, col: str) -> None:
    values = set(d[col].dropna().unique())
    if not values <= {0, 1}:
        raise InputError("must be 0 or 1", field=col)
    if values != {0, 1}:
        raise InputError("needs both values 0 and 1", field=col)
