"""Carry statistics reported on the municipality codes of one year onto the codes of a later year.

Merges are summed. A split municipality is shared out over its parts by population weights; integer
counts are rounded by the largest-remainder method per old code, so the parts add up to the old value
exactly. The weights of the splits since 2008 are estimated from bundled SSB population data
(`split_weights`); they can be overridden.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import numpy as np
import pandas as pd

from oppvekst.errors import InputError
from oppvekst.regions._codes import (
    LAND,
    LAND_NAME,
    MAX_YEAR,
    UNKNOWN_COUNTY,
    _codes_of_year,
    changes,
    changes_on,
    check_year,
    county_codes,
    county_names,
    municipality_codes,
    valid_years,
)
from oppvekst.regions._hierarchy import _regions, region_name
from oppvekst.sources import catalogue as bundled

# 1 January populations by municipality (SSB 07459), on the codes of that year (data/catalogue.yaml names)
POPULATION_07459 = {2019: "ssb_07459_2019", 2023: "ssb_07459_2023", 2024: "ssb_07459_2024"}
# Registered residents aged 15-29 by municipality 2008-2024 (SSB 13556 'tot'): the only bundled series
# with municipality figures on both sides of the 2017 changes.
RESIDENTS_13556 = "ssb_13556_neet"
WEIGHT_COLUMNS = ["old_code", "date", "new_code", "weight", "population", "population_year", "method",
                  "source", "detail"]
TOLERANCE = 1e-9


# ---------------------------------------------------------------- populations for the split weights

@cache
def _population_07459(year: int) -> dict[str, int]:
    df = bundled.load(POPULATION_07459[year])
    return {str(k): int(v) for k, v in df.groupby("region")["persons"].sum().items()}


@cache
def _residents_13556(year: int) -> dict[str, int]:
    df = bundled.load(RESIDENTS_13556)
    df = df[(df["alder"] == "15-29 år") & (df["kjonn"] == "Begge kjønn") & (df["tid"] == year)]
    return {str(k): int(v) for k, v in zip(df["komnr"], df["tot"])}


def _source_for(change_year: int, need_before: bool) -> tuple[str, int | None, int, object]:
    """(label, before year, after year, reader): SSB 07459 total population when the bundled files have
    a year on both sides of the change (or after it, when no 'before' is needed); else 13556."""
    after = min((y for y in POPULATION_07459 if y >= change_year), default=None)
    before = max((y for y in POPULATION_07459 if y < change_year), default=None)
    if after is not None and (before is not None or not need_before):
        label = (f"SSB 07459, population 1 January (data/{bundled.entry(POPULATION_07459[after]).path}"
                 + (f", {bundled.path(POPULATION_07459[before]).name}" if need_before else "") + ")")
        return label, before, after, _population_07459
    label = (f"SSB 13556, registered residents aged 15-29, both sexes ('tot'; "
             f"data/{bundled.entry(RESIDENTS_13556).path})")
    return label, change_year - 1, change_year, _residents_13556


def _unchanged(code: str, first_year: int, last_year: int) -> bool:
    return all(code not in changes_on(y) for y in range(first_year, last_year + 1))


@cache
def _estimated_split(old_code: str, year: int) -> pd.DataFrame:
    """Population weights for the split of `old_code` on 1 January `year` (see split_weights)."""
    moves = changes_on(year)
    parts = moves[old_code]
    preds = {n: sorted(o for o, news in moves.items() if n in news and o != old_code) for n in parts}
    for n, olds in preds.items():
        for o in olds:
            if moves[o] != [n]:
                raise ValueError(f"{o} is split too on {year}-01-01; no residual estimate for {old_code}")
    need_before = any(preds.values())
    source, before, after, reader = _source_for(year, need_before)
    rows = []
    for n in parts:
        if not _unchanged(n, year + 1, after):
            raise ValueError(f"{n} changed between {year} and {after}; no estimate for {old_code}")
        pop_after = reader(after)[n]
        if preds[n]:
            for o in preds[n]:
                if not _unchanged(o, before + 1, year - 1):
                    raise ValueError(f"{o} changed between {before} and {year}")
            pop_before = sum(reader(before)[o] for o in preds[n])
            estimate = max(pop_after - pop_before, 0)
            method = "residual"
            detail = (f"{n} in {after} ({pop_after}) minus its wholly merged predecessors "
                      f"{', '.join(preds[n])} in {before} ({pop_before}) = {pop_after - pop_before}, "
                      f"clipped at 0, normalised over the parts of {old_code}")
        else:
            estimate = pop_after
            method = "population of the part"
            detail = f"{n} in {after} ({pop_after}); {n} has no other predecessor than {old_code}"
        rows.append({"old_code": old_code, "date": f"{year}-01-01", "new_code": n, "population": estimate,
                     "population_year": after, "method": method, "source": source, "detail": detail})
    df = pd.DataFrame(rows)
    total = df["population"].sum()
    if total <= 0:
        raise ValueError(f"no positive population estimate for the parts of {old_code}")
    df["weight"] = df["population"] / total
    return df[WEIGHT_COLUMNS]


@cache
def _splits() -> tuple[tuple[str, int], ...]:
    c = changes()
    s = c[c["kind"] == "split"][["old_code", "year"]].drop_duplicates()
    return tuple((str(o), int(y)) for o, y in zip(s["old_code"], s["year"]))


def split_weights() -> pd.DataFrame:
    """The population weights that share out each municipality split since 2008.

    Columns: old_code, date, new_code, weight, population, population_year, method, source, detail.
    - 'population of the part': the new municipality consists only of this part (1507 -> 1508, 1580):
      its population in the first bundled year on or after the change.
    - 'residual': the receiving municipality's population in the first bundled year on or after the
      change minus the populations of its wholly merged predecessors in the last bundled year before
      it, clipped at 0; the estimates are normalised over the parts. An estimate, not an SSB figure.
    Source: SSB 07459 (1 January population) where the bundled years allow, else SSB 13556 residents
    aged 15-29 (0720 Stokke, 2017: no bundled population before 2019).
    """
    frames = [_estimated_split(o, y) for o, y in _splits()]
    return pd.concat(frames, ignore_index=True).astype(
        {"population": "int64", "population_year": "int64", "weight": "float64"})


# ---------------------------------------------------------------- weights given by the caller

def _given_weights(weights: pd.DataFrame | None) -> dict[tuple[str, int | None], dict[str, float]]:
    """(old_code, year or None) -> {new_code: weight} from a caller's table; checked per split."""
    if weights is None:
        return {}
    name = "weights"
    for col in ("old_code", "new_code", "weight"):
        if col not in weights.columns:
            raise InputError(f"vekttabellen mangler kolonnen {col!r} / the weights table has no column "
                             f"{col!r}", file=name, field=col)
    out: dict[tuple[str, int | None], dict[str, float]] = defaultdict(dict)
    split_parts = {(o, y): changes_on(y)[o] for o, y in _splits()}
    for i, r in enumerate(weights.itertuples(index=False), start=1):
        old, new, w = str(r.old_code), str(r.new_code), r.weight
        year = int(str(r.date)[:4]) if "date" in weights.columns and pd.notna(r.date) else None
        matches = [k for k in split_parts if k[0] == old and (year is None or k[1] == year)]
        if not matches:
            raise InputError(f"{old} er ikke en deling / {old} is not a municipality split since 2008",
                             file=name, row=i, field="old_code")
        if len(matches) > 1:
            raise InputError(f"{old} is split more than once; give the date", file=name, row=i, field="date")
        key = matches[0]
        if new not in split_parts[key]:
            raise InputError(f"{new} er ikke en del av {old} / {new} is not a part of {old} "
                             f"(parts: {', '.join(split_parts[key])})", file=name, row=i, field="new_code")
        if not isinstance(w, (int, float, np.integer, np.floating)) or not np.isfinite(w) or w < 0:
            raise InputError(f"vekt {w!r} er ikke et tall >= 0 / weight is not a number >= 0",
                             file=name, row=i, field="weight")
        out[key][new] = float(w)
    for key, ws in out.items():
        if set(ws) != set(split_parts[key]) or abs(sum(ws.values()) - 1) > TOLERANCE:
            raise InputError(f"vektene for {key[0]} må dekke {', '.join(split_parts[key])} og summere til 1 / "
                             f"the weights of {key[0]} must cover all its parts and sum to 1 "
                             f"(got {ws})", file=name, field="weight")
    return dict(out)


