"""Plain CSV / Excel tables (and read_jsonstat frames) into the observation table, by a declared mapping.

A `TableMapping` (YAML or dict) says which source column feeds which observation field, which
constants fill the rest, how codes are recoded, the value scale and how empty cells are treated.
Example (kindergarten/telemark_dekningsgrad_barnehage_2020-2025.csv)::

    columns: {region: Kommunenummer, period: År, value: Andel}
    constants: {indicator: barnehage_dekningsgrad, age: "1-5"}
    value_scale: fraction        # 0.943 -> 94.3 (per cent)
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oppvekst import observations
from oppvekst.errors import InputError
from oppvekst.observations import FLAG_MISSING, FLAG_SUPPRESSED, FLAG_VALUE, STATUS_FLAGS, TOTAL
from oppvekst.sources._text import parse_number, read_text
from oppvekst.sources.statbank import DELIMITERS, _is_blank, _records

KEY_FIELDS = ("indicator", "region", "period", "period_from", "period_to", "sex", "age", "background", "ses",
              "flag_reason")
NUMBER_FIELDS = ("numerator", "denominator", "value", "ci_low", "ci_high")
FIELDS = KEY_FIELDS + NUMBER_FIELDS
PERIOD = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4}))?$")
DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}(?:[T ].*)?$")


class Melt(BaseModel):
    """Wide tables: these source columns (None = every column not used by `columns`) become rows; the
    header goes into field `into` (e.g. period '2013-2015', or age '1-5 år'), the cell into `values`."""
    model_config = ConfigDict(extra="forbid")
    columns: list[str] | None = None
    into: str = "period"
    values: str = "value"


class Measures(BaseModel):
    """Long tables with one row per measure: `column` (or JSON-stat dimension) names the measure,
    and each listed code feeds an observation field, e.g. {numerator: NEET, denominator: Bosatte}."""
    model_config = ConfigDict(extra="forbid")
    column: str
    fields: dict[str, str]

    @field_validator("fields")
    @classmethod
    def _number_fields(cls, v: dict[str, str]) -> dict[str, str]:
        bad = set(v) - set(NUMBER_FIELDS)
        if bad:
            raise ValueError(f"measures may feed only {NUMBER_FIELDS}, not {sorted(bad)}")
        return v


class TableMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoding: str | None = None  # None: UTF-8 (with or without BOM), else ISO-8859-1
    delimiter: str | None = None  # None: sniffed from the header line (; , tab)
    sheet: str | int | None = None  # Excel sheet name or 0-based index; None = the first sheet
    header_row: int = Field(1, ge=1)  # 1-based line (CSV) or row (Excel) of the header
    columns: dict[str, str] = {}  # observation field -> source column (or JSON-stat dimension id)
    constants: dict[str, str | int | float] = {}  # observation field -> value for every row
    value_maps: dict[str, dict[str, str]] = {}  # observation field -> {source text: code}
    patterns: dict[str, str] = {}  # field -> regex; group 'code' (or 1) is kept, e.g. r"^(?P<code>\d{4})"
    drop: dict[str, list[str]] = {}  # source column -> values whose rows are skipped (e.g. author's means)
    keep: dict[str, str] = {}  # source column -> regex; only rows whose cell matches are read
    melt: Melt | None = None
    measures: Measures | None = None
    value_scale: Literal["as_is", "percent", "fraction"] = "as_is"  # fraction: values x 100 (per cent)
    value_from_ratio: float | None = None  # value = numerator / denominator x this, when no value column
    empty: Literal["missing", "error"] = "missing"  # empty number cell: flag 1, or an error
    suppressed_reason: str | None = None  # flag_reason for cells marked ':' (observations.SUPPRESSION_REASONS)

    @field_validator("columns", "constants", "value_maps", "patterns")
    @classmethod
    def _known_fields(cls, v: dict) -> dict:
        bad = set(v) - set(FIELDS)
        if bad:
            raise ValueError(f"unknown observation fields {sorted(bad)}; use {FIELDS}")
        return v

    @model_validator(mode="after")
    def _complete(self) -> TableMapping:
        given = set(self.columns) | set(self.constants)
        if self.melt:
            given |= {self.melt.into, self.melt.values}
        if self.measures:
            given |= set(self.measures.fields)
        for needed in ("indicator", "region"):
            if needed not in given:
                raise ValueError(f"no column or constant for {needed!r}")
        if not ({"period", "period_from"} & given):
            raise ValueError("no column or constant for 'period'")
        if not ({"value", "numerator", "denominator"} & given):
            raise ValueError("no column for value, numerator or denominator")
        return self

    @classmethod
    def from_yaml(cls, path: str | Path) -> TableMapping:
        return cls.load(Path(path))

    @classmethod
    def load(cls, source: TableMapping | dict | str | Path, *,
             default_columns: dict[str, str] | None = None) -> TableMapping:
        """From a TableMapping, a dict or a YAML file; a bad mapping is an InputError naming the field.
        `default_columns` fill `columns` when it maps no number field (value, numerator, ...)."""
        if isinstance(source, cls):
            source = source.model_dump()
        file = "<mapping>"
        if isinstance(source, (str, Path)):
            file = str(source)
            try:
                source = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise InputError(f"cannot read the mapping: {exc}", file=file, field="mapping") from None
        if default_columns and isinstance(source, dict):
            columns = source.get("columns") or {}
            if isinstance(columns, dict) and not set(NUMBER_FIELDS) & set(columns):
                source = {**source, "columns": {**default_columns, **columns}}
        try:
            return cls.model_validate(source)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(first["msg"], file=file,
                             field=".".join(str(p) for p in first["loc"]) or "mapping") from None


# --- loading the raw table ---------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Where a table sits in its file: what the raw readers need (a TableMapping has the same fields)."""
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int = 1


