"""The indicator catalogue: one YAML file per indicator under indicators/catalogue/, validated at load.

Schema (DESIGN.md "The statistical data model", extended for issue 3). Every file is checked in full
when the catalogue is read; the first fault raises InputError naming the file and the field.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oppvekst.errors import InputError

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when present: ~10x faster

# The four themes of the oppvekstprofil (Meld. St. 28 (2024–2025) ch. 7.3.1 "Oppvekstprofiler"), in order,
# then the themes used outside the profile.
PROFILE_THEMES = ("levekår", "barnehage og skole", "fritid og nærmiljø", "helse og helseatferd")
THEMES = PROFILE_THEMES + ("forebygging og tidlig innsats", "befolkning")
THEME_NAMES_EN = {
    "levekår": "Living conditions", "barnehage og skole": "Kindergarten and school",
    "fritid og nærmiljø": "Leisure and neighbourhood", "helse og helseatferd": "Health and health behaviour",
    "forebygging og tidlig innsats": "Prevention and early intervention", "befolkning": "Population",
}
# Framework memberships: oppvekstprofil (the 4-theme profile), kommunemonitor (Bufdir, barn i fattige
# familier), livskvalitet (SSB's quality-of-life indicators for children), samfunnsoppdrag (the mission's
# sub-goals, Boks 8.3), asss (Menon 43/2024 ch. 4), statistikkbank (supplementary indicators).
FRAMEWORKS = ("oppvekstprofil", "kommunemonitor", "livskvalitet", "samfunnsoppdrag", "asss", "statistikkbank")
FRAMEWORK_NAMES = {
    "oppvekstprofil": ("Oppvekstprofil", "Childhood profile"),
    "kommunemonitor": ("Kommunemonitor: barn i fattige familier", "Municipal monitor: children in poor families"),
    "livskvalitet": ("Livskvalitet for barn og unge (SSB)", "Quality of life for children (SSB)"),
    "samfunnsoppdrag": ("Samfunnsoppdraget: delmål", "The mission: sub-goals"),
    "asss": ("ASSS: forebygging og tidlig innsats", "ASSS: prevention and early intervention"),
    "statistikkbank": ("Statistikkbank", "Statistics bank"),
}
CHAIN_NAMES = {"aktivitet": ("Aktivitet", "Activity"), "resultat": ("Resultat", "Result"),
               "effekt": ("Bruker- og samfunnseffekt", "User and societal effect")}
MEASURES = ("proportion", "rate", "mean", "binary", "count", "amount")


class Names(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)    # e.g. "SSB"
    table: str | None = None           # e.g. "13556"; None when the table id is still to be confirmed
    url: str | None = None
    note: str | None = None


class Suppression(BaseModel):
    model_config = ConfigDict(extra="forbid")
    numerator_max: int = Field(0, ge=0)     # numerator in 1..numerator_max is suppressed (0: none)
    denominator_min: int = Field(0, ge=0)


class Standardisation(BaseModel):
    """Age (and sex) standardisation: method, the strata and the stated reference population."""
    model_config = ConfigDict(extra="forbid")
    method: Literal["direct", "indirect"]
    by: list[Literal["age", "sex"]] = Field(min_length=1)
    reference: str = Field(min_length=1)   # e.g. "Norge 2024, SSB 13556 (bosatte 15–29 etter kjønn og alder)"


class Release(BaseModel):
    """The bundled release an indicator's derivation makes (indicators sharing one are one release)."""
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, pattern=r"^[a-z0-9_]+$")   # None: the indicator's id
    source: str = Field(min_length=1)                          # the release's source text


