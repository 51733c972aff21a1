"""The mission's figures read from the warehouse, once, for the command line, the pages and the API.

Thin glue over goals, progress, baseline and portfolio: it takes a `StatisticsReader` (the caller
opens it through the disclosure door) and returns plain dicts, so `cli` and `web` print or render the
same thing and neither repeats the other's logic.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import pandas as pd

from oppvekst.errors import InputError
from oppvekst.mission import baseline as baseline_mod
from oppvekst.mission import goals as goals_mod
from oppvekst.mission import portfolio as portfolio_mod
from oppvekst.mission.progress import (
    STATUS_NB,
    Direction,
    Target,
    assess,
    indicator_progress,
    series_from_observations,
    target_for_subgoal,
    trend_assessment,
)
from oppvekst.observations import TOTAL
from oppvekst.warehouse.reader import StatisticsReader

# The status report's default base year: the white paper (kap. 8.2) describes the situation with the
# 2023 figures ("ti prosent ... i 2023"), the last full year before the mission was launched.
MISSION_BASE_YEAR = 2023
BASELINE_NOTE = ("Beregnet fra lageret nå; ikke lagret. Frys den med «oppvekst mission baseline freeze --year Å». / "
                 "Computed from the warehouse now, not stored: freeze it with `oppvekst mission baseline freeze`.")
FROZEN_NOTE = ("Fryst 0-punktsmåling: verdiene og utgivelsene den brukte er lagret og endres ikke av nye utgivelser; "
               "revisjonen ved siden av er beregnet fra lageret nå. / Frozen baseline: a later release never "
               "changes it; the revision beside it is computed from the warehouse now.")


def _clean(x: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists, recursively."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _indicator(indicator: str):
    from oppvekst.indicators import catalogue
    try:
        return catalogue.get(indicator)
    except KeyError:
        raise InputError(f"unknown indicator {indicator!r}", field="indicator") from None


def series(reader: StatisticsReader, indicator: str, region: str = "0") -> pd.Series:
    """Year -> value for the indicator's headline breakdown (NEET: 15–29) in one region, every other
    breakdown at its total."""
    ind = _indicator(indicator)
    obs = reader.observations(indicator=indicator, regions=[region], age=ind.headline.get("age", TOTAL))
    if obs.empty:
        raise InputError(f"no published data for {indicator!r} in region {region!r}", field="indicator")
    return series_from_observations(obs, region=region).sort_index()


def _goal_direction(indicator: str) -> Direction | None:
    """The way the goal tree needs the indicator to move (None when no sub-goal links it, or links disagree)."""
    dirs = {link.direction for link in goals_mod.load().links() if link.indicator == indicator}
    return dirs.pop() if len(dirs) == 1 else None


def _polarity_direction(indicator: str) -> Direction | None:
    """For an indicator no sub-goal links: the good direction its catalogue polarity gives."""
    return {"higher_better": "increase", "higher_worse": "decrease"}.get(_indicator(indicator).polarity)


def _horizon(indicator: str) -> int | None:
    years = [goals_mod.load().get(link.subgoal).horizon_year for link in goals_mod.load().links()
             if link.indicator == indicator]
    return max((y for y in years if y), default=None)


def progress(reader: StatisticsReader, indicator: str, *, base_year: int, region: str = "0",
             target: float | None = None, target_year: int | None = None,
             direction: Direction | None = None) -> dict:
    """Both assessments for one indicator: sdg-build's measure from `base_year`, and the trend over the
    whole series (the issue asks that it use every year, so it is not cut at the base year).
    Direction and target year default to the goal tree's (the latest horizon of the sub-goals linking it);
    an indicator outside the tree takes its direction from the catalogue's polarity."""
    goal_direction = _goal_direction(indicator)
    direction = direction or goal_direction or _polarity_direction(indicator)
    if direction is None:
        raise InputError("the goal tree gives no direction for this indicator: give one", field="direction")
    notes = []
    if target_year is None and (horizon := _horizon(indicator)) and horizon > base_year:
        target_year = horizon
        notes.append(f"target year {horizon}: the horizon of the sub-goals that link this indicator")
    # Target.check refuses a target year before the base year before anything reads the data
    t = Target(direction, int(base_year), target_year, target).check(goal_direction=goal_direction)
    s = series(reader, indicator, region)
    a = assess(s, t, indicator=indicator, region=region, goal_direction=goal_direction)
    trend = None
    if len(s) >= 3:
        trend = trend_assessment(s, direction=direction, target_year=target_year, target=target)
    else:
        notes.append("fewer than three years of data: no trend assessment")
    sdg = a.sdg
    out = {
        "indicator": indicator, "region": region, "direction": direction, "base_year": int(base_year),
        "target": target, "target_year": target_year,
        "sdg": {**sdg.to_dict(), "status_nb": sdg.status_nb,
                # method 2 compares growths; method 1 has no target, so the growth itself is the measure
                "ratio": sdg.progress_value if sdg.method == 2 else None,
                "growth": sdg.cagr_observed},
        "trend": trend.to_dict() if trend else None,
        "series": [{"year": int(y), "value": float(v)} for y, v in s.items()],
        "notes": [n for n in a.notes if "no trend assessment" not in n] + notes,
    }
    return _clean(out)


