"""The scenario model (Utenforregnskapet 2.0): a measure for a target group of N participants lowers the
probability of a costly outcome; what it costs and saves each level of government, year by year.

For analysis year t (age a = start_age + t), per level l:
    cost[t, l]    = N · (one-off at t = 0 + yearly while t < years)  of the cost items paid by l
    saving[t, l]  = N · delta · m(t) · unit[a, l]
where delta = q0 − q1 is the fall in the probability of the costly outcome (only the change counts: what
happens anyway, the deadweight, is in the baseline q0), m(t) the phase-in/decay profile and unit[a, l] the
yearly public cost of one person in the outcome (the cost profile).

Budget view (KS / SØM): public budgets by level, a single stated rate, nominal (= undiscounted, in fixed
prices of the price year) and discounted. Societal view (R-109 / DFØ): real resource effects only —
service savings, the participant's production (gross earnings gained) and other priced effects, minus the
measure's cost; transfers move money between the person and the public purse and cancel, but they count in
the net public spending on which the tax-financing cost λ is charged. Declining rate by band.

NPV is linear in delta, NPV = delta·B − K, so the break-even delta is K/B in closed form (per level too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from oppvekst.economics import discounting as disc
from oppvekst.economics import effects as fx
from oppvekst.economics.parameters import (
    LEVELS,
    Deflator,
    as_bool,
    as_number,
    cost_profile,
    figure,
    r109,
    read_cost_profile,
    to_price_year,
)
from oppvekst.errors import InputError

VIEWS = ("budget", "societal")
SCORES = ("----", "---", "--", "-", "0", "+", "++", "+++", "++++")  # DFØ's plus-minus scale
LEVEL_LABELS = {"kommune": "Kommune", "fylkeskommune": "Fylkeskommune", "stat": "Stat"}


@dataclass(frozen=True)
class CostItem:
    name: str
    level: str
    one_off: float
    yearly: float
    years: int
    figure: dict


@dataclass
class Scenario:
    """A validated scenario, every amount in `price_year` kroner."""

    name: str
    price_year: int
    size: float
    start_age: int
    horizon: int
    effect: fx.ProbabilityEffect
    profile_m: np.ndarray  # (T,) effect multiplier per year
    service: np.ndarray  # (T, L) yearly public service cost per person in the outcome
    transfer: np.ndarray  # (T, L) yearly public transfers per person in the outcome
    income: np.ndarray  # (T,) participant's gross earnings gained per person kept out of the outcome
    other: np.ndarray  # (T,) other priced societal effects per person kept out
    cost_items: list[CostItem]
    budget: disc.RateSchedule
    budget_timing: str
    societal: disc.RateSchedule | None
    societal_timing: str
    tax_cost: float
    views: tuple[str, ...]
    non_priced: list[dict] = field(default_factory=list)
    uncertainty: dict = field(default_factory=dict)
    figures: list[dict] = field(default_factory=list)  # every input figure with its provenance
    notes: list[str] = field(default_factory=list)
    trial: int | None = None  # a trial plan whose MDES the break-even is compared with (economics.trial_link)

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.horizon)

    @property
    def ages(self) -> np.ndarray:
        return self.start_age + self.years

    @property
    def own_assumptions(self) -> list[dict]:
        return [f for f in self.figures if f.get("own_assumption")]

    @property
    def unconfirmed(self) -> list[dict]:
        return [f for f in self.figures if f.get("confirmed") is False]

    def base_values(self) -> dict[str, float]:
        """The scalar inputs Monte Carlo and the tornado may vary, at their base values."""
        vals = {"effect": self.effect.estimate, "baseline": self.effect.baseline_costly,
                "income": 1.0, "other": 1.0, "budget_rate": self.budget.rates[0], "tax_cost": self.tax_cost}
        for lvl in LEVELS:
            vals[f"profile.{lvl}"] = 1.0
        for item in self.cost_items:
            vals[f"cost.{item.name}.one_off"] = item.one_off
            vals[f"cost.{item.name}.yearly"] = item.yearly
        return vals


# --- building a scenario from a dict / YAML ---------------------------------------------------------------

def load_scenario(path: str | Path, effect: fx.ProbabilityEffect | None = None,
                  prepare: Callable[[dict], dict] | None = None) -> Scenario:
    """`prepare` rewrites the mapping before it is validated (e.g. `baselines.fill` from the warehouse), so its
    errors are named with the file like any other."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"kan ikke lese scenariet / cannot read the scenario: {exc}", file=str(path)) from exc
    try:
        if prepare is not None and isinstance(data, dict):
            data = prepare(data)
        return build_scenario(data, base_dir=path.parent, effect=effect)
    except InputError as exc:
        if exc.file is None:
            raise InputError(exc.reason, file=str(path), row=exc.row, field=exc.field) from None
        raise