def derivation_function(spec: str) -> Callable:
    """'package.module:function' -> the function; ValueError when it does not import."""
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"derivation {spec!r} does not import: {exc}") from None
    if callable(fn):
        return fn
    raise ValueError(f"derivation {spec!r} is not a function")


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Names
    short_name: Names | None = None
    definition: Names
    theme: str
    frameworks: list[str] = []
    chain_level: Literal["aktivitet", "resultat", "effekt"] | None = None
    measure: Literal["proportion", "rate", "mean", "binary", "count", "amount"]
    scale: float = Field(1, gt=0)
    unit: Names | None = None
    polarity: Literal["higher_better", "higher_worse", "neutral"]
    source: Source
    numerator: str | None = None
    denominator: str | None = None
    period: Literal["year", "3-year", "school-year"] = "year"
    breakdowns: list[str] = []
    suppression: Suppression = Suppression()
    comparability: dict[str, str] = {}
    data: Literal["bundled", "synthetic", "self_report", "none"] = "none"
    # -- added for issue 3 ------------------------------------------------------------------------
    reference: str | None = None            # document and section the definition comes from
    headline: dict[str, str] = {}           # the breakdown shown in the profile, e.g. {age: "15-29"}
    interval: Literal["wilson", "poisson_exact", "byar", "dobson", "t", "published", "none"] | None = None
    standardisation: Standardisation | None = None
    normalisation: str | None = None        # how a raw figure is made comparable (per 10 000 aged 0–17, ...)
    asss_number: int | None = Field(None, ge=1, le=15)
    mission_subgoal: int | None = Field(None, ge=1, le=6)
    self_report: bool = False               # reported by the municipality itself (ASSS 1–10)
    order: int = 0                          # position within its theme in the profile (lower first)
    # -- added for issue 14: how `build` derives the bundled release from data/catalogue.yaml files.
    # Build metadata, not indicator metadata: left out of model_dump (the warehouse and the API).
    derivation: str | None = Field(None, exclude=True, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    inputs: list[str] = Field([], exclude=True)     # data catalogue names, passed to the derivation by name
    release: Release | None = Field(None, exclude=True)

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, v: str) -> str:
        if v not in THEMES:
            raise ValueError(f"unknown theme {v!r}; one of {', '.join(THEMES)}")
        return v

    @field_validator("frameworks")
    @classmethod
    def _known_frameworks(cls, v: list[str]) -> list[str]:
        unknown = [f for f in v if f not in FRAMEWORKS]
        if unknown:
            raise ValueError(f"unknown framework {unknown[0]!r}; one of {', '.join(FRAMEWORKS)}")
        return v

    @field_validator("derivation")
    @classmethod
    def _derivation_imports(cls, v: str | None) -> str | None:
        if v is not None:
            derivation_function(v)
        return v

    @field_validator("inputs")
    @classmethod
    def _catalogued_inputs(cls, v: list[str]) -> list[str]:
        from oppvekst.sources import catalogue as bundled

        unknown = [n for n in v if n not in bundled.names()]
        if unknown:
            raise ValueError(f"input {unknown[0]!r} is not a name in data/catalogue.yaml")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.measure == "binary" and self.interval not in (None, "none"):
            raise ValueError("a binary (yes/no) indicator has no interval")
        if self.asss_number is not None and "asss" not in self.frameworks:
            raise ValueError("asss_number is set but 'asss' is not among the frameworks")
        if self.mission_subgoal is not None and "samfunnsoppdrag" not in self.frameworks:
            raise ValueError("mission_subgoal is set but 'samfunnsoppdrag' is not among the frameworks")
        if self.measure in ("proportion", "rate") and self.data != "self_report" and not self.denominator:
            raise ValueError(f"a {self.measure} needs a denominator")
        if self.derivation or self.inputs or self.release:
            self._check_derivation()
        return self

    def _check_derivation(self) -> None:
        if not (self.derivation and self.inputs and self.release):
            raise ValueError("a bundled release needs derivation, inputs and release (source) together")
        if self.data != "bundled":
            raise ValueError("an indicator with a derivation of bundled files has data: bundled")
        fn = derivation_function(self.derivation)
        try:
            inspect.signature(fn).bind(**dict.fromkeys(self.inputs))
        except TypeError as exc:
            raise ValueError(f"derivation {self.derivation!r} does not take the inputs by name: "
                             f"{exc}") from None

    # -- derived -------------------------------------------------------------------------------------
    @property
    def synthetic(self) -> bool:
        return self.data == "synthetic" or self.id.endswith("_syn")

    @property
    def interval_method(self) -> str:
        """The interval used for this indicator (catalogue override, else the measure's default)."""
        from oppvekst.indicators.stats import INTERVALS

        if self.interval:
            return self.interval
        if self.standardisation and self.standardisation.method == "direct":
            return "dobson"
        return INTERVALS.get(self.measure, "none")

    @property
    def release_name(self) -> str | None:
        """The bundled release this indicator is derived in (None: not derived from bundled files)."""
        return (self.release.name or self.id) if self.release else None

    @property
    def label(self) -> str:
        return self.short_name.nb if self.short_name else self.name.nb


def load_file(path: Path) -> Indicator:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise InputError("an indicator file must be a YAML mapping", file=str(path))
    try:
        ind = Indicator.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(map(str, err["loc"])) or None
        raise InputError(err["msg"], file=str(path), field=loc) from exc
    if ind.id != path.stem:
        raise InputError(f"id {ind.id!r} differs from the file name", file=str(path), field="id")
    return ind


def load_dir(directory: Path) -> dict[str, Indicator]:
    """Every indicator file in a directory, all checked; InputError on the first bad file."""
    return {p.stem: load_file(p) for p in sorted(directory.glob("*.yaml"))}


@cache
def catalogue() -> dict[str, Indicator]:
    return load_dir(CATALOGUE_DIR)


def get(indicator_id: str) -> Indicator:
    try:
        return catalogue()[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; see `oppvekst indicators`") from None


def in_framework(framework: str) -> list[Indicator]:
    return [i for i in catalogue().values() if framework in i.frameworks]


def synthetic_twin(indicator_id: str) -> Indicator | None:
    """The synthetic stand-in `<id>_syn` of a real indicator, if the catalogue has one."""
    return catalogue().get(f"{indicator_id}_syn")


def profile_indicators() -> dict[str, list[Indicator]]:
    """The profile's indicators by theme (the four oppvekstprofil themes, in order).

    Real indicators of the oppvekstprofil framework, and every synthetic indicator (`*_syn`) of a
    profile theme that has no real counterpart (one that has stands in for it, see reports.profile).
    """
    cat = catalogue()
    out: dict[str, list[Indicator]] = {t: [] for t in PROFILE_THEMES}
    for ind in cat.values():
        if ind.theme not in out:
            continue
        if ind.synthetic:
            if ind.id.removesuffix("_syn") in cat:
                continue
        elif "oppvekstprofil" not in ind.frameworks:
            continue
        out[ind.theme].append(ind)
    for theme in out:
        out[theme].sort(key=lambda i: (i.order, i.id))
    return out