def _subgoal_target(node: goals_mod.Node, link: goals_mod.IndicatorLink, s: pd.Series, base_year: int) -> Target:
    """The sub-goal's own number on a direct indicator (relative, halving, absolute); otherwise, and
    for a proxy (whose scale the number was not written for), the direction only."""
    target_year = node.horizon_year or goals_mod.load().get("overall").horizon_year
    first = s.index[s.index >= base_year]
    if link.link == "direct" and node.kind in ("relative", "halving", "absolute") and len(first):
        return target_for_subgoal(node.kind, node.target_change, float(s[first.min()]), base_year=base_year,
                                  target_year=target_year, direction=link.direction)
    return Target(link.direction, base_year, target_year if target_year > base_year else None, source="document")


def status(reader: StatisticsReader, *, base_year: int = MISSION_BASE_YEAR) -> dict:
    """The goal tree with, per sub-goal, its indicators (latest value, sdg-build status against the
    sub-goal's own target or direction, the trend) and the sub-goal's mean score; and the indicator gaps."""
    tree = goals_mod.load()
    cache: dict[str, pd.Series | None] = {}

    def cached(ind: str) -> pd.Series | None:
        if ind not in cache:
            try:
                cache[ind] = series(reader, ind)
            except InputError:
                cache[ind] = None      # not in the warehouse: shown as "no data", not an error
        return cache[ind]

    subgoals = []
    for node in tree.subgoals():
        rows, results = [], []
        for link in node.indicators:
            s = cached(link.indicator)
            row: dict[str, Any] = {"indicator": link.indicator, "level": link.level, "link": link.link,
                                   "direction": link.direction, "latest_year": None, "latest_value": None,
                                   "target": None, "target_year": None, "sdg": None, "trend": None, "note": None}
            if s is None or s.empty:
                row["note"] = "ingen publiserte data i lageret / no published data in the warehouse"
                rows.append(row)
                continue
            row["latest_year"], row["latest_value"] = int(s.index.max()), float(s.iloc[-1])
            try:
                t = _subgoal_target(node, link, s, base_year)
                a = assess(s, t, indicator=link.indicator, goal_direction=link.direction)
                row.update(target=t.value, target_year=t.target_year, sdg={**a.sdg.to_dict(), "status_nb": a.sdg.status_nb})
                results.append(a.sdg)
                if len(s) >= 3:
                    tr = trend_assessment(s, direction=link.direction, target_year=t.target_year, target=t.value)
                    row["trend"] = tr.to_dict()
            except InputError as exc:   # e.g. no data from the base year on: say so beside the indicator
                row["note"] = str(exc)
            rows.append(row)
        score, label = indicator_progress(results)
        subgoals.append({
            "id": node.id, "source": node.source, "section": node.section, "parent": node.parent,
            "text_nb": node.text_nb, "text_en": node.text_en, "kind": node.kind, "horizon": node.horizon,
            "horizon_year": node.horizon_year, "score": score, "status": label or "not_available",
            "status_nb": STATUS_NB.get(label or "not_available"), "indicators": rows,
        })
    out = {
        "base_year": base_year,
        "vision": asdict_node(tree.get("vision")), "overall": asdict_node(tree.get("overall")),
        "goals": [asdict_node(g) for g in tree.goals()],
        "subgoals": subgoals,
        "gaps": [asdict(g) for g in tree.gaps],
        # the frozen 0-punktsmåling and its revision (None until one is frozen)
        "baseline": frozen_baseline(reader),
    }
    return _clean(out)


