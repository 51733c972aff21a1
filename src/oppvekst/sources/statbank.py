"""Readers for CSV exports from SSB's statistics bank (statistikkbanken).

Three layouts are in use (see data/SOURCES.md): a title line, a blank line, then a quoted `;` header
(ISO-8859-1, CRLF: the 2023/2024 07459 and 10826 exports), and a bare `,` file with no title
(the 2019 07459 export). Both have dimension columns followed by "<Contents> <Year>" columns.
A third, wide export has a multi-row header (`read_statbank_wide`).
Own parser because pandas.read_csv cannot report the file line of a bad cell nor find the header
below a variable number of title lines.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from oppvekst.errors import InputError
from oppvekst.observations import FLAG_VALUE
from oppvekst.sources._text import parse_number, read_text

DELIMITERS = (";", ",", "\t")
CONTENTS_YEAR = re.compile(r"^(?P<contents>.*\S)\s+(?P<year>\d{4})$")
# "K-3101 Halden", "0101 Halden", "030100aa Oslo total", "K-21-22 Svalbard and Jan Mayen", "K-Rest ..."
REGION_LABEL = re.compile(r"^(?:[KF]-)?(?P<code>Rest|\d[0-9A-Za-z]*(?:-\d+)*)\s+(?P<name>.*\S)\s*$")
AGE_LABEL = re.compile(
    r"^(?P<age>\d+)\s*(?:years?|år)(?:\s+(?:or older|and older|and over|eller eldre|og eldre|og over))?$",
    re.IGNORECASE)
REGION_HEADERS = {"region", "kommune", "fylke", "bydel", "region (kommune)"}
AGE_HEADERS = {"age", "alder"}


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(1-based line number where the record starts, fields) for every record, blank lines kept."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    start = 1
    for fields in reader:
        out.append((start, fields))
        start = reader.line_num + 1
    return out


def _is_blank(fields: list[str]) -> bool:
    return all(not f.strip() for f in fields)


def _find_header(text: str, file: str) -> tuple[str, list[tuple[int, list[str]]], int]:
    """Pick the delimiter and the header record: the first record with >= 2 fields that ends in
    "<Contents> <Year>" columns. Returns (delimiter, records, index of the header record)."""
    best: tuple[int, str, list, int] | None = None
    head = "\n".join(text.splitlines()[:50])
    for delim in DELIMITERS:
        try:
            records = _records(head, delim)
        except csv.Error:
            continue
        for i, (line, fields) in enumerate(records):
            if len(fields) >= 2 and any(CONTENTS_YEAR.match(f.strip()) for f in fields[1:]):
                if best is None or line < best[0]:
                    best = (line, delim, records, i)
                break
    if best is None:
        raise InputError(
            "no header line with '<Contents> <Year>' columns (e.g. 'Persons 2024') in the first 50 lines "
            "(fant ingen overskriftslinje)", file=file, field="header")
    _, delim, _, index = best
    try:
        records = _records(text, delim)
    except csv.Error as exc:
        raise InputError(f"CSV syntax error: {exc}", file=file, field="csv") from None
    return delim, records, index


def _split_regions(labels: pd.Series, lines: pd.Series, file: str) -> tuple[pd.Series, pd.Series] | None:
    parts = labels.str.extract(REGION_LABEL)
    bad = parts["code"].isna()
    if bad.all():
        return None  # labels without codes: leave the column as it is
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"region label {labels.iloc[pos]!r} has no code (mangler regionkode)",
                         file=file, row=int(lines.iloc[pos]), field="region")
    return parts["code"].astype("string"), parts["name"].str.strip().astype("string")


def _ages(labels: pd.Series) -> pd.Series | None:
    parts = labels.str.strip().str.extract(AGE_LABEL)["age"]
    if parts.isna().any():
        return None  # not single-year ages (a total or an age group): keep the labels
    return parts.astype("int64")


def _read(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """read_statbank_csv plus a `line` column (1-based line of the cell in the file)."""
    file = str(path)
    text, _encoding = read_text(path, encoding)
    delim, records, h = _find_header(text, file)
    header_line, header = records[h]
    header = [f.strip() for f in header]
    while header and header[-1] == "":  # a trailing delimiter
        header.pop()
    first_value = next(i for i, f in enumerate(header) if i > 0 and CONTENTS_YEAR.match(f))
    dims = header[:first_value]
    value_cols = header[first_value:]
    parsed_cols = []
    for col in value_cols:
        m = CONTENTS_YEAR.match(col)
        if not m:
            raise InputError(f"column {col!r} after the first '<Contents> <Year>' column is not of that "
                             "form", file=file, row=header_line, field=col)
        parsed_cols.append((m["contents"], int(m["year"])))
    decimal_comma = delim != ","
    width = len(header)

    dim_values: list[list[str]] = [[] for _ in dims]
    contents, years, values, flags, lines = [], [], [], [], []
    body = records[h + 1:]
    for k, (line, fields) in enumerate(body):
        if _is_blank(fields):
            continue
        if len(fields) > width and all(not f.strip() for f in fields[width:]):
            fields = fields[:width]
        if len(fields) != width:
            rest = [r for r in body[k:] if not _is_blank(r[1])]
            if len(fields) < 2 and all(len(r[1]) < 2 for r in rest) and lines:
                break  # footnotes after the table
            raise InputError(f"{len(fields)} fields where the header has {width}", file=file, row=line,
                             field="row")
        for j in range(len(dims)):
            dim_values[j].extend([fields[j].strip()] * len(value_cols))
        for (cont, year), col, cell in zip(parsed_cols, value_cols, fields[first_value:]):
            parsed = parse_number(cell, decimal_comma=decimal_comma)
            if parsed is None:
                raise InputError(f"value {cell.strip()!r} is not a number or an SSB symbol "
                                 "(.. . : - ...) (ikke et tall)", file=file, row=line, field=col)
            contents.append(cont)
            years.append(year)
            values.append(parsed[0])
            flags.append(parsed[1])
            lines.append(line)
    if not lines:
        raise InputError("no data rows below the header", file=file, row=header_line, field="header")

    out: dict[str, pd.Series] = {}
    line_s = pd.Series(lines, dtype="int64")
    for name, vals in zip(dims, dim_values):
        labels = pd.Series(vals, dtype="string")
        key = name.lower()
        if key in REGION_HEADERS and "region" not in out:
            split = _split_regions(labels, line_s, file)
            if split is not None:
                out["region"], out["region_name"] = split
                continue
            out["region"] = labels
            continue
        if key in AGE_HEADERS and "age" not in out:
            ages = _ages(labels)
            out["age"] = ages if ages is not None else labels
            continue
        out[name] = labels
    out["contents"] = pd.Series(contents, dtype="string")
    out["year"] = pd.Series(years, dtype="int64")
    out["value"] = pd.Series(values, dtype="float64")
    out["flag"] = pd.Series(flags, dtype="int8")
    out["line"] = line_s
    return pd.DataFrame(out)


def read_statbank_csv(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read an SSB statistics bank CSV export into a long table (`encoding` None: UTF-8, else ISO-8859-1).

    Columns: the dimension columns (a region column becomes `region` code + `region_name`; an age
    column of single-year labels becomes an integer `age`), then `contents`, `year`, `value` (float,
    NaN for SSB's `..` `.` `:`) and `flag` (observations.STATUS_FLAGS, else 0).
    """
    df = _read(path, encoding)
    df.attrs["source_file"] = str(path)
    return df.drop(columns="line")


