"""What the synthetic registers are calibrated to, and where each figure comes from.

Exact:   the 2024 population by municipality × single-year age (SSB 07459, bundled) and, inside Oslo,
         Bergen, Trondheim and Stavanger, by city district × age (SSB 10826, bundled).
Close:   each municipality's NEET share 15–29 per year 2015–2024 (SSB 13556, bundled, on 2024 codes via
         `oppvekst.indicators.neet.derive`): the number of NEET persons per municipality and year is
         round(real share × synthetic population), so the synthetic share differs from the real one by
         rounding only. National NEET by age band and sex (13556) and by immigrant category (13563) in 2024.
         Immigrant share among 15–29-year-olds per municipality in 2024 (SSB 13563, bundled).
Levels:  the national levels in Meld. St. 28 (2024–2025) (seed 002, the white paper) and bundled
         national series, listed in TARGETS with section or file.
Gradients: the directions the white paper describes (ch. 2.3, 4.3.1, 5.5, 5.6): worse outcomes with lower
         parents' education and income and for immigrants; their strength is a model parameter
         (`params`), not a published figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from oppvekst.sources import catalogue as bundled

# the bundled files calibrated to (data/catalogue.yaml names)
POP_07459 = "ssb_07459_2024"
POP_10826 = "ssb_10826_2024"
NEET_13563 = "ssb_13563_neet"
CW_FHI337 = "fhi_337_child_welfare_telemark"
KG_COVERAGE = "kindergarten_coverage_telemark"
WP = "Meld. St. 28 (2024–2025) «Tro på framtida – uansett bakgrunn»"


@dataclass(frozen=True)
class Target:
    value: float
    source: str


TARGETS: dict[str, Target] = {
    # Persistent low income (EU 60, three years), children 0–17, period 2021–2023.
    "low_income_persistent_0_17_2021_2023": Target(0.099, (
        f"{WP}, kap. 2.2: «økte andelen barn i familier med vedvarende lavinntekt fra 7,6 prosent i 2008 til "
        "9,9 prosent i 2023» (EU-60, treårsperiode 2021–2023); FHI Kommunehelsa, bundled "
        "low_income/telemark_fhi_vedvarende_lavinntekt_0-17_2021-2023.csv: Hele landet 10")),
    # Kindergarten: children 1–5, 2024; 3–5; minority-language 3–5 against the others.
    "kindergarten_1_5_2024": Target(0.943, (
        f"{WP}, kap. 4.3.4: «I 2024 hadde 94,3 prosent av alle barn mellom 1 og 5 år barnehageplass»; "
        "bundled kindergarten/telemark_dekningsgrad_barnehage_2020-2025.csv, Landet 2024 = 0.943")),
    "kindergarten_3_5_2024": Target(0.972, f"{WP}, kap. 4.3.4: «97,2 prosent av 3–5-åringer går allerede i barnehagen»"),
    "kindergarten_3_5_minority_gap_2024": Target(0.98 - 0.947, (
        f"{WP}, kap. 4.3.4: «For minoritetsspråklige 3–5-åringer er deltakelsen på 94,7 prosent, mens den er "
        "98 prosent av øvrige barn» (gap 3.3 points; immigrant background stands in for minority language)")),
    # Upper secondary completion.
    "upper_secondary_completion": Target(0.82, (
        f"{WP}, kap. 5.5: «De siste elleve årene har den økt med ti prosentpoeng, fra 72 til 82 prosent»")),
    "upper_secondary_completion_child_welfare": Target(0.52, (
        f"{WP}, kap. 5.5.3: «Bare litt over 50 prosent av ungdommer med barnevernstiltak fullførte "
        "videregående skole innen normert tid» (0.52 reads «litt over 50»)")),
    "upper_secondary_completion_no_child_welfare": Target(0.85, (
        f"{WP}, kap. 5.5.3: «sammenliknet med 85 prosent av ungdommer uten slike tiltak» (not calibrated "
        "directly: it follows from the two figures above and the share with measures)")),
    # NEET, national 2024 (the municipal figures are in neet_targets()).
    "neet_15_29_2023": Target(0.10, f"{WP}, kap. 5.6 og 8.2: «I 2023 var ti prosent av unge i aldersgruppen "
                                    "15–29 år verken i arbeid, utdanning eller opplæring»"),
    "neet_15_19_2024": Target(17912 / 339603, "SSB 13556 (bundled), Hele landet 2024: (15–29 − 20–24 − 25–29)"),
    "neet_20_24_2024": Target(36643 / 334532, "SSB 13556 (bundled), Hele landet 2024, 20–24 år"),
    "neet_25_29_2024": Target(49833 / 369968, "SSB 13556 (bundled), Hele landet 2024, 25–29 år"),
    "neet_female_2024": Target(49955 / 507456, "SSB 13556 (bundled), Hele landet 2024, kvinner 15–29"),
    "neet_male_2024": Target(54433 / 536647, "SSB 13556 (bundled), Hele landet 2024, menn 15–29"),
    "neet_immigrant_2024": Target(39708 / 173466, "SSB 13563 (bundled), Hele landet 2024, innvandrere 15–29"),
    "neet_not_immigrant_2024": Target(64677 / 870637, (
        "SSB 13563 (bundled), Hele landet 2024, befolkningen eksklusive innvandrere 15–29")),
}


@cache
def population_2024() -> pd.DataFrame:
    """SSB 07459, 1 January 2024: (kommune, age, persons) for the 357 municipalities, ages 0–105."""
    pop = bundled.load(POP_07459)
    pop = pop[pop["region"].str.fullmatch(r"\d{4}")]
    return pop.rename(columns={"region": "kommune"})[["kommune", "age", "persons"]].reset_index(drop=True)


@cache
def district_population_2024() -> pd.DataFrame:
    """SSB 10826, 1 January 2024: (kommune, bydel, age, persons); bydel None for 'unknown district'.

    10826 writes Oslo's districts as 030101a (the current series); the trailing letters are dropped to
    get the KLASS codes (030101). Historical series and city totals (all zero or totals) are left out.
    """
    w = bundled.load(POP_10826)
    w = w[w["persons"] > 0].copy()
    code = w["region"].str.rstrip("a")
    w = w[code.str.fullmatch(r"\d{6}") & ~code.str.endswith("00")]
    code = code[w.index]
    out = pd.DataFrame({"kommune": code.str[:4], "bydel": code.where(~code.str.endswith("99"), None),
                        "age": w["age"], "persons": w["persons"]})
    return out.reset_index(drop=True)


@cache
def neet_targets() -> pd.DataFrame:
    """Real NEET share 15–29 per municipality (2024 codes) and year 2015–2024, from SSB 13556.

    Columns kommune, year, share. Where 13556 has no municipal figure (suppressed), the county's share is
    used, and failing that the country's.
    """
    from oppvekst import regions
    from oppvekst.indicators import neet

    obs = neet.derive()[0]
    obs = obs[(obs["sex"] == "all") & (obs["age"] == "15-29") & obs["period_from"].between(2015, 2024)]
    share = (obs["numerator"] / obs["denominator"]).rename("share")
    table = pd.concat([obs[["region", "period_from"]], share], axis=1).rename(columns={"period_from": "year"})
    munis = regions.regions_2024()
    munis = munis[munis["level"] == "kommune"][["code", "parent"]]
    grid = munis.merge(pd.DataFrame({"year": range(2015, 2025)}), how="cross")
    grid = grid.merge(table.rename(columns={"region": "code"}), on=["code", "year"], how="left")
    grid = grid.merge(table.rename(columns={"region": "parent", "share": "county"}), on=["parent", "year"],
                      how="left")
    national = table[table["region"] == "0"].set_index("year")["share"]
    grid["share"] = grid["share"].fillna(grid["county"]).fillna(grid["year"].map(national))
    return grid.rename(columns={"code": "kommune"})[["kommune", "year", "share"]]


@cache
def immigrant_share_15_29() -> pd.Series:
    """Immigrants' share of residents aged 15–29 per municipality in 2024 (SSB 13563), indexed by kommune."""
    raw = bundled.load(NEET_13563)
    r = raw[(raw["tid"] == 2024) & raw["komnr"].str.fullmatch(r"\d{4}")]
    wide = r.pivot_table(index="komnr", columns="innvandringskategori", values="tot", aggfunc="sum")
    return (wide["Innvandrere"] / wide["I alt"]).rename("share")