def _int(data: dict, key: str, lo: int, hi: int) -> int:
    if key not in data:
        raise InputError("mangler / missing", field=key)
    return int(as_number(data[key], key, minimum=lo, maximum=hi, integer=True))


def build_scenario(data: dict, *, base_dir: Path | None = None,
                   effect: fx.ProbabilityEffect | None = None) -> Scenario:
    """Validate a scenario mapping (schema: data/scenario_template.yaml). `effect` overrides
    the mapping's `effect` (e.g. one converted from the evidence base with `effects.effect_from_pooled`)."""
    if not isinstance(data, dict):
        raise InputError("scenariet må være en tabell / the scenario must be a mapping")
    for key in ("target_group", "baseline"):
        if isinstance(data.get(key), dict) and "from_warehouse" in data[key]:
            raise InputError("tallet skal hentes fra lageret; kjør med en statistikkleser (economics.baselines.fill)"
                             " / this figure comes from the warehouse: fill it first", field=f"{key}.from_warehouse")
    figs: list[dict] = []
    notes: list[str] = []
    price_year = _int(data, "price_year", 1900, 2200)
    deflator = Deflator.from_dict(data["deflator"]) if data.get("deflator") else None
    if "horizon" not in data:
        raise InputError("mangler / missing", field="horizon")
    h = data["horizon"]
    if not isinstance(h, int) or isinstance(h, bool):
        h = int(as_number(h, "horizon", minimum=1, integer=True))
    horizon = disc.check_horizon(h, "horizon")
    start_age = _int(data, "start_age", 0, 120)

    size_fig = figure(data.get("target_group") or {}, "target group size", unit="persons",
                      field="target_group", value_key="size", needs_price_year=False, needs_basis=False)
    if size_fig.value <= 0:
        raise InputError("målgruppen må ha minst én deltaker / size must be positive", field="target_group.size")
    figs.append(size_fig.to_dict())
    base_fig = figure(data.get("baseline") or {}, "baseline probability of the costly outcome",
                      unit="probability", field="baseline", needs_price_year=False, needs_basis=False, maximum=1.0)
    figs.append(base_fig.to_dict())
    q0 = base_fig.value

    if effect is None and isinstance(data.get("effect"), dict) and "from_evidence" in data["effect"]:
        effect = fx.effect_from_evidence(data["effect"]["from_evidence"], q0)
    elif effect is None:
        effect = fx.effect_from_input(data.get("effect"), q0)
    elif abs(effect.baseline_costly - q0) > 1e-12:
        effect = fx.ProbabilityEffect(**{**effect.__dict__, "baseline_costly": q0})
    figs.append({"name": "effect", "value": effect.reported(), "unit": effect.measure, "source": effect.source,
                 "edition": None, "price_year": None, "basis": None,
                 "own_assumption": bool((data.get("effect") or {}).get("own_assumption")), "confirmed": True,
                 "note": effect.conversion})

    profile_m = _effect_profile(data.get("effect_profile") or {}, horizon)

    ages = start_age + np.arange(horizon)
    oc = data.get("outcome_costs")
    if isinstance(oc, dict) and oc.get("file"):
        p = Path(oc["file"])
        prof = read_cost_profile(p if p.is_absolute() or base_dir is None else base_dir / p,
                                 price_year=price_year, deflator=deflator)
    else:
        prof = cost_profile(oc, price_year=price_year, deflator=deflator, field="outcome_costs")
    notes.extend(prof.notes)
    figs.extend({**r, "name": r["item"], "value": r["amount_as_given"], "confirmed": True,
                 "note": f"outcome cost, {r['level']}, age {r['age_from']}–{r['age_to']}, {r['kind']}"}
                for r in prof.figures())
    service, transfer = prof.by_age(ages, "service"), prof.by_age(ages, "transfer")

    income = _age_rows(data.get("participant_income"), "participant_income", ages, price_year, deflator, figs)
    other = _age_rows(data.get("other_effects"), "other_effects", ages, price_year, deflator, figs)

    items = _cost_items(data.get("measure_costs"), price_year, deflator, horizon, figs)

    views = tuple(data.get("views") or VIEWS)
    for v in views:
        if v not in VIEWS:
            raise InputError(f"ukjent visning / unknown view {v!r}; choose {', '.join(VIEWS)}", field="views")
    dsc = data.get("discounting") or {}
    b = dsc.get("budget")
    if not isinstance(b, dict):
        raise InputError("budsjettvisningen trenger en oppgitt rente med kilde / the budget view needs a stated "
                         "rate with its source", field="discounting.budget")
    bfig = figure(b, "budget discount rate", unit="fraction per year", field="discounting.budget",
                  value_key="rate", needs_price_year=False, needs_basis=False, minimum=-0.5, maximum=0.99)
    figs.append(bfig.to_dict())
    budget = disc.RateSchedule.single(bfig.value, source={"source": bfig.source})
    budget_timing = _timing(b, "discounting.budget.timing")

    societal, tax_cost, s_timing = None, 0.0, "start"
    if "societal" in views:
        societal, tax_cost, s_timing = _societal(dsc.get("societal") or {}, figs, notes)

    non_priced = [_plus_minus(x, i) for i, x in enumerate(data.get("non_priced") or [])]
    uncertainty = dict(data.get("uncertainty") or {})
    trial = None if data.get("trial") in (None, "") else int(as_number(data["trial"], "trial", minimum=1,
                                                                       integer=True))
    sc = Scenario(trial=trial, name=str(data.get("name") or "scenario"), price_year=price_year, size=size_fig.value,
                  start_age=start_age, horizon=horizon, effect=effect, profile_m=profile_m, service=service,
                  transfer=transfer, income=income, other=other, cost_items=items, budget=budget,
                  budget_timing=budget_timing, societal=societal, societal_timing=s_timing, tax_cost=tax_cost,
                  views=views, non_priced=non_priced, uncertainty=uncertainty, figures=figs, notes=notes)
    from oppvekst.economics.montecarlo import validate_uncertainty  # late: montecarlo imports model

    validate_uncertainty(sc)
    return sc


