"""The break-even effect beside a planned trial's minimum detectable effect (MDES): could a trial of this size
tell whether the measure pays?

Both must be on one scale. The break-even is a change in the probability of a binary outcome (p0 → p1, in the
terms of the outcome the effect is measured on). The trial's MDES is on the scale its power calculation names
(`effect_metric`); we convert the break-even to it only with a conversion we can name:
  * risk difference p1 − p0: the same scale, no conversion;
  * Cohen's h: h = 2·asin(√p1) − 2·asin(√p0);
  * standardised risk difference (p1 − p0)/√(p̄(1 − p̄)), p̄ = (p0 + p1)/2 (Hussey & Hughes' σ²).
A standardised mean difference is for a continuous outcome, not the scenario's binary one: refused as a
different scale (converting would claim the trial measures another outcome than the one that saves money).
"""

from __future__ import annotations

import math

from oppvekst.economics.model import ScenarioResults
from oppvekst.errors import InputError


def _on_scale(metric: str, p0: float, p1: float) -> tuple[float, str] | None:
    if metric.startswith("risk difference"):
        return p1 - p0, "risikodifferanse p1 − p0 (samme skala, ingen omregning)"
    if metric.startswith("Cohen's h"):
        return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0)), \
            "Cohens h = 2·asin(√p1) − 2·asin(√p0)"
    if metric.startswith("standardised risk difference"):
        pbar = (p0 + p1) / 2
        return (p1 - p0) / math.sqrt(pbar * (1 - pbar)), "(p1 − p0)/√(p̄(1 − p̄)), p̄ = (p0 + p1)/2"
    return None


def compare_with_power(res: ScenarioResults, power: dict | None, *, level: str = "total",
                       trial_id: int | None = None) -> dict:
    """The verdict: `could` (MDES ≤ |break-even| on one scale), `could_not`, or `not_comparable` with why."""
    where = f"forsøk {trial_id}" if trial_id is not None else "forsøket"
    if not power or power.get("mdes") is None:
        raise InputError(f"{where} har ingen styrkeberegning med MDES / the trial plan has no power result",
                         field="trial")
    metric = str(power.get("effect_metric") or "")
    mdes = abs(float(power["mdes"]))
    be = res.break_even_effect().get(level)
    out = {"trial": trial_id, "level": level, "mdes": mdes, "mdes_scale": metric, "power": power.get("power"),
           "trial_p0": power.get("p0"), "break_even_delta": None if be is None else be["delta"]}
    if be is None or not be["feasible"]:
        return {**out, "verdict": "not_comparable", "break_even": None, "break_even_scale": None,
                "text": f"Tiltaket går ikke i balanse for {level} innen horisonten, så det er ingen break-even-"
                        f"effekt å sammenligne med {where}s MDES / no feasible break-even effect to compare"}
    conv = _on_scale(metric, be["p0"], be["p1"])
    if conv is None:
        return {**out, "verdict": "not_comparable", "break_even": None,
                "break_even_scale": "endring i sannsynlighet / change in probability",
                "text": f"Ulike skalaer: break-even er en endring i sannsynligheten for utfallet (δ = "
                        f"{be['delta']:.4g}), {where}s MDES ({mdes:.4g}) er på skalaen «{metric}»; ingen omregning vi "
                        f"kan navngi / different scales, not compared"}
    value, how = conv
    could = mdes <= abs(value)
    text = (f"Et forsøk av denne størrelsen {'kan' if could else 'kan ikke'} avgjøre om tiltaket lønner seg "
            f"({level}): break-even {abs(value):.4g} mot MDES {mdes:.4g}, begge på skalaen «{metric}» "
            f"(break-even omregnet: {how}, ved p0 = {be['p0']:.4g}) / a trial of this size "
            f"{'could' if could else 'could not'} tell whether the measure pays")
    if power.get("p0") is not None and abs(float(power["p0"]) - be["p0"]) > 0.01:
        text += (f". Merk: forsøket er planlagt med p0 = {float(power['p0']):.4g}, scenariet har "
                 f"{be['p0']:.4g} / the trial's planning p0 differs from the scenario's baseline")
    return {**out, "verdict": "could" if could else "could_not", "break_even": abs(value), "break_even_scale": metric,
            "conversion": how, "text": text}


def for_trial(res: ScenarioResults, trial_id: int, db_url: str | None = None) -> dict:
    """Read the plan's power result from the trials store and compare."""
    from oppvekst.trials.store import TrialStore

    try:
        rec = TrialStore(db_url).get(int(trial_id))
    except (KeyError, LookupError):
        raise InputError(f"ukjent forsøksplan / no trial plan {trial_id}", field="trial") from None
    return compare_with_power(res, rec.plan.design.power, trial_id=int(trial_id))
