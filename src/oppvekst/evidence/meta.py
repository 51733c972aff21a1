"""Meta-analysis: fixed effect and random effects (DerSimonian–Laird, Paule–Mandel, REML), with the
Hartung–Knapp adjustment, τ², I², H², Cochran's Q and a prediction interval.

statsmodels (`combine_effects`) supplies the fixed-effect estimate, Q and the DL and PM estimates of
τ². statsmodels has no REML estimator for this model, so REML is our own Fisher scoring (as in
metafor's rma.uni). The conventions follow metafor, the reference in the tests:
- I² = τ²/(τ² + s²) with s² the "typical" within-study variance (equals (Q − df)/Q for DL and FE);
- Hartung–Knapp: se² = Σwᵢ(yᵢ − μ̂)² / ((k − 1)Σwᵢ), t distribution with k − 1 df, no truncation;
- prediction interval μ̂ ± c·√(τ² + se²), c from z (or from t with k − 1 df under Hartung–Knapp).
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from oppvekst.errors import InputError
from oppvekst.evidence import effects as fx
from oppvekst.evidence.vocab import RATIO_MEASURES

REFERENCE_DATA = Path(__file__).resolve().parent / "reference_data"  # provenance in its README.md


def reference_data_path(name: str) -> Path:
    return REFERENCE_DATA / name


METHODS = {
    "fe": "Fast effekt (invers varians) / fixed effect",
    "dl": "DerSimonian–Laird",
    "pm": "Paule–Mandel",
    "reml": "REML (restricted maximum likelihood)",
}


@dataclass(frozen=True)
class MetaResult:
    method: str
    measure: str  # effect measure of yi ("gen" when unknown); ratio measures are on the log scale
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    stat: float  # z, or t under Hartung–Knapp
    pval: float
    df: int | None  # t degrees of freedom under Hartung–Knapp
    hk: bool
    tau2: float
    tau2_se: float | None
    i2: float  # percent
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    level: float
    labels: tuple[str, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]  # percent
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    def natural(self, value: float) -> float:
        """Back to the reported scale: exp for OR and RR."""
        return math.exp(value) if self.measure in RATIO_MEASURES else value

    def to_dict(self) -> dict:
        data = {key: _clean(value) for key, value in asdict(self).items()}
        data["tau"] = _clean(self.tau)
        data["method_label"] = METHODS[self.method]
        data["studies"] = [
            {"study": lab, "yi": y, "vi": v, "weight_percent": w,
             "ci_low": y - fx.z_crit(self.level) * math.sqrt(v),
             "ci_high": y + fx.z_crit(self.level) * math.sqrt(v)}
            for lab, y, v, w in zip(self.labels, self.yi, self.vi, self.weights)
        ]
        for key in ("labels", "yi", "vi", "weights"):
            data.pop(key)
        if self.measure in RATIO_MEASURES:
            data["natural_scale"] = {
                key: _clean(self.natural(getattr(self, key)))
                for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
            }
        return data


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return [_clean(v) for v in value]
    return value


def tau2_reml(yi: np.ndarray, vi: np.ndarray, tol: float = 1e-12, maxiter: int = 1000) -> tuple[float, float]:
    """REML estimate of τ² and its standard error √(2/tr(PP)) by Fisher scoring (own code: statsmodels
    has none for this model). Starts from the DL estimate; step-halving keeps τ² ≥ 0."""
    k = len(yi)
    if k < 2:
        return 0.0, math.nan
    tau2 = max(0.0, _tau2_dl(yi, vi))
    for _ in range(maxiter):
        w = 1 / (vi + tau2)
        s = w.sum()
        mu = (w * yi).sum() / s
        py = w * (yi - mu)  # P·y for the intercept-only model
        tr_p = s - (w**2).sum() / s
        tr_pp = (w**2).sum() - 2 * (w**3).sum() / s + ((w**2).sum() / s) ** 2
        adj = ((py**2).sum() - tr_p) / tr_pp
        while tau2 + adj < 0:
            adj /= 2
            if abs(adj) < tol:
                adj = -tau2
                break
        tau2 += adj
        if abs(adj) < tol:
            break
    w = 1 / (vi + tau2)
    s = w.sum()
    tr_pp = (w**2).sum() - 2 * (w**3).sum() / s + ((w**2).sum() / s) ** 2
    return tau2, math.sqrt(2 / tr_pp)


def _tau2_dl(yi: np.ndarray, vi: np.ndarray) -> float:
    return float(combine_effects(yi, vi, method_re="dl").tau2)


def meta_analysis(yi, vi, method: str = "reml", *, hk: bool = False, level: float = 0.95,
                  labels=None, measure: str = "gen") -> MetaResult:
    """Pool effects yi with sampling variances vi (analysis scale: log for OR and RR)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    k = len(y)
    if k == 0 or len(v) != k:
        raise ValueError("need at least one effect, with one variance per effect")
    if not (np.isfinite(y).all() and np.isfinite(v).all()) or (v <= 0).any():
        raise ValueError("effects must be finite and variances positive")
    labels = tuple(str(x) for x in (labels if labels is not None else range(1, k + 1)))
    notes: list[str] = []
    if hk and k < 2:
        hk = False
        notes.append("Hartung–Knapp krever minst to studier / needs at least two studies")

    w0 = 1 / v
    if k > 1:
        sm = combine_effects(y, v, method_re="dl" if method in ("fe", "dl") else "pm",
                             **({} if method in ("fe", "dl") else {"tau2_start": 0.0, "atol": 1e-12,
                                                                   "maxiter": 1000}))
        q = float(sm.q)
    else:
        sm, q = None, 0.0
    q_df = k - 1

    tau2_se = None
    if method == "fe" or k == 1:
        tau2 = 0.0
    elif method in ("dl", "pm"):
        tau2 = max(0.0, float(sm.tau2))
    else:
        tau2, tau2_se = tau2_reml(y, v)

    w = 1 / (v + tau2)
    s = w.sum()
    mu = float((w * y).sum() / s)
    se = math.sqrt(1 / s)
    if method == "fe" and sm is not None:  # identical by definition; taken from statsmodels
        mu, se = float(sm.mean_effect_fe), float(sm.sd_eff_w_fe)

    alpha = 1 - level
    df = None
    if hk:
        df = k - 1
        se = math.sqrt((w * (y - mu) ** 2).sum() / (df * s))
        crit = float(stats.t.isf(alpha / 2, df))
        stat = mu / se
        pval = float(2 * stats.t.sf(abs(stat), df))
    else:
        crit = fx.z_crit(level)
        stat = mu / se
        pval = float(2 * stats.norm.sf(abs(stat)))

    # typical within-study variance (Higgins & Thompson 2002), as metafor
    if k > 1:
        s2 = q_df * w0.sum() / (w0.sum() ** 2 - (w0**2).sum())
        if method == "fe":
            i2 = max(0.0, 100 * (q - q_df) / q) if q > 0 else 0.0
            h2 = q / q_df
        else:
            i2 = 100 * tau2 / (tau2 + s2)
            h2 = (tau2 + s2) / s2
        q_p = float(stats.chi2.sf(q, q_df))
    else:
        i2, h2, q_p = math.nan, math.nan, math.nan

    pi_half = crit * math.sqrt(tau2 + se**2)
    return MetaResult(
        method=method, measure=measure, k=k, estimate=mu, se=se,
        ci_low=mu - crit * se, ci_high=mu + crit * se, stat=stat, pval=pval, df=df, hk=hk,
        tau2=tau2, tau2_se=tau2_se, i2=i2, h2=h2, q=q, q_df=q_df, q_p=q_p,
        pi_low=mu - pi_half, pi_high=mu + pi_half, level=level, labels=labels,
        yi=tuple(float(x) for x in y), vi=tuple(float(x) for x in v),
        weights=tuple(float(x) for x in 100 * w / s), notes=tuple(notes),
    )