def _timing(d: dict, field: str) -> str:
    timing = str(d.get("timing", "start"))
    if timing not in disc.TIMINGS:
        raise InputError(f"ukjent konvensjon / unknown timing {timing!r}; choose {', '.join(disc.TIMINGS)}",
                         field=field)
    return timing


def _societal(s: dict, figs: list[dict], notes: list[str]) -> tuple[disc.RateSchedule, float, str]:
    """R-109 rates as shipped (the user must confirm them) or the user's own bands and tax cost."""
    timing = _timing(s, "discounting.societal.timing")
    if s.get("bands") is not None:
        fig = figure({"value": 0, **s}, "societal discount bands", unit="fraction per year",
                     field="discounting.societal", needs_price_year=False, needs_basis=False)
        bands = s["bands"]
        if not isinstance(bands, list) or not bands:
            raise InputError("bands må være en liste / bands must be a list", field="discounting.societal.bands")
        limits = tuple(None if b.get("to_year") is None else
                       as_number(b["to_year"], "discounting.societal.bands.to_year", minimum=1) for b in bands)
        rates = tuple(disc.check_rate(b.get("rate"), "discounting.societal.bands.rate") for b in bands)
        schedule = disc.RateSchedule(limits, rates, "user bands", True, {"source": fig.source})
        figs.append({**fig.to_dict(), "name": "societal discount bands", "value": list(zip(limits, rates))})
        tax = figure(s.get("tax_cost") or {}, "tax-financing cost", unit="fraction", field="discounting.societal"
                     ".tax_cost", needs_price_year=False, needs_basis=False, maximum=1.0)
        figs.append(tax.to_dict())
        return schedule, tax.value, timing
    shipped = r109()
    if not as_bool(s.get("confirm_r109"), "discounting.societal.confirm_r109"):
        raise InputError("R-109-satsene (4/3/2 % og 20 % skattefinansieringskostnad) er ikke verifisert mot "
                         "rundskrivet; bekreft dem (confirm_r109: true), oppgi egne (bands, tax_cost) eller bruk "
                         "bare budsjettvisningen (views: [budget]) / the R-109 figures are unverified: confirm "
                         "them, enter your own, or run the budget view only",
                         field="discounting.societal.confirm_r109")
    bands = shipped["discount_rate"]["bands"]
    src = shipped["source"]
    schedule = disc.RateSchedule(tuple(b["to_year"] for b in bands), tuple(b["rate"] for b in bands),
                                 "R-109 (confirmed by the user)", True, src)
    tax = float(shipped["tax_financing_cost"]["value"])
    cite = f"{src['publisher']}, {src['title']} ({src['edition']})"
    figs.append({"name": "R-109 discount rate bands", "value": [[b["to_year"], b["rate"]] for b in bands],
                 "unit": "fraction per year", "source": cite, "edition": src["edition"], "price_year": None,
                 "basis": None, "own_assumption": False, "confirmed": False,
                 "note": "shipped unverified; confirmed by the user for this run"})
    figs.append({"name": "R-109 tax-financing cost", "value": tax, "unit": "fraction of net public spending",
                 "source": cite, "edition": src["edition"], "price_year": None, "basis": None,
                 "own_assumption": False, "confirmed": False,
                 "note": "shipped unverified; confirmed by the user for this run"})
    notes.append("R-109-satsene er bekreftet av brukeren, ikke verifisert av Oppvekst / the R-109 figures were "
                 "confirmed by the user, not verified by Oppvekst")
    return schedule, tax, timing


