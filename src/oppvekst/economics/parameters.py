"""Parameters with provenance: every figure carries its source, edition, price year, cost basis (marginal or
average) and unit; amounts are carried to a chosen price year with a stated deflator; the municipality's
own cost profile is imported from CSV or Excel, all or nothing.

A figure without a source is refused unless the user marks it as their own assumption
(`own_assumption: true`); every result lists those. No deflator ships: we found no citable copy of SSB's
CPI annual averages, so the deflator is a table the user supplies with its source, and a price year
without a deflator entry is refused.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from oppvekst.errors import InputError

DATA = Path(__file__).resolve().parent / "data"
LEVELS = ("kommune", "fylkeskommune", "stat")
BASES = ("marginal", "average")
KINDS = ("service", "transfer")  # real resource use vs. a transfer (benefit paid to the person)
MAX_AGE = 120


@dataclass(frozen=True)
class Figure:
    """One number and where it comes from."""

    name: str
    value: float
    unit: str
    source: str | None
    edition: str | None
    price_year: int | None
    basis: str | None  # marginal | average | None (rates, shares, counts)
    own_assumption: bool = False
    confirmed: bool = True
    note: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def as_bool(value, field: str, file: str | None = None, row=None) -> bool:
    if _blank(value):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "ja", "yes", "1", "x"):
        return True
    if text in ("false", "nei", "no", "0"):
        return False
    raise InputError(f"ikke sann/usann / not true/false: {value!r}", file=file, row=row, field=field)


def as_number(value, field: str, *, file: str | None = None, row=None, minimum: float | None = 0.0,
              maximum: float | None = None, integer: bool = False) -> float:
    """A finite number within bounds; a decimal comma is accepted. Costs use minimum 0: negative refused."""
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"ikke et tall / not a number: {value!r}", file=file, row=row, field=field) from None
    if not math.isfinite(number):
        raise InputError("tallet må være endelig / must be finite", file=file, row=row, field=field)
    if minimum is not None and number < minimum:
        raise InputError(f"kan ikke være under {minimum:g} / must not be below {minimum:g}: {number:g}",
                         file=file, row=row, field=field)
    if maximum is not None and number > maximum:
        raise InputError(f"kan ikke være over {maximum:g} / must not exceed {maximum:g}: {number:g}",
                         file=file, row=row, field=field)
    if integer and number != int(number):
        raise InputError(f"må være et heltall / must be an integer: {number:g}", file=file, row=row, field=field)
    return number


def as_probability(value, field: str, **kw) -> float:
    return as_number(value, field, minimum=0.0, maximum=1.0, **kw)


def figure(data: dict, name: str, *, unit: str, field: str, value_key: str = "value",
           needs_price_year: bool = True, needs_basis: bool = True, minimum: float | None = 0.0,
           maximum: float | None = None, file: str | None = None, row=None) -> Figure:
    """Validate one sourced figure held in `data`; `field` is the path named in errors."""
    if not isinstance(data, dict):
        raise InputError("forventet en tabell med verdi og kilde / expected a mapping with value and source",
                         file=file, row=row, field=field)
    own = as_bool(data.get("own_assumption"), f"{field}.own_assumption", file, row)
    source = None if _blank(data.get("source")) else str(data["source"]).strip()
    if source is None and not own:
        raise InputError("tallet mangler kilde; oppgi kilden eller merk det som egen antakelse "
                         "(own_assumption: true) / the figure has no source: give it, or mark it as your own "
                         "assumption", file=file, row=row, field=f"{field}.source")
    if value_key not in data or _blank(data.get(value_key)):
        raise InputError("verdien mangler / value missing", file=file, row=row, field=f"{field}.{value_key}")
    value = as_number(data[value_key], f"{field}.{value_key}", file=file, row=row, minimum=minimum,
                      maximum=maximum)
    price_year = None
    if needs_price_year:
        if _blank(data.get("price_year")):
            raise InputError("prisåret mangler / price year missing", file=file, row=row,
                             field=f"{field}.price_year")
        price_year = int(as_number(data["price_year"], f"{field}.price_year", file=file, row=row,
                                   minimum=1900, maximum=2200, integer=True))
    basis = None if _blank(data.get("basis")) else str(data["basis"]).strip().lower()
    if needs_basis and basis not in BASES:
        raise InputError(f"oppgi 'marginal' eller 'average' (marginal- eller gjennomsnittskostnad) / "
                             f"basis must be marginal or average, got {data.get('basis')!r}",
                             file=file, row=row, field=f"{field}.basis")
    edition = None if _blank(data.get("edition")) else str(data["edition"]).strip()
    return Figure(name=name, value=value, unit=str(data.get("unit") or unit), source=source, edition=edition,
                  price_year=price_year, basis=basis, own_assumption=own,
                  note=None if _blank(data.get("note")) else str(data["note"]))


# --- deflator --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deflator:
    """A price index by year (e.g. SSB's CPI annual average, table 03014), supplied with its source."""

    series: str
    source: str
    values: dict[int, float]

    @classmethod
    def from_dict(cls, data: dict, field: str = "deflator") -> Deflator:
        if not isinstance(data, dict) or _blank(data.get("source")):
            raise InputError("deflatoren må ha en kilde / the deflator needs a source", field=f"{field}.source")
        raw = data.get("values")
        if not isinstance(raw, dict) or not raw:
            raise InputError("deflatoren trenger verdier per år / needs values by year", field=f"{field}.values")
        values = {}
        for year, v in raw.items():
            y = int(as_number(year, f"{field}.values", minimum=1800, maximum=2200, integer=True))
            values[y] = as_number(v, f"{field}.values[{y}]", minimum=1e-9)
        return cls(str(data.get("series") or "deflator"), str(data["source"]), values)

    def factor(self, from_year: int, to_year: int, field: str = "price_year") -> float:
        """Multiply an amount in `from_year` prices by this to get `to_year` prices."""
        if from_year == to_year:
            return 1.0
        for y in (from_year, to_year):
            if y not in self.values:
                raise InputError(f"deflatoren {self.series!r} har ingen verdi for {y} / the deflator has no "
                                 f"value for {y}", field=field)
        return self.values[to_year] / self.values[from_year]


def to_price_year(amount: float, from_year: int | None, to_year: int, deflator: Deflator | None,
                  field: str = "price_year") -> float:
    """Carry an amount to `to_year` prices; refuse when the years differ and no deflator covers them."""
    if from_year is None or from_year == to_year:
        return amount
    if deflator is None:
        raise InputError(f"beløpet er i {from_year}-kroner, men ingen deflator er oppgitt for å regne om til "
                         f"{to_year}-kroner / amount in {from_year} prices and no deflator to carry it to "
                         f"{to_year}", field=field)
    return amount * deflator.factor(from_year, to_year, field)


# --- bundled parameter files ------------------------------------------------------------------------------

@cache
def _yaml(name: str):
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def r109() -> dict:
    """The R-109 societal-view parameters as shipped (confirmed: false; see data/r109.yaml)."""
    return _yaml("r109.yaml")


def context_figures() -> list[dict]:
    """Headline figures quoted in the documents: context only, never a default."""
    return _yaml("context_figures.yaml")


# --- cost profiles ----------------------------------------------------------------------------------------

PROFILE_COLUMNS = ("age_from", "age_to", "level", "amount", "kind", "item", "source", "edition", "price_year",
                   "basis", "own_assumption", "unit")


@dataclass(frozen=True)
class CostProfile:
    """Yearly public cost per person in the outcome, by age and paying level (rows as given, validated)."""

    rows: pd.DataFrame  # columns PROFILE_COLUMNS, amount already in the target price year
    notes: tuple[str, ...] = ()

    def by_age(self, ages: np.ndarray, kind: str | None = None) -> np.ndarray:
        """Array (len(ages), 3): the summed yearly cost at each age, per level (LEVELS order)."""
        out = np.zeros((len(ages), len(LEVELS)))
        rows = self.rows if kind is None else self.rows[self.rows["kind"] == kind]
        for r in rows.itertuples():
            inside = (ages >= r.age_from) & (ages <= r.age_to)
            out[inside, LEVELS.index(r.level)] += r.amount
        return out

    def figures(self) -> list[dict]:
        return self.rows.to_dict(orient="records")


def cost_profile(records: list[dict], *, price_year: int, deflator: Deflator | None = None,
                 file: str | None = None, field: str = "outcome_costs",
                 row_numbers: list[int] | None = None) -> CostProfile:
    """Validate cost-profile rows (dicts) and carry them to `price_year`. All or nothing. Errors name
    `field[i].column`, or for an imported file the file, its row number and the column."""
    if not isinstance(records, list) or not records:
        raise InputError("kostnadsprofilen er tom / the cost profile is empty", file=file, field=field)
    out, notes, defaulted = [], [], 0
    for i, rec in enumerate(records):
        row = (row_numbers[i] if row_numbers else i + 2) if file else None
        path = field if file else f"{field}[{i}]"

        def f(name: str, path: str = path) -> str:
            return name if file else f"{path}.{name}"

        if not isinstance(rec, dict):
            raise InputError("forventet en rad med kolonner / expected a row of columns", file=file, row=row,
                             field=path)
        rec = {str(k).strip().lower(): v for k, v in rec.items()}
        if "age" in rec and _blank(rec.get("age_from")):
            rec["age_from"] = rec["age_to"] = rec["age"]
        for col in ("age_from", "age_to", "level", "amount"):
            if _blank(rec.get(col)):
                raise InputError("mangler verdi / missing value", file=file, row=row, field=f(col))
        a0 = as_number(rec["age_from"], f("age_from"), file=file, row=row, maximum=MAX_AGE, integer=True)
        a1 = as_number(rec["age_to"], f("age_to"), file=file, row=row, maximum=MAX_AGE, integer=True)
        if a1 < a0:
            raise InputError(f"age_to ({a1:g}) er før age_from ({a0:g})", file=file, row=row, field=f("age_to"))
        level = str(rec["level"]).strip().lower()
        if level not in LEVELS:
            raise InputError(f"ukjent forvaltningsnivå / unknown level {rec['level']!r}; choose "
                             f"{', '.join(LEVELS)}", file=file, row=row, field=f("level"))
        kind = "service" if _blank(rec.get("kind")) else str(rec["kind"]).strip().lower()
        defaulted += _blank(rec.get("kind"))
        if kind not in KINDS:
            raise InputError(f"kind må være 'service' (tjeneste) eller 'transfer' (overføring), ikke "
                             f"{rec['kind']!r}", file=file, row=row, field=f("kind"))
        if file:
            fig = _row_figure(rec, file, row)
        else:
            fig = figure(rec, str(rec.get("item") or f"{level} {a0:g}–{a1:g}"),
                         unit="NOK per person per year", field=path, value_key="amount")
        try:
            amount = to_price_year(fig.value, fig.price_year, price_year, deflator, field=f("price_year"))
        except InputError as exc:
            raise InputError(exc.reason, file=file, row=row, field=exc.field) from None
        out.append({"age_from": int(a0), "age_to": int(a1), "level": level, "amount": amount, "kind": kind,
                    "item": fig.name, "source": fig.source, "edition": fig.edition,
                    "price_year": fig.price_year, "basis": fig.basis, "own_assumption": fig.own_assumption,
                    "unit": fig.unit, "amount_as_given": fig.value})
    if defaulted:
        notes.append(f"{defaulted} rad(er) uten 'kind' er regnet som tjeneste (reell ressursbruk) / "
                     f"{defaulted} row(s) without 'kind' treated as service (real resource use)")
    return CostProfile(pd.DataFrame(out), tuple(notes))


def _row_figure(rec: dict, file: str, row) -> Figure:
    """A figure from an imported row: errors name the file, row and column."""
    own = as_bool(rec.get("own_assumption"), "own_assumption", file, row)
    if _blank(rec.get("source")) and not own:
        raise InputError("raden mangler kilde; fyll inn 'source' eller merk own_assumption / row has no source",
                         file=file, row=row, field="source")
    amount = as_number(rec["amount"], "amount", file=file, row=row)
    if _blank(rec.get("price_year")):
        raise InputError("prisåret mangler / price year missing", file=file, row=row, field="price_year")
    py = int(as_number(rec["price_year"], "price_year", file=file, row=row, minimum=1900, maximum=2200,
                       integer=True))
    basis = None if _blank(rec.get("basis")) else str(rec["basis"]).strip().lower()
    if basis not in BASES:
        raise InputError(f"basis må være marginal eller average, ikke {rec.get('basis')!r}", file=file, row=row,
                         field="basis")
    return Figure(name=str(rec.get("item") or rec["level"]), value=amount,
                  unit=str(rec.get("unit") or "NOK per person per year"),
                  source=None if _blank(rec.get("source")) else str(rec["source"]).strip(),
                  edition=None if _blank(rec.get("edition")) else str(rec["edition"]).strip(),
                  price_year=py, basis=basis, own_assumption=own)


def read_cost_profile(path: str | Path, *, price_year: int, deflator: Deflator | None = None) -> CostProfile:
    """Import a municipality's own cost profile from CSV (comma or semicolon, decimal comma allowed with ';')
    or Excel (.xlsx, first sheet). Columns: age_from, age_to (or age), level, amount, source, price_year,
    basis, and optionally kind, item, edition, unit, own_assumption. Row numbers in errors are the file's
    (header = row 1)."""
    path = Path(path)
    name = str(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(path, dtype=object)
        else:
            text = path.read_text(encoding="utf-8-sig")
            first = text.splitlines()[0] if text.strip() else ""
            sep = ";" if first.count(";") > first.count(",") else ","
            frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"kan ikke lese filen / cannot read the file: {exc}", file=name) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    has_age = "age" in frame.columns or {"age_from", "age_to"} <= set(frame.columns)
    missing = [c for c in ("level", "amount", "source", "price_year", "basis") if c not in frame.columns]
    if missing or not has_age:
        raise InputError(f"mangler kolonner / missing columns: {', '.join(missing + ([] if has_age else ['age']))}",
                         file=name, row=1)
    numbered = [(i + 2, r) for i, r in enumerate(frame.to_dict(orient="records"))
                if any(not _blank(v) for v in r.values())]  # row 1 is the header; blank rows are skipped
    if not numbered:
        raise InputError("filen har ingen rader / no rows in the file", file=name)
    return cost_profile([r for _, r in numbered], price_year=price_year, deflator=deflator, file=name,
                        row_numbers=[n for n, _ in numbered])
