"""Age (and sex) standardisation, direct and indirect, against a stated reference population.

Direct: DSR = Σ w_i (x_i / n_i) / Σ w_i with the reference population's stratum sizes as weights w_i;
interval by Dobson et al. (1991). Indirect: expected E = Σ n_i r_i with the reference stratum rates
r_i; SMR = O / E with an exact Poisson interval on O; the indirectly standardised rate is SMR times
the reference population's crude rate.

Every result carries the `reference` text (e.g. "Norge 2024, SSB 13556") so that a figure never
appears without the population it is standardised to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oppvekst.errors import InputError
from oppvekst.indicators.stats import dobson, poisson_exact


@dataclass(frozen=True)
class Reference:
    """A reference population: stratum sizes (weights) and, for indirect standardisation, rates."""
    name: str                   # stated wherever a standardised figure is shown
    table: pd.DataFrame         # strata columns + "population" (+ "events" for indirect)
    strata: tuple[str, ...]

    @property
    def rates(self) -> pd.DataFrame:
        if "events" not in self.table:
            raise ValueError(f"reference {self.name!r} has no events: it serves direct standardisation only")
        return self.table.assign(rate=self.table["events"] / self.table["population"])

    @property
    def crude_rate(self) -> float:
        return float(self.table["events"].sum() / self.table["population"].sum())


def _check_strata(df: pd.DataFrame, ref: Reference, by: list[str], file: str) -> pd.DataFrame:
    strata = list(ref.strata)
    merged = df.merge(ref.table, on=strata, how="left", suffixes=("", "_ref"), indicator=True)
    missing = merged["_merge"] == "left_only"
    if missing.any():
        row = merged[missing].iloc[0]
        raise InputError(f"stratum {dict(row[strata])} is not in the reference population {ref.name!r}",
                         file=file, field=strata[0])
    # every group must have every reference stratum (a missing stratum would bias the standardised rate)
    have = merged.groupby(by, dropna=False)[strata[0]].transform("size") if by else len(merged)
    if np.any(np.asarray(have) != len(ref.table)):
        groups = merged.groupby(by, dropna=False).size() if by else pd.Series([len(merged)])
        bad = groups[groups != len(ref.table)].index[0]
        raise InputError(f"group {bad} lacks some of the {len(ref.table)} reference strata", file=file,
                         field=strata[0])
    return merged.drop(columns="_merge")


def direct(df: pd.DataFrame, ref: Reference, *, by: list[str], events: str = "numerator",
           population: str = "denominator", scale: float = 100.0, alpha: float = 0.05,
           file: str = "<standardisation>") -> pd.DataFrame:
    """Directly standardised rate per group, with Dobson interval; columns by + observed, dsr, ci_low, ci_high."""
    m = _check_strata(df, ref, by, file)
    w = m["population_ref"] if "population_ref" in m else m["population"]
    x, n = m[events].astype(float), m[population].astype(float)
    total_w = w.groupby([m[b] for b in by]).transform("sum") if by else w.sum()
    m = m.assign(_term=w * x / n / total_w, _var=(w / total_w) ** 2 * x / n ** 2, _x=x, _n=n)
    g = m.groupby(by, as_index=False) if by else m.assign(_all=1).groupby("_all", as_index=False)
    out = g.agg(observed=("_x", "sum"), population=("_n", "sum"), dsr=("_term", "sum"), var=("_var", "sum"))
    low, high = dobson(out["dsr"], out["var"], out["observed"], alpha)
    out = out.assign(crude=out["observed"] / out["population"] * scale, value=out["dsr"] * scale,
                     ci_low=low * scale, ci_high=high * scale, reference=ref.name, method="direct")
    return out.drop(columns=["dsr", "var"] + (["_all"] if not by else []))


def indirect(df: pd.DataFrame, ref: Reference, *, by: list[str], events: str = "numerator",
             population: str = "denominator", scale: float = 100.0, alpha: float = 0.05,
             file: str = "<standardisation>") -> pd.DataFrame:
    """Indirect standardisation per group: observed, expected, SMR (exact Poisson CI), standardised rate."""
    rates = ref.rates[[*ref.strata, "rate"]]
    m = _check_strata(df, Reference(ref.name, rates.rename(columns={"rate": "_rate"}), ref.strata), by, file)
    m = m.assign(_x=m[events].astype(float), _e=m[population].astype(float) * m["_rate"])
    g = m.groupby(by, as_index=False) if by else m.assign(_all=1).groupby("_all", as_index=False)
    out = g.agg(observed=("_x", "sum"), expected=("_e", "sum"))
    low, high = poisson_exact(out["observed"], out["expected"], alpha)
    smr = out["observed"] / out["expected"]
    crude = ref.crude_rate
    out = out.assign(smr=smr, smr_low=low, smr_high=high, value=smr * crude * scale,
                     ci_low=low * crude * scale, ci_high=high * crude * scale, reference=ref.name,
                     method="indirect")
    return out.drop(columns=["_all"] if not by else [])


def reference_from_observations(obs: pd.DataFrame, *, region: str = "0", year: int, strata: tuple[str, ...],
                                name: str) -> Reference:
    """A reference population from the warehouse: the strata of one region and year (e.g. Norway 2024)."""
    part = obs[(obs["region"] == region) & (obs["period_to"] == year) & (obs["n_years"] == 1)]
    if part.empty:
        raise ValueError(f"no observations for region {region} in {year} to build the reference {name!r}")
    table = part[list(strata) + ["denominator", "numerator"]].rename(
        columns={"denominator": "population", "numerator": "events"}).reset_index(drop=True)
    return Reference(name=name, table=table, strata=strata)


NEET_STRATA = {"sex": ["female", "male"], "age": ["15-19", "20-24", "25-29"]}


def neet_reference(obs: pd.DataFrame, year: int = 2024) -> Reference:
    """Norway's residents 15–29 by sex and 5-year age band in `year` (SSB 13556), for NEET standardisation."""
    part = obs[obs["sex"].isin(NEET_STRATA["sex"]) & obs["age"].isin(NEET_STRATA["age"])]
    return reference_from_observations(part, year=year, strata=("sex", "age"),
                                       name=f"Norge {year}, bosatte 15–29 år etter kjønn og alder (SSB 13556)")


def standardise_neet(obs: pd.DataFrame, *, method: str = "direct", reference_year: int = 2024) -> pd.DataFrame:
    """Age- and sex-standardised NEET 15–29 per region and year, against Norway `reference_year`."""
    ref = neet_reference(obs, reference_year)
    strata = obs[obs["sex"].isin(NEET_STRATA["sex"]) & obs["age"].isin(NEET_STRATA["age"])
                 & (obs["n_years"] == 1) & (obs["flag"] == 0)]
    # only regions and years with all six strata (suppressed cells would bias the rate)
    complete = strata.groupby(["region", "period_to"])["age"].transform("size") == len(ref.table)
    strata = strata[complete]
    fn = direct if method == "direct" else indirect
    return fn(strata, ref, by=["region", "period_to"], scale=100.0)
