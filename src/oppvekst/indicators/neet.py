"""NEET 15–29 (utenforskap) from SSB 13556: every municipality, county and the country, 2008–2024.

Counts are carried onto the 2024 municipality codes year by year before any share is computed, so a
merged municipality's share is the share of the merged population, and a split shares out both
numerator and denominator by the same population weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oppvekst import regions
from oppvekst.errors import InputError
from oppvekst.indicators.stats import wilson
from oppvekst.observations import FLAG_MISSING, FLAG_VALUE, TOTAL, frame
from oppvekst.sources import catalogue as bundled

INDICATOR = "neet_15_29"
INPUT = "ssb_13556_neet"  # the bundled extract (data/catalogue.yaml), the input named in neet_15_29.yaml
AGES = {"15-29 år": "15-29", "20-24 år": "20-24", "25-29 år": "25-29"}
SEXES = {"Begge kjønn": TOTAL, "Kvinner": "female", "Menn": "male"}
KEYS = ["region", "year", "sex", "age"]


def read_13556(raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """The SSB 13556 extract (columns region, komnr, tid, alder, kjonn, tot, NEET; the bundled one by
    default) as (region, year, sex, age, numerator, denominator)."""
    if raw is None:
        raw = bundled.load(INPUT)
    path = str(raw.attrs.get("source_file", INPUT))
    for field, allowed in (("alder", AGES), ("kjonn", SEXES)):
        bad = ~raw[field].isin(list(allowed))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"unknown value {raw[field].iloc[i]!r}", file=path, row=i + 2, field=field)
    for field in ("tot", "NEET"):
        bad = raw[field] < 0
        if bad.any():
            raise InputError("negative count", file=path, row=int(np.flatnonzero(bad)[0]) + 2, field=field)
    bad = raw["NEET"] > raw["tot"]
    if bad.any():
        raise InputError("numerator larger than its denominator", file=path,
                         row=int(np.flatnonzero(bad)[0]) + 2, field="NEET")
    return pd.DataFrame({
        "region": raw["komnr"], "year": raw["tid"].astype(int), "sex": raw["kjonn"].map(SEXES),
        "age": raw["alder"].map(AGES), "numerator": raw["NEET"].astype(float),
        "denominator": raw["tot"].astype(float),
    })


def _add_15_19(df: pd.DataFrame) -> pd.DataFrame:
    """15–19 = 15–29 − 20–24 − 25–29 (SSB 13556 publishes only the three other bands)."""
    wide = df.pivot_table(index=["region", "year", "sex"], columns="age",
                          values=["numerator", "denominator"], aggfunc="first", dropna=False)
    parts = {}
    for col in ("numerator", "denominator"):
        w = wide[col]
        if not {"15-29", "20-24", "25-29"} <= set(w.columns):
            return df
        parts[col] = w["15-29"] - w["20-24"] - w["25-29"]  # NaN if any band is missing
    young = pd.DataFrame(parts).reset_index().assign(age="15-19")
    young = young[young["denominator"].notna()]
    return pd.concat([df, young[KEYS + ["numerator", "denominator"]]], ignore_index=True)


def _sum_missing_aware(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum counts; a group with any missing part is missing (never a silent undercount)."""
    counts = df[["numerator", "denominator"]]
    keys = [df[c] for c in by]
    sums = counts.groupby(keys).sum()
    return sums.mask(counts.isna().groupby(keys).any()).reset_index()


def _by_code_year(part: pd.DataFrame, year: int, file: str) -> list[tuple[int, pd.DataFrame]]:
    """Split one year's rows by the code list they are on.

    SSB 13556 publishes 2012 for Harstad on code 1903, the merger of 1 January 2013, so a code that
    is not valid in `year` but comes into force on 1 January of the next year is read on that year's
    codes, provided none of its predecessors is also in the data (that would count people twice).
    """
    valid = set(regions.municipality_codes(year)["code"])
    later = part[~part["region"].isin(valid)]
    if later.empty:
        return [(year, part)]
    walk = regions.crosswalk(year, year + 1)
    predecessors = set(walk.loc[walk["new_code"].isin(later["region"]), "old_code"]) - set(later["region"])
    both = part["region"].isin(predecessors)
    if both.any():
        i = int(np.flatnonzero(both.to_numpy())[0])
        raise InputError(f"code {part['region'].iloc[i]!r} and its successor are both in {year}",
                         file=file, field="region")
    return [(year, part[part["region"].isin(valid)]), (year + 1, later)]


def observations(ssb_13556_neet: pd.DataFrame) -> pd.DataFrame:
    """The bundled release of neet_15_29 (the derivation its catalogue YAML names)."""
    return derive(ssb_13556_neet)[0]


def derive(ssb_13556_neet: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations for neet_15_29 on 2024 codes, and the split weights used (for display)."""
    if ssb_13556_neet is None:
        ssb_13556_neet = bundled.load(INPUT)
    raw = read_13556(ssb_13556_neet)
    path = str(ssb_13556_neet.attrs.get("source_file", INPUT))
    national = raw[raw["region"] == "0"]
    municipal = raw[raw["region"].str.len() == 4]
    harmonised, weights = [], []
    for year, part in municipal.groupby("year"):
        for code_year, rows in _by_code_year(part, int(year), path):
            carried = regions.harmonise(rows, code_year, code_col="region",
                                        count_cols=["numerator", "denominator"], file=path)
            used = carried.attrs.get("weights")
            carried.attrs = {}  # pandas compares attrs on concat; DataFrames there cannot be compared
            if used is not None and len(used):
                weights.append(used.assign(year=year))
            harmonised.append(carried)
    municipal = pd.concat(harmonised, ignore_index=True)[KEYS + ["numerator", "denominator"]]
    county_of = regions.regions_2024().set_index("code")["parent"]
    counties = _sum_missing_aware(municipal.assign(region=municipal["region"].map(county_of)), KEYS)
    table = pd.concat([national, counties, municipal], ignore_index=True)
    table = _add_15_19(table)
    return to_observations(table), (pd.concat(weights, ignore_index=True) if weights else pd.DataFrame())


def to_observations(table: pd.DataFrame) -> pd.DataFrame:
    low, high = wilson(table["numerator"], table["denominator"])
    value = table["numerator"] / table["denominator"]
    missing = value.isna()
    return frame({
        "indicator": INDICATOR, "region": table["region"], "period_from": table["year"],
        "period_to": table["year"], "sex": table["sex"], "age": table["age"],
        "numerator": table["numerator"], "denominator": table["denominator"],
        "value": value * 100, "ci_low": low * 100, "ci_high": high * 100, "n_years": 1,
        "flag": np.where(missing, FLAG_MISSING, FLAG_VALUE),
    })