def _weights_for(old: str, year: int, given: dict) -> pd.DataFrame:
    if (old, year) in given:
        ws = given[(old, year)]
        return pd.DataFrame({"old_code": old, "date": f"{year}-01-01", "new_code": list(ws),
                             "weight": list(ws.values()), "population": pd.NA, "population_year": pd.NA,
                             "method": "given", "source": "weights argument", "detail": ""})[WEIGHT_COLUMNS]
    return _estimated_split(old, year)


# ---------------------------------------------------------------- the chain of changes

# A split part that restores the borders of a municipality from before an earlier merger. KLASS 131,
# versions 2020 and 2023, note on 1507: "I 2024 ble 1507 Ålesund delt i 1508 Ålesund og 1580 Haram.
# Grensen mellom kommunene følger grensen for Haram kommune slik den var før sammenslåingen 1. januar 2020."
# So figures on pre-2020 codes need no weights: 1534 Haram -> 1580, the other parts of 1507 -> 1508.
RESTORED = {("1507", 2024): {"part": "1580", "origin": "1534", "merged": 2020}}


def _restored_target(code: str, year: int, path: tuple[str, ...]) -> str | None:
    rule = RESTORED.get((code, year))
    if rule is None:
        return None
    predecessors = {o for o, news in changes_on(rule["merged"]).items() if code in news}
    if not predecessors & set(path):
        return None  # the figure is on the merged code itself: share it out by weights
    if rule["origin"] in path:
        return rule["part"]
    (other,) = [p for p in changes_on(year)[code] if p != rule["part"]]
    return other


