"""From a pooled effect (evidence base) to a change in the probability of the costly outcome.

The evidence package's `EvidenceStore.pooled()` returns a `MetaResult` whose `estimate` and `se` are on the
analysis scale (ln OR, ln RR; RD and Hedges' g as they are), with `k` studies; the evidence level comes
from `EvidenceStore.measure()`. The conversions, at baseline p0 of the outcome the effect was measured on:

    OR  → p1 = OR·p0 / (1 − p0 + OR·p0)
    RR  → p1 = RR·p0
    RD  → p1 = p0 + RD
    SMD → ln OR = g·π/√3 (Chinn 2000), then as OR

`effect_on` says which outcome the effect was measured on: "costly" (the outcome whose costs are saved,
e.g. dropping out) or "favourable" (its complement, e.g. completing school). The change used by the model
is always delta = reduction in the probability of the costly outcome (positive = fewer in it). Monte Carlo
draws are taken on the analysis scale from N(estimate, se) and converted draw by draw.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from oppvekst.economics.parameters import as_number, as_probability
from oppvekst.errors import InputError

CONVERSIONS = {
    "or": "OR → p1 = OR·p0/(1 − p0 + OR·p0)",
    "rr": "RR → p1 = RR·p0",
    "rd": "RD → p1 = p0 + RD",
    "smd": "SMD → ln OR = g·π/√3 (Chinn 2000), then p1 = OR·p0/(1 − p0 + OR·p0)",
}
RATIO = ("or", "rr")
EFFECT_ON = ("costly", "favourable")
SMD_TO_LOGOR = math.pi / math.sqrt(3)
NO_EFFECT = ("Tiltaket har ingen registrert effekt på dette utfallet i kunnskapsbasen. Legg inn en effekt "
             "med kilde (measure, estimate, se, source). / The measure has no recorded effect on this outcome: "
             "enter one with its source.")


def p1_from(y, measure: str, p0):
    """Outcome probability with the measure, from the effect `y` on the analysis scale (vectorised)."""
    y = np.asarray(y, dtype=float)
    p0 = np.asarray(p0, dtype=float)
    if measure == "rd":
        return p0 + y
    if measure == "rr":
        return np.exp(y) * p0
    if measure == "smd":
        y = y * SMD_TO_LOGOR
    odds_ratio = np.exp(y)
    return odds_ratio * p0 / (1 - p0 + odds_ratio * p0)


def effect_from_p1(p1: float, measure: str, p0: float) -> float:
    """The effect (reported scale: OR, RR, RD or g) that moves p0 to p1: the inverse of `p1_from`."""
    if measure == "rd":
        return p1 - p0
    if measure == "rr":
        return p1 / p0 if p0 > 0 else math.nan
    if not (0 < p0 < 1 and 0 < p1 < 1):
        return math.nan
    log_or = math.log(p1 / (1 - p1)) - math.log(p0 / (1 - p0))
    return log_or / SMD_TO_LOGOR if measure == "smd" else math.exp(log_or)


@dataclass(frozen=True)
class ProbabilityEffect:
    """An effect ready for the model: the analysis-scale estimate and SE, and what it does at the baseline."""

    measure: str  # or | rr | rd | smd
    estimate: float  # analysis scale (ln OR, ln RR, RD, g)
    se: float | None
    effect_on: str  # costly | favourable
    baseline_costly: float  # q0: probability of the costly outcome without the measure
    source: str
    k: int | None = None
    evidence_level: int | None = None
    origin: str = "user"  # "evidence" when fetched from the evidence base
    notes: tuple[str, ...] = ()

    @property
    def conversion(self) -> str:
        return CONVERSIONS[self.measure]

    @property
    def p0(self) -> float:
        """Baseline of the outcome the effect was measured on."""
        return self.baseline_costly if self.effect_on == "costly" else 1 - self.baseline_costly

    def delta_for(self, y, q0=None) -> np.ndarray:
        """Reduction in the costly outcome's probability for analysis-scale effect(s) `y` (and baseline(s)
        q0 of the costly outcome), with p1 clipped to [0, 1]."""
        q0 = self.baseline_costly if q0 is None else np.asarray(q0, dtype=float)
        if self.effect_on == "costly":
            return q0 - np.clip(p1_from(y, self.measure, q0), 0.0, 1.0)
        p0 = 1 - q0
        return np.clip(p1_from(y, self.measure, p0), 0.0, 1.0) - p0

    @property
    def p1(self) -> float:
        return float(p1_from(self.estimate, self.measure, self.p0))

    @property
    def delta(self) -> float:
        return float(self.delta_for(self.estimate))

    def delta_interval(self, level: float = 0.95) -> tuple[float, float] | None:
        if self.se is None:
            return None
        z = float(stats.norm.isf((1 - level) / 2))
        a, b = (float(self.delta_for(self.estimate + s * z * self.se)) for s in (-1, 1))
        return (min(a, b), max(a, b))

    def reported(self, y: float | None = None) -> float:
        y = self.estimate if y is None else y
        return math.exp(y) if self.measure in RATIO else y

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(conversion=self.conversion, p0=self.p0, p1=self.p1, delta=self.delta,
                    estimate_reported=self.reported(), delta_ci95=self.delta_interval(),
                    notes=list(self.notes))
        return data


def effect_from_input(data: dict | None, baseline_costly: float, field: str = "effect") -> ProbabilityEffect:
    """A user-entered effect: {measure, estimate (reported scale: OR/RR as ratios), se (analysis scale) or
    ci_low/ci_high (95 %, reported scale), effect_on, source, k?, evidence_level?}."""
    if not data:
        raise InputError(NO_EFFECT, field=field)
    measure = str(data.get("measure", "")).lower()
    if measure not in CONVERSIONS:
        raise InputError(f"effektmål må være ett av / measure must be one of {', '.join(CONVERSIONS)}; a mean "
                         f"difference (md) cannot be turned into a probability without the outcome's SD",
                         field=f"{field}.measure")
    if not data.get("source") and not data.get("own_assumption"):
        raise InputError("effekten mangler kilde / the effect has no source (or own_assumption: true)",
                         field=f"{field}.source")
    est = as_number(data.get("estimate"), f"{field}.estimate", minimum=None)
    if measure in RATIO:
        if est <= 0:
            raise InputError("et forholdstall må være positivt / a ratio must be positive", field=f"{field}.estimate")
        y = math.log(est)
    else:
        y = est
    se = None
    if data.get("se") is not None:
        se = as_number(data["se"], f"{field}.se", minimum=0.0)
    elif data.get("ci_low") is not None and data.get("ci_high") is not None:
        lo = as_number(data["ci_low"], f"{field}.ci_low", minimum=None)
        hi = as_number(data["ci_high"], f"{field}.ci_high", minimum=None)
        if measure in RATIO:
            if lo <= 0 or hi <= 0:
                raise InputError("konfidensgrensene må være positive / CI limits must be positive",
                                 field=f"{field}.ci_low")
            lo, hi = math.log(lo), math.log(hi)
        se = (hi - lo) / (2 * 1.959963984540054)
    effect_on = str(data.get("effect_on", "costly")).lower()
    if effect_on not in EFFECT_ON:
        raise InputError(f"effect_on må være 'costly' eller 'favourable', ikke {effect_on!r}",
                         field=f"{field}.effect_on")
    source = str(data.get("source") or "egen antakelse / own assumption")
    return _checked(ProbabilityEffect(measure, y, se, effect_on, as_probability(baseline_costly, "baseline"),
                                      source, data.get("k"), data.get("evidence_level"), "user"), field)


def effect_from_pooled(result, *, baseline_costly: float, effect_on: str, source: str,
                       evidence_level: int | None = None, field: str = "effect") -> ProbabilityEffect:
    """Convert `EvidenceStore.pooled()`'s MetaResult (or None, when no effect is recorded)."""
    if result is None:
        raise InputError(NO_EFFECT, field=field)
    measure = result.measure
    if measure not in CONVERSIONS:
        raise InputError(f"det samlede effektmålet {measure!r} kan ikke gjøres om til en sannsynlighet / the "
                         f"pooled measure {measure!r} cannot be turned into a probability", field=f"{field}.measure")
    if effect_on not in EFFECT_ON:
        raise InputError("effect_on må være 'costly' eller 'favourable'", field=f"{field}.effect_on")
    notes = [f"Samlet effekt fra kunnskapsbasen: {result.method.upper()}, k = {result.k}"
             + (", Hartung–Knapp (SE fra t-fordelingen; trekkes normalfordelt)" if result.hk else "")]
    notes.extend(result.notes)
    return _checked(ProbabilityEffect(measure, float(result.estimate), float(result.se), effect_on,
                                      as_probability(baseline_costly, "baseline"), source, int(result.k),
                                      evidence_level, "evidence", tuple(notes)), field)


