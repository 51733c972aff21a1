"""Validation of evidence records before anything is written.

Every function takes a plain dict (from the API, a CSV/JSON import or the seed files), returns a
cleaned dict, and raises one InputError naming the file (if any), the record and the field. Unknown
fields are refused too, so a misspelt field never disappears silently.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from oppvekst.errors import InputError
from oppvekst.evidence import effects as fx
from oppvekst.evidence.vocab import (
    ARENAS,
    DESIGNS,
    EFFECT_MEASURES,
    FINDINGS,
    MEASURE_KINDS,
    MEASURE_STATUSES,
    PREVENTION_LEVELS,
    RATIO_MEASURES,
    RISK_OF_BIAS,
    STUDY_STATUSES,
    Term,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
LOCAL_STATUSES = ("aktiv", "avsluttet", "oppgradert")


@dataclass(frozen=True)
class Where:
    """Where a record comes from: used to name it in error messages."""

    record: str
    file: str | None = None

    def error(self, message: str, field: str | None = None) -> InputError:
        return InputError(message, file=self.file, row=self.record, field=field)

    def child(self, record: str) -> Where:
        return Where(f"{self.record} → {record}", self.file)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def study_key(citation: str, year: int | None) -> str:
    return f"{normalise(citation)}|{year or ''}"[:400]


def local_key(title: str, municipality: str) -> str:
    return f"{normalise(title)}|{normalise(municipality)}"[:400]


class _Reader:
    """Takes fields out of a dict one by one, so whatever is left over is an unknown field."""

    def __init__(self, data: dict, where: Where):
        if not isinstance(data, dict):
            raise where.error("posten må være et objekt / the record must be an object")
        self.data, self.where, self.used = data, where, set()

    def raw(self, name: str):
        self.used.add(name)
        value = self.data.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, name: str, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise self.where.error("feltet mangler / required field missing", name)
            return None
        if not isinstance(value, str):
            value = str(value)
        if max_len and len(value) > max_len:
            raise self.where.error(f"for lang tekst (maks {max_len} tegn) / too long", name)
        return value

    def number(self, name: str, required: bool = False, minimum: float | None = None,
               maximum: float | None = None, integer: bool = False, positive: bool = False):
        value = self.raw(name)
        if value is None:
            if required:
                raise self.where.error("feltet mangler / required field missing", name)
            return None
        if isinstance(value, bool):
            raise self.where.error("må være et tall / must be a number", name)
        try:
            num = float(str(value).replace(",", ".").replace("\u2212", "-")) if isinstance(value, str) \
                else float(value)
        except (TypeError, ValueError):
            raise self.where.error(f"ikke et tall / not a number: {value!r}", name) from None
        if not math.isfinite(num):
            raise self.where.error("må være et endelig tall / must be finite", name)
        if integer:
            if num != int(num):
                raise self.where.error("må være et heltall / must be a whole number", name)
            num = int(num)
        if positive and num <= 0:
            raise self.where.error("må være større enn 0 / must be positive", name)
        if minimum is not None and num < minimum:
            raise self.where.error(f"må være minst {minimum} / must be at least {minimum}", name)
        if maximum is not None and num > maximum:
            raise self.where.error(f"kan være høyst {maximum} / must be at most {maximum}", name)
        return num

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("1", "true", "ja", "yes", "j", "y"):
            return True
        if text in ("0", "false", "nei", "no", "n"):
            return False
        raise self.where.error(f"ja/nei forventet / yes/no expected: {value!r}", name)

    def code(self, name: str, vocabulary: dict[str, Term] | tuple, required: bool = False,
             default: str | None = None) -> str | None:
        value = self.text(name)
        if value is None:
            if required and default is None:
                raise self.where.error("feltet mangler / required field missing", name)
            return default
        if value not in vocabulary:
            raise self.where.error(f"ukjent verdi {value!r}; gyldige / valid: {', '.join(vocabulary)}", name)
        return value

    def codes(self, name: str, vocabulary: dict[str, Term]) -> list[str]:
        values = self.strings(name)
        for value in values:
            if value not in vocabulary:
                raise self.where.error(f"ukjent verdi {value!r}; gyldige / valid: {', '.join(vocabulary)}",
                                       name)
        return sorted(set(values))

    def strings(self, name: str) -> list[str]:
        value = self.raw(name)
        if value is None:
            return []
        if isinstance(value, str):  # "a; b" or "a, b" from a CSV cell
            value = [v for v in re.split(r"[;,|]", value)]
        if not isinstance(value, list):
            raise self.where.error("en liste forventet / a list expected", name)
        return [str(v).strip() for v in value if str(v).strip()]

    def sources(self, name: str = "sources", required: bool = False) -> list[dict]:
        value = self.raw(name)
        if value is None or value == []:
            if required:
                raise self.where.error("kilde mangler / source missing", name)
            return []
        if not isinstance(value, list):
            raise self.where.error("en liste av kilder forventet / a list of sources expected", name)
        out = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, dict) or not item.get("document") or not item.get("section"):
                raise self.where.error(f"kilde {i} trenger document og section / source {i} needs "
                                       "document and section", name)
            unknown = set(item) - {"document", "section", "quote", "url", "note"}
            if unknown:
                raise self.where.error(f"ukjent felt i kilde {i}: {sorted(unknown)}", name)
            out.append({k: str(v).strip() for k, v in item.items() if v})
        return out

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.where.error(f"ukjent felt / unknown field: {', '.join(unknown)}", unknown[0])


def outcome(data: dict, where: Where) -> dict:
    r = _Reader(data, where)
    out = {
        "id": _slug(r, "id"),
        "name_nb": r.text("name_nb", required=True, max_len=200),
        "name_en": r.text("name_en", required=True, max_len=200),
        "description": r.text("description"),
        "higher_is_better": r.boolean("higher_is_better"),
        "indicators": [_indicator_id(where, i) for i in r.strings("indicators")],
        "sources": r.sources(),
    }
    if out["higher_is_better"] is None:
        out["higher_is_better"] = True
    r.done()
    return out


def _indicator_id(where: Where, value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]{0,99}", value):
        raise where.error(f"ugyldig indikator-id {value!r} / invalid indicator id", "indicators")
    return value


def _slug(r: _Reader, name: str) -> str:
    value = r.text(name, required=True)
    if not SLUG.match(value):
        raise r.where.error(f"ugyldig id {value!r}: små bokstaver a–z, sifre, - og _ / invalid id", name)
    return value


MEASURE_FIELDS_PARTIAL = ("name", "name_en", "kind", "description", "owner", "provider", "target_group",
                          "age_min", "age_max", "risk_groups", "arenas", "prevention", "outcomes",
                          "delivery_duration", "delivery_intensity", "implementation", "rationale",
                          "cost_per_participant_nok", "cost_source", "cost_year", "status", "status_note",
                          "effect_note", "sources")


def measure(data: dict, where: Where, outcome_ids: set[str], partial: bool = False) -> dict:
    """A measure (tiltak). With partial=True only the fields present are checked (for updates)."""
    r = _Reader(data, where)
    present = set(data)
    out: dict = {}
    if not partial:
        out["id"] = _slug(r, "id")
    req = not partial

    def want(name):
        return not partial or name in present

    if want("name"):
        out["name"] = r.text("name", required=req, max_len=300)
    if want("name_en"):
        out["name_en"] = r.text("name_en", max_len=300)
    if want("kind"):
        out["kind"] = r.code("kind", MEASURE_KINDS, required=req)
    if want("description"):
        out["description"] = r.text("description", required=req)
    for name in ("owner", "provider"):
        if want(name):
            out[name] = r.text(name, max_len=300)
    for name in ("target_group", "delivery_duration", "delivery_intensity", "implementation", "rationale",
                 "status_note", "effect_note", "cost_source"):
        if want(name):
            out[name] = r.text(name)
    for name in ("age_min", "age_max"):
        if want(name):
            out[name] = r.number(name, minimum=0, maximum=30, integer=True)
    if out.get("age_min") is not None and out.get("age_max") is not None and out["age_min"] > out["age_max"]:
        raise where.error("age_min er større enn age_max / age_min exceeds age_max", "age_min")
    if want("risk_groups"):
        out["risk_groups"] = r.strings("risk_groups")
    if want("arenas"):
        out["arenas"] = r.codes("arenas", ARENAS)
    if want("prevention"):
        out["prevention"] = r.codes("prevention", PREVENTION_LEVELS)
    if want("outcomes"):
        out["outcomes"] = sorted(set(r.strings("outcomes")))
        for oid in out["outcomes"]:
            if oid not in outcome_ids:
                raise where.error(f"ukjent utfall {oid!r} / unknown outcome", "outcomes")
    if want("cost_per_participant_nok"):
        out["cost_per_participant_nok"] = r.number("cost_per_participant_nok", minimum=0)
    if want("cost_year"):
        out["cost_year"] = r.number("cost_year", minimum=1990, maximum=2100, integer=True)
    if out.get("cost_per_participant_nok") is not None and not (out.get("cost_source") or data.get("cost_source")):
        raise where.error("en kostnad trenger kilde (cost_source) / a cost needs its source", "cost_source")
    if want("status"):
        out["status"] = r.code("status", MEASURE_STATUSES, required=req)
    if want("sources"):
        out["sources"] = r.sources()
    r.raw("studies")  # nested studies are validated by the caller
    r.done()
    return out


STUDY_FIELDS = ("citation", "year", "country", "design", "design_note", "status", "sample_size",
                "sample_description", "follow_up_months", "independent_evaluator", "risk_of_bias",
                "risk_of_bias_notes", "reported_finding", "finding_direction", "sources")


def study(data: dict, where: Where) -> dict:
    r = _Reader(data, where)
    out = {
        "citation": r.text("citation", required=True),
        "year": r.number("year", minimum=1900, maximum=2100, integer=True),
        "country": r.text("country"),
        "design": r.code("design", DESIGNS, required=True),
        "design_note": r.text("design_note"),
        "status": r.code("status", STUDY_STATUSES, default="completed"),
        "sample_size": r.number("sample_size", integer=True, positive=True),
        "sample_description": r.text("sample_description"),
        "follow_up_months": r.number("follow_up_months", minimum=0),
        "independent_evaluator": r.boolean("independent_evaluator"),
        "risk_of_bias": r.code("risk_of_bias", RISK_OF_BIAS),
        "risk_of_bias_notes": r.text("risk_of_bias_notes"),
        "reported_finding": r.text("reported_finding"),
        "finding_direction": r.code("finding_direction", FINDINGS, default="not_reported"),
        "sources": r.sources(),
    }
    if out["country"] is not None:
        out["country"] = out["country"].upper()
        if not re.fullmatch(r"[A-Z]{2}", out["country"]):
            raise where.error("landkode med to bokstaver (ISO 3166) / two-letter country code", "country")
    out["dedup_key"] = study_key(out["citation"], out["year"])
    r.raw("effects")
    r.done()
    return out


EFFECT_FIELDS = ("outcome", "measure_type", "estimate", "ci_low", "ci_high", "variance", "n_treatment",
                 "n_control", "timepoint", "beneficial_direction", "notes", "source")


def effect(data: dict, where: Where, outcome_ids: set[str]) -> dict:
    """An effect size with its uncertainty. Refused without a variance or a full interval, or when
    the estimate lies outside its own interval."""
    r = _Reader(data, where)
    out = {
        "outcome_id": r.text("outcome", required=True),
        "measure_type": r.code("measure_type", EFFECT_MEASURES, required=True),
        "estimate": r.number("estimate", required=True),
        "ci_low": r.number("ci_low"),
        "ci_high": r.number("ci_high"),
        "variance": r.number("variance", positive=True),
        "n_treatment": r.number("n_treatment", integer=True, positive=True),
        "n_control": r.number("n_control", integer=True, positive=True),
        "timepoint": r.text("timepoint", max_len=80) or "",
        "beneficial_direction": r.code("beneficial_direction", ("higher", "lower")),
        "notes": r.text("notes"),
        "source": r.text("source"),
    }
    r.done()
    if out["outcome_id"] not in outcome_ids:
        raise where.error(f"ukjent utfall {out['outcome_id']!r} / unknown outcome", "outcome")
    mtype, est, lo, hi, var = (out[k] for k in ("measure_type", "estimate", "ci_low", "ci_high", "variance"))
    if (lo is None) != (hi is None):
        raise where.error("intervallet trenger både nedre og øvre grense / the interval needs both ends",
                          "ci_low" if lo is None else "ci_high")
    if var is None and lo is None:
        raise where.error("effekten mangler varians eller konfidensintervall / the effect has no variance "
                          "or interval", "variance")
    if mtype in RATIO_MEASURES:
        for name in ("estimate", "ci_low", "ci_high"):
            if out[name] is not None and out[name] <= 0:
                raise where.error(f"{mtype.upper()} må være større enn 0 / must be positive", name)
    if lo is not None:
        if lo > hi:
            raise where.error("nedre grense er større enn øvre / lower limit above upper", "ci_low")
        if not lo <= est <= hi:
            raise where.error(f"estimatet {est} ligger utenfor sitt eget intervall [{lo}, {hi}] / the "
                              "estimate lies outside its own interval", "estimate")
    try:
        eff = fx.from_variance(mtype, est, var) if var is not None else fx.from_ci(mtype, est, lo, hi)
    except ValueError as exc:
        raise where.error(str(exc), "variance" if var is not None else "ci_low") from None
    out["yi"], out["vi"] = eff.yi, eff.vi
    return out


def local_example(data: dict, where: Where) -> dict:
    r = _Reader(data, where)
    out = {
        "title": r.text("title", required=True, max_len=300),
        "municipality": r.text("municipality", required=True, max_len=200),
        "municipality_code": r.text("municipality_code"),
        "description": r.text("description"),
        "target_group": r.text("target_group"),
        "arenas": r.codes("arenas", ARENAS),
        "cost_nok": r.number("cost_nok", minimum=0),
        "cost_note": r.text("cost_note"),
        "measured": r.text("measured"),
        "results": r.text("results"),
        "contact": r.text("contact"),
        "started_year": r.number("started_year", minimum=1950, maximum=2100, integer=True),
        "status": r.code("status", LOCAL_STATUSES, default="aktiv"),
        "sources": r.sources(),
    }
    r.done()
    if out["municipality_code"] and not re.fullmatch(r"\d{4}", out["municipality_code"]):
        raise where.error("kommunenummer har fire sifre / municipality code has four digits",
                          "municipality_code")
    if out["cost_nok"] is not None and not out["cost_note"]:
        raise where.error("oppgi hva kostnaden gjelder og kilden (cost_note) / say what the cost covers "
                          "and its source", "cost_note")
    out["dedup_key"] = local_key(out["title"], out["municipality"])
    return out
