"""ASSS indicators 1–10: the municipality's own yearly report (Menon 43/2024 ch. 4.1–4.2).

Reports live in the content database (oppvekst.content: SQLite by default, PostgreSQL by URL); the
tables come from its migration tree (content/migrations, revision asss0001). Every submission is a new
version of (municipality, year), written together with its entry in the audit chain; the newest
version is the current report, older ones are kept as history. `to_observations` turns the current reports into warehouse observations (asss_01..asss_10)
and `sync` loads them as one release.

Normalisation asked for in Menon's appendix 5:
- indicator 5 (resources): salary costs in NOK, price-adjusted with the municipal deflator to the
  prices of the newest year that has a deflator, per 10 000 residents aged 0–17 (SSB 07459 population,
  1 January of the report year). The deflator index is entered by the user with its source: the
  project ships no deflator figures. Without one the value is "not computable" (flag 2).
- indicator 10 (families helped): share of the municipality's families with children; the number of
  families is reported with its source.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from oppvekst.content import audit, db
from oppvekst.content.models import Base
from oppvekst.errors import InputError
from oppvekst.indicators.stats import wilson
from oppvekst.observations import COLUMNS, FLAG_NOT_COMPUTABLE, FLAG_VALUE, frame
from oppvekst.warehouse import Release, StatisticsReader, Warehouse

FIRST_YEAR = 2015   # the prevention-plan duty (bvl. § 15-1) predates the 2022 reform; earlier years are refused


@dataclass(frozen=True)
class Field:
    name: str            # attribute / JSON key (English)
    column: str          # CSV column and form field (Norwegian)
    number: int          # ASSS indicator number
    kind: str            # bool | int | money | fte | text
    label_nb: str
    label_en: str


FIELDS: tuple[Field, ...] = (
    Field("plan_adopted", "plan_vedtatt", 1, "bool", "Er det vedtatt en forebyggende plan (bvl. § 15-1)?",
          "Has a prevention plan been adopted?"),
    Field("plan_in_master_plan", "plan_i_samfunnsdelen", 2, "bool",
          "Er planen forankret i kommuneplanens samfunnsdel?", "Is the plan anchored in the municipal master plan?"),
    Field("formal_cooperation", "tverrfaglig_samarbeid", 3, "bool",
          "Er det formalisert et tverrfaglig samarbeid om tidlig innsats og forebygging?",
          "Is there a formal cross-disciplinary cooperation?"),
    Field("services_in_cooperation", "antall_tjenester", 4, "int",
          "Hvor mange kommunale tjenester er tilknyttet samarbeidet?", "How many municipal services take part?"),
    Field("cooperation_cost_nok", "lonnskostnader_kr", 5, "money",
          "Lønnskostnader til samarbeidet i året (kroner, løpende priser)", "Salary costs of the cooperation (NOK, current prices)"),
    Field("cooperation_fte", "arsverk", 5, "fte", "Årsverk i samarbeidet", "Full-time equivalents in the cooperation"),
    Field("external_cooperation", "eksternt_samarbeid", 6, "bool",
          "Er det formalisert samarbeid med aktører utenfor kommunen?", "Formal cooperation with partners outside the municipality?"),
    Field("parent_support_universal", "foreldrestotte_universell", 7, "bool",
          "Foreldrestøttende tiltak på universelt nivå?", "Parental support at universal level?"),
    Field("parent_support_selective", "foreldrestotte_selektiv", 8, "bool",
          "Foreldrestøttende tiltak på selektivt nivå?", "Parental support at selective level?"),
    Field("parent_support_indicative", "foreldrestotte_indikativ", 9, "bool",
          "Foreldrestøttende tiltak på indikativt nivå?", "Parental support at indicative level?"),
    Field("families_helped", "familier_hjulpet", 10, "int",
          "Antall familier som har fått hjelp fra samarbeidet i året", "Families helped by the cooperation in the year"),
    Field("families_with_children", "barnefamilier", 10, "int",
          "Antall barnefamilier i kommunen (nevner for indikator 10)", "Families with children in the municipality"),
    Field("families_source", "kilde_barnefamilier", 10, "text",
          "Kilde for antall barnefamilier (f.eks. SSBs familiestatistikk, år)", "Source of the number of families"),
)
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}
META_COLUMNS = ("kommune", "aar", "rapportert_av", "kommentar")
CSV_COLUMNS = ("kommune", "aar", *(f.column for f in FIELDS), "rapportert_av", "kommentar")
BOOLS = {"ja": True, "j": True, "yes": True, "y": True, "1": True, "true": True, "sann": True,
         "nei": False, "n": False, "no": False, "0": False, "false": False, "usann": False}
INDICATOR_OF = {1: "asss_01_prevention_plan", 2: "asss_02_plan_in_master_plan", 3: "asss_03_formal_cooperation",
                4: "asss_04_services_in_cooperation", 5: "asss_05_cooperation_resources",
                6: "asss_06_external_cooperation", 7: "asss_07_parent_support_universal",
                8: "asss_08_parent_support_selective", 9: "asss_09_parent_support_indicative",
                10: "asss_10_families_helped"}
BINARY_FIELDS = {1: "plan_adopted", 2: "plan_in_master_plan", 3: "formal_cooperation", 6: "external_cooperation",
                 7: "parent_support_universal", 8: "parent_support_selective", 9: "parent_support_indicative"}


class Report(Base):
    __tablename__ = "asss_reports"
    __table_args__ = (UniqueConstraint("municipality", "year", "version", name="uq_asss_report_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality: Mapped[str] = mapped_column(String(4), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(8))              # web | csv | api
    reported_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_adopted: Mapped[bool] = mapped_column(Boolean)
    plan_in_master_plan: Mapped[bool] = mapped_column(Boolean)
    formal_cooperation: Mapped[bool] = mapped_column(Boolean)
    services_in_cooperation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cooperation_cost_nok: Mapped[float | None] = mapped_column(Float, nullable=True)
    cooperation_fte: Mapped[float | None] = mapped_column(Float, nullable=True)
    external_cooperation: Mapped[bool] = mapped_column(Boolean)
    parent_support_universal: Mapped[bool] = mapped_column(Boolean)
    parent_support_selective: Mapped[bool] = mapped_column(Boolean)
    parent_support_indicative: Mapped[bool] = mapped_column(Boolean)
    families_helped: Mapped[int | None] = mapped_column(Integer, nullable=True)
    families_with_children: Mapped[int | None] = mapped_column(Integer, nullable=True)
    families_source: Mapped[str | None] = mapped_column(String(300), nullable=True)


class Deflator(Base):
    """The municipal deflator (kommunal deflator) as an index per year, entered with its source."""
    __tablename__ = "asss_deflators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    index_value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    entered_at: Mapped[datetime] = mapped_column(DateTime)


def dispose_all() -> None:
    """Close the content database's engines (the tests' fixtures call this between cases)."""
    db.dispose_all()


# -- validation -------------------------------------------------------------------------------------

def _municipalities() -> set[str]:
    from oppvekst import regions

    r = regions.regions_2024()
    return set(r.loc[r["level"] == "kommune", "code"])


def _empty(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def validate(raw: dict, *, file: str = "<skjema>", row: object = None, this_year: int | None = None) -> dict:
    """One report as typed values; InputError naming the field (Norwegian column name) on the first fault."""
    this_year = this_year or datetime.now().year

    def fail(column: str, message: str) -> None:
        raise InputError(message, file=file, row=row, field=column)

    unknown = [k for k in raw if k not in CSV_COLUMNS]
    if unknown:
        fail(unknown[0], f"ukjent felt / unknown field; gyldige felt: {', '.join(CSV_COLUMNS)}")
    out: dict = {}
    code = str(raw.get("kommune", "") or "").strip()
    if len(code) == 3 and code.isdigit():
        code = "0" + code
    if code not in _municipalities():
        fail("kommune", f"{code!r} er ikke et kommunenummer i 2024-inndelingen / not a 2024 municipality code")
    out["municipality"] = code
    try:
        year = int(str(raw.get("aar", "")).strip())
    except ValueError:
        fail("aar", "år må være et heltall / year must be a whole number")
    if not FIRST_YEAR <= year <= this_year:
        fail("aar", f"år må være mellom {FIRST_YEAR} og {this_year} / year out of range")
    out["year"] = year
    for f in FIELDS:
        v = raw.get(f.column)
        if f.kind == "bool":
            if _empty(v):
                fail(f.column, "må fylles ut med ja eller nei / required: yes or no")
            key = str(v).strip().lower()
            if key not in BOOLS:
                fail(f.column, f"{v!r} er ikke ja/nei / not yes/no")
            out[f.name] = BOOLS[key]
        elif f.kind in ("int", "money", "fte"):
            if _empty(v):
                out[f.name] = None
                continue
            text = str(v).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
            if f.kind in ("money", "fte"):
                text = text.replace(",", ".")
            elif "," in text or "." in text:
                fail(f.column, "må være et heltall, uten komma eller punktum / must be a whole number")
            try:
                num = float(text)
            except ValueError:
                fail(f.column, f"{v!r} er ikke et tall / not a number")
            if num < 0 or not np.isfinite(num):
                fail(f.column, "kan ikke være negativt / cannot be negative")
            if f.kind == "int":
                if num != int(num):
                    fail(f.column, "må være et heltall / must be a whole number")
                num = int(num)
            out[f.name] = num
        else:
            out[f.name] = None if _empty(v) else str(v).strip()
    # consistency between the answers
    if not out["plan_adopted"] and out["plan_in_master_plan"]:
        fail("plan_i_samfunnsdelen", "kan ikke være ja når ingen plan er vedtatt / cannot be yes without an adopted plan")
    if out["formal_cooperation"]:
        for col, name in (("antall_tjenester", "services_in_cooperation"),):
            if out[name] is None:
                fail(col, "må fylles ut når det er et formalisert samarbeid / required when there is a formal cooperation")
        if out["services_in_cooperation"] < 1:
            fail("antall_tjenester", "et samarbeid har minst én tjeneste / a cooperation has at least one service")
    else:
        for f in FIELDS:
            if f.name in ("services_in_cooperation", "cooperation_cost_nok", "cooperation_fte", "families_helped") \
                    and out[f.name] not in (None, 0):
                fail(f.column, "skal stå tomt når det ikke er et formalisert samarbeid / must be empty without a formal cooperation")
    if out["families_helped"] is not None and out["families_with_children"] is None:
        fail("barnefamilier", "oppgi antall barnefamilier (nevner for indikator 10) / give the number of families")
    if out["families_with_children"] is not None:
        if out["families_with_children"] < 1:
            fail("barnefamilier", "må være minst 1 / must be at least 1")
        if out["families_helped"] is not None and out["families_helped"] > out["families_with_children"]:
            fail("familier_hjulpet", "flere familier hjulpet enn barnefamilier i kommunen / more than the families in the municipality")
        if not out["families_source"]:
            fail("kilde_barnefamilier", "oppgi kilden for antall barnefamilier / give the source")
    reporter = str(raw.get("rapportert_av", "") or "").strip()
    if not reporter:
        fail("rapportert_av", "oppgi hvem som rapporterer (navn eller e-post) / who is reporting")
    if len(reporter) > 200:
        fail("rapportert_av", "for langt (høyst 200 tegn) / too long")
    out["reported_by"] = reporter
    out["comment"] = None if _empty(raw.get("kommentar")) else str(raw.get("kommentar")).strip()
    return out


def read_csv(data: bytes | str, *, file: str = "<csv>") -> list[dict]:
    """Parse and validate a whole CSV upload (`;` or `,`, UTF-8); InputError on the first bad cell."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError("ikke UTF-8; lagre filen som UTF-8 / not UTF-8", file=file, row=line, field="encoding") from exc
    else:
        text = data
    if not text.strip():
        raise InputError("filen er tom / the file is empty", file=file)
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    for required in ("kommune", "aar", "rapportert_av", *(f.column for f in FIELDS if f.kind == "bool")):
        if required not in header:
            raise InputError(f"kolonnen mangler / column missing: {required}", file=file, row=1, field=required)
    rows, seen = [], {}
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            raise InputError("flere celler enn kolonner / more cells than columns", file=file, row=i,
                             field=header[-1] if header else None)
        clean = {k.strip(): v for k, v in raw.items() if k is not None}
        rec = validate(clean, file=file, row=i)
        key = (rec["municipality"], rec["year"])
        if key in seen:
            raise InputError(f"samme kommune og år står også i rad {seen[key]} / duplicate of row {seen[key]}",
                             file=file, row=i, field="kommune")
        seen[key] = i
        rows.append(rec)
    if not rows:
        raise InputError("ingen rapporter i filen / no reports in the file", file=file)
    return rows