def _delimiter(line: str, m: Layout | TableMapping) -> str:
    return m.delimiter or max(DELIMITERS, key=lambda d: line.count(d))


def _raw_csv(path: Path, m: Layout | TableMapping) -> tuple[list[str], list[tuple[int, list]], bool]:
    file = str(path)
    text, _ = read_text(path, m.encoding)
    lines = text.splitlines()
    if len(lines) < m.header_row:
        raise InputError(f"the file has no line {m.header_row} for the header", file=file, field="header_row")
    delim = _delimiter(lines[m.header_row - 1], m)
    records = _records(text, delim)
    header_at = next((i for i, (line, _) in enumerate(records) if line >= m.header_row), None)
    if header_at is None:
        raise InputError("no header", file=file, row=m.header_row, field="header_row")
    header = [h.strip() for h in records[header_at][1]]
    rows = [(line, fields) for line, fields in records[header_at + 1:] if not _is_blank(fields)]
    return header, rows, delim != ","  # a decimal comma is possible unless ',' separates fields


def _raw_excel(path: Path, m: Layout | TableMapping) -> tuple[list[str], list[tuple[int, list]], bool]:
    from zipfile import BadZipFile

    import openpyxl  # only needed for Excel

    file = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"cannot open the workbook: {exc}", file=file, field="sheet") from None
    try:
        if m.sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(m.sheet, int):
            if not 0 <= m.sheet < len(wb.worksheets):
                raise InputError(f"no sheet number {m.sheet}", file=file, field="sheet")
            ws = wb.worksheets[m.sheet]
        else:
            if m.sheet not in wb.sheetnames:
                raise InputError(f"no sheet {m.sheet!r}; there are {wb.sheetnames}", file=file, field="sheet")
            ws = wb[m.sheet]
        header: list[str] | None = None
        rows: list[tuple[int, list]] = []
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if number < m.header_row:
                continue
            if number == m.header_row:
                header = ["" if c is None else str(c).strip() for c in row]
                continue
            cells = list(row)
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append((number, cells))
    finally:
        wb.close()
    if header is None:
        raise InputError(f"the sheet has no row {m.header_row} for the header", file=file, field="header_row")
    return header, rows, True


