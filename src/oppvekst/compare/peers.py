"""Peer groups and the Kommunemonitor's side-by-side series.

Named groups: "asss" (the 12 ASSS municipalities, Menon 43/2024) and "fylke" (the municipalities of the
first region's county). A group's value is pooled: Σ numerator / Σ denominator, only when every member
has counts (compare.barometer.pooled).
"""

from __future__ import annotations

import pandas as pd

from oppvekst import regions
from oppvekst.compare.barometer import BREAKDOWNS, pooled

GROUPS = {"asss": ("ASSS-kommunene", "the ASSS municipalities"), "fylke": ("kommunene i fylket", "the county's municipalities")}


def group_members(group: str | None, codes: list[str]) -> list[str]:
    if group == "asss":
        return regions.peer_groups()["asss"]
    if group == "fylke" and codes:
        try:
            return regions.county_peers(codes[0])
        except (KeyError, ValueError):
            return []
    return []


def group_name(group: str | None, codes: list[str]) -> str:
    if group == "asss":
        return "ASSS-kommunene (samlet)"
    if group == "fylke" and codes:
        return f"Kommunene i {regions.region_name(codes[0][:2]) or 'fylket'} (samlet)"
    return ""


def monitor_frame(head: pd.DataFrame, regions_table: pd.DataFrame, indicator_id: str, codes: list[str],
                  group: str | None = None) -> pd.DataFrame:
    """The headline series of one indicator for the regions, the country and (optionally) a pooled group."""
    names = regions_table.set_index("code")["name"]
    d = head[(head["indicator"] == indicator_id) & head["region"].isin([*codes, "0"])]
    parts = [d.assign(name=d["region"].map(names), year=d["period_to"])]
    members = group_members(group, codes)
    if members:
        part = head[head["indicator"] == indicator_id]
        g = pooled(part, members)
        g = g.merge(part[["indicator", *BREAKDOWNS]].drop_duplicates(), on=["indicator", *BREAKDOWNS])
        parts.append(g.assign(region=group, name=group_name(group, codes), year=g["period_to"], synthetic=False))
    df = pd.concat(parts, ignore_index=True)
    df = df[(df["flag"] == 0) & df["value"].notna()]
    return df.sort_values(["name", "period_to"])
