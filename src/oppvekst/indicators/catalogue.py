"""The indicator catalogue: one YAML file per indicator under indicators/catalogue/, validated at load."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oppvekst.errors import InputError

CATALOGUE_DIR = Path(__file__).parent / "catalogue"


class Names(BaseModel):
    nb: str
    en: str


class Source(BaseModel):
    name: str                      # e.g. "SSB"
    table: str | None = None       # e.g. "13556"
    url: str | None = None
    note: str | None = None


class Suppression(BaseModel):
    numerator_max: int = 0         # numerator in 1..numerator_max is suppressed (0: none)
    denominator_min: int = 0


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Names
    short_name: Names | None = None
    definition: Names
    theme: str
    frameworks: list[str] = []
    chain_level: Literal["aktivitet", "resultat", "effekt"] | None = None
    measure: Literal["proportion", "rate", "mean", "binary", "count"]
    scale: float = 1
    unit: Names | None = None
    polarity: Literal["higher_better", "higher_worse", "neutral"]
    source: Source
    numerator: str | None = None
    denominator: str | None = None
    period: Literal["year", "3-year", "school-year"] = "year"
    breakdowns: list[str] = []
    suppression: Suppression = Suppression()
    comparability: dict[str, str] = {}
    data: Literal["bundled", "synthetic", "none"] = "none"


def load_file(path: Path) -> Indicator:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=str(path)) from exc
    try:
        ind = Indicator.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(err["msg"], file=str(path), field=".".join(map(str, err["loc"]))) from exc
    if ind.id != path.stem:
        raise InputError(f"id {ind.id!r} differs from the file name", file=str(path), field="id")
    return ind


@cache
def catalogue() -> dict[str, Indicator]:
    return {p.stem: load_file(p) for p in sorted(CATALOGUE_DIR.glob("*.yaml"))}


def get(indicator_id: str) -> Indicator:
    try:
        return catalogue()[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; see `oppvekst indicators`") from None
