"""One result shape for every interface: the CLI's --json, the JSON API and the web calculator read the same
dict, so the three cannot drift apart. Also the discount table the `discount` command and endpoint show."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from oppvekst.economics import discounting as disc
from oppvekst.economics.model import LEVELS, Scenario, ScenarioResults, build_scenario, run
from oppvekst.economics.montecarlo import MonteCarloResults, simulate
from oppvekst.economics.parameters import r109
from oppvekst.errors import InputError

TEMPLATE = Path(__file__).parent / "data" / "scenario_template.yaml"


def template_text() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def scenario_from_text(text: str, *, allow_files: bool = False) -> Scenario:
    """A scenario from YAML (or JSON, a subset) text. `allow_files=False` refuses `outcome_costs: {file: …}`:
    a scenario sent over the web must not make the server read a path of the sender's choosing."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"kan ikke lese scenariet (YAML) / cannot parse the scenario: {exc}", field="scenario") \
            from None
    return scenario_from_dict(data, allow_files=allow_files)


def scenario_from_dict(data, *, allow_files: bool = False) -> Scenario:
    if not allow_files and isinstance(data, dict) and isinstance(data.get("outcome_costs"), dict) \
            and "file" in data["outcome_costs"]:
        raise InputError("filimport tas ikke imot her; lim inn radene / file imports are not accepted here: "
                         "give the rows", field="outcome_costs.file")
    return build_scenario(data)


def payload(sc: Scenario, draws: int | None = None, seed: int | None = None
            ) -> tuple[dict, ScenarioResults, MonteCarloResults | None]:
    """The run's dict (ScenarioResults.to_dict) plus `monte_carlo` (None without draws)."""
    results = run(sc)
    mc = simulate(sc, draws=draws, seed=seed) if draws else None
    out = results.to_dict()
    out["monte_carlo"] = mc.to_dict() if mc is not None else None
    return out, results, mc


def cumulative(results: ScenarioResults) -> pd.DataFrame:
    """Budget view, per level: cumulative discounted costs and savings by year (the calculator's chart)."""
    by = results.by_year()
    by = by[(by["view"] == "budget") & (by["level"].isin(LEVELS))].copy()
    by["cum_cost_pv"] = by.groupby("level")["cost_pv"].cumsum()
    by["cum_saving_pv"] = by.groupby("level")["saving_pv"].cumsum()
    return by[["year", "age", "level", "cum_cost_pv", "cum_saving_pv", "cum_net_pv"]].reset_index(drop=True)


def schedule(rate: float | None = None, r109_confirmed: bool = False) -> tuple[disc.RateSchedule, dict]:
    """A stated single rate, or the shipped R-109 bands once the user confirms them (they are not verified
    against the circular's text, see data/r109.yaml), with the source to print beside the factors."""
    if (rate is None) == (not r109_confirmed):
        raise InputError("oppgi enten --rate eller --r109-confirmed / give either a rate or confirm the R-109 "
                         "bands", field="rate")
    if rate is not None:
        return disc.RateSchedule.single(disc.check_rate(rate, "rate")), {
            "source": "oppgitt av brukeren / stated by the user", "own_assumption": True}
    data = r109()
    bands = data["discount_rate"]["bands"]
    sched = disc.RateSchedule(tuple(b["to_year"] for b in bands), tuple(b["rate"] for b in bands), "R-109",
                              False, data["source"])
    return sched, {"source": data["source"], "confirmed_by_user": True, "verification_note": data[
        "verification_note"]}


def discount_payload(years: int, rate: float | None = None, r109_confirmed: bool = False,
                     timing: str = "start") -> dict:
    sched, source = schedule(rate, r109_confirmed)
    table = disc.factor_table(disc.check_horizon(years, "years"), sched, timing)
    return {"years": years, "timing": timing, "timing_label": disc.TIMING_LABELS[timing],
            "bands": [{"to_year": lo, "rate": r} for lo, r in zip(sched.limits, sched.rates)],
            "source": source, "annuity": disc.annuity_factor(years, sched, timing), "factors": table}