def _effect_profile(p: dict, horizon: int) -> np.ndarray:
    """m(t): explicit `values` (padded with 0 after the last given year) or linear phase-in over
    `phase_in_years`, then `full_years` at full effect, then geometric decay at `decay_rate` a year."""
    if p.get("values") is not None:
        vals = [as_number(v, "effect_profile.values", maximum=1.0) for v in p["values"]]
        m = np.zeros(horizon)
        m[: min(horizon, len(vals))] = vals[:horizon]
        return m
    t = np.arange(horizon, dtype=float)
    k = int(as_number(p.get("phase_in_years", 0), "effect_profile.phase_in_years", maximum=100, integer=True))
    m = np.minimum(1.0, (t + 1) / k) if k > 0 else np.ones(horizon)
    if p.get("full_years") is not None:
        full = int(as_number(p["full_years"], "effect_profile.full_years", maximum=100, integer=True))
        d = as_number(p.get("decay_rate", 1.0), "effect_profile.decay_rate", maximum=1.0)
        start = k + full  # first year of decay
        m = np.where(t >= start, m * (1 - d) ** (t - start + 1), m)
    return m


def _age_rows(records, field: str, ages: np.ndarray, price_year: int, deflator, figs: list[dict]) -> np.ndarray:
    out = np.zeros(len(ages))
    for i, rec in enumerate(records or []):
        path = f"{field}[{i}]"
        fig = figure(rec, str(rec.get("item") or field), unit="NOK per person per year", field=path,
                     value_key="amount")
        a0 = as_number(rec.get("age_from"), f"{path}.age_from", maximum=120, integer=True)
        a1 = as_number(rec.get("age_to", rec.get("age_from")), f"{path}.age_to", maximum=120, integer=True)
        amount = to_price_year(fig.value, fig.price_year, price_year, deflator, f"{path}.price_year")
        out[(ages >= a0) & (ages <= a1)] += amount
        figs.append({**fig.to_dict(), "note": f"{field}, age {a0:g}–{a1:g}"})
    return out


def _cost_items(records, price_year: int, deflator, horizon: int, figs: list[dict]) -> list[CostItem]:
    if not isinstance(records, list) or not records:
        raise InputError("tiltaket må ha minst én kostnadspost / the measure needs at least one cost item",
                         field="measure_costs")
    items, seen = [], set()
    for i, rec in enumerate(records):
        path = f"measure_costs[{i}]"
        if not isinstance(rec, dict):
            raise InputError("forventet en tabell / expected a mapping", field=path)
        name = str(rec.get("name") or f"item{i + 1}")
        if name in seen:
            raise InputError(f"kostnadsposten {name!r} står to ganger / duplicate name", field=f"{path}.name")
        seen.add(name)
        level = str(rec.get("level", "")).lower()
        if level not in LEVELS:
            raise InputError(f"hvem betaler? / who pays: choose {', '.join(LEVELS)}", field=f"{path}.level")
        one = figure({"one_off": 0, **rec}, name, unit="NOK per participant", field=path, value_key="one_off")
        yearly = as_number(rec.get("yearly", 0), f"{path}.yearly")
        years = int(as_number(rec.get("years", 1 if yearly else 0), f"{path}.years", maximum=horizon,
                              integer=True))
        k = to_price_year(1.0, one.price_year, price_year, deflator, f"{path}.price_year")
        items.append(CostItem(name, level, one.value * k, yearly * k, years, one.to_dict()))
        figs.append({**one.to_dict(), "value": {"one_off": one.value, "yearly": yearly, "years": years},
                     "unit": "NOK per participant", "note": f"measure cost paid by {level}"})
    return items