def _load_raw(path: Path, m: Layout | TableMapping) -> tuple[pd.DataFrame, bool]:
    """Source table as cells with a `__line__` column (1-based line/row in the file), and whether
    text numbers may use a decimal comma."""
    reader = _raw_excel if path.suffix.lower() in (".xlsx", ".xlsm") else _raw_csv
    header, rows, decimal_comma = reader(path, m)
    header = [h if h else f"column{j + 1}" for j, h in enumerate(header)]  # unnamed columns
    width = len(header)
    fixed = []
    for line, cells in rows:
        cells = list(cells)
        if len(cells) > width and all(c is None or str(c).strip() == "" for c in cells[width:]):
            cells = cells[:width]
        if len(cells) < width and reader is _raw_excel:
            cells += [None] * (width - len(cells))
        if len(cells) != width:
            raise InputError(f"{len(cells)} fields where the header has {width}", file=str(path), row=line,
                             field="row")
        fixed.append([line, *cells])
    return pd.DataFrame(fixed, columns=["__line__", *header], dtype=object), decimal_comma


def read_cells(path: str | Path, layout: Layout = Layout()) -> pd.DataFrame:
    """A CSV or .xlsx table as its cells, untyped (the raw table read_table maps; Excel cells keep their
    workbook types), with `__line__` the 1-based line or sheet row of each row."""
    raw, _ = _load_raw(Path(path), layout)
    raw.attrs["source_file"] = str(path)
    return raw


def read_csv_frame(path: str | Path, layout: Layout = Layout(),
                   dtype: str | dict[str, str] | None = None) -> pd.DataFrame:
    """A plain CSV file as a typed frame: decoded like read_table (the declared encoding, else UTF-8 then
    ISO-8859-1), the delimiter sniffed from the header line when not declared, then pandas' type
    inference, with `dtype` overriding it (e.g. {komnr: str} keeps code '0301' as text)."""
    path = Path(path)
    file = str(path)
    text, _ = read_text(path, layout.encoding)
    lines = text.splitlines()
    if len(lines) < layout.header_row:
        raise InputError(f"the file has no line {layout.header_row} for the header", file=file,
                         field="header_row")
    try:
        df = pd.read_csv(io.StringIO(text), sep=_delimiter(lines[layout.header_row - 1], layout),
                         skiprows=layout.header_row - 1, dtype=dtype)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read the CSV: {exc}", file=file, field="csv") from None
    df.attrs["source_file"] = file
    return df


# --- one row to observation fields --------------------------------------------

def _text(cell: Any) -> str | None:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat()
    text = str(cell).strip()
    return text or None


def _period(text: str | None, fail) -> tuple[int, int]:
    if text is None:
        fail("period", "empty period")
    m = PERIOD.match(text) or DATE.match(text)
    if not m:
        fail("period", f"period {text!r} is not a year, 'YYYY-YYYY' or a date")
    start = int(m.group(1))
    end = int(m.group(2)) if m.re is PERIOD and m.group(2) else start
    return start, end


