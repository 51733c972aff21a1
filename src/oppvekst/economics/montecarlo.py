"""Seeded Monte Carlo over every uncertain input, vectorised with numpy (one engine call for all draws), and
a tornado table (NPV at each input's low and high value with the others at base).

Uncertain inputs, by name (`Scenario.base_values()`):
    effect                   always, from its SE on the analysis scale (ln OR, ln RR, RD, g)
    baseline                 probability of the costly outcome (draws clipped to [0, 1])
    cost.<item>.one_off      measure cost per participant (draws clipped at 0)
    cost.<item>.yearly
    profile.<level>          multiplier on that level's outcome cost profile (base 1)
    income, other            multipliers on the participant's income and other effects (base 1)
    budget_rate, tax_cost
Distributions (scipy.stats): normal {mean, sd}, lognormal {median, sigma (sd of ln)}, triangular
{low, mode, high}, uniform {low, high}. The tornado uses each input's `range: [low, high]` if given,
otherwise the 2.5 % and 97.5 % quantiles of its distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from oppvekst.economics.model import LEVELS, Scenario, _clean, evaluate
from oppvekst.economics.parameters import as_number
from oppvekst.errors import InputError

DISTRIBUTIONS = {"normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
                 "triangular": ("low", "mode", "high"), "uniform": ("low", "high")}
NONNEGATIVE = ("cost.", "profile.", "income", "other", "tax_cost")


def frozen(spec: dict, field: str):
    """A scipy frozen distribution from a spec, validated."""
    if not isinstance(spec, dict) or spec.get("dist") not in DISTRIBUTIONS:
        raise InputError(f"dist må være en av {', '.join(DISTRIBUTIONS)}", field=f"{field}.dist")
    p = {k: as_number(spec.get(k), f"{field}.{k}", minimum=None) for k in DISTRIBUTIONS[spec["dist"]]}
    kind = spec["dist"]
    if kind == "normal":
        if p["sd"] <= 0:
            raise InputError("sd må være positiv / sd must be positive", field=f"{field}.sd")
        return stats.norm(p["mean"], p["sd"])
    if kind == "lognormal":
        if p["median"] <= 0 or p["sigma"] <= 0:
            raise InputError("median og sigma må være positive", field=f"{field}.sigma")
        return stats.lognorm(s=p["sigma"], scale=p["median"])
    if not p["low"] < p["high"] or (kind == "triangular" and not p["low"] <= p["mode"] <= p["high"]):
        raise InputError("krever low < high (og low ≤ mode ≤ high)", field=f"{field}.high")
    if kind == "triangular":
        return stats.triang(c=(p["mode"] - p["low"]) / (p["high"] - p["low"]), loc=p["low"],
                            scale=p["high"] - p["low"])
    return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])


def validate_uncertainty(sc: Scenario) -> None:
    names = sc.base_values()
    for name, spec in sc.uncertainty.items():
        field = f"uncertainty.{name}"
        if name not in names or name == "effect":
            raise InputError(f"ukjent usikker størrelse / unknown uncertain input {name!r}; the effect's "
                             f"uncertainty is its SE", field=field)
        frozen(spec, field)
        if "range" in spec:
            lo, hi = spec["range"]
            as_number(lo, f"{field}.range", minimum=None), as_number(hi, f"{field}.range", minimum=None)


def _ranges(sc: Scenario) -> dict[str, tuple[float, float]]:
    eff = sc.effect
    out = {"effect": (eff.estimate - 1.959963984540054 * eff.se, eff.estimate + 1.959963984540054 * eff.se)}
    for name, spec in sc.uncertainty.items():
        out[name] = tuple(float(x) for x in spec["range"]) if "range" in spec else \
            tuple(float(x) for x in frozen(spec, name).ppf([0.025, 0.975]))
    return out


def _clip(name: str, x: np.ndarray) -> np.ndarray:
    if name == "baseline":
        return np.clip(x, 0.0, 1.0)
    if name.startswith(NONNEGATIVE):
        return np.clip(x, 0.0, None)
    return x


@dataclass
class MonteCarloResults:
    scenario: Scenario
    draws: int
    seed: int | None
    inputs: dict[str, np.ndarray]  # the drawn inputs
    npv_levels: np.ndarray  # (draws, L) budget view
    npv_total: np.ndarray  # (draws,)
    npv_societal: np.ndarray | None
    tornado_frame: pd.DataFrame
    notes: list[str]

    def series(self) -> dict[str, np.ndarray]:
        d = {lvl: self.npv_levels[:, i] for i, lvl in enumerate(LEVELS)}
        d["total"] = self.npv_total
        if self.npv_societal is not None:
            d["societal"] = self.npv_societal
        return d

    @property
    def prob_positive(self) -> dict[str, float]:
        """P(NPV > 0): the odds that benefits exceed costs, by level, total and societal."""
        return {k: float((v > 0).mean()) for k, v in self.series().items()}

    def prob_se(self, key: str = "total") -> float:
        p = self.prob_positive[key]
        return float(np.sqrt(p * (1 - p) / self.draws))

    def quantiles(self, q=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        return pd.DataFrame({k: np.quantile(v, q) for k, v in self.series().items()}, index=list(q)).T

    def summary_frame(self) -> pd.DataFrame:
        frame = self.quantiles()
        frame.columns = [f"q{round(100 * c)}" for c in frame.columns]
        frame.insert(0, "mean", [float(v.mean()) for v in self.series().values()])
        frame.insert(1, "sd", [float(v.std(ddof=1)) for v in self.series().values()])
        frame["p_positive"] = list(self.prob_positive.values())
        return frame

    def histogram(self, key: str = "total", bins: int = 40) -> dict:
        counts, edges = np.histogram(self.series()[key], bins=bins)
        return {"counts": counts.tolist(), "edges": edges.tolist()}

    def tornado(self) -> pd.DataFrame:
        return self.tornado_frame

    def to_dict(self) -> dict:
        return _clean({"draws": self.draws, "seed": self.seed, "prob_positive": self.prob_positive,
                       "summary": self.summary_frame().reset_index(names="series").to_dict(orient="records"),
                       "histogram": {k: self.histogram(k) for k in self.series()},
                       "tornado": self.tornado_frame.reset_index().to_dict(orient="records"),
                       "notes": self.notes})


def simulate(sc: Scenario, draws: int = 10_000, seed: int | None = None) -> MonteCarloResults:
    """Draw every uncertain input, evaluate all draws at once. Same seed, same answer."""
    if sc.effect.se is None or not sc.effect.se > 0:
        raise InputError("Monte Carlo krever effektens usikkerhet (standardfeil) / Monte Carlo needs the effect's "
                         "uncertainty (its standard error, or a confidence interval)", field="effect.se")
    draws = int(as_number(draws, "draws", minimum=2, maximum=10_000_000, integer=True))
    rng = np.random.default_rng(seed)
    values = {"effect": rng.normal(sc.effect.estimate, sc.effect.se, draws)}
    notes = []
    for name in sorted(sc.uncertainty):  # fixed order: same seed, same draws
        raw = frozen(sc.uncertainty[name], name).rvs(size=draws, random_state=rng)
        values[name] = _clip(name, raw)
        clipped = int((values[name] != raw).sum())
        if clipped:
            notes.append(f"{name}: {clipped} trekk avkuttet til gyldig område / draws clipped to the valid range")
    out = evaluate(sc, values, draws)
    q1 = sc.effect.baseline_costly - out["delta"]
    if ((q1 <= 0) | (q1 >= 1)).any():
        notes.append("noen effekttrekk gir sannsynlighet ved 0 eller 1 (avkuttet) / some effect draws hit 0 or 1")
    return MonteCarloResults(sc, draws, seed, values, out["b_npv"], out["b_npv_total"], out.get("s_npv"),
                             tornado(sc), notes)


def tornado(sc: Scenario) -> pd.DataFrame:
    """NPV at each uncertain input's low and high value, others at base; sorted by swing of the total."""
    base = evaluate(sc)
    rows = []
    for name, (lo, hi) in _ranges(sc).items():
        out = evaluate(sc, {name: _clip(name, np.array([lo, hi]))}, 2)
        row = {"input": name, "low": lo, "high": hi, "npv_total_base": float(base["b_npv_total"][0]),
               "npv_total_low": float(out["b_npv_total"][0]), "npv_total_high": float(out["b_npv_total"][1])}
        for i, lvl in enumerate(LEVELS):
            row[f"npv_{lvl}_low"], row[f"npv_{lvl}_high"] = (float(x) for x in out["b_npv"][:, i])
        if "s_npv" in out:
            row["npv_societal_low"], row["npv_societal_high"] = (float(x) for x in out["s_npv"])
        row["swing"] = abs(row["npv_total_high"] - row["npv_total_low"])
        rows.append(row)
    return pd.DataFrame(rows).sort_values("swing", ascending=False).set_index("input")