def template_csv() -> str:
    return ";".join(CSV_COLUMNS) + "\n"


# -- storage ----------------------------------------------------------------------------------------

def submit(records: Iterable[dict], *, channel: str, who: str | None = None,
           db_url: str | None = None) -> list[Report]:
    """Store validated reports as new versions and audit them, all in one transaction.

    `who` is the account or channel acting (default: the current actor, content.audit.actor())."""
    records = list(records)
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.session(db_url) as session, session.begin():
        out = []
        for rec in records:
            latest = session.scalar(select(func.max(Report.version)).where(
                Report.municipality == rec["municipality"], Report.year == rec["year"]))
            rep = Report(**rec, version=(latest or 0) + 1, submitted_at=now, channel=channel)
            session.add(rep)
            out.append(rep)
        session.flush()
        if out:
            audit.append(session, "asss_submit", ",".join(sorted({r.municipality for r in out}))[:300],
                         {"channel": channel, "reports": [{"id": r.id, "municipality": r.municipality,
                                                           "year": r.year, "version": r.version,
                                                           "reported_by": r.reported_by} for r in out]},
                         who=who)
        session.expunge_all()
    return out


def _frame(reports: list[Report]) -> pd.DataFrame:
    cols = ["id", "municipality", "year", "version", "submitted_at", "channel", "reported_by", "comment",
            *(f.name for f in FIELDS)]
    return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in reports], columns=cols)


