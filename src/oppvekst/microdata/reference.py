"""A straightforward pandas implementation of the same linkage and indicators (benchmark baseline, cross-check).

Written the way one would without Ibis: plain merges and group-bys. `person_years` is the linkage (the same
table as `derive.person_year_table`), `flags` + `aggregate` the derivation (the same aggregate as
`derive.run`). The tests check that both agree exactly on a sample; the benchmark times both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from oppvekst.microdata.derive import (
    AGE_BANDS,
    BACKGROUND_CODE,
    EDU_RANK,
    FINE,
    PERSON_YEARS,
    SEX_CODE,
    SPECS,
    TABLES,
    tidy,
    value_columns,
)

PERSON_YEAR_COLUMNS = ["pid", "year", "area", "sex", "background", "edu", "parents", "eq", "s3", "crowded",
                       "reading_level", "points", "age", "has3", "sa", "kg", "neet", "cw_measure", "cw_placement",
                       "started", "completed5"]


def read(linked: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(linked / f"{name}.parquet") for name in TABLES}


# -- linkage ----------------------------------------------------------------------------------------------
def person_years(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    pop = t["population"]
    pop = pd.DataFrame({"pid": pop["pid"], "sex": pop["sex"].map(SEX_CODE).fillna(0),
                        "background": pop["immigrant_category"].map(BACKGROUND_CODE).fillna(0),
                        "mother_pid": pop["mother_pid"], "father_pid": pop["father_pid"],
                        "birth_year": pd.to_datetime(pop["birth_date"]).dt.year})
    edu = t["education"]
    edu = pd.DataFrame({"pid": edu["pid"], "rank": edu["highest_level"].map(EDU_RANK).fillna(0)})
    inc = t["household_income"].sort_values(["household_id", "year"])
    inc["eq"] = np.floor(inc["income_after_tax"] / inc["consumption_units"]).astype("int64")
    g = inc.groupby("household_id")
    inc["s3"] = inc["eq"] + g["eq"].shift(1) + g["eq"].shift(2)
    inc["has3"] = g["year"].shift(2) == inc["year"] - 2
    hs = t["housing"]
    hs = pd.DataFrame({"household_id": hs["household_id"], "year": hs["year"],
                       "crowded": ((hs["rooms"] < hs["persons"]) | ((hs["persons"] == 1) & (hs["rooms"] == 1)))
                       & (hs["area_m2"] < 25 * hs["persons"])})
    sa = t["social_assistance"][["pid", "year"]].drop_duplicates()
    b = t["residence"].merge(pop, on="pid")
    b = b.merge(edu.rename(columns={"pid": "mother_pid", "rank": "m_edu"}), on="mother_pid", how="left")
    b = b.merge(edu.rename(columns={"pid": "father_pid", "rank": "f_edu"}), on="father_pid", how="left")
    b = b.merge(inc[["household_id", "year", "eq", "s3", "has3"]], on=["household_id", "year"], how="left")
    b = b.merge(hs, on=["household_id", "year"], how="left")
    for who, col in (("sa_mother", "mother_pid"), ("sa_father", "father_pid"), ("sa_self", "pid")):
        b = b.merge(sa.rename(columns={"pid": col}).assign(**{who: True}), on=[col, "year"], how="left")
    b = b.merge(t["kindergarten"][["pid", "year"]].assign(kg=True), on=["pid", "year"], how="left")
    b = b.merge(t["neet"][["pid", "year"]].assign(neet=True), on=["pid", "year"], how="left")
    cw = t["child_welfare"]
    cw = pd.DataFrame({"pid": cw["pid"], "year": cw["year"], "cw_measure": cw["in_home_measure"] | cw["placement"],
                       "cw_placement": cw["placement"]})
    b = b.merge(cw, on=["pid", "year"], how="left")
    nt = t["national_tests"]
    nt = nt[(nt["grade"] == 5) & (nt["subject"] == "reading")][["pid", "year", "mastery_level"]]
    b = b.merge(nt.rename(columns={"mastery_level": "reading_level"}), on=["pid", "year"], how="left")
    b = b.merge(t["lower_secondary"][["pid", "year", "points"]], on=["pid", "year"], how="left")
    us = t["upper_secondary"]
    us = pd.DataFrame({"pid": us["pid"], "year": us["start_year"], "started": True,
                       "completed5": us["completed_year"].notna() & (us["completed_year"] - us["start_year"] <= 5)})
    b = b.merge(us, on=["pid", "year"], how="left")
    b["age"] = b["year"] - 1 - b["birth_year"]
    b["edu"] = np.maximum(b["m_edu"].fillna(0), b["f_edu"].fillna(0)).astype(int)
    b["parents"] = b["mother_pid"].notna().astype(int) + b["father_pid"].notna().astype(int)
    for col in ("sa_mother", "sa_father", "sa_self", "kg", "neet", "cw_measure", "cw_placement", "started",
                "completed5", "has3"):
        b[col] = b[col].fillna(False).astype(bool)
    b["sa"] = b["sa_mother"] | b["sa_father"] | b["sa_self"]
    b["area"] = b["levekarssone"].fillna(b["bydel"]).fillna(b["kommune"]).astype("int64")
    return b[PERSON_YEAR_COLUMNS]


# -- derivation -------------------------------------------------------------------------------------------
def flags(b: pd.DataFrame) -> pd.DataFrame:
    b = b.copy()
    by_year = b.groupby("year")
    b["med1"] = by_year["eq"].transform("median")
    b["med3"] = b["s3"].where(b["has3"]).groupby(b["year"]).transform("median")
    n = by_year["eq"].transform("count")
    rank = by_year["eq"].rank(method="min") - 1
    b["quintile"] = np.where(b["eq"].notna(), (5 * rank) // n + 1, 0).astype(int)
    b["low1"] = b["eq"].notna() & (b["eq"] < 0.6 * b["med1"])
    b["low3"] = b["has3"] & (b["s3"] < 0.6 * b["med3"])
    child = b["age"].between(0, 17)
    crowded_known = b["crowded"].notna()
    crowded = b["crowded"].fillna(False).astype(bool)
    defs = {
        "low_income_persistent_0_17_syn": (child & b["has3"], b["low3"]),
        "low_income_annual_0_17_syn": (child & b["eq"].notna(), b["low1"]),
        "neet_15_29_syn": (b["age"].between(15, 29), b["neet"]),
        "kindergarten_1_5_syn": (b["age"].between(1, 5), b["kg"]),
        "kindergarten_low_ses_syn": (b["age"].between(1, 5) & b["low3"], b["kg"]),
        "upper_secondary_completion_syn": (child & b["started"], b["completed5"]),
        "child_welfare_measures_0_17_syn": (child, b["cw_measure"]),
        "asss_11_out_of_home_placements_syn": (child, b["cw_placement"]),
        "crowded_housing_0_17_syn": (child & crowded_known, crowded),
        "children_social_assistance_0_17_syn": (child, b["sa"]),
        "single_parent_0_17_syn": (child & (b["parents"] > 0), b["parents"] == 1),
        "low_education_parents_0_17_syn": (child & (b["edu"] > 0), b["edu"] == 1),
        "reading_low_5_syn": (child & b["reading_level"].notna(), b["reading_level"] == 1),
        "lower_secondary_points_syn": (child & b["points"].notna(), None),
    }
    band = np.searchsorted(np.array([hi for _, hi in AGE_BANDS]), b["age"].to_numpy())
    out = b[["year", "area", "sex", "background", "edu", "quintile"]].assign(band=band)
    for spec in SPECS:
        den, num = defs[spec.id]
        out[f"d_{spec.id}"] = den.astype("int64")
        if spec.measure == "mean":
            out[f"s_{spec.id}"] = b["points"].where(den, 0.0)
            out[f"q_{spec.id}"] = (b["points"] ** 2).where(den, 0.0)
        else:
            out[f"n_{spec.id}"] = (den & num).astype("int64")
    return out


def aggregate(flagged: pd.DataFrame) -> pd.DataFrame:
    """Sums by year × area × the breakdowns, then the same long layout as `derive.tidy`."""
    cols = [c for s in SPECS for c in value_columns(s)]
    return tidy(flagged.groupby(["year", "area", *FINE], as_index=False)[cols].sum())


def run(linked: Path) -> pd.DataFrame:
    """The derivation from the linked person-year table (what `derive.run` does, in pandas)."""
    return aggregate(flags(pd.read_parquet(linked / PERSON_YEARS)))


def run_from_registers(linked: Path) -> pd.DataFrame:
    """Linkage and derivation from the pseudonymised registers."""
    return aggregate(flags(person_years(read(linked))))