def _chain(codes: list[str], from_year: int, to_year: int, given: dict | None,
           used: list | None = None) -> dict[str, dict[str, float]]:
    """old code -> {code in to_year: weight}. With given=None only the targets are found (weight NaN)."""
    out = {}
    for code in codes:
        dist: dict[tuple[str, tuple[str, ...]], float] = {(code, (code,)): 1.0}  # (code now, path): weight
        for year in range(from_year + 1, to_year + 1):
            moves = changes_on(year)
            nxt: dict[tuple[str, tuple[str, ...]], float] = defaultdict(float)
            for (c, path), w in dist.items():
                targets = moves.get(c, [c])
                restored = _restored_target(c, year, path) if len(targets) > 1 else None
                if restored is not None:
                    targets = [restored]
                if len(targets) == 1:
                    t = targets[0]
                    nxt[(t, path if t == c else path + (t,))] += w
                elif given is None:
                    for t in targets:
                        nxt[(t, path + (t,))] = np.nan
                else:
                    table = _weights_for(c, year, given)
                    if used is not None:
                        used.append(table)
                    for t, tw in zip(table["new_code"], table["weight"]):
                        nxt[(t, path + (t,))] += w * float(tw)
            dist = dict(nxt)
        final: dict[str, float] = defaultdict(float)
        for (c, _path), w in dist.items():
            final[c] += w
        out[code] = dict(final)
    return out


