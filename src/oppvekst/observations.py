"""The statistical data model: one long table of observations (FHI/SSB style), see DESIGN.md.

Every reader in `sources` and every derivation ends in a DataFrame with these columns, and the
warehouse stores exactly this table. "All" in a dimension is the explicit code TOTAL, never NULL.
"""

from __future__ import annotations

import pandas as pd

from oppvekst.errors import InputError

TOTAL = "all"

# flag: 0 value, 1 missing, 2 not computable, 3 suppressed (SSB `..`, `.`, `:`).
FLAG_VALUE, FLAG_MISSING, FLAG_NOT_COMPUTABLE, FLAG_SUPPRESSED = 0, 1, 2, 3
# SSB/JSON-stat status markers: ".." not yet available / missing, "." cannot occur, ":" confidential.
STATUS_FLAGS = {"..": FLAG_MISSING, ".": FLAG_NOT_COMPUTABLE, ":": FLAG_SUPPRESSED}
SUPPRESSION_REASONS = ("primary", "complement", "series", "secondary", "coverage", "manual")

DIMENSIONS = ["indicator", "region", "period_from", "period_to", "sex", "age", "background", "ses"]
COLUMNS = DIMENSIONS + [
    "numerator", "denominator", "value", "ci_low", "ci_high", "n_years", "flag", "flag_reason",
]
DTYPES = {
    "indicator": "string", "region": "string", "period_from": "int32", "period_to": "int32",
    "sex": "string", "age": "string", "background": "string", "ses": "string",
    "numerator": "float64", "denominator": "float64", "value": "float64",
    "ci_low": "float64", "ci_high": "float64", "n_years": "int32", "flag": "int8",
    "flag_reason": "string",
}
SEXES = {TOTAL, "female", "male"}


def frame(rows: pd.DataFrame | list[dict] | None = None) -> pd.DataFrame:
    """A DataFrame in the observation layout; missing optional columns get their defaults."""
    df = pd.DataFrame(rows if rows is not None else [])
    defaults = {"sex": TOTAL, "age": TOTAL, "background": TOTAL, "ses": TOTAL, "flag": FLAG_VALUE,
                "flag_reason": None, "numerator": float("nan"), "denominator": float("nan"),
                "ci_low": float("nan"), "ci_high": float("nan")}
    for col, default in defaults.items():
        if col not in df.columns:
            df[col] = default
    if "period_to" not in df.columns and "period_from" in df.columns:
        df["period_to"] = df["period_from"]
    if "n_years" not in df.columns and "period_from" in df.columns:
        df["n_years"] = df["period_to"] - df["period_from"] + 1
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"observations lack required columns {missing}")
    return df[COLUMNS].astype(DTYPES)


def validate(df: pd.DataFrame, *, file: str = "<observations>", first_row: int = 1) -> pd.DataFrame:
    """Check an observation table; raise InputError naming file, row and field on the first fault.

    Rows are numbered from `first_row` (2 for a CSV file with a header line, so that the number is
    the line in the file).
    """
    df = frame(df)

    def fail(mask: pd.Series, field: str, message: str) -> None:
        if mask.any():
            pos = int(mask.to_numpy().nonzero()[0][0])
            raise InputError(message, file=file, row=pos + first_row, field=field)

    for col in ("indicator", "region", "sex", "age", "background", "ses"):
        fail(df[col].isna() | (df[col].str.strip() == ""), col, "empty (use 'all' for a total)")
    fail(~df["sex"].isin(SEXES), "sex", f"sex must be one of {sorted(SEXES)}")
    fail(df["period_to"] < df["period_from"], "period_to", "period ends before it starts")
    fail(df["numerator"] < 0, "numerator", "negative count")
    fail(df["denominator"] < 0, "denominator", "negative count")
    fail(df["numerator"] > df["denominator"], "numerator", "numerator larger than its denominator")
    fail(~df["flag"].isin([0, 1, 2, 3]), "flag", "flag must be 0, 1, 2 or 3")
    fail((df["flag"] == FLAG_VALUE) & df["value"].isna(), "value", "flag 0 (value) but no value")
    fail((df["flag"] == FLAG_SUPPRESSED) & ~df["flag_reason"].isin(SUPPRESSION_REASONS), "flag_reason",
         f"a suppressed cell must keep its reason, one of {SUPPRESSION_REASONS}")
    dup = df.duplicated(DIMENSIONS, keep="first")
    fail(dup, "indicator", "duplicate observation (same indicator, region, period and breakdown)")
    return df
