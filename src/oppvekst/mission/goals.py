"""The mission's goal tree (white paper ch. 8, Boks 8.3; operative group's report Del 2.2), read from
goals.yaml: vision, overall goal, the six provisional sub-goals, the three goals with 13 sub-goals,
their indicator links, the indicator gaps and the preconditions the documents name.

The tree is read-only data here: the storage layer versions edits and keeps the original wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from oppvekst.errors import InputError

GOALS_FILE = Path(__file__).with_name("goals.yaml")
KINDS = ("state_by", "state_from", "direction", "relative", "absolute", "halving", "equality")
LEVELS = ("individual", "organisation", "system")
LINKS = ("direct", "proxy")
DIRECTIONS = ("increase", "decrease")

Direction = Literal["increase", "decrease"]


def normalise(text: str) -> str:
    """Text as the quote test compares it: a hyphen that ends a line joins the word across the break
    ("organi-\\n\\nserte" -> "organiserte"), and every run of whitespace becomes one space. Nothing
    else is changed (no case folding, no quote-mark mapping), so a match is a verbatim match."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(?=\w)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class IndicatorLink:
    subgoal: str
    indicator: str
    level: str            # individual | organisation | system
    link: str             # direct | proxy
    direction: Direction  # the way the indicator must move for the sub-goal
    note: str | None = None


