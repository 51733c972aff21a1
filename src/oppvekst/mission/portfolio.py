"""The mission's portfolio of initiatives (satsinger, tiltak, virkemidler), seeded from portfolio.yaml,
and the landscape: sub-goals × age bands and × arenas, counting initiatives per cell, with the gaps
(no initiative), the overlaps (two or more) and the pairs the documents mark as in tension.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from oppvekst.errors import InputError
from oppvekst.mission import goals as goals_mod

PORTFOLIO_FILE = Path(__file__).with_name("portfolio.yaml")
AGE_BANDS = ("0-6", "6-15", "16-21", "21-30")   # the report's (Vedlegg 4)
ARENAS = ("barnehage", "skole", "fritid", "arbeid", "hjem", "nærmiljø", "tjenester", "digital")
NOT_STATED = "ikke oppgitt"
BUDGET_KINDS = ("granted", "called", "proposed", "spent")
TENSION_KINDS = ("overlap_risk", "coordinate", "contradictory")


@dataclass(frozen=True)
class BudgetLine:
    year: int
    amount_nok: float
    kind: str
    quote: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SubgoalLink:
    id: str
    basis: str


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    source: str
    section: str
    quote: str
    kind: str | None
    owner: str | None
    period: dict | None
    status: str | None
    target_group: str | None
    age_bands: tuple[str, ...] | None
    arenas: tuple[str, ...] | None
    regions: dict | None
    subgoals: tuple[SubgoalLink, ...]
    budget: tuple[BudgetLine, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def quotes(self) -> list[tuple[str, str]]:
        """(source key, quote) for every quote. A `*_quote` or `age_basis` field is a string from the
        initiative's own source, a list of such strings, or {source, quote} when it comes from the other
        document (e.g. the white paper's note on a programme the report describes)."""
        texts: list[object] = [self.quote, *(s.basis for s in self.subgoals), *(b.quote for b in self.budget if b.quote)]
        texts += [v for k, v in self.extra.items() if k.endswith("_quote") or k == "age_basis"]
        texts += [v for k, v in (self.regions or {}).items() if k.endswith("_quote")]
        out = []
        for t in texts:
            for item in (t if isinstance(t, list) else [t]):
                out.append((item["source"], item["quote"]) if isinstance(item, dict) else (self.source, item))
        return out


@dataclass(frozen=True)
class Tension:
    between: tuple[str, str]
    kind: str
    source: str
    section: str
    quote: str
    note: str | None = None


@dataclass(frozen=True)
class Portfolio:
    initiatives: dict[str, Initiative]
    tensions: tuple[Tension, ...]
    tensions_note: dict

    def quotes(self) -> list[tuple[str, str, str]]:
        """(initiative or tension, source key, quote) for every quote."""
        out = [(i.id, src, q) for i in self.initiatives.values() for src, q in i.quotes()]
        out += [(f"{t.between[0]}~{t.between[1]}", t.source, t.quote) for t in self.tensions]
        out.append(("tensions_note", self.tensions_note["source"], self.tensions_note["quote"]))
        return out


def _budget(init_id: str, raw: dict, file: str) -> BudgetLine:
    if raw.get("year") is None:
        raise InputError("a budget line needs its year", file=file, row=init_id, field="budget.year")
    if raw.get("amount_nok") is None:
        raise InputError("a budget line needs its amount", file=file, row=init_id, field="budget.amount_nok")
    if raw.get("kind") not in BUDGET_KINDS:
        raise InputError(f"budget kind must be one of {BUDGET_KINDS}", file=file, row=init_id, field="budget.kind")
    return BudgetLine(int(raw["year"]), float(raw["amount_nok"]), raw["kind"], raw.get("quote"), raw.get("note"))


def initiative(raw: dict, *, tree: goals_mod.GoalTree | None = None, file: str = "<initiative>") -> Initiative:
    """One initiative from its mapping, checked: known sub-goals, the report's age bands, the arena
    vocabulary, and a year on every budget line."""
    tree = tree or goals_mod.load()
    iid = raw.get("id")
    for key in ("id", "name", "source", "section", "quote"):
        if not raw.get(key):
            raise InputError(f"{key} is required", file=file, row=iid, field=key)
    links = []
    for s in raw.get("subgoals") or []:
        node = tree.nodes.get(s.get("id"))
        if node is None or node.level not in ("subgoal", "goal"):
            raise InputError(f"unknown sub-goal {s.get('id')!r}", file=file, row=iid, field="subgoals")
        links.append(SubgoalLink(s["id"], s.get("basis") or ""))
    bands = raw.get("age_bands")
    if bands is not None and not set(bands) <= set(AGE_BANDS):
        raise InputError(f"age bands must be among {AGE_BANDS}", file=file, row=iid, field="age_bands")
    arenas = raw.get("arenas")
    if arenas is not None and not set(arenas) <= set(ARENAS):
        raise InputError(f"arenas must be among {ARENAS}", file=file, row=iid, field="arenas")
    known = {"id", "name", "source", "section", "quote", "kind", "owner", "period", "status", "target_group",
             "age_bands", "arenas", "regions", "subgoals", "budget"}
    return Initiative(
        iid, raw["name"], raw["source"], raw["section"], raw["quote"], raw.get("kind"), raw.get("owner"),
        raw.get("period"), raw.get("status"), raw.get("target_group"),
        tuple(bands) if bands is not None else None, tuple(arenas) if arenas is not None else None,
        raw.get("regions"), tuple(links), tuple(_budget(iid, b, file) for b in raw.get("budget") or []),
        {k: v for k, v in raw.items() if k not in known},
    )


def parse(data: dict, *, tree: goals_mod.GoalTree | None = None, file: str = str(PORTFOLIO_FILE)) -> Portfolio:
    tree = tree or goals_mod.load()
    inits: dict[str, Initiative] = {}
    for raw in data["initiatives"]:
        item = initiative(raw, tree=tree, file=file)
        if item.id in inits:
            raise InputError(f"duplicate initiative id {item.id!r}", file=file, field="id")
        inits[item.id] = item
    tensions = []
    for t in data.get("tensions") or []:
        if t.get("kind") not in TENSION_KINDS:
            raise InputError(f"tension kind must be one of {TENSION_KINDS}", file=file, field="kind")
        unknown = [i for i in t["between"] if i not in inits]
        if unknown:
            raise InputError(f"tension names unknown initiatives {unknown}", file=file, field="between")
        tensions.append(Tension(tuple(t["between"]), t["kind"], t["source"], t["section"], t["quote"], t.get("note")))
    return Portfolio(inits, tuple(tensions), data.get("tensions_note") or {})


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Portfolio:
    file = Path(path) if path else PORTFOLIO_FILE
    return parse(yaml.safe_load(file.read_text(encoding="utf-8")), file=str(file))


def _cells(portfolio: Portfolio, axis: str) -> Iterable[tuple[str, str, str]]:
    """(sub-goal, column value, initiative id) for every initiative's sub-goal and age band or arena."""
    for item in portfolio.initiatives.values():
        values = item.age_bands if axis == "age_band" else item.arenas
        for link in item.subgoals:
            for value in values or (NOT_STATED,):
                yield link.id, value, item.id


def landscape(portfolio: Portfolio | None = None, *, axis: str = "age_band",
              tree: goals_mod.GoalTree | None = None) -> pd.DataFrame:
    """Every sub-goal × every age band (or arena), with the number of initiatives and their ids, and
    the cell's state: gap (0), single (1), overlap (≥2). Initiatives whose documents give no age band
    (arena) are counted in the column "ikke oppgitt", so that a gap is a real absence in the stated data."""
    if axis not in ("age_band", "arena"):
        raise InputError("axis must be age_band or arena", field="axis")
    portfolio = portfolio or load()
    tree = tree or goals_mod.load()
    columns = (*(AGE_BANDS if axis == "age_band" else ARENAS), NOT_STATED)
    found: dict[tuple[str, str], list[str]] = {}
    for sub, value, iid in _cells(portfolio, axis):
        found.setdefault((sub, value), []).append(iid)
    rows = []
    for node in tree.subgoals():
        for col in columns:
            ids = sorted(set(found.get((node.id, col), [])))
            rows.append({"subgoal": node.id, axis: col, "n": len(ids), "initiatives": ids,
                         "state": "gap" if not ids else ("single" if len(ids) == 1 else "overlap")})
    return pd.DataFrame(rows)


def landscape_matrix(portfolio: Portfolio | None = None, *, axis: str = "age_band") -> pd.DataFrame:
    """The landscape as a sub-goal × column table of counts (for display)."""
    long = landscape(portfolio, axis=axis)
    columns = list(long[axis].unique())  # in the landscape's order, "ikke oppgitt" last
    return long.pivot(index="subgoal", columns=axis, values="n").reindex(index=long["subgoal"].unique(),
                                                                           columns=columns)


def tensions(portfolio: Portfolio | None = None) -> pd.DataFrame:
    """The pairs the documents mark, with the sub-goals both serve (where they would meet)."""
    portfolio = portfolio or load()
    rows = []
    for t in portfolio.tensions:
        a, b = (portfolio.initiatives[i] for i in t.between)
        shared = sorted({s.id for s in a.subgoals} & {s.id for s in b.subgoals})
        rows.append({"a": a.id, "b": b.id, "kind": t.kind, "shared_subgoals": shared, "section": t.section,
                     "quote": t.quote})
    return pd.DataFrame(rows)
