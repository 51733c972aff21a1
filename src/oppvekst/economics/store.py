"""Saved scenarios in the content database, and their side-by-side comparison; every write audited.

A scenario is validated before it is stored (a refused one leaves nothing), and stored as the mapping the
run used: local figures from the warehouse are filled in with their sources, so a saved scenario does not
change when a later release does.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import select

from oppvekst.content import audit, db
from oppvekst.economics.model import LEVELS, run
from oppvekst.economics.output import scenario_from_dict
from oppvekst.errors import InputError


@dataclass(frozen=True)
class ScenarioRecord:
    id: int
    name: str
    owner: str
    scenario: dict
    created_at: str

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "owner": self.owner, "scenario": self.scenario,
                "created_at": self.created_at}


class ScenarioStore:
    def __init__(self, db_url: str | None = None):
        self.db_url = db_url

    @contextmanager
    def _session(self):
        with db.session(self.db_url) as s, s.begin():
            yield s

    def save(self, name: str, scenario: dict, actor: str) -> int:
        from oppvekst.economics.models import SavedScenario

        name = (name or "").strip()
        if not name:
            raise InputError("gi scenariet et navn / name the scenario", field="name")
        scenario_from_dict(scenario)      # validated first; file imports refused: store the rows themselves
        with self._session() as s:
            row = SavedScenario(name=name[:300], owner=actor[:120], scenario=scenario,
                                created_at=datetime.now(UTC).isoformat(timespec="seconds"))
            s.add(row)
            s.flush()
            audit.append(s, "economics_scenario_save", f"ec_scenario:{row.id}", {"name": row.name}, who=actor)
            return row.id

    def list(self) -> list[ScenarioRecord]:
        from oppvekst.economics.models import SavedScenario

        with db.session(self.db_url) as s:
            return [_record(r) for r in s.scalars(select(SavedScenario).order_by(SavedScenario.id))]

    def get(self, scenario_id: int) -> ScenarioRecord:
        from oppvekst.economics.models import SavedScenario

        with db.session(self.db_url) as s:
            row = s.get(SavedScenario, int(scenario_id))
            if row is None:
                raise InputError(f"ukjent scenario / no saved scenario {scenario_id}", field="id")
            return _record(row)


def _record(r) -> ScenarioRecord:
    return ScenarioRecord(r.id, r.name, r.owner, dict(r.scenario), r.created_at)


COMPARE_ROWS = [*(f"npv.{lvl}" for lvl in LEVELS), "npv.total", "bcr.total", "break_even_delta.total",
                "payback_year.total", "p_npv_positive.total"]


def compare(records: list[ScenarioRecord], draws: int = 0, seed: int | None = None) -> pd.DataFrame:
    """Side by side (one column per scenario): budget-view NPV per level and in total, BCR, break-even fall in
    the outcome's probability, discounted payback year and, with draws, P(NPV > 0) from a seeded Monte Carlo
    (the same seed for every scenario, so a difference is the scenarios', not the draws')."""
    from oppvekst.economics.montecarlo import simulate

    if len(records) < 2:
        raise InputError("sammenlign minst to scenarioer / compare at least two scenarios", field="id")
    cols = {}
    for rec in records:
        sc = scenario_from_dict(rec.scenario)
        res = run(sc)
        col = {f"npv.{k}": v for k, v in res.npv.items()}
        col["bcr.total"] = res.bcr["total"]["ratio"]
        col["break_even_delta.total"] = res.break_even_delta["total"]
        col["payback_year.total"] = res.payback_year["total"]
        col["p_npv_positive.total"] = (simulate(sc, draws=draws, seed=seed).prob_positive["total"]
                                       if draws else None)
        cols[f"{rec.id}: {rec.name}"] = col
    return pd.DataFrame(cols).reindex(COMPARE_ROWS)