def _plus_minus(x: dict, i: int) -> dict:
    field = f"non_priced[{i}]"
    if not isinstance(x, dict) or not x.get("effect"):
        raise InputError("hver virkning trenger et navn (effect) / each effect needs a name", field=field)
    score = str(x.get("score", "")).replace("−", "-").replace("–", "-").strip()
    if score not in SCORES:
        raise InputError(f"score må være en av {' '.join(SCORES)} (DFØs pluss-minus-skala), ikke {x.get('score')!r}",
                         field=f"{field}.score")
    return {"effect": str(x["effect"]), "score": score, "value": SCORES.index(score) - 4,
            "omfang": x.get("omfang"), "betydning": x.get("betydning"), "affected": x.get("affected"),
            "note": x.get("note")}


# --- the engine: vectorised over draws --------------------------------------------------------------------

def evaluate(sc: Scenario, values: dict[str, np.ndarray] | None = None, n: int = 1,
             keep_years: bool = False) -> dict[str, np.ndarray]:
    """Discounted costs, savings and NPVs for n sets of inputs. `values` overrides base values by name with
    arrays of shape (n,). Shapes: per level (n, L); totals (n,); per year (n, T, L) when keep_years."""
    base = sc.base_values()
    v = {k: np.broadcast_to(np.asarray(values.get(k, base[k]) if values else base[k], dtype=float), (n,))
         for k in base}
    q0 = np.clip(v["baseline"], 0.0, 1.0)
    delta = sc.effect.delta_for(v["effect"], q0)  # (n,)
    scale = np.stack([v[f"profile.{lvl}"] for lvl in LEVELS], axis=1)  # (n, L)
    unit_service = sc.service[None] * scale[:, None, :]  # (n, T, L)
    unit_public = (sc.service + sc.transfer)[None] * scale[:, None, :]
    per_delta = sc.size * sc.profile_m[None, :, None] * unit_public  # savings per unit delta (n, T, L)
    savings = delta[:, None, None] * per_delta

    T = sc.horizon
    cost = np.zeros((n, T, len(LEVELS)))
    t = np.arange(T)
    for item in sc.cost_items:
        li = LEVELS.index(item.level)
        cost[:, 0, li] += sc.size * v[f"cost.{item.name}.one_off"]
        cost[:, :, li] += sc.size * v[f"cost.{item.name}.yearly"][:, None] * (t < item.years)[None, :]

    if values and "budget_rate" in values:
        d_b = disc.discount_factors(T, sc.budget, sc.budget_timing, rates=v["budget_rate"][:, None])
    else:
        d_b = disc.discount_factors(T, sc.budget, sc.budget_timing)[None, :]
    out = {"delta": delta, "q0": q0}
    out["b_pv_cost"] = np.einsum("nt,ntl->nl", d_b, cost)
    out["b_pv_savings"] = np.einsum("nt,ntl->nl", d_b, savings)
    out["b_pv_per_delta"] = np.einsum("nt,ntl->nl", d_b, per_delta)
    out["b_npv"] = out["b_pv_savings"] - out["b_pv_cost"]
    out["b_npv_total"] = out["b_npv"].sum(axis=1)
    if keep_years:
        out.update(cost=cost, savings=savings, d_b=np.broadcast_to(d_b, (n, T)))

    if sc.societal is not None:
        lam = v["tax_cost"]
        d_s = disc.discount_factors(T, sc.societal, sc.societal_timing)[None, :]
        people = sc.size * sc.profile_m[None, :] * delta[:, None]  # persons kept out, by year (n, T)
        service_sav = (delta[:, None] * sc.size * sc.profile_m[None, :])[:, :, None] * unit_service
        participants = people * sc.income[None, :] * v["income"][:, None]
        others = people * sc.other[None, :] * v["other"][:, None]
        public_sav = savings.sum(axis=2)
        cost_all = cost.sum(axis=2)
        indirect = lam[:, None] * (public_sav - cost_all)  # tax-financing cost on net public spending
        benefits = service_sav.sum(axis=2) + participants + others + indirect
        out["s_pv"] = {name: np.einsum("nt,nt->n", d_s, arr) for name, arr in
                       (("public_services", service_sav.sum(axis=2)), ("participants", participants),
                        ("others", others), ("indirect", indirect), ("cost", cost_all))}
        out["s_benefits"] = np.einsum("nt,nt->n", d_s, benefits)
        out["s_cost"] = out["s_pv"]["cost"]
        out["s_npv"] = out["s_benefits"] - out["s_cost"]
        # per unit delta: B = PV(services + income + other + λ·public savings); K = (1 + λ)·PV(cost)
        unit_s = (sc.size * sc.profile_m[None, :] *
                  (unit_service.sum(axis=2) + sc.income[None] * v["income"][:, None]
                   + sc.other[None] * v["other"][:, None] + lam[:, None] * unit_public.sum(axis=2)))
        out["s_B"] = np.einsum("nt,nt->n", d_s, unit_s)
        out["s_K"] = (1 + lam) * out["s_cost"]
        if keep_years:
            out.update(s_flows=benefits - cost_all, s_benefit_flows=benefits, d_s=np.broadcast_to(d_s, (n, T)))
    return out


