"""SYNTHETIC tables for tests and benchmarks of disclosure control. Not statistics about anyone.

`national_table()` builds a national table shaped like the one the system publishes from microdata:
every region level (country, county, municipality, city district, living-conditions zone), sex
(all, female, male), age bands (15-19, 20-24, 25-29 and 15-29) and overlapping 3-year periods,
pooled counts. The municipal sizes and NEET shares it starts from are the real published figures of
SSB table 13556 (bundled); everything below the municipality, and every count it returns, is drawn
at random (districts and zones get random shares of the municipality, counts are binomial draws), so
the table is synthetic throughout and labelled so in its indicator id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oppvekst import regions
from oppvekst.observations import TOTAL, frame

INDICATOR = "neet_15_29_disclosure_syn"
AGES = ("15-19", "20-24", "25-29")


def _leaves() -> tuple[pd.DataFrame, dict[str, str | None]]:
    reg = regions.regions_2024()
    parent = dict(zip(reg["code"], reg["parent"].where(reg["parent"].notna(), None), strict=True))
    has_children = set(reg["parent"].dropna())
    leaves = reg[~reg["code"].isin(has_children) & (reg["level"] != "land")]
    return leaves, parent


def national_table(seed: int = 2025, years: tuple[int, int] = (2015, 2024), window: int = 3,
                   unknown_district: float = 0.02, counties: list[str] | None = None) -> pd.DataFrame:
    """A synthetic pooled table for every region, sex, age band and overlapping `window`-year period.

    counties: only the municipalities of these counties (the country is then their sum); all by default.
    unknown_district: the share of people in municipalities with districts whose district is unknown.
    """
    from oppvekst.indicators import neet

    rng = np.random.default_rng(seed)
    real, _ = neet.derive()
    real = real[(real["region"].str.len() == 4) & real["age"].isin(AGES) & (real["sex"] != TOTAL)
                & real["period_from"].between(*years) & (real["denominator"] > 0)]
    if counties:
        real = real[real["region"].str[:2].isin(counties)]
    leaves, parent = _leaves()

    def municipality(code: str) -> str:
        while len(code) > 4:
            code = parent[code]
        return code
    leaf_muni = pd.Series({c: municipality(c) for c in leaves["code"]})
    rows = []
    for muni, part in real.groupby("region"):
        kids = list(leaf_muni.index[leaf_muni == muni])
        districts = [k for k in kids if len(k) > 4]
        weights = rng.dirichlet(np.full(len(districts), 4.0)) if districts else None
        for r in part.itertuples():
            d = round(r.denominator)
            # where SSB shows no numerator, 10 % (NEET 15-29 in 2023, Meld. St. 28 (2024-2025) Boks 8.3)
            rate = float(r.numerator / r.denominator) if r.numerator == r.numerator else 0.10
            if districts:
                unknown = rng.binomial(d, unknown_district)
                parts = rng.multinomial(d - unknown, weights)
                codes, dens = [*districts, f"{muni}\\unknown"], [*parts, unknown]
            else:
                codes, dens = [muni], [d]
            for code, den in zip(codes, dens, strict=True):
                num = rng.binomial(den, min(max(rate * rng.lognormal(0, 0.3), 0.0), 1.0))
                rows.append((code, r.period_from, r.sex, r.age, num, den))
    inner = pd.DataFrame(rows, columns=["leaf", "year", "sex", "age", "numerator", "denominator"])
    return _aggregate(inner, parent, window, years)


def _aggregate(inner: pd.DataFrame, parent: dict[str, str | None], window: int,
               years: tuple[int, int]) -> pd.DataFrame:
    # every region a leaf counts towards (a person with an unknown district counts for the municipality)
    pairs = []
    for leaf in inner["leaf"].unique():
        code = leaf.split("\\")[0]
        chain = [] if "\\" in leaf else [code]
        cur = parent.get(code) if "\\" not in leaf else code
        while cur is not None:
            chain.append(cur)
            cur = parent.get(cur)
        pairs += [(leaf, c) for c in chain]
    up = pd.DataFrame(pairs, columns=["leaf", "region"])
    df = inner.merge(up, on="leaf")
    parts = []
    for sex in (TOTAL, "female", "male"):
        for age in (*AGES, "15-29"):
            sel = df
            if sex != TOTAL:
                sel = sel[sel["sex"] == sex]
            if age != "15-29":
                sel = sel[sel["age"] == age]
            g = sel.groupby(["region", "year"], as_index=False)[["numerator", "denominator"]].sum()
            parts.append(g.assign(sex=sex, age=age))
    yearly = pd.concat(parts, ignore_index=True)
    out = []
    for end in range(years[0] + window - 1, years[1] + 1):
        w = yearly[yearly["year"].between(end - window + 1, end)]
        n_years = w.groupby(["region", "sex", "age"])["year"].nunique()
        g = w.groupby(["region", "sex", "age"], as_index=False)[["numerator", "denominator"]].sum()
        g = g[g.set_index(["region", "sex", "age"]).index.map(n_years).to_numpy() == window]
        out.append(g.assign(period_from=end - window + 1, period_to=end))
    table = pd.concat(out, ignore_index=True)
    table = table[table["denominator"] > 0]
    return frame(table.assign(indicator=INDICATOR, value=100 * table["numerator"] / table["denominator"],
                              n_years=window))
