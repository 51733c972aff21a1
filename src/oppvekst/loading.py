"""`oppvekst load FILE`: read a file into the observation layout and check its regions, before any write.

Accepted: an observation table (CSV or Parquet with the DESIGN.md columns), or with `mapping` a CSV,
Excel or JSON-stat file and a declared column mapping (see `oppvekst.sources.tabular`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from oppvekst import regions
from oppvekst.errors import InputError
from oppvekst.indicators.catalogue import catalogue
from oppvekst.indicators.stats import wilson
from oppvekst.observations import DIMENSIONS, frame, validate

STRING_COLUMNS = {c: "string" for c in ("indicator", "region", "sex", "age", "background", "ses", "flag_reason")}


def _read_observation_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                         file=str(path), row=line, field="encoding") from exc
    try:
        return pd.read_csv(path, dtype=STRING_COLUMNS, encoding="utf-8")
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read as an observation table: {exc}", file=str(path)) from exc


def _harmonise(df: pd.DataFrame, codes_year: int, file: str, first_row: int) -> pd.DataFrame:
    """Carry numerators and denominators on `codes_year` municipality codes onto 2024 codes."""
    municipal = df["region"].str.fullmatch(r"\d{4}")
    valid = set(regions.municipality_codes(codes_year)["code"])
    retired = municipal & ~df["region"].isin(valid)
    if retired.any():
        i = int(np.flatnonzero(retired)[0])
        raise InputError(f"municipality code {df['region'].iloc[i]!r} was not valid on 1 January {codes_year}",
                         file=file, row=i + first_row, field="region")
    part = df[municipal]
    if part["numerator"].isna().any():
        row = int(np.flatnonzero(municipal & df["numerator"].isna())[0]) + first_row
        raise InputError("harmonising onto 2024 codes needs counts (numerator)", file=file, row=row,
                         field="numerator")
    keys = [c for c in DIMENSIONS if c != "region"] + ["n_years", "flag", "flag_reason"]
    carried = regions.harmonise(part[["region", *keys, "numerator", "denominator"]], codes_year,
                                code_col="region", count_cols=["numerator", "denominator"], file=file)
    cat = catalogue()
    scale = carried["indicator"].map(lambda i: cat[i].scale if i in cat else np.nan)
    proportion = carried["indicator"].map(lambda i: i in cat and cat[i].measure == "proportion")
    low, high = wilson(carried["numerator"], carried["denominator"])
    carried["value"] = np.where(proportion, carried["numerator"] / carried["denominator"] * scale,
                                carried["numerator"])
    carried["ci_low"] = np.where(proportion, low * scale, np.nan)
    carried["ci_high"] = np.where(proportion, high * scale, np.nan)
    return pd.concat([df[~municipal], frame(carried)], ignore_index=True)


def read_for_load(path: Path, *, mapping: Path | None = None, codes_year: int | None = None) -> pd.DataFrame:
    path = Path(path)
    header_lines = 1 if mapping is None and path.suffix.lower() == ".csv" else 0
    if mapping is not None:
        from oppvekst.sources import tabular

        spec = tabular.TableMapping.from_yaml(mapping)
        if path.suffix.lower() == ".json":
            from oppvekst.sources.jsonstat import read_jsonstat

            df = tabular.jsonstat_to_observations(read_jsonstat(path), spec)
        else:
            df = tabular.read_table(path, spec)
    else:
        df = _read_observation_table(path)
    df = validate(df, file=str(path), first_row=1 + header_lines)
    if codes_year is not None and codes_year != 2024:
        df = validate(_harmonise(df, codes_year, str(path), 1 + header_lines), file=str(path))
    unknown_ind = ~df["indicator"].isin(list(catalogue()))
    if unknown_ind.any():
        i = int(np.flatnonzero(unknown_ind)[0])
        raise InputError(f"indicator {df['indicator'].iloc[i]!r} is not in the catalogue (`oppvekst indicators`)",
                         file=str(path), row=i + 1 + header_lines, field="indicator")
    known = set(regions.regions_2024()["code"])
    unknown = ~df["region"].isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(f"region code {df['region'].iloc[i]!r} is not a 2024 code; if the file uses the codes "
                         "of an earlier year, give --codes-year", file=str(path), row=i + 1 + header_lines,
                         field="region")
    return df