def read_population(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Population by region and single-year age from a 07459 or 10826 export.

    Columns: region (code as given, without 'K-'), region_name, age (int, 105 = 105 or older),
    year (int), persons (int64).
    """
    file = str(path)
    df = _read(path, encoding)
    for needed in ("region", "region_name", "age"):
        if needed not in df.columns:
            raise InputError(f"no {needed} column (region with codes and single-year ages needed)",
                             file=file, field=needed)
    if df["age"].dtype != "int64":
        raise InputError("the age column does not hold single-year ages ('0 years', '105 år eller eldre')",
                         file=file, field="age")
    kinds = df["contents"].unique()
    if len(kinds) != 1:
        raise InputError(f"expected one contents column (persons), found {list(kinds)}", file=file,
                         field="contents")
    bad = df["flag"] != FLAG_VALUE
    if bad.any():
        first = df[bad].iloc[0]
        raise InputError("population count is missing or suppressed", file=file, row=int(first["line"]),
                         field=f"{first['contents']} {first['year']}")
    bad = (df["value"] < 0) | (df["value"] % 1 != 0)
    if bad.any():
        first = df[bad].iloc[0]
        raise InputError(f"population count {first['value']} is not a whole number >= 0", file=file,
                         row=int(first["line"]), field=f"{first['contents']} {first['year']}")
    out = df[["region", "region_name", "age", "year"]].copy()
    out["persons"] = df["value"].astype("int64")
    out.attrs["source_file"] = file
    return out.reset_index(drop=True)


YEAR_HEADERS = {"år", "year", "tid", "time"}


def read_statbank_wide(path: str | Path, header_rows: int | None = None,
                       encoding: str | None = None) -> pd.DataFrame:
    """A wide export with a multi-row header, one "<Dimension>: <category>" cell per row and column
    (e.g. education/ssb_vgo_fullfort_fylker_2009-2019_wide_latin1.csv: Bakgrunn × Kjønn × Enhet × År).

    The leading columns whose first header cell has no ':' (e.g. Region, Navn) are key columns.
    `header_rows` is detected when not given (the leading rows whose value cells all read "X: y").
    Returns the key columns, one column per header dimension (a year dimension, "År"/"Year", becomes
    integer `year`), `value` and `flag` (empty cell -> NaN, flag 1; SSB symbols as in read_statbank_csv).
    """
    file = str(path)
    text, _encoding = read_text(path, encoding)
    delim = max(DELIMITERS, key=lambda d: text.split("\n", 1)[0].count(d))
    try:
        records = [r for r in _records(text, delim) if not _is_blank(r[1])]
    except csv.Error as exc:
        raise InputError(f"CSV syntax error: {exc}", file=file, field="csv") from None
    if not records:
        raise InputError("empty file", file=file, field="header")
    first = [f.strip() for f in records[0][1]]
    n_keys = next((i for i, f in enumerate(first) if ":" in f), None)
    if not n_keys:
        raise InputError("no key columns followed by 'Dimension: category' header cells", file=file,
                         row=records[0][0], field="header")
    width = len(first)

    def is_header(fields: list[str]) -> bool:
        cells = [f.strip() for f in fields[n_keys:]]
        return len(fields) == width and all(":" in c for c in cells if c) and any(cells)

    if header_rows is None:
        header_rows = 0
        while header_rows < len(records) and is_header(records[header_rows][1]):
            header_rows += 1
    header_part = records[:header_rows]
    dims: list[str] = []
    col_cats: list[list[str]] = [[] for _ in range(width - n_keys)]
    for line, fields in header_part:
        if not is_header(fields):
            raise InputError("header row is not of the form 'Dimension: category'", file=file, row=line,
                             field="header")
        name = None
        for j, cell in enumerate(fields[n_keys:]):
            dim, _, cat = cell.strip().partition(":")
            if name is None:
                name = dim.strip()
            elif dim.strip() != name:
                raise InputError(f"header row mixes dimensions {name!r} and {dim.strip()!r}", file=file,
                                 row=line, field=f"column {n_keys + j + 1}")
            col_cats[j].append(cat.strip())
        dims.append(name)
    keys = first[:n_keys]
    rows: list[list] = []
    for line, fields in records[header_rows:]:
        if len(fields) != width:
            raise InputError(f"{len(fields)} fields where the header has {width}", file=file, row=line,
                             field="row")
        key_vals = [f.strip() for f in fields[:n_keys]]
        for j, cell in enumerate(fields[n_keys:]):
            parsed = parse_number(cell, decimal_comma=delim != ",")
            if parsed is None:
                raise InputError(f"value {cell.strip()!r} is not a number or an SSB symbol", file=file,
                                 row=line, field=" / ".join(col_cats[j]) or f"column {n_keys + j + 1}")
            rows.append(key_vals + col_cats[j] + [parsed[0], parsed[1]])
    names = keys + ["year" if d.lower() in YEAR_HEADERS else d for d in dims] + ["value", "flag"]
    df = pd.DataFrame(rows, columns=names)
    for col in keys + [c for c in names[n_keys:-2]]:
        df[col] = df[col].astype("string")
    if "year" in df.columns:
        bad = ~df["year"].str.fullmatch(r"\d{4}")
        if bad.any():
            raise InputError(f"year {df['year'][bad].iloc[0]!r} is not a year", file=file, field="year")
        df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    df["flag"] = df["flag"].astype("int8")
    df.attrs["source_file"] = file
    df.attrs["header_rows"] = header_rows
    return df
