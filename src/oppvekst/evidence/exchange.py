"""Import and export of the evidence base: one JSON bundle with everything, or CSV one table at a time.

An import is all or nothing: every record is validated and written in one transaction, and the first
refused record (named by file, row or record, and field) rolls the whole import back.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from oppvekst.errors import InputError
from oppvekst.evidence import validate as v
from oppvekst.evidence.models import LocalExample, Measure, MetaValue, Outcome, Study
from oppvekst.evidence.store import EvidenceStore, _measure_query

FORMAT = "oppvekst-evidence"
VERSION = 1
TABLES = ("outcomes", "measures", "studies", "effects", "local_examples")
LIST_FIELDS = {"risk_groups", "arenas", "prevention", "outcomes", "indicators"}
JSON_FIELDS = {"sources"}

CSV_COLUMNS = {
    "outcomes": ["id", "name_nb", "name_en", "description", "higher_is_better", "indicators", "sources"],
    "measures": ["id", *v.MEASURE_FIELDS_PARTIAL],
    "studies": ["measure_id", *v.STUDY_FIELDS],
    "effects": ["measure_id", "study_citation", "study_year", *v.EFFECT_FIELDS],
    "local_examples": ["title", "municipality", "municipality_code", "description", "target_group", "arenas",
                       "cost_nok", "cost_note", "measured", "results", "contact", "started_year", "status",
                       "sources"],
}


def export_bundle(store: EvidenceStore) -> dict:
    with store.session() as s:
        outcomes = [{
            "id": o.id, "name_nb": o.name_nb, "name_en": o.name_en, "description": o.description,
            "higher_is_better": o.higher_is_better, "indicators": [i.indicator_id for i in o.indicators],
            "sources": o.sources} for o in s.scalars(select(Outcome).order_by(Outcome.id))]
        measures, overrides = [], []
        for m in s.scalars(_measure_query().order_by(Measure.id)):
            rec = {"id": m.id, **{f: getattr(m, f) for f in v.MEASURE_FIELDS_PARTIAL
                                  if f not in ("arenas", "prevention", "outcomes")}}
            rec.update(arenas=[a.arena for a in m.arenas], prevention=[p.level for p in m.prevention],
                       outcomes=[o.outcome_id for o in m.outcomes])
            rec["studies"] = [{**{f: getattr(st, f) for f in v.STUDY_FIELDS},
                               "effects": [_effect_record(e) for e in st.effects]} for st in m.studies]
            measures.append(_drop_empty(rec))
            if m.level_override is not None:
                overrides.append({"measure_id": m.id, "level": m.level_override,
                                  "reason": m.level_override_reason, "by": m.level_override_by})
        local = []
        for e in s.scalars(select(LocalExample).order_by(LocalExample.id)):
            rec = {f: getattr(e, f) for f in CSV_COLUMNS["local_examples"]}
            if e.measure_id:
                rec["upgraded_to"] = e.measure_id
            local.append(_drop_empty(rec))
    return {"format": FORMAT, "version": VERSION,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "outcomes": outcomes, "measures": measures, "level_overrides": overrides,
            "local_examples": local}


def _effect_record(e) -> dict:
    rec = {"outcome": e.outcome_id}
    rec.update({f: getattr(e, f) for f in v.EFFECT_FIELDS if f != "outcome"})
    return _drop_empty(rec)


def _drop_empty(rec: dict) -> dict:
    return {k: val for k, val in rec.items() if val not in (None, "", [])}


def import_bundle(store: EvidenceStore, bundle: dict, *, actor: str = "import", origin: str = "import",
                  file: str | None = None, on_existing: str = "refuse",
                  meta: dict[str, str] | None = None) -> dict[str, int]:
    """Write a bundle (the export format) in one transaction. `on_existing="skip"` leaves records
    whose id (or citation, or title and municipality) already exists untouched (used by the seed)."""
    if not isinstance(bundle, dict) or bundle.get("format", FORMAT) != FORMAT:
        raise InputError(f"ikke en {FORMAT}-fil / not an {FORMAT} bundle", file=file, field="format")
    unknown = set(bundle) - {"format", "version", "exported_at", "outcomes", "measures", "level_overrides",
                             "local_examples"}
    if unknown:
        raise InputError(f"ukjent del av filen / unknown section: {sorted(unknown)}", file=file,
                         field=min(unknown))
    counts = dict.fromkeys(("outcomes", "measures", "studies", "effects", "local_examples",
                            "level_overrides", "skipped"), 0)
    with store.session() as s:
        for i, rec in enumerate(bundle.get("outcomes") or [], 1):
            where = v.Where(f"outcomes[{i}] ({(rec or {}).get('id')!r})", file)
            if on_existing == "skip" and isinstance(rec, dict) and s.get(Outcome, rec.get("id")) is not None:
                counts["skipped"] += 1
                continue
            store._add_outcome(s, rec, actor, where)
            counts["outcomes"] += 1
        for i, rec in enumerate(bundle.get("measures") or [], 1):
            where = v.Where(f"measures[{i}] ({(rec or {}).get('id')!r})", file)
            if on_existing == "skip" and isinstance(rec, dict) and s.get(Measure, rec.get("id")) is not None:
                counts["skipped"] += 1
                continue
            store._add_measure(s, rec, actor, origin, where)
            counts["measures"] += 1
            for st in rec.get("studies") or []:
                counts["studies"] += 1
                counts["effects"] += len(st.get("effects") or [])
        for i, rec in enumerate(bundle.get("level_overrides") or [], 1):
            where = v.Where(f"level_overrides[{i}]", file)
            m = s.get(Measure, (rec or {}).get("measure_id"))
            if m is None:
                raise where.error("ukjent tiltak / unknown measure", "measure_id")
            level, reason = rec.get("level"), (rec.get("reason") or "").strip()
            if level not in range(6) or not reason:
                raise where.error("nivå 0–5 og begrunnelse kreves / level 0–5 and a reason required", "reason")
            m.level_override, m.level_override_reason = level, reason
            m.level_override_by = rec.get("by") or actor
            m.level_override_at = datetime.now(UTC)
            counts["level_overrides"] += 1
        for i, rec in enumerate(bundle.get("local_examples") or [], 1):
            where = v.Where(f"local_examples[{i}] ({(rec or {}).get('title')!r})", file)
            rec = dict(rec or {})
            upgraded = rec.pop("upgraded_to", None)
            key = v.local_key(str(rec.get("title") or ""), str(rec.get("municipality") or ""))
            if on_existing == "skip" and s.scalar(select(LocalExample.id).where(LocalExample.dedup_key == key)):
                counts["skipped"] += 1
                continue
            ex_id = store._add_local(s, rec, actor, origin, where)
            if upgraded:
                if s.get(Measure, upgraded) is None:
                    raise where.error(f"ukjent tiltak {upgraded!r} / unknown measure", "upgraded_to")
                ex = s.get(LocalExample, ex_id)
                ex.measure_id, ex.status = upgraded, "oppgradert"
            counts["local_examples"] += 1
        for key, value in (meta or {}).items():
            row = s.get(MetaValue, key)
            if row is None:
                s.add(MetaValue(key=key, value=value))
            else:
                row.value = value
    return counts


# --- files --------------------------------------------------------------------------------------

def import_file(store: EvidenceStore, path: str | Path, table: str | None = None,
                actor: str = "import") -> dict[str, int]:
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"kan ikke lese filen / cannot read the file: {exc}", file=name) from exc
    if path.suffix.lower() == ".json":
        try:
            bundle = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"ugyldig JSON / invalid JSON: {exc.msg}", file=name, row=exc.lineno) from None
        return import_bundle(store, bundle, actor=actor, file=name)
    return import_csv(store, raw, table=table, file=name, actor=actor)


def _csv_rows(raw: str, file: str) -> tuple[list[str], list[tuple[int, dict]]]:
    lines = raw.splitlines()
    if not lines:
        raise InputError("filen er tom / the file is empty", file=file)
    delimiter = max((",", ";", "\t"), key=lines[0].count)
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    rows = []
    for rec in reader:
        lineno = reader.line_num
        clean = {}
        for key, value in rec.items():
            if key is None:
                raise InputError("flere celler enn kolonner / more cells than columns", file=file, row=lineno)
            key = key.strip()
            value = (value or "").strip()
            if value == "":
                continue
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    raise InputError("ugyldig JSON i cellen / invalid JSON in the cell", file=file,
                                     row=lineno, field=key) from None
            elif key in LIST_FIELDS:
                value = [x.strip() for x in value.split(";") if x.strip()]
            clean[key] = value
        if clean:
            rows.append((lineno, clean))
    return header, rows


def guess_table(header: list[str]) -> str | None:
    cols = set(header)
    if "measure_type" in cols:
        return "effects"
    if "design" in cols:
        return "studies"
    if "municipality" in cols:
        return "local_examples"
    if "name_nb" in cols:
        return "outcomes"
    if "kind" in cols:
        return "measures"
    return None


def import_csv(store: EvidenceStore, raw: str, table: str | None = None, file: str = "<csv>",
               actor: str = "import") -> dict[str, int]:
    header, rows = _csv_rows(raw, file)
    table = table or guess_table(header)
    if table not in TABLES:
        raise InputError(f"ukjent tabell; bruk --table {'|'.join(TABLES)} / unknown table", file=file, row=1)
    counts = {table: 0}
    with store.session() as s:
        for lineno, rec in rows:
            where = v.Where(str(lineno), file)
            if table == "outcomes":
                store._add_outcome(s, rec, actor, where)
            elif table == "measures":
                store._add_measure(s, rec, actor, "import", where)
            elif table == "local_examples":
                store._add_local(s, rec, actor, "import", where)
            else:
                mid = rec.pop("measure_id", None)
                m = s.scalar(_measure_query().where(Measure.id == mid)) if mid else None
                if m is None:
                    raise where.error(f"ukjent tiltak {mid!r} / unknown measure", "measure_id")
                if table == "studies":
                    store._add_study(s, m, rec, actor, where)
                else:
                    citation, year = rec.pop("study_citation", None), rec.pop("study_year", None)
                    try:
                        year = int(year) if year is not None else None
                    except ValueError:
                        raise where.error("ikke et år / not a year", "study_year") from None
                    st = s.scalar(select(Study).where(Study.measure_id == mid, Study.dedup_key ==
                                                      v.study_key(citation or "", year)))
                    if st is None:
                        raise where.error(f"ukjent studie {citation!r} ({year}) for tiltaket / unknown study",
                                          "study_citation")
                    store._add_effect(s, st, rec, actor, where, store._outcome_ids(s))
            counts[table] += 1
        touched = {rec.get("measure_id") for _, rec in rows} if table in ("studies", "effects") else set()
        for mid in filter(None, touched):
            store._reindex(s, s.get(Measure, mid))
    return counts


def export_csv(store: EvidenceStore, table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    bundle = export_bundle(store)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS[table], lineterminator="\n", extrasaction="ignore")
    writer.writeheader()

    def cell(rec: dict) -> dict:
        row = {}
        for key, value in rec.items():
            if key in JSON_FIELDS:
                row[key] = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, list):
                row[key] = ";".join(str(x) for x in value)
            else:
                row[key] = value
        return row

    if table in ("outcomes", "measures", "local_examples"):
        for rec in bundle[table]:
            writer.writerow(cell(rec))
    for m in bundle["measures"] if table in ("studies", "effects") else []:
        for st in m.get("studies", []):
            if table == "studies":
                writer.writerow(cell({"measure_id": m["id"], **st}))
            else:
                for e in st.get("effects", []):
                    writer.writerow(cell({"measure_id": m["id"], "study_citation": st["citation"],
                                          "study_year": st.get("year"), **e}))
    return out.getvalue()