class _Mapper:
    """Applies a mapping to source rows (dicts of field inputs) and builds observations."""

    def __init__(self, m: TableMapping, file: str, decimal_comma: bool):
        self.m, self.file, self.decimal_comma = m, file, decimal_comma
        self.patterns = {f: re.compile(p) for f, p in m.patterns.items()}
        self.cache: dict[tuple[str, Any], str | None] = {}  # codes repeat: map each distinct cell once

    def fail(self, line: Any, field: str, message: str) -> None:
        raise InputError(message, file=self.file, row=line, field=field)

    def key(self, field: str, cell: Any, line: Any, source: str) -> str | None:
        try:
            return self.cache[(field, cell)]
        except (KeyError, TypeError):
            pass
        text = self._key(field, cell, line, source)
        try:
            self.cache[(field, cell)] = text
        except TypeError:
            pass
        return text

    def _key(self, field: str, cell: Any, line: Any, source: str) -> str | None:
        text = _text(cell)
        if text is not None and field in self.m.value_maps:
            text = self.m.value_maps[field].get(text, text)
        if text is not None and field in self.patterns:
            match = self.patterns[field].search(text)
            if not match:
                self.fail(line, f"{field} ({source})", f"{text!r} does not match {self.patterns[field].pattern!r}")
            text = match.groupdict().get("code") or match.group(1 if match.re.groups else 0)
        return text

    def number(self, field: str, cell: Any, line: Any, source: str) -> tuple[float, int]:
        where = f"{field} ({source})"
        if isinstance(cell, bool):
            self.fail(line, where, f"{cell!r} is not a number")
        if isinstance(cell, (int, float)) and not (isinstance(cell, float) and math.isnan(cell)):
            value, flag = float(cell), FLAG_VALUE
        else:
            text = _text(cell)
            if text is None and self.m.empty == "error":
                self.fail(line, where, "empty cell (tom celle)")
            parsed = parse_number(text or "", decimal_comma=self.decimal_comma)
            if parsed is None:
                self.fail(line, where, f"{text!r} is not a number or an SSB symbol (ikke et tall)")
            value, flag = parsed
        if field in ("numerator", "denominator") and value < 0:
            self.fail(line, where, f"negative count {value:g} (negativt antall)")
        if field in ("value", "ci_low", "ci_high") and self.m.value_scale == "fraction":
            value *= 100
        return value, flag

    def observation(self, keys: dict[str, Any], numbers: dict[str, Any], line: Any,
                    sources: dict[str, str]) -> dict:
        fail = lambda field, msg: self.fail(line, f"{field} ({sources.get(field, 'constant')})", msg)
        row: dict[str, Any] = {}
        for field, cell in keys.items():
            row[field] = self.key(field, cell, line, sources.get(field, "constant"))
        if "period" in row:
            row["period_from"], row["period_to"] = _period(row.pop("period"), fail)
        else:
            for f in ("period_from", "period_to"):
                if f in row:
                    row[f] = _period(row[f], fail)[0]
        for field in ("indicator", "region"):
            if not row.get(field):
                fail(field, f"empty {field}")
        for field in ("sex", "age", "background", "ses"):
            if field in row and row[field] is None:
                row[field] = TOTAL
        flags = {}
        for field, cell in numbers.items():
            row[field], flags[field] = self.number(field, cell, line, sources.get(field, "constant"))
        if "value" not in numbers and self.m.value_from_ratio is not None:
            num, den = row.get("numerator", math.nan), row.get("denominator", math.nan)
            row["value"] = num / den * self.m.value_from_ratio if den and not math.isnan(den) else math.nan
            flags["value"] = max(flags.get("numerator", FLAG_MISSING), flags.get("denominator", FLAG_MISSING))
        row.setdefault("value", math.nan)
        flag = flags.get("value", flags.get("numerator", flags.get("denominator", FLAG_MISSING)))
        if flag == FLAG_VALUE and math.isnan(row.get("value", math.nan)):
            flag = FLAG_MISSING  # counts without a value and no declared ratio
        row["flag"] = flag
        if flag == FLAG_SUPPRESSED and not row.get("flag_reason"):
            row["flag_reason"] = self.m.suppressed_reason
        return row


def _build(rows: list[dict], lines: list, file: str) -> pd.DataFrame:
    """frame() + validate(), with validate's table position turned back into the file line."""
    df = observations.frame(rows) if rows else observations.frame()
    try:
        return observations.validate(df, file=file)
    except InputError as exc:
        line = lines[exc.row - 1] if isinstance(exc.row, int) and 0 < exc.row <= len(lines) else exc.row
        raise InputError(exc.reason, file=file, row=line, field=exc.field) from None


def _pivot_measures(obs: list[tuple[dict, dict, Any]]) -> list[tuple[dict, dict, Any]]:
    """Rows that differ only by measure -> one row with numerator/denominator/value filled in."""
    merged: dict[tuple, tuple[dict, dict, Any]] = {}
    for keys, numbers, line in obs:
        ident = tuple(sorted((k, str(v)) for k, v in keys.items()))
        if ident in merged:
            merged[ident][1].update(numbers)
        else:
            merged[ident] = (keys, dict(numbers), line)
    return list(merged.values())


