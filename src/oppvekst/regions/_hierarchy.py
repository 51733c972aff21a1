"""The 2024 structure: land, counties, municipalities, city districts and living-conditions zones.

Municipality names are the KLASS 131 2024 names ('Herøy (Nordland)', 'Røros - Rosse'). County,
district and zone names and all parents come from FHI's norgeo hierarchy for 2024
(codes/norgeo_geo_hierarchy_2024.csv, KLASS 104/103 names: 'Nordland - Nordlánnda').
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from oppvekst.regions._codes import (
    LAND,
    LAND_NAME,
    UNKNOWN_COUNTY,
    UNKNOWN_MUNICIPALITY,
    _codes_of_year,
    county_valid_from,
    municipality_valid_from,
)
from oppvekst.sources import catalogue as bundled

LEVELS = ("land", "fylke", "kommune", "bydel", "levekårssone")
COLUMNS = ["code", "level", "name", "parent", "valid_from", "valid_to"]

# ASSS: KS and the twelve largest municipalities. Source: Menon publikasjon 43/2024, ch. 2
# ("ASSS ... et samarbeid mellom KS og de tolv største kommune i Norge: Asker, Bergen, Bærum, Drammen,
# Fredrikstad, Kristiansand, Lillestrøm, Oslo, Sandnes, Stavanger, Trondheim og Tromsø").
ASSS_NAMES = ("Asker", "Bergen", "Bærum", "Drammen", "Fredrikstad", "Kristiansand", "Lillestrøm",
              "Oslo", "Sandnes", "Stavanger", "Trondheim", "Tromsø")


def is_unknown(code: str) -> bool:
    """'Uoppgitt' codes: county 99, municipality 9999, districts xxxx99 (SSB's 'not stated')."""
    return code in (UNKNOWN_COUNTY, UNKNOWN_MUNICIPALITY) or (len(code) == 6 and code.endswith("99"))


@cache
def _regions() -> pd.DataFrame:
    geo = bundled.load("norgeo_hierarchy_2024")
    klass = _codes_of_year(2024)
    rows = [{"code": LAND, "level": "land", "name": LAND_NAME, "parent": None, "valid_from": None}]

    for r in geo[geo["level"] == "fylke"].itertuples():
        rows.append({"code": r.code, "level": "fylke", "name": r.name, "parent": LAND,
                     "valid_from": county_valid_from(r.code)})

    geo_munis = set(geo.loc[geo["level"] == "kommune", "code"])
    if geo_munis != set(klass):  # the two sources must describe the same 2024 structure
        raise ValueError(f"norgeo and KLASS 2024 municipalities differ: {sorted(geo_munis ^ set(klass))}")
    for code, name in sorted(klass.items()):
        rows.append({"code": code, "level": "kommune", "name": name, "parent": code[:2],
                     "valid_from": municipality_valid_from(code)})

    for r in geo[geo["level"] == "bydel"].itertuples():
        rows.append({"code": r.code, "level": "bydel", "name": r.name, "parent": r.kommune,
                     "valid_from": None})

    for r in geo[geo["level"] == "levekaar"].itertuples():
        parent = r.bydel if isinstance(r.bydel, str) else r.kommune
        rows.append({"code": r.code, "level": "levekårssone", "name": r.name, "parent": parent,
                     "valid_from": None})

    df = pd.DataFrame(rows)
    df["valid_to"] = None  # all in force now
    df = df[COLUMNS].astype({"code": "string", "level": "string", "name": "string", "parent": "string",
                             "valid_from": "Int64", "valid_to": "Int64"})
    return df  # rows ordered land, fylke, kommune, bydel, levekårssone; codes unique over all levels


def regions_2024(include_unknown: bool = False) -> pd.DataFrame:
    """Every region of the 2024 structure: columns code, level, name, parent, valid_from, valid_to.

    Levels: 'land' (code '0', 'Hele landet'), 'fylke' (15), 'kommune' (357), 'bydel' (Oslo 17,
    Stavanger 9, Bergen 8, Trondheim 4), 'levekårssone' (207; parent = district, or the municipality
    where it has no districts). valid_from: the year the code came into force, NA when it is older
    than the change table (1971) or not derivable (districts, zones); valid_to: NA (in force).
    The 'Uoppgitt' codes (99, 9999, xxxx99) are left out unless `include_unknown`.
    """
    df = _regions()
    if not include_unknown:
        df = df[~df["code"].map(is_unknown).astype(bool)]
    return df.reset_index(drop=True).copy()


@cache
def _names_2024() -> dict[str, str]:
    df = _regions()
    return dict(zip(df["code"], df["name"]))


def region_name(code: str) -> str | None:
    """The 2024 name of a region code (any level), None if unknown."""
    return _names_2024().get(code)


def _base_name(name: str) -> str:
    """'Trondheim - Tråante' -> 'Trondheim': the Norwegian part of a multilingual KLASS name."""
    return name.split(" - ")[0].strip()


@cache
def _asss() -> tuple[str, ...]:
    munis = _regions()[_regions()["level"] == "kommune"]
    codes = []
    for wanted in ASSS_NAMES:
        hits = munis[munis["name"].map(_base_name) == wanted]
        if len(hits) != 1:
            raise ValueError(f"ASSS municipality {wanted!r} matches {len(hits)} municipalities in 2024")
        codes.append(hits["code"].iloc[0])
    return tuple(sorted(codes))


def peer_groups() -> dict[str, list[str]]:
    """Named peer groups on 2024 codes: 'asss' -> the 12 ASSS municipalities (Menon 43/2024)."""
    return {"asss": list(_asss())}


def county_peers(code: str) -> list[str]:
    """The municipalities (2024) of the county of `code` (a municipality or a county code)."""
    df = _regions()
    known = set(df.loc[df["level"].isin(["fylke", "kommune"]), "code"])
    if code not in known or is_unknown(code):
        raise ValueError(f"{code!r} is not a 2024 county or municipality code (ukjent kode)")
    county = code if len(code) == 2 else code[:2]
    munis = df[(df["level"] == "kommune") & (df["parent"] == county)]
    return sorted(munis["code"])