def crosswalk(from_year: int, to_year: int = 2024, weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """Municipality codes of `from_year` -> codes of `to_year`: columns old_code, new_code, weight.

    Changes are chained year by year (a 2017 code may pass 2018, 2020 and 2024); weights multiply along
    the chain and the weights of each old code sum to 1. Split weights: split_weights(), or `weights`.
    Exception (KLASS note on 1507): 1580 Haram has the borders of 1534 Haram before 2020, so codes of
    2019 and earlier go to 1508 or 1580 whole; only figures on 1507 itself (2020-2023) are shared out.
    """
    check_year(from_year)
    check_year(to_year)
    if to_year < from_year:
        raise ValueError("to_year must not be before from_year")
    codes = list(municipality_codes(from_year)["code"])
    chain = _chain(codes, from_year, to_year, _given_weights(weights))
    rows = [(o, n, w) for o, dist in chain.items() for n, w in sorted(dist.items())]
    return pd.DataFrame(rows, columns=["old_code", "new_code", "weight"]).astype(
        {"old_code": "string", "new_code": "string", "weight": "float64"})


@cache
def _county_map(from_year: int, to_year: int) -> dict[str, str | None]:
    """County code of from_year -> county code of to_year with the same municipalities, else None."""
    codes = list(municipality_codes(from_year)["code"])
    targets = _chain(codes, from_year, to_year, None)
    origin: dict[str, set[str]] = defaultdict(set)  # to_year county -> from_year counties feeding it
    for o, dist in targets.items():
        for n in dist:
            origin[n[:2]].add(o[:2])
    out: dict[str, str | None] = {}
    for county in county_codes(from_year):
        dest = {n[:2] for o, dist in targets.items() if o[:2] == county for n in dist}
        ok = len(dest) == 1 and origin[next(iter(dest))] == {county}
        out[county] = next(iter(dest)) if ok else None
    return out


# ---------------------------------------------------------------- harmonise

def _name(code: str, year: int) -> str | None:
    if code == LAND:
        return LAND_NAME
    if year == 2024 and region_name(code) is not None:
        return region_name(code)
    if len(code) == 2:
        return county_names().get(code)
    return _codes_of_year(year).get(code)


def _why_not(code: str, year: int, to_year: int) -> str:
    years = valid_years(code)
    if len(code) == 4 and years:
        span = f"{years[0]}-{years[-1]}" if years == list(range(years[0], years[-1] + 1)) else str(years)
        after = changes_on(years[-1] + 1).get(code, []) if years[-1] < MAX_YEAR else []
        where = f"; {years[-1] + 1}: -> {', '.join(after)}" if after else ""
        return (f"kommunenummer {code!r} gjelder ikke i {year} (gyldig {span}{where}) / "
                f"municipality code {code!r} is not valid in {year} (valid {span}{where})")
    if len(code) == 2 and code in county_codes(year):
        return (f"fylke {code!r} har endret område mellom {year} og {to_year}; harmoniser kommunene og "
                f"summer / county {code!r} changed territory between {year} and {to_year}: harmonise its "
                "municipalities and add them up")
    if len(code) == 2 and code in county_names():
        return f"fylkesnummer {code!r} gjelder ikke i {year} / county code {code!r} is not valid in {year}"
    if region_name(code) is not None:  # a 2024 district or zone
        return ("bydels- og sonekoder kan bare brukes med 2024-data og 2024-koder / district and zone "
                "codes are only accepted when year and to_year are 2024")
    return f"ukjent regionkode {code!r} / unknown region code {code!r}"


def _targets(codes: set[str], year: int, to_year: int, given: dict, used: list) -> dict[str, dict | str]:
    """code -> {new code: weight}, or the reason it cannot be carried (a str)."""
    munis = set(_codes_of_year(year))  # 9999 included: 'Uoppgitt' stays 'Uoppgitt'
    counties = _county_map(year, to_year)
    same_year = set(_names_in(to_year)) if year == to_year else set()
    out: dict[str, dict | str] = {}
    to_chain = []
    for code in codes:
        if code in munis:
            to_chain.append(code)
        elif code in (LAND, UNKNOWN_COUNTY) or code in same_year:
            out[code] = {code: 1.0}
        elif counties.get(code):
            out[code] = {counties[code]: 1.0}
        else:
            out[code] = _why_not(code, year, to_year)
    out.update(_chain(sorted(to_chain), year, to_year, given, used))
    return out


def _names_in(year: int) -> list[str]:
    if year == 2024:
        return list(_regions()["code"])
    return list(_codes_of_year(year)) + county_codes(year) + [LAND]


def _allocate(values: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Share values[i] by weights[i] within each original row; integer values by largest remainder."""
    quota = values * weights
    floor = np.floor(quota)
    frame = pd.DataFrame({"row": rows, "floor": floor, "frac": quota - floor})
    remainder = values - frame.groupby("row")["floor"].transform("sum").to_numpy()
    rank = frame.groupby("row")["frac"].rank(method="first", ascending=False).to_numpy()
    whole = np.isfinite(values) & (values == np.round(values))
    shared = np.where(whole, floor + (rank <= np.round(remainder)), quota)
    return np.where(weights == 1.0, values, shared)


def harmonise(df: pd.DataFrame, year: int, *, code_col: str = "region", count_cols: list[str],
              to_year: int = 2024, weights: pd.DataFrame | None = None, file: str | None = None,
              name_col: str | None = None) -> pd.DataFrame:
    """Carry counts reported on the region codes valid in `year` onto the codes of `to_year`.

    - municipality codes: merges are summed, splits shared out by population weights (split_weights(),
      or `weights`: old_code, new_code, weight[, date]) with largest-remainder rounding per old code, so
      integer counts stay integers and the parts add up to the old value exactly;
    - '0' (Hele landet), 99/9999 (Uoppgitt) and, when year == to_year, every code of that year are kept;
      a county code is carried when its municipalities make up exactly one county of `to_year`
      (01 Østfold 2019 -> 31 Østfold 2024), otherwise it is refused.
    - every other column except `name_col` is a grouping key and kept as it is; `name_col`, if given, is
      replaced by the `to_year` name.
    - NaN: a split NaN is NaN in every part; a sum with any NaN part is NaN (missing, not zero).
    A code that is unknown or not valid in `year` raises InputError naming `file`, the row (1-based row
    of `df`) and `code_col`; `df` is never changed. The result carries attrs['weights'] (the split
    weights used, split_weights() columns) and attrs['crosswalk'] (old_code, new_code, weight of the
    split codes in the data).
    """
    check_year(year)
    check_year(to_year)
    if to_year < year:
        raise ValueError("to_year must not be before year")
    fname = file or df.attrs.get("source_file") or "<DataFrame>"
    count_cols = list(count_cols)
    for col in [code_col, *count_cols] + ([name_col] if name_col else []):
        if col not in df.columns:
            raise InputError(f"kolonnen {col!r} finnes ikke / no column {col!r}", file=fname, field=col)
    for col in count_cols:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise InputError(f"kolonnen {col!r} er ikke tall / column {col!r} is not numeric", file=fname,
                             row=1, field=col)
    raw = df[code_col].tolist()
    for i, c in enumerate(raw, start=1):
        if not isinstance(c, str):
            raise InputError(f"regionkoden {c!r} er ikke tekst (les koder som tekst, så innledende nuller "
                             f"blir med) / region code {c!r} is not text (read codes as text so leading "
                             "zeros survive)", file=fname, row=i, field=code_col)
    codes = [c.strip() for c in raw]
    given = _given_weights(weights)
    used: list[pd.DataFrame] = []
    targets = _targets(set(codes), year, to_year, given, used)
    for i, c in enumerate(codes, start=1):
        if isinstance(targets[c], str):
            bad = sum(isinstance(targets[x], str) for x in codes)
            more = f" (og {bad - 1} rader til / and {bad - 1} more rows)" if bad > 1 else ""
            raise InputError(targets[c] + more, file=fname, row=i, field=code_col)

    keys = [c for c in df.columns if c not in (code_col, name_col, *count_cols)]
    cw = pd.DataFrame([(o, n, w) for o, dist in targets.items() for n, w in dist.items()],
                      columns=["__old", "__new", "__w"]).astype({"__old": object, "__new": object,
                                                                "__w": "float64"})
    work = df.drop(columns=[code_col]).assign(__old=pd.Series(codes, index=df.index, dtype=object),
                                              __row=np.arange(len(df)))
    long = work.merge(cw, on="__old", how="left", sort=False).sort_values(["__row", "__new"], kind="stable")
    long = long.reset_index(drop=True)
    for col in count_cols:
        values = long[col].astype("float64").to_numpy()  # nullable NA -> NaN
        shared = _allocate(values, long["__w"].to_numpy(dtype="float64"), long["__row"].to_numpy())
        long[col] = shared
    long[code_col] = long["__new"]
    group = keys + [code_col]
    grouped = long.groupby(group, sort=False, dropna=False, observed=True)
    sums = grouped[count_cols].sum()
    nans = long[count_cols].isna().groupby([long[g] for g in group], sort=False, dropna=False,
                                            observed=True).any()
    out = sums.mask(nans.to_numpy()).reset_index()  # same keys, same order
    for col in count_cols:
        nullable = isinstance(df[col].dtype, pd.api.extensions.ExtensionDtype)
        if pd.api.types.is_integer_dtype(df[col]) and (nullable or not out[col].isna().any()):
            out[col] = out[col].round().astype(df[col].dtype)
    if name_col:
        out[name_col] = [_name(c, to_year) for c in out[code_col]]
    out = out[list(df.columns)]
    out.attrs = dict(df.attrs)
    used_tables = [t for t in used if len(t)]
    out.attrs["weights"] = (pd.concat(used_tables).drop_duplicates(["old_code", "date", "new_code"])
                            .reset_index(drop=True) if used_tables else pd.DataFrame(columns=WEIGHT_COLUMNS))
    split = cw[cw.groupby("__old")["__w"].transform("size") > 1]
    out.attrs["crosswalk"] = split.rename(columns={"__old": "old_code", "__new": "new_code",
                                                   "__w": "weight"}).reset_index(drop=True)
    return out