def _map_rows(raw: pd.DataFrame, m: TableMapping, file: str, decimal_comma: bool,
              line_of=lambda r: r["__line__"]) -> pd.DataFrame:
    mapper = _Mapper(m, file, decimal_comma)
    missing = [c for c in m.columns.values() if c not in raw.columns]
    if m.measures and m.measures.column not in raw.columns:
        missing.append(m.measures.column)
    if missing:
        raise InputError(f"source columns {missing} not found; the table has {list(raw.columns)}", file=file,
                         field=missing[0])
    for col, values in m.drop.items():
        if col not in raw.columns:
            raise InputError(f"drop: no column {col!r}", file=file, field=col)
        raw = raw[~raw[col].map(_text).isin([str(v) for v in values])]
    for col, pattern in m.keep.items():
        if col not in raw.columns:
            raise InputError(f"keep: no column {col!r}", file=file, field=col)
        regex = re.compile(pattern)
        raw = raw[[bool(regex.search(_text(c) or "")) for c in raw[col]]]
    sources = {f: c for f, c in m.columns.items()}
    melt_cols: list[str] = []
    if m.melt:
        used = set(m.columns.values()) | set(m.drop) | set(m.keep) | {"__line__"}
        melt_cols = m.melt.columns or [c for c in raw.columns if c not in used]
        absent = [c for c in melt_cols if c not in raw.columns]
        if absent:
            raise InputError(f"melt columns {absent} not found", file=file, field=absent[0])
    pending: list[tuple[dict, dict, Any]] = []
    names = list(raw.columns)
    for values in zip(*(raw[c].tolist() for c in names)):
        rec = dict(zip(names, values))
        line = line_of(rec)
        keys = {f: c for f, c in m.constants.items() if f in KEY_FIELDS}
        numbers = {f: c for f, c in m.constants.items() if f in NUMBER_FIELDS}
        for field, col in m.columns.items():
            (keys if field in KEY_FIELDS else numbers)[field] = rec[col]
        if m.measures:
            code = _text(rec[m.measures.column])
            targets = [f for f, c in m.measures.fields.items() if c == code]
            if not targets:
                continue  # a measure the mapping does not use
            cell = numbers.pop("value", None) if "value" in m.columns else None
            numbers = {f: cell for f in targets}
        if m.melt:
            for col in melt_cols:
                k = dict(keys)
                k[m.melt.into] = col
                n = dict(numbers)
                n[m.melt.values] = rec[col]
                pending.append((k, n, line))
        else:
            pending.append((keys, numbers, line))
    if m.measures:
        pending = _pivot_measures(pending)
    rows, lines = [], []
    for keys, numbers, line in pending:
        src = dict(sources)
        if m.melt:
            src[m.melt.into] = "header"
            src[m.melt.values] = "melted column"
        rows.append(mapper.observation(keys, numbers, line, src))
        lines.append(line)
    df = _build(rows, lines, file)
    df.attrs["source_file"] = file
    return df


def read_table(path: str | Path, mapping: TableMapping | dict | str | Path) -> pd.DataFrame:
    """Read a CSV (UTF-8 or ISO-8859-1, or the declared encoding) or .xlsx file into the observation
    layout (observations.frame, checked by observations.validate). Errors name the file, the
    1-based line (CSV) or sheet row (Excel) and the field. All or nothing."""
    m = TableMapping.load(mapping)
    path = Path(path)
    raw, decimal_comma = _load_raw(path, m)
    return _map_rows(raw, m, str(path), decimal_comma)


def jsonstat_to_observations(df: pd.DataFrame, mapping: TableMapping | dict | str | Path) -> pd.DataFrame:
    """Map a read_jsonstat frame to observations: `columns` name dimension ids (their category codes
    are used), `measures.column` names e.g. 'ContentsCode'. JSON-stat flags are kept: a cell with a
    status marker stays NaN with its flag."""
    m = TableMapping.load(mapping, default_columns={"value": "value"})  # the cell feeds `value`
    file = str(df.attrs.get("source_file", "<json-stat>"))
    raw = df.copy()
    # feed the status marker as the cell so parse_number gives the same flags as for CSV
    raw["value"] = [s if (pd.isna(v) and s in STATUS_FLAGS) else v for v, s in zip(df["value"], df["status"])]
    raw["__line__"] = [f"cell {i}" for i in range(len(raw))]
    return _map_rows(raw, m, file, decimal_comma=False)
