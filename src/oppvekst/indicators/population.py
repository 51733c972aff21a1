"""Population 0–17 and 15–29 (SSB 07459 by municipality, SSB 10826 by city district), on 2024 codes."""

from __future__ import annotations

import pandas as pd

from oppvekst import regions
from oppvekst.observations import FLAG_VALUE, frame

BANDS = {"population_0_17": (0, 17), "population_15_29": (15, 29)}


def _drop_empty(pop: pd.DataFrame) -> pd.DataFrame:
    """Exports list some retired codes with no one in them (2019: "1567 Rindal (-2018)", all zeros)."""
    return pop[pop.groupby("region")["persons"].transform("sum") > 0]


def _bands(pop: pd.DataFrame) -> pd.DataFrame:
    """Sum single-year ages into the catalogue's age bands: (indicator, region, year, persons)."""
    out = []
    for indicator, (lo, hi) in BANDS.items():
        part = pop[pop["age"].between(lo, hi)]
        out.append(part.groupby(["region", "year"], as_index=False)["persons"].sum().assign(indicator=indicator))
    return pd.concat(out, ignore_index=True)


def _csdata_later_years(raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw[(raw["granularity_geo"] == "municip") & (raw["calyear"] > 2024)]
    return pd.DataFrame({"region": raw["location_code"].str.removeprefix("municip_nor"),
                         "year": raw["calyear"], "age": raw["age"], "persons": raw["pop_jan1_n"]})


def derive(ssb_07459_2019: pd.DataFrame, ssb_07459_2023: pd.DataFrame, ssb_07459_2024: pd.DataFrame,
           ssb_10826_2024: pd.DataFrame, csdata_population_2024_2026: pd.DataFrame) -> pd.DataFrame:
    """Observations: municipalities (harmonised onto 2024 codes), counties, country, city districts.

    The inputs are the bundled files of those names (population_0_17.yaml, population_15_29.yaml): SSB
    07459 by municipality and 10826 by city district as read_population tables, and FHI csdata's CSV
    for 2025-2026 (on 2024 codes)."""
    municipal = []
    # each 07459 export is on the municipality codes of 1 January of its year
    for pop, code_year in ((ssb_07459_2019, 2019), (ssb_07459_2023, 2023), (ssb_07459_2024, 2024)):
        file = str(pop.attrs.get("source_file", f"SSB 07459 {code_year}"))
        pop = _drop_empty(pop[pop["region"].str.fullmatch(r"\d{4}")])  # no Svalbard, shelf, 'Rest'
        banded = _bands(pop)
        carried = regions.harmonise(banded, code_year, code_col="region", count_cols=["persons"], file=file)
        carried.attrs = {}  # split weights are shown by regions.split_weights(); attrs would break concat
        municipal.append(carried)
    municipal.append(_bands(_csdata_later_years(csdata_population_2024_2026)))
    municipal = pd.concat(municipal, ignore_index=True)
    region_table = regions.regions_2024().set_index("code")
    counties = (municipal.assign(region=municipal["region"].map(region_table["parent"]))
                .groupby(["indicator", "region", "year"], as_index=False)["persons"].sum())
    country = counties.groupby(["indicator", "year"], as_index=False)["persons"].sum().assign(region="0")
    wards = _drop_empty(ssb_10826_2024)
    # SSB 10826 codes Oslo's current districts '030101a'..; the plain '030101'.. are the empty 1988-2003 ones.
    wards = wards.assign(region=wards["region"].str.replace(r"^(\d{6})a$", r"\1", regex=True))
    wards = _bands(wards[wards["region"].isin(region_table.index[region_table["level"] == "bydel"])])
    table = pd.concat([country, counties, municipal, wards], ignore_index=True)
    return frame({
        "indicator": table["indicator"], "region": table["region"], "period_from": table["year"],
        "period_to": table["year"], "numerator": table["persons"].astype(float),
        "value": table["persons"].astype(float), "n_years": 1, "flag": FLAG_VALUE,
    })
