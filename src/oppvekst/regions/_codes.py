"""Municipality codes and their changes, from SSB KLASS 131 (bundled raw API responses).

The bundled KLASS versions (2018, 2019, 2020, 2023, 2024) are used as they are; the other years are
derived by walking back from the nearest later bundled version through the change table: every change
takes effect on 1 January, so the codes of year Y-1 are those of Y minus the new codes of the changes
dated Y-01-01 plus their old codes (with their old names). The walk is consistent all the way back to
1970 (every new code it removes exists, no old code it adds is present already; checked in tests).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import pandas as pd

from oppvekst.sources import catalogue as bundled

KLASS_VERSIONS = (2018, 2019, 2020, 2023, 2024)  # bundled 'Kommuneinndeling YYYY' versions
FIRST_TABLE_YEAR = 1971  # the change table covers changes from 1971-01-01 ...
MIN_YEAR = 2008  # the years this package answers for
# ... to 2025-01-02 and has no change dated 2025, so 2025 has the 2024 codes.
MAX_YEAR = 2025
UNKNOWN_MUNICIPALITY = "9999"  # KLASS 131 'Uoppgitt', in every version
UNKNOWN_COUNTY = "99"
LAND = "0"
LAND_NAME = "Hele landet"


def check_year(year: int) -> None:
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year must be an integer in {MIN_YEAR}-{MAX_YEAR}, got {year!r} "
                         f"(år må være {MIN_YEAR}-{MAX_YEAR})")


@cache
def _version(year: int) -> dict[str, str]:
    """code -> name of a bundled KLASS 131 version (9999 Uoppgitt included)."""
    items = bundled.load(f"klass131_version_{year}")["classificationItems"]
    return {item["code"]: item["name"] for item in items}


@cache
def _change_rows() -> tuple[dict, ...]:
    rows = bundled.load("klass131_changes_1971_2025")["codeChanges"]
    out = []
    for r in rows:
        date = r["changeOccurred"]
        if not date.endswith("-01-01"):  # the walk relies on this; true for the bundled table
            raise ValueError(f"KLASS change not dated 1 January: {r}")
        out.append({"old_code": r["oldCode"], "old_name": r["oldName"], "new_code": r["newCode"],
                    "new_name": r["newName"], "date": date, "year": int(date[:4])})
    return tuple(out)


@cache
def _changes_by_year() -> dict[int, list[dict]]:
    by_year: dict[int, list[dict]] = defaultdict(list)
    for r in _change_rows():
        by_year[r["year"]].append(r)
    return dict(by_year)


def _walk_back(codes: dict[str, str], year: int) -> dict[str, str]:
    """The codes valid in year-1, given those valid in `year`."""
    rows = _changes_by_year().get(year, [])
    prev = dict(codes)
    for r in rows:
        prev.pop(r["new_code"], None)
    for r in rows:
        prev[r["old_code"]] = r["old_name"]
    return prev


@cache
def _codes_of_year(year: int) -> dict[str, str]:
    """code -> name valid on 1 January `year` (9999 included); any year from 1970 to MAX_YEAR."""
    if year in KLASS_VERSIONS:
        return _version(year)
    if year > KLASS_VERSIONS[-1]:
        if _changes_by_year().get(year):
            raise ValueError(f"no bundled code list for {year}")
        return _codes_of_year(year - 1)
    if year < FIRST_TABLE_YEAR - 1:
        raise ValueError(f"the change table starts in {FIRST_TABLE_YEAR}")
    return _walk_back(_codes_of_year(year + 1), year + 1)


def municipality_codes(year: int) -> pd.DataFrame:
    """Municipalities (code, name; KLASS 131 names) valid on 1 January `year`, 2008-2025.

    9999 'Uoppgitt' is left out. 2019: 422, 2020-2023: 356, 2024: 357.
    """
    check_year(year)
    items = sorted((c, n) for c, n in _codes_of_year(year).items() if c != UNKNOWN_MUNICIPALITY)
    return pd.DataFrame(items, columns=["code", "name"]).astype("string")


@cache
def _valid_sets() -> dict[int, frozenset[str]]:
    return {y: frozenset(_codes_of_year(y)) - {UNKNOWN_MUNICIPALITY} for y in range(MIN_YEAR, MAX_YEAR + 1)}


def valid_years(code: str) -> list[int]:
    """The years (MIN_YEAR-MAX_YEAR) in which `code` is a valid municipality code."""
    return [y for y, s in _valid_sets().items() if code in s]


def county_codes(year: int) -> list[str]:
    """County codes in use on 1 January `year`: the first two digits of the municipality codes."""
    check_year(year)
    return sorted({c[:2] for c in _valid_sets()[year]})


@cache
def county_names() -> dict[str, str]:
    """County code -> name for every county code since 1972 (codes/county_names_numbers_1972_2024.csv).

    Codes 01 and 31 are both 'Østfold' and so on: a name is not an identity, the code and year are.
    """
    df = bundled.load("county_names_1972_2024")
    return dict(zip(df["county_code"], df["county_name"]))


@cache
def _sets_back_to_table_start() -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """year -> (municipality codes, county prefixes) for MAX_YEAR down to the year before the table."""
    out = {}
    for year in range(MAX_YEAR, FIRST_TABLE_YEAR - 2, -1):
        codes = frozenset(_codes_of_year(year))
        out[year] = (codes, frozenset(c[:2] for c in codes))
    return out


def _run_start(code: str, which: int) -> int | None:
    """First year of the unbroken run of `code` up to MAX_YEAR; None if it was in force before the
    change table starts (1971), i.e. not derivable from the bundled data."""
    start = None
    for year, sets in _sets_back_to_table_start().items():
        if code not in sets[which]:
            return start
        start = year
    return None


def municipality_valid_from(code: str) -> int | None:
    return _run_start(code, 0)


def county_valid_from(code: str) -> int | None:
    return _run_start(code, 1)


def _kind(row: dict, olds_per_new: dict, news_per_old: dict) -> str:
    key = row["date"]
    if len(news_per_old[(key, row["old_code"])]) > 1:
        return "split"
    if len(olds_per_new[(key, row["new_code"])]) > 1:
        return "merge"
    if row["old_code"] == row["new_code"]:
        return "rename"
    return "renumber"


@cache
def _changes_frame() -> pd.DataFrame:
    rows = list(_change_rows())
    olds_per_new: dict = defaultdict(set)
    news_per_old: dict = defaultdict(set)
    for r in rows:
        olds_per_new[(r["date"], r["new_code"])].add(r["old_code"])
        news_per_old[(r["date"], r["old_code"])].add(r["new_code"])
    out = pd.DataFrame([{**r, "kind": _kind(r, olds_per_new, news_per_old)} for r in rows])
    out = out.sort_values(["date", "new_code", "old_code"], kind="stable").reset_index(drop=True)
    cols = ["old_code", "old_name", "new_code", "new_name", "date", "kind"]
    return out[cols + ["year"]].astype({c: "string" for c in cols}).astype({"year": "int64"})


def changes(since: int = MIN_YEAR) -> pd.DataFrame:
    """KLASS 131 code changes that took effect on or after 1 January `since`.

    Columns: old_code, old_name, new_code, new_name, date ('YYYY-MM-DD', always 1 January), kind, year.
    kind: 'split' (the old code goes to several new codes that day), 'merge' (the new code receives
    several old codes; the row of a code that continues through a merge, e.g. 0704 -> 0704 in 2017,
    is a merge row too), 'rename' (same code, new name), 'renumber' (one old code to one new code,
    possibly with a new name).
    """
    df = _changes_frame()
    return df[df["year"] >= since].reset_index(drop=True)


@cache
def changes_on(year: int) -> dict[str, list[str]]:
    """old code -> new codes for the changes dated 1 January `year` (a rename maps a code to itself).
    Cached and shared: do not modify the result."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in _changes_by_year().get(year, []):
        out[r["old_code"]].add(r["new_code"])
    return {k: sorted(v) for k, v in out.items()}