# --- results ----------------------------------------------------------------------------------------------

def _ratio(benefits: float, costs: float) -> tuple[float | None, str | None]:
    """Benefit-cost ratio as WSIPP reports it: total benefits / net cost, negative when the benefits are
    (WSIPP, Functional Family Therapy for adolescents with SUD, Dec 2024: ($1,501)/$4,231 = ($0.35)).
    With a cost of zero or less (the measure saves money) the ratio is undefined; we report n/a and the
    NPV. (WSIPP's own wording for that case was not found in the documentation available to us.)"""
    if costs > 0:
        return benefits / costs, None
    return None, ("n/a: tiltaket koster ingenting eller sparer penger, forholdstallet er udefinert – se netto "
                  "nåverdi / the measure costs nothing or saves money: the ratio is undefined, read the NPV")


def _payback(cum: np.ndarray, has_cost: bool) -> int | None:
    """First year from which the cumulative discounted net stays ≥ 0 to the horizon; None if never."""
    if not has_cost:
        return None
    tol = 1e-9 * max(1.0, float(np.abs(cum).max()))
    below = np.nonzero(cum < -tol)[0]
    if len(below) == 0:
        return 0
    first = int(below[-1]) + 1
    return first if first < len(cum) else None


def _break_even(K: float, B: float) -> float | None:
    return K / B if B > 0 else None