@dataclass(frozen=True)
class Node:
    id: str
    level: str            # vision | overall | goal | subgoal
    source: str           # white_paper | report
    section: str
    text_nb: str
    text_en: str
    quote: str
    parent: str | None = None
    horizon: str | None = None
    horizon_year: int | None = None
    horizon_inherited: bool = False
    kind: str | None = None
    direction: Direction | None = None
    target_change: float | None = None
    target_unit: str | None = None
    indicators: tuple[IndicatorLink, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Gap:
    subgoal: str
    coverage: str         # none | partial
    needed: str
    section: str
    quote: str


@dataclass(frozen=True)
class Precondition:
    id: str
    source: str
    section: str
    preconditions: tuple[str, ...]
    for_: tuple[str, ...]
    quote: str
    note: str | None = None


@dataclass(frozen=True)
class GoalTree:
    nodes: dict[str, Node]
    gaps: tuple[Gap, ...]
    preconditions: tuple[Precondition, ...]
    sources: dict[str, dict[str, str]]
    extra_quotes: tuple[tuple[str, str, str], ...] = ()   # (source, section, quote)

    def get(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise InputError(f"unknown goal or sub-goal {node_id!r}", field="subgoal") from None

    def subgoals(self, source: str | None = None) -> list[Node]:
        return [n for n in self.nodes.values() if n.level == "subgoal" and source in (None, n.source)]

    def goals(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.level == "goal"]

    def links(self) -> list[IndicatorLink]:
        return [link for n in self.nodes.values() for link in n.indicators]

    def link(self, subgoal: str, indicator: str) -> IndicatorLink:
        for candidate in self.get(subgoal).indicators:
            if candidate.indicator == indicator:
                return candidate
        raise InputError(f"indicator {indicator!r} is not linked to sub-goal {subgoal!r}", field="indicator")

    def indicator_ids(self) -> list[str]:
        return sorted({link.indicator for link in self.links()})

    def preconditions_of(self, node_id: str) -> list[str]:
        """The nodes the documents name as preconditions for `node_id` (or for its goal)."""
        node = self.get(node_id)
        targets = {node_id, node.parent} - {None}
        return sorted({p for pre in self.preconditions if targets & set(pre.for_) for p in pre.preconditions})

    def quotes(self) -> list[tuple[str, str, str, str]]:
        """Every quote in the tree: (node or gap id, source key, section, quote)."""
        out = [(n.id, n.source, n.section, n.quote) for n in self.nodes.values()]
        for n in self.nodes.values():
            for key in ("horizon_quote", "population_quote"):
                if n.extra.get(key):
                    out.append((n.id, n.source, n.section, n.extra[key]))
            if n.extra.get("baseline_note"):
                b = n.extra["baseline_note"]
                out.append((n.id, n.source, b["section"], b["quote"]))
        out += [(g.subgoal, "report", g.section, g.quote) for g in self.gaps]
        out += [(p.id, p.source, p.section, p.quote) for p in self.preconditions]
        out += [("extra", s, sec, q) for s, sec, q in self.extra_quotes]
        return out


def _link(subgoal: str, raw: dict) -> IndicatorLink:
    for key, allowed in (("level", LEVELS), ("link", LINKS), ("direction", DIRECTIONS)):
        if raw.get(key) not in allowed:
            raise InputError(f"{key} must be one of {allowed}", file=str(GOALS_FILE), row=subgoal, field=key)
    return IndicatorLink(subgoal, raw["indicator"], raw["level"], raw["link"], raw["direction"], raw.get("note"))


def _subgoal(raw: dict, *, source: str, section: str, parent: str, quote: str, horizon: dict) -> Node:
    if raw.get("kind") not in KINDS:
        raise InputError(f"kind must be one of {KINDS}", file=str(GOALS_FILE), row=raw.get("id"), field="kind")
    if raw.get("direction") not in (None, *DIRECTIONS):
        raise InputError("direction must be increase, decrease or empty", file=str(GOALS_FILE),
                         row=raw["id"], field="direction")
    extra = {k: raw[k] for k in ("baseline_note", "equality", "number") if k in raw}
    return Node(
        id=raw["id"], level="subgoal", source=source, section=section, text_nb=raw["text_nb"],
        text_en=raw["text_en"], quote=quote, parent=parent,
        horizon=raw.get("horizon", horizon.get("horizon")),
        horizon_year=raw.get("horizon_year", horizon.get("horizon_year")),
        horizon_inherited="horizon" not in raw, kind=raw["kind"], direction=raw.get("direction"),
        target_change=raw.get("target_change"), target_unit=raw.get("target_unit"),
        indicators=tuple(_link(raw["id"], i) for i in raw.get("indicators") or []), extra=extra,
    )


def parse(data: dict) -> GoalTree:
    """The goal tree from the parsed YAML; checks ids, kinds and cross-references."""
    nodes: dict[str, Node] = {}

    def add(node: Node) -> None:
        if node.id in nodes:
            raise InputError(f"duplicate id {node.id!r}", file=str(GOALS_FILE), field="id")
        nodes[node.id] = node

    v, o = data["vision"], data["overall_goal"]
    add(Node(v["id"], "vision", v["source"], v["section"], v["text_nb"], v["text_en"], v["quote"]))
    add(Node(o["id"], "overall", o["source"], o["section"], o["text_nb"], o["text_en"], o["quote"],
             parent=v["id"], horizon=o["horizon"], horizon_year=o["horizon_year"], kind=o["kind"],
             direction=o["direction"], extra={"population_quote": o.get("population_quote")}))
    wp_section = data["white_paper_subgoals_section"]
    inherited = {"horizon": o["horizon"], "horizon_year": o["horizon_year"]}
    for raw in data["white_paper_subgoals"]:
        # the Boks 8.3 sub-goal's own wording is its quote
        add(_subgoal(raw, source="white_paper", section=wp_section, parent=o["id"], quote=raw["text_nb"],
                     horizon=inherited))
    for g in data["report_goals"]:
        add(Node(g["id"], "goal", "report", g["section"], g["text_nb"], g["text_en"], g["quote"],
                 parent=o["id"], horizon=g["horizon"], horizon_year=g["horizon_year"],
                 extra={"horizon_quote": g.get("horizon_quote"), "sphere": g.get("sphere")}))
        for raw in g["subgoals"]:
            add(_subgoal(raw, source="report", section=f"{data['report_subgoals_section']}, delmål {raw['id'][1:]}",
                         parent=g["id"], quote=raw["text_nb"], horizon={}))
    gaps = tuple(Gap(**raw) for raw in data.get("indicator_gaps") or [])
    pres = tuple(Precondition(p["id"], p["source"], p["section"], tuple(p["preconditions"]), tuple(p["for"]),
                              p["quote"], p.get("note")) for p in data.get("preconditions") or [])
    for gap in gaps:
        if gap.subgoal not in nodes:
            raise InputError(f"gap for unknown sub-goal {gap.subgoal!r}", file=str(GOALS_FILE), field="subgoal")
    for pre in pres:
        unknown = [i for i in (*pre.preconditions, *pre.for_) if i not in nodes]
        if unknown:
            raise InputError(f"precondition names unknown ids {unknown}", file=str(GOALS_FILE), row=pre.id,
                             field="preconditions")
    extra = tuple(("white_paper", wp_section, q) for q in data.get("white_paper_subgoals_quotes") or [])
    return GoalTree(nodes, gaps, pres, data["sources"], extra)


@lru_cache(maxsize=4)
def load(path: str | None = None) -> GoalTree:
    """The bundled goal tree (or the one in `path`)."""
    file = Path(path) if path else GOALS_FILE
    return parse(yaml.safe_load(file.read_text(encoding="utf-8")))