@cache
def child_welfare_share() -> pd.Series:
    """Share of children 0–17 with child-welfare measures, Norway, 2015–2024 (FHI table 337), by year."""
    raw = bundled.load(CW_FHI337)
    r = raw[(raw["Geografi"] == "Hele landet") & (raw["Kjønn"] == "Kjønn samlet")]
    years = r["År"].str[:4].astype(int)
    return pd.Series(r["Andel"].astype(float).to_numpy(), index=years).sort_index()


@cache
def kindergarten_coverage() -> pd.Series:
    """Share of children 1–5 in kindergarten, Norway ('Landet'), by year 2015–2024.

    2020–2024 are the bundled national figures; no bundled source has 2015–2019, so those years are held
    at the 2020 level: a synthetic model choice, not a statistic.
    """
    raw = bundled.load(KG_COVERAGE)
    r = raw[raw["Kommunenummer"] == "00"]
    s = pd.Series(r["Andel"].astype(float).to_numpy(), index=r["År"].str[:4].astype(int))
    s = s[s.index <= 2024]
    return pd.concat([pd.Series(s[2020], index=range(2015, 2020)), s]).sort_index()


def area_index(years=(2022, 2023, 2024)) -> pd.Series:
    """Standardised logit of each municipality's real NEET share, mean of `years` (a model input, see params)."""
    t = neet_targets()
    share = t[t["year"].isin(years)].groupby("kommune")["share"].mean().clip(0.01, 0.6)
    logit = np.log(share / (1 - share))
    return (logit - logit.mean()) / logit.std()