def history(municipality: str | None = None, year: int | None = None, db_url: str | None = None) -> pd.DataFrame:
    """Every version, newest first."""
    q = select(Report).order_by(Report.municipality, Report.year.desc(), Report.version.desc())
    if municipality:
        q = q.where(Report.municipality == municipality)
    if year:
        q = q.where(Report.year == year)
    with db.session(db_url) as session:
        return _frame(list(session.scalars(q)))


def current(db_url: str | None = None) -> pd.DataFrame:
    """The newest version of each (municipality, year)."""
    df = history(db_url=db_url)
    if df.empty:
        return df
    return df.sort_values("version").groupby(["municipality", "year"], as_index=False).tail(1).reset_index(drop=True)


def set_deflator(year: int, index_value: float, source: str, db_url: str | None = None) -> None:
    if not source or not source.strip():
        raise InputError("oppgi kilden for deflatoren / give the deflator's source", field="source")
    if not index_value > 0:
        raise InputError("indeksen må være positiv / the index must be positive", field="index_value")
    with db.session(db_url) as session, session.begin():
        session.add(Deflator(year=int(year), index_value=float(index_value), source=source.strip(),
                             entered_at=datetime.now(UTC).replace(tzinfo=None)))


def deflators(db_url: str | None = None) -> pd.DataFrame:
    """Current deflator index per year (newest entry wins), with its source."""
    with db.session(db_url) as session:
        rows = list(session.scalars(select(Deflator).order_by(Deflator.id)))
    df = pd.DataFrame([{"year": r.year, "index_value": r.index_value, "source": r.source} for r in rows],
                      columns=["year", "index_value", "source"])
    return df.groupby("year", as_index=False).last() if len(df) else df