@dataclass
class ScenarioResults:
    """What `run` returns: every intermediate, like statsmodels' result objects."""

    scenario: Scenario
    raw: dict
    delta: float
    p0: float
    p1: float
    levels: tuple[str, ...] = LEVELS

    # budget view --------------------------------------------------------------------------------------
    @property
    def pv_costs(self) -> dict[str, float]:
        return dict(zip(self.levels, self.raw["b_pv_cost"][0].tolist()))

    @property
    def pv_savings(self) -> dict[str, float]:
        return dict(zip(self.levels, self.raw["b_pv_savings"][0].tolist()))

    @property
    def npv(self) -> dict[str, float]:
        """Budget-view NPV by level and 'total'."""
        d = dict(zip(self.levels, self.raw["b_npv"][0].tolist()))
        d["total"] = float(self.raw["b_npv_total"][0])
        return d

    @property
    def nominal(self) -> dict[str, dict[str, float]]:
        """Undiscounted sums (fixed prices of the price year) by level."""
        c, s = self.raw["cost"][0].sum(axis=0), self.raw["savings"][0].sum(axis=0)
        return {lvl: {"costs": float(c[i]), "savings": float(s[i]), "net": float(s[i] - c[i])}
                for i, lvl in enumerate(self.levels)}

    @property
    def break_even_delta(self) -> dict[str, float | None]:
        """The fall in the costly outcome's probability (success rate) at which NPV = 0, by level and total:
        delta* = PV(costs) / PV(savings per unit delta)."""
        K, B = self.raw["b_pv_cost"][0], self.raw["b_pv_per_delta"][0]
        d = {lvl: (_break_even(K[i], B[i]) if K[i] > 0 else None) for i, lvl in enumerate(self.levels)}
        d["total"] = _break_even(K.sum(), B.sum())
        if self.scenario.societal is not None:
            d["societal"] = _break_even(float(self.raw["s_K"][0]), float(self.raw["s_B"][0]))
        return d

    def break_even_effect(self) -> dict:
        """Break-even delta also in the effect's own terms (OR, RR, RD or g) at the baseline."""
        return {k: (None if v is None else {"delta": v, **fx.break_even_effect(v, self.scenario.effect)})
                for k, v in self.break_even_delta.items()}

    @property
    def bcr(self) -> dict[str, dict]:
        out = {}
        for i, lvl in enumerate(self.levels):
            r, why = _ratio(self.raw["b_pv_savings"][0][i], self.raw["b_pv_cost"][0][i])
            out[lvl] = {"ratio": r, "note": why}
        r, why = _ratio(self.raw["b_pv_savings"][0].sum(), self.raw["b_pv_cost"][0].sum())
        out["total"] = {"ratio": r, "note": why}
        if self.scenario.societal is not None:
            r, why = _ratio(float(self.raw["s_benefits"][0]), float(self.raw["s_cost"][0]))
            out["societal"] = {"ratio": r, "note": why}
        return out

    @property
    def payback_year(self) -> dict[str, int | None]:
        cum = np.cumsum(self.raw["d_b"][0][:, None] * (self.raw["savings"][0] - self.raw["cost"][0]), axis=0)
        costs = self.raw["cost"][0].sum(axis=0)
        d = {lvl: _payback(cum[:, i], costs[i] > 0) for i, lvl in enumerate(self.levels)}
        d["total"] = _payback(cum.sum(axis=1), costs.sum() > 0)
        if self.scenario.societal is not None:
            d["societal"] = _payback(np.cumsum(self.raw["d_s"][0] * self.raw["s_flows"][0]), costs.sum() > 0)
        return d

    # societal view ------------------------------------------------------------------------------------
    @property
    def societal(self) -> dict | None:
        if self.scenario.societal is None:
            return None
        pv = {k: float(v[0]) for k, v in self.raw["s_pv"].items()}
        return {"benefits": {"public_services": pv["public_services"], "participants": pv["participants"],
                             "others": pv["others"], "indirect_tax_financing": pv["indirect"],
                             "total": float(self.raw["s_benefits"][0])},
                "costs": pv["cost"], "npv": float(self.raw["s_npv"][0]), "tax_cost": self.scenario.tax_cost,
                "rates": list(zip(self.scenario.societal.limits, self.scenario.societal.rates)),
                "timing": self.scenario.societal_timing}

    @property
    def non_priced(self) -> pd.DataFrame:
        return pd.DataFrame(self.scenario.non_priced,
                            columns=["effect", "score", "value", "omfang", "betydning", "affected", "note"])

    # who pays, who gains ------------------------------------------------------------------------------
    def who_pays(self) -> pd.DataFrame:
        """PV costs, savings and NPV by level, and the compensation that makes every losing level whole,
        paid by the gaining levels in proportion to their gain (possible only when the total NPV ≥ 0)."""
        npv = self.raw["b_npv"][0]
        frame = pd.DataFrame({"level": list(self.levels), "pv_costs": self.raw["b_pv_cost"][0],
                              "pv_savings": self.raw["b_pv_savings"][0], "npv": npv})
        frame["role"] = np.where(npv < 0, "betaler mer enn den sparer / pays", "vinner / gains")
        need, surplus = -npv[npv < 0].sum(), npv[npv > 0].sum()
        if need == 0:
            frame["transfer"], frame["npv_after"] = 0.0, npv
        elif surplus >= need:
            transfer = np.where(npv < 0, -npv, -need * np.where(npv > 0, npv, 0) / surplus)
            frame["transfer"], frame["npv_after"] = transfer, npv + transfer
        else:
            frame["transfer"], frame["npv_after"] = np.nan, np.nan
        return frame.set_index("level")

    @property
    def compensation(self) -> dict:
        frame = self.who_pays()
        feasible = not frame["transfer"].isna().any()
        return {"feasible": feasible,
                "transfers": frame["transfer"].to_dict() if feasible else None,
                "note": None if feasible else ("Samlet netto nåverdi er negativ: ingen overføring kan gjøre alle "
                                               "nivåer skadesløse / total NPV < 0: no transfer makes every level whole")}

    # tables -------------------------------------------------------------------------------------------
    def by_year(self) -> pd.DataFrame:
        """Long table: year, age, view, level; nominal and discounted costs, savings, net; cumulative."""
        sc, r = self.scenario, self.raw
        rows = []
        cost, sav, d_b = r["cost"][0], r["savings"][0], r["d_b"][0]
        for i, lvl in enumerate([*self.levels, "total"]):
            c = cost.sum(axis=1) if lvl == "total" else cost[:, i]
            s = sav.sum(axis=1) if lvl == "total" else sav[:, i]
            rows.append(pd.DataFrame({"year": sc.years, "age": sc.ages, "view": "budget", "level": lvl,
                                      "discount_factor": d_b, "cost_nominal": c, "saving_nominal": s,
                                      "net_nominal": s - c, "cost_pv": d_b * c, "saving_pv": d_b * s,
                                      "net_pv": d_b * (s - c), "cum_net_nominal": np.cumsum(s - c),
                                      "cum_net_pv": np.cumsum(d_b * (s - c))}))
        if sc.societal is not None:
            d_s, c, b = r["d_s"][0], cost.sum(axis=1), r["s_benefit_flows"][0]
            rows.append(pd.DataFrame({"year": sc.years, "age": sc.ages, "view": "societal", "level": "samfunn",
                                      "discount_factor": d_s, "cost_nominal": c, "saving_nominal": b,
                                      "net_nominal": b - c, "cost_pv": d_s * c, "saving_pv": d_s * b,
                                      "net_pv": d_s * (b - c), "cum_net_nominal": np.cumsum(b - c),
                                      "cum_net_pv": np.cumsum(d_s * (b - c))}))
        return pd.concat(rows, ignore_index=True)

    def summary_frame(self) -> pd.DataFrame:
        be, bcr, pb = self.break_even_delta, self.bcr, self.payback_year
        rows = []
        for lvl in [*self.levels, "total"]:
            costs = sum(self.pv_costs.values()) if lvl == "total" else self.pv_costs[lvl]
            savings = sum(self.pv_savings.values()) if lvl == "total" else self.pv_savings[lvl]
            rows.append({"view": "budget", "level": lvl, "pv_costs": costs, "pv_benefits": savings,
                         "npv": self.npv[lvl], "bcr": bcr[lvl]["ratio"], "break_even_delta": be[lvl],
                         "payback_year": pb[lvl]})
        if self.societal is not None:
            s = self.societal
            rows.append({"view": "societal", "level": "samfunn", "pv_costs": s["costs"],
                         "pv_benefits": s["benefits"]["total"], "npv": s["npv"], "bcr": bcr["societal"]["ratio"],
                         "break_even_delta": be["societal"], "payback_year": pb["societal"]})
        return pd.DataFrame(rows).set_index(["view", "level"])

    @property
    def conventions(self) -> dict:
        sc = self.scenario
        return {"price_year": sc.price_year,
                "nominal": "udiskontert, i faste priser for prisåret / undiscounted, fixed prices of the price year",
                "budget_rate": sc.budget.rates[0], "budget_timing": disc.TIMING_LABELS[sc.budget_timing],
                "societal_timing": disc.TIMING_LABELS[sc.societal_timing] if sc.societal else None,
                "delta": "fall in the probability of the costly outcome (q0 − q1); deadweight is in the baseline",
                "societal": "real resource effects; transfers cancel but carry the tax-financing cost"}

    def to_dict(self) -> dict:
        sc = self.scenario
        return _clean({
            "name": sc.name, "price_year": sc.price_year, "horizon": sc.horizon, "start_age": sc.start_age,
            "size": sc.size, "effect": sc.effect.to_dict(), "p0": self.p0, "p1": self.p1, "delta": self.delta,
            "conventions": self.conventions,
            "budget": {"pv_costs": self.pv_costs, "pv_savings": self.pv_savings, "npv": self.npv,
                       "nominal": self.nominal},
            "societal": self.societal, "bcr": self.bcr, "break_even": self.break_even_effect(),
            "payback_year": self.payback_year,
            "who_pays": self.who_pays().reset_index().to_dict(orient="records"),
            "compensation": self.compensation, "non_priced": sc.non_priced,
            "inputs": sc.figures, "own_assumptions": sc.own_assumptions, "unconfirmed": sc.unconfirmed,
            "notes": [*sc.notes, *sc.effect.notes],
            "by_year": self.by_year().to_dict(orient="records"),
        })


def _clean(obj):
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def run(scenario: Scenario | dict) -> ScenarioResults:
    """Both views from one run."""
    sc = scenario if isinstance(scenario, Scenario) else build_scenario(scenario)
    raw = evaluate(sc, keep_years=True)
    return ScenarioResults(sc, raw, float(raw["delta"][0]), sc.effect.p0, sc.effect.p1)