def asdict_node(node: goals_mod.Node) -> dict:
    return {"id": node.id, "text_nb": node.text_nb, "text_en": node.text_en, "section": node.section,
            "horizon": node.horizon, "horizon_year": node.horizon_year}


def baseline(reader: StatisticsReader, year: int | None = None, *, db_url: str | None = None) -> dict:
    """The frozen baseline for `year` (default: the latest frozen) with its revision beside it; where
    no baseline is frozen for that year, the baseline computed now, marked as not stored."""
    from oppvekst.mission import store

    stored = store.frozen_baseline(year, db_url=db_url)
    if stored is None:
        if year is None:
            raise InputError("no baseline is frozen yet: oppvekst mission baseline freeze --year YEAR", field="year")
        b = baseline_mod.freeze(reader, int(year))
        return _clean({**b.to_dict(), "releases": list(b.releases), "stored": False, "note": BASELINE_NOTE})
    rev = baseline_mod.revision(stored.baseline, reader)
    rows = rev.astype(object).where(rev.notna(), None).to_dict(orient="records")
    for r in rows:
        r["revised"] = bool(r["revised"])
    return _clean({**stored.to_dict(), "stored": True, "note": FROZEN_NOTE, "revision": rows,
                   "revised": any(r["revised"] for r in rows)})


def frozen_baseline(reader: StatisticsReader, *, db_url: str | None = None) -> dict | None:
    """The latest frozen baseline with its revision, for the status page and API (None if none is frozen)."""
    from oppvekst.mission import store

    if store.frozen_baseline(db_url=db_url) is None:
        return None
    return baseline(reader, db_url=db_url)


def freeze_baseline(reader: StatisticsReader, year: int, actor: str, *, replace_reason: str | None = None,
                    db_url: str | None = None) -> dict:
    """Compute the baseline for `year` from the reader and store it (audited); see store.save_baseline."""
    from oppvekst.mission import store

    stored = store.save_baseline(baseline_mod.freeze(reader, int(year)), actor, replace_reason=replace_reason,
                                 db_url=db_url)
    return _clean({**stored.to_dict(), "stored": True, "note": FROZEN_NOTE})


def portfolio() -> dict:
    """The initiatives, the landscape (sub-goals × age bands) with gap/single/overlap per cell, and the
    pairs the documents mark as in tension."""
    p = portfolio_mod.load()
    land = portfolio_mod.landscape(p)
    return _clean({
        "initiatives": [{"id": i.id, "name": i.name, "source": i.source, "section": i.section, "quote": i.quote,
                         "kind": i.kind, "owner": i.owner, "period": i.period, "status": i.status,
                         "target_group": i.target_group, "age_bands": i.age_bands, "arenas": i.arenas,
                         "subgoals": [s.id for s in i.subgoals],
                         "budget": [asdict(b) for b in i.budget]} for i in p.initiatives.values()],
        "age_bands": [*portfolio_mod.AGE_BANDS, portfolio_mod.NOT_STATED],
        "landscape": land.to_dict(orient="records"),
        "tensions": portfolio_mod.tensions(p).to_dict(orient="records"),
    })