# --- input files ---------------------------------------------------------------------------------

SCHEMAS = {
    "effects": ("study", "yi", "vi"),
    "counts": ("study", "events_t", "n_t", "events_c", "n_c"),
    "means": ("study", "mean_t", "sd_t", "n_t", "mean_c", "sd_c", "n_c"),
    "ci": ("study", "estimate", "ci_low", "ci_high"),
}


@dataclass(frozen=True)
class MetaInput:
    labels: list[str]
    effects: list[fx.Effect | None]  # None only for "effects" input without a measure
    yi: list[float]
    vi: list[float]
    measure: str
    schema: str


def read_meta_csv(path: str | Path, measure: str | None = None) -> MetaInput:
    """Read study effects from CSV (comma, semicolon or tab; decimal comma allowed with ';').

    Accepted column sets: study,yi,vi (yi on the analysis scale: log for OR/RR);
    study,events_t,n_t,events_c,n_c (2×2 counts; measure rr, or, rd, or smd via ln OR·√3/π; default rr);
    study,mean_t,sd_t,n_t,mean_c,sd_c,n_c (measure smd or md, default smd);
    study,estimate,ci_low,ci_high (95 % CI on the reported scale; measure required).
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"kan ikke lese filen / cannot read the file: {exc}", file=name) from exc
    lines = text.splitlines()
    if not lines:
        raise InputError("filen er tom / the file is empty", file=name)
    header_line = lines[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]]
    schema = next((s for s, cols in SCHEMAS.items() if all(c in header for c in cols)), None)
    if schema is None:
        wanted = " | ".join(",".join(cols) for cols in SCHEMAS.values())
        raise InputError(f"ukjente kolonner / unknown columns {header}; expected one of: {wanted}",
                         file=name, row=1)
    defaults = {"counts": "rr", "means": "smd", "effects": None, "ci": None}
    measure = measure or defaults[schema]
    allowed = {"counts": ("rr", "or", "rd", "smd"), "means": ("smd", "md"),
               "effects": ("rr", "or", "rd", "smd", "md", None), "ci": ("rr", "or", "rd", "smd", "md")}
    if measure not in allowed[schema]:
        raise InputError(f"--measure {measure} passer ikke til kolonnene / does not fit the columns "
                         f"({schema}: {', '.join(str(m) for m in allowed[schema] if m)})", file=name)
    idx = {col: header.index(col) for col in SCHEMAS[schema]}
    labels, effs, ys, vs = [], [], [], []
    seen: dict[str, int] = {}

    def cell(raw: list[str], col: str) -> str:
        pos = idx[col]
        return raw[pos].strip() if pos < len(raw) else ""

    def num(raw: list[str], lineno: int, col: str) -> float:
        value = cell(raw, col)
        if delimiter != "," and "," in value:
            value = value.replace(",", ".")
        try:
            out = float(value)
        except ValueError:
            raise InputError(f"ikke et tall / not a number: {cell(raw, col)!r}", file=name, row=lineno,
                             field=col) from None
        if not math.isfinite(out):
            raise InputError("verdien må være endelig / value must be finite", file=name, row=lineno, field=col)
        return out

    for lineno, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue

        def n(col: str, raw=raw, lineno=lineno) -> float:
            return num(raw, lineno, col)

        label = cell(raw, "study")
        if not label:
            raise InputError("studien mangler navn / study name missing", file=name, row=lineno,
                             field="study")
        if label in seen:
            raise InputError(f"studien {label!r} står to ganger (også rad {seen[label]}) / duplicate study",
                             file=name, row=lineno, field="study")
        seen[label] = lineno
        try:
            if schema == "effects":
                y, v = n("yi"), n("vi")
                if v <= 0:
                    raise InputError("variansen må være positiv / variance must be positive",
                                     file=name, row=lineno, field="vi")
                eff = fx.Effect(measure, y, v) if measure else None
            elif schema == "counts":
                counts = (n("events_t"), n("n_t"), n("events_c"), n("n_c"))
                if measure == "smd":  # via ln(OR) and the logistic conversion (effects.logor_to_smd)
                    eff = fx.logor_to_smd(fx.from_2x2(*counts, "or"))
                else:
                    eff = fx.from_2x2(*counts, measure)
            elif schema == "means":
                args = (n("mean_t"), n("sd_t"), n("n_t"), n("mean_c"), n("sd_c"), n("n_c"))
                eff = fx.hedges_g(*args) if measure == "smd" else fx.mean_difference(*args)
            else:
                eff = fx.from_ci(measure, n("estimate"), n("ci_low"), n("ci_high"))
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(str(exc), file=name, row=lineno, field=_field_for(schema)) from None
        labels.append(label)
        effs.append(eff)
        ys.append(eff.yi if eff else y)
        vs.append(eff.vi if eff else v)
    if not labels:
        raise InputError("ingen studier i filen / no studies in the file", file=name)
    return MetaInput(labels, effs, ys, vs, measure or "gen", schema)


def _field_for(schema: str) -> str:
    return {"counts": "events_t", "means": "sd_t", "ci": "estimate", "effects": "vi"}[schema]