def effect_from_evidence(spec: dict, baseline_costly: float, *, field: str = "effect",
                         db_url: str | None = None) -> ProbabilityEffect:
    """A scenario's `effect: {from_evidence: {measure, outcome, effect_on}}`: the measure's pooled effect on
    that outcome in the evidence base (REML, Hartung–Knapp), with its evidence level and k named as the source."""
    from oppvekst.evidence.store import EvidenceStore

    where = f"{field}.from_evidence"
    if not isinstance(spec, dict) or not spec.get("measure") or not spec.get("outcome"):
        raise InputError("name the evidence base's measure and outcome", field=f"{where}.measure")
    store = EvidenceStore(db_url)
    try:
        m = store.measure(str(spec["measure"]))
    except InputError:
        raise InputError(f"no measure {spec['measure']!r} in the evidence base", field=f"{where}.measure") from None
    pooled = store.pooled(m["id"], str(spec["outcome"]), spec.get("measure_type"))
    source = (f"Kunnskapsbasen: {m['name']} ({m['id']}) → {spec['outcome']}, evidensnivå {m['evidence_level']}"
              + (f", k = {pooled.k}" if pooled is not None else ""))
    return effect_from_pooled(pooled, baseline_costly=baseline_costly, effect_on=str(spec.get("effect_on", "costly")),
                              source=source, evidence_level=m["evidence_level"], field=field)


def _checked(effect: ProbabilityEffect, field: str) -> ProbabilityEffect:
    p1 = float(p1_from(effect.estimate, effect.measure, effect.p0))
    if not 0 <= p1 <= 1:
        raise InputError(f"effekten gir en sannsynlighet utenfor [0, 1] ved grunnlinjen: p1 = {p1:.3f} / the "
                         f"effect gives a probability outside [0, 1] at the baseline", field=f"{field}.estimate")
    return effect


def break_even_effect(delta: float, effect: ProbabilityEffect) -> dict:
    """The effect (in the measure's own terms) that would give the break-even reduction `delta`."""
    q0 = effect.baseline_costly
    q1 = q0 - delta
    feasible = 0 <= q1 <= 1
    if effect.effect_on == "costly":
        p0, p1 = q0, q1
    else:
        p0, p1 = 1 - q0, 1 - q1
    return {"measure": effect.measure, "p0": float(p0), "p1": float(p1), "feasible": bool(feasible),
            "effect": effect_from_p1(p1, effect.measure, p0) if feasible else None}