# -- observations -----------------------------------------------------------------------------------

def to_observations(reports: pd.DataFrame, population_0_17: pd.DataFrame | None = None,
                    deflator: pd.DataFrame | None = None) -> pd.DataFrame:
    """Observations for asss_01..asss_10 from current reports.

    `population_0_17`: observations of population_0_17 (region, period_to, value); `deflator`: year,
    index_value. Indicator 5 is flag 2 (not computable) where either is missing.
    """
    if reports.empty:
        return pd.DataFrame(columns=COLUMNS)
    base = {"region": reports["municipality"].to_numpy(), "period_from": reports["year"].to_numpy(),
            "period_to": reports["year"].to_numpy(), "n_years": 1}
    parts = []
    for number, fieldname in BINARY_FIELDS.items():
        parts.append(pd.DataFrame({**base, "indicator": INDICATOR_OF[number],
                                   "value": reports[fieldname].astype(float).to_numpy(), "flag": FLAG_VALUE}))
    services = reports["services_in_cooperation"].astype(float)
    services = np.where(reports["formal_cooperation"].astype(bool), services, 0.0)
    parts.append(pd.DataFrame({**base, "indicator": INDICATOR_OF[4], "value": services,
                               "flag": np.where(np.isnan(services), FLAG_NOT_COMPUTABLE, FLAG_VALUE)}))
    # 5: constant prices (newest deflator year) per 10 000 aged 0–17
    pop = pd.Series(dtype=float)
    if population_0_17 is not None and len(population_0_17):
        pop = population_0_17.set_index(["region", "period_to"])["value"]
    keys = list(zip(reports["municipality"], reports["year"], strict=True))
    children = np.array([pop.get(k, np.nan) for k in keys], dtype=float)
    factor = np.full(len(reports), np.nan)
    if deflator is not None and len(deflator):
        idx = deflator.set_index("year")["index_value"]
        base_index = float(idx.loc[idx.index.max()])
        factor = np.array([base_index / idx[y] if y in idx.index else np.nan for y in reports["year"]])
    cost = np.where(reports["formal_cooperation"].astype(bool), reports["cooperation_cost_nok"].astype(float), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_10k = cost * factor / children * 10_000
    ok5 = np.isfinite(per_10k)
    parts.append(pd.DataFrame({**base, "indicator": INDICATOR_OF[5], "denominator": children,
                               "value": np.where(ok5, per_10k, np.nan),
                               "flag": np.where(ok5, FLAG_VALUE, FLAG_NOT_COMPUTABLE)}))
    # 10: share of families with children
    helped = reports["families_helped"].astype(float).to_numpy()
    fam = reports["families_with_children"].astype(float).to_numpy()
    helped = np.where(reports["formal_cooperation"].astype(bool), helped, np.where(np.isnan(fam), np.nan, 0.0))
    low, high = wilson(helped, fam)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = helped / fam * 100
    ok10 = np.isfinite(share)
    parts.append(pd.DataFrame({**base, "indicator": INDICATOR_OF[10], "numerator": helped, "denominator": fam,
                               "value": np.where(ok10, share, np.nan), "ci_low": low * 100, "ci_high": high * 100,
                               "flag": np.where(ok10, FLAG_VALUE, FLAG_NOT_COMPUTABLE)}))
    return frame(pd.concat(parts, ignore_index=True))


def observations(wh: StatisticsReader | None = None, db_url: str | None = None) -> pd.DataFrame:
    """Observations of the current reports, with population from the warehouse when one is given."""
    pop = None
    if wh is not None:
        pop = wh.observations(indicator="population_0_17")
    return to_observations(current(db_url), pop, deflators(db_url))


def sync(wh: Warehouse, db_url: str | None = None) -> Release | None:
    """Load the current reports into the warehouse as one release (None when nothing changed)."""
    obs = observations(wh, db_url)
    if obs.empty:
        return None
    reports = current(db_url)
    return wh.load_release(obs, source="ASSS egenrapportering / ASSS self-report",
                           description=f"ASSS 1–10: {len(reports)} rapporter fra {reports['municipality'].nunique()} kommuner")
