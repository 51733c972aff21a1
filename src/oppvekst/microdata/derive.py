"""Indicators from the linked registers, each defined once as an Ibis expression.

The same expressions run on DuckDB (default) and on PySpark (`engine="spark"`: local mode here, a
cluster in production). Three steps:

1. `person_years(tables)`: one row per person and year (residence on 1 January), joined on the
   pseudonym (and the household id) to every register, with the breakdowns and one 0/1 column per
   indicator numerator and denominator (`n_<id>`, `d_<id>`; for a mean also the sum `s_<id>` and
   the sum of squares `q_<id>`). The indicator definitions are the `Spec.num` / `Spec.den` expressions.
2. `aggregate(...)`: sums of those columns by year × municipality × district × zone × one breakdown
   at a time (sex, single-year age, immigrant category, parents' education, income quintile): a
   few hundred thousand rows, computed on the engine.
3. `observations(...)`: the roll-up of those sums to country, county, municipality, city district
   and living-conditions zone, age bands, values and intervals, in the observation layout (pandas,
   on the small aggregate: the same input gives the same output on either engine).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from oppvekst import regions
from oppvekst.indicators.stats import wilson
from oppvekst.microdata import params as P
from oppvekst.observations import FLAG_VALUE, TOTAL, frame

TABLES = ("population", "education", "residence", "household_income", "housing", "social_assistance",
          "kindergarten", "national_tests", "lower_secondary", "upper_secondary", "neet", "child_welfare")
EDU_RANK = {"basic": 1, "upper_secondary": 2, "higher_short": 3, "higher_long": 4}
EDU_CODE = {0: "parents_edu_unknown", **{r: f"parents_edu_{lvl}" for lvl, r in EDU_RANK.items()}}
BACKGROUND = ("immigrant", "norwegian_born_to_immigrant_parents", "rest")
LAST_COHORT = P.LAST_YEAR - 5   # completion within five years is known for cohorts starting up to 2019


# -- engines ---------------------------------------------------------------------------------------------
def spark_session():
    """A Spark session: OPPVEKST_SPARK_MASTER (default local[2]); a cluster URL in production."""
    from pyspark.sql import SparkSession

    master = os.environ.get("OPPVEKST_SPARK_MASTER", "local[2]")
    return (SparkSession.builder.master(master).appName("oppvekst-microdata")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("OPPVEKST_SPARK_PARTITIONS", "4"))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", os.environ.get("OPPVEKST_SPARK_DRIVER_MEMORY", "4g"))
            .getOrCreate())


def connect(engine: str = "duckdb", session=None):
    """An Ibis backend: DuckDB in memory (default) or PySpark on `session` (or a new one)."""
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        return ibis.pyspark.connect(session or spark_session())
    raise ValueError(f"unknown engine {engine!r}: duckdb or spark")


def read_tables(con, linked: Path) -> dict[str, ir.Table]:
    return {name: con.read_parquet(str(linked / f"{name}.parquet"), table_name=f"md_{name}") for name in TABLES}


# -- the linked person-year table -----------------------------------------------------------------------
def linked_base(t: dict[str, ir.Table]) -> ir.Table:
    """Every register joined onto residence: on the pseudonym (and year), or on household and year."""
    res = t["residence"]
    pop, edu = t["population"], t["education"]
    rank = edu.highest_level.cases(*EDU_RANK.items(), else_=0).cast("int8")
    edu_m = edu.select(m_pid="pid", m_edu=rank)
    edu_f = edu.select(f_pid="pid", f_edu=rank)
    # Persons: parents' highest education (the higher of the two) joins on the parents' pseudonyms.
    per = pop.left_join(edu_m, pop.mother_pid == edu_m.m_pid)
    per = per.left_join(edu_f, per.father_pid == edu_f.f_pid)
    per = per.select(p_pid="pid", sex="sex", background="immigrant_category", mother_pid="mother_pid",
                     father_pid="father_pid", birth_year=per.birth_date.year().cast("int16"),
                     edu=ibis.greatest(per.m_edu.fill_null(0), per.f_edu.fill_null(0)).cast("int8"))
    # Household income per consumption unit in whole kroner and its three-year sum (EU 60, DESIGN.md glossary):
    # the row two back must be exactly two years earlier, so that the household has all three years.
    inc = t["household_income"]
    inc = inc.mutate(eq=(inc.income_after_tax / inc.consumption_units).floor().cast("int64"))
    w = ibis.window(group_by=inc.household_id, order_by=inc.year)
    inc = inc.select(h_id="household_id", h_year="year", eq="eq", s3=inc.eq + inc.eq.lag(1).over(w) + inc.eq.lag(2).over(w),
                     has3=(inc.year.lag(2).over(w) == inc.year - 2).fill_null(False))
    hs = t["housing"]
    crowded = (((hs.rooms < hs.persons) | ((hs.persons == 1) & (hs.rooms == 1)))
               & (hs.area_m2 < 25 * hs.persons))  # SSB: too few rooms and under 25 m² per person
    hs = hs.select(c_id="household_id", c_year="year", crowded=crowded)
    sa = t["social_assistance"].select(sa_pid="pid", sa_year="year").distinct()
    sa_m = sa.select(sam_pid="sa_pid", sam_year="sa_year", sa_mother=ibis.literal(1, "int8"))
    sa_f = sa.select(saf_pid="sa_pid", saf_year="sa_year", sa_father=ibis.literal(1, "int8"))
    # The person's own records, one row per pseudonym and year: the sparse registers stacked, then grouped.
    events = _events(t)

    b = res.join(per, res.pid == per.p_pid)
    b = b.left_join(inc, (b.household_id == inc.h_id) & (b.year == inc.h_year))
    b = b.left_join(hs, (b.household_id == hs.c_id) & (b.year == hs.c_year))
    b = b.left_join(sa_m, (b.mother_pid == sa_m.sam_pid) & (b.year == sa_m.sam_year))
    b = b.left_join(sa_f, (b.father_pid == sa_f.saf_pid) & (b.year == sa_f.saf_year))
    b = b.left_join(events, (b.pid == events.e_pid) & (b.year == events.e_year))

    def flag(col):
        return b[col].fill_null(0) > 0

    return b.select(
        "year", "kommune", "bydel", "levekarssone", "sex", "background", "edu",
        "mother_pid", "father_pid", "eq", "s3", "crowded", "reading_level", "points",
        age=(b.year - 1 - b.birth_year).cast("int16"), has3=b.has3.fill_null(False),
        sa=flag("sa_mother") | flag("sa_father") | flag("sa_self"),
        kg=flag("kg"), neet=flag("neet"), cw_measure=flag("cw_measure"), cw_placement=flag("cw_placement"),
        started=flag("started"), completed5=flag("completed5"))


def _events(t: dict[str, ir.Table]) -> ir.Table:
    cols = {"kg": "int8", "neet": "int8", "cw_measure": "int8", "cw_placement": "int8", "started": "int8",
            "completed5": "int8", "sa_self": "int8", "reading_level": "int8", "points": "float64"}

    def part(table, year, **values):
        return table.select(e_pid=table.pid, e_year=table[year].cast("int16"),
                            **{c: values[c].cast(dt) if c in values else ibis.null(dt) for c, dt in cols.items()})

    one = ibis.literal(1, "int8")
    cw = t["child_welfare"]
    nt = t["national_tests"]
    nt = nt.filter((nt.grade == 5) & (nt.subject == "reading"))
    us = t["upper_secondary"]
    done5 = (us.completed_year.notnull() & (us.completed_year - us.start_year <= 5)).cast("int8")
    parts = [
        part(t["kindergarten"], "year", kg=one),
        part(t["neet"], "year", neet=one),
        part(cw, "year", cw_measure=(cw.in_home_measure | cw.placement).cast("int8"), cw_placement=cw.placement.cast("int8")),
        part(t["social_assistance"], "year", sa_self=one),
        part(nt, "year", reading_level=nt.mastery_level),
        part(t["lower_secondary"], "year", points=t["lower_secondary"].points),
        part(us, "start_year", started=one, completed5=done5),
    ]
    ev = ibis.union(*parts)
    return ev.group_by(["e_pid", "e_year"]).aggregate(**{c: ev[c].max() for c in cols})


def with_flags(b: ir.Table) -> ir.Table:
    """National medians per year (over everyone in the register that year), quintiles, indicator flags."""
    med = b.group_by("year").aggregate(med1=b.eq.median(), med3=b.s3.median(where=b.has3), n_inc=b.eq.count())
    med = med.rename(m_year="year")
    b = b.join(med, b.year == med.m_year)
    wq = ibis.window(group_by=b.year, order_by=b.eq.asc(nulls_first=False))
    quint = ((5 * ibis.rank().over(wq)) // b.n_inc + 1).cast("int8")
    b = b.mutate(quintile=ibis.ifelse(b.eq.notnull(), quint, 0).cast("int8"),
                 low1=b.eq.notnull() & (b.eq < 0.6 * b.med1),
                 low3=b.has3 & (b.s3 < 0.6 * b.med3))
    flags = {}
    for spec in SPECS:
        den = spec.den(b)
        flags[f"d_{spec.id}"] = den.cast("int8")
        if spec.measure == "mean":
            val = spec.value(b)
            flags[f"s_{spec.id}"] = ibis.ifelse(den, val, 0.0)
            flags[f"q_{spec.id}"] = ibis.ifelse(den, val * val, 0.0)
        else:
            flags[f"n_{spec.id}"] = (den & spec.num(b)).cast("int8")
    keep = ["year", "kommune", "bydel", "levekarssone", "sex", "age", "background", "edu", "quintile"]
    return b.select(*keep, **flags)


# -- the indicators ---------------------------------------------------------------------------------------
Expr = Callable[[ir.Table], ir.BooleanValue]


@dataclass(frozen=True)
class Spec:
    id: str
    measure: str                        # proportion | rate | mean
    scale: float
    age: str                            # the age label of the total ('0-17', or 'all' for a cohort)
    age_bands: tuple[tuple[int, int], ...]
    breakdowns: tuple[str, ...]         # of sex, age, background, edu, income
    den: Expr
    num: Expr | None = None
    value: Callable[[ir.Table], ir.NumericValue] | None = None
    years: tuple[int, int] = (P.FIRST_YEAR, P.LAST_YEAR)
    period: str = "year"                # year | 3-year | cohort5


def _child(b):
    return (b.age >= 0) & (b.age <= 17)


def _ages(lo, hi):
    return lambda b: (b.age >= lo) & (b.age <= hi)


CHILD_BANDS = ((0, 5), (6, 12), (13, 17))
ALL = ("sex", "age", "background", "edu", "income")
SPECS: tuple[Spec, ...] = (
    Spec("low_income_persistent_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS,
         ("sex", "age", "background", "edu"), den=lambda b: _child(b) & b.has3, num=lambda b: b.low3,
         years=(P.FIRST_YEAR + 2, P.LAST_YEAR), period="3-year"),
    Spec("low_income_annual_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ("sex", "age", "background", "edu"),
         den=lambda b: _child(b) & b.eq.notnull(), num=lambda b: b.low1),
    Spec("neet_15_29_syn", "proportion", 100, "15-29", ((15, 19), (20, 24), (25, 29)), ("sex", "age", "background", "edu"),
         den=_ages(15, 29), num=lambda b: b.neet),
    Spec("kindergarten_1_5_syn", "proportion", 100, "1-5", ((1, 2), (3, 5)), ALL,
         den=_ages(1, 5), num=lambda b: b.kg),
    Spec("kindergarten_low_ses_syn", "proportion", 100, "1-5", ((1, 2), (3, 5)), ("sex", "age", "background"),
         den=lambda b: _ages(1, 5)(b) & b.low3, num=lambda b: b.kg, years=(P.FIRST_YEAR + 2, P.LAST_YEAR),
         period="3-year"),
    Spec("upper_secondary_completion_syn", "proportion", 100, TOTAL, (), ("sex", "background", "edu", "income"),
         den=lambda b: b.started, num=lambda b: b.completed5.fill_null(False),
         years=(P.FIRST_YEAR, LAST_COHORT), period="cohort5"),
    # The catalogue's real twin is a percentage (FHI 337), so the synthetic one is too (per 1 000 = % × 10).
    Spec("child_welfare_measures_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ALL,
         den=_child, num=lambda b: b.cw_measure),
    Spec("asss_11_out_of_home_placements_syn", "rate", 10000, "0-17", CHILD_BANDS, ALL,
         den=_child, num=lambda b: b.cw_placement),
    Spec("crowded_housing_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ALL,
         den=lambda b: _child(b) & b.crowded.notnull(), num=lambda b: b.crowded.fill_null(False)),
    Spec("children_social_assistance_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ALL,
         den=_child, num=lambda b: b.sa),
    Spec("single_parent_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ("sex", "age", "background", "income"),
         den=lambda b: _child(b) & (b.mother_pid.notnull() | b.father_pid.notnull()),
         num=lambda b: b.mother_pid.isnull() | b.father_pid.isnull()),
    Spec("low_education_parents_0_17_syn", "proportion", 100, "0-17", CHILD_BANDS, ("sex", "age", "background", "income"),
         den=lambda b: _child(b) & (b.edu > 0), num=lambda b: b.edu == 1),
    Spec("reading_low_5_syn", "proportion", 100, TOTAL, (), ("sex", "background", "edu", "income"),
         den=lambda b: b.reading_level.notnull(), num=lambda b: b.reading_level == 1),
    Spec("lower_secondary_points_syn", "mean", 1, TOTAL, (), ("sex", "background", "edu", "income"),
         den=lambda b: b.points.notnull(), value=lambda b: b.points),
)
SPEC_BY_ID = {s.id: s for s in SPECS}
DIMENSIONS = {"total": None, "sex": "sex", "age": "age", "background": "background", "edu": "edu",
              "income": "quintile"}
AREA = ["year", "kommune", "bydel", "levekarssone"]


def aggregate(base: ir.Table) -> ir.Table:
    """Sums of every flag by year × area × one breakdown at a time (an Ibis expression, not yet run)."""
    sums = {c: base[c].cast("int64").sum() if c[0] in "nd" else base[c].sum()
            for c in base.columns if c[:2] in ("n_", "d_", "s_", "q_")}
    parts = []
    for dim, col in DIMENSIONS.items():
        code = ibis.literal(TOTAL) if col is None else base[col].cast("string")
        g = base.mutate(dim=ibis.literal(dim), code=code)
        parts.append(g.group_by([*AREA, "dim", "code"]).aggregate(**sums))
    return ibis.union(*parts)


def person_years(t: dict[str, ir.Table]) -> ir.Table:
    """The linked person-year table with breakdowns and indicator flags (one expression)."""
    return with_flags(linked_base(t))


def run(con, linked: Path, *, cache: bool = True) -> pd.DataFrame:
    """Steps 1–2 on an Ibis backend: the aggregate as a pandas DataFrame, sorted.

    With `cache`, the joined table and the flagged table are materialised once on the engine (a DuckDB
    temporary table, a persisted Spark DataFrame), so the medians and the six group-bys read them
    instead of joining again.
    """
    base = linked_base(read_tables(con, linked))
    if cache:
        base = base.cache()
    flagged = with_flags(base)
    if cache:
        flagged = flagged.cache()
    agg = con.execute(aggregate(flagged))
    return agg.sort_values([*AREA, "dim", "code"], na_position="first").reset_index(drop=True)


# -- roll-up and observations (pandas, small) ------------------------------------------------------------
def _rollup(agg: pd.DataFrame) -> pd.DataFrame:
    reg = regions.regions_2024()
    county = reg[reg["level"] == "kommune"].set_index("code")["parent"]
    value_cols = [c for c in agg.columns if c[:2] in ("n_", "d_", "s_", "q_")]
    keys = ["year", "dim", "code"]
    levels = [
        agg.assign(region="0"),
        agg.assign(region=agg["kommune"].map(county)),
        agg.assign(region=agg["kommune"]),
        agg[agg["bydel"].notna()].assign(region=agg["bydel"]),
        agg[agg["levekarssone"].notna()].assign(region=agg["levekarssone"]),
    ]
    return pd.concat([lv.groupby(["region", *keys], as_index=False)[value_cols].sum() for lv in levels],
                     ignore_index=True)


def observations(agg: pd.DataFrame) -> pd.DataFrame:
    """The observation table for every indicator in SPECS, from the aggregate of `run`."""
    rolled = _rollup(agg)
    out = []
    for spec in SPECS:
        d = rolled[["region", "year", "dim", "code", f"d_{spec.id}"] +
                   ([f"s_{spec.id}", f"q_{spec.id}"] if spec.measure == "mean" else [f"n_{spec.id}"])].copy()
        d = d[d["dim"].isin(("total",) + spec.breakdowns) & d["year"].between(*spec.years)]
        d = d.rename(columns={f"d_{spec.id}": "den", f"n_{spec.id}": "num", f"s_{spec.id}": "sum",
                              f"q_{spec.id}": "sumsq"})
        age_rows = d["dim"] == "age"
        if age_rows.any():
            ages = d.loc[age_rows, "code"].astype(int)
            band = pd.Series(None, index=ages.index, dtype=object)
            for lo, hi in spec.age_bands:
                band[ages.between(lo, hi)] = f"{lo}-{hi}"
            d.loc[age_rows, "code"] = band
            d = d[d["code"].notna()]
            num_cols = [c for c in ("den", "num", "sum", "sumsq") if c in d.columns]
            d = d.groupby(["region", "year", "dim", "code"], as_index=False)[num_cols].sum()
        d = d[d["den"] > 0]   # no cell with a zero denominator is loaded
        out.append(_to_observations(spec, d))
    return pd.concat(out, ignore_index=True)


def _to_observations(spec: Spec, d: pd.DataFrame) -> pd.DataFrame:
    year = d["year"].astype(int)
    dim, code = d["dim"], d["code"].astype(str)
    period_from = {"year": year, "3-year": year - 2, "cohort5": year}[spec.period]
    period_to = year + 5 if spec.period == "cohort5" else year
    n_years = 3 if spec.period == "3-year" else 1
    den = d["den"].astype(float)
    if spec.measure == "mean":
        mean = d["sum"] / den
        var = (d["sumsq"] - d["sum"] ** 2 / den) / (den - 1)
        half = stats.t.ppf(0.975, np.maximum(den - 1, 1)) * np.sqrt(np.maximum(var, 0) / den)
        value, low, high = mean, np.where(den > 1, mean - half, np.nan), np.where(den > 1, mean + half, np.nan)
        numerator = np.nan
    else:
        numerator = d["num"].astype(float)
        lo, hi = wilson(numerator, den)
        value, low, high = numerator / den * spec.scale, lo * spec.scale, hi * spec.scale
    ses = np.where(dim == "edu", code.map(lambda c: EDU_CODE.get(int(c), c) if c.isdigit() else c),
                   np.where(dim == "income", "income_q" + code, TOTAL))
    ses = np.where((dim == "income") & (code == "0"), "income_unknown", ses)
    return frame({
        "indicator": spec.id, "region": d["region"].to_numpy(), "period_from": period_from.to_numpy(),
        "period_to": np.asarray(period_to), "sex": np.where(dim == "sex", code, TOTAL),
        "age": np.where(dim == "age", code, spec.age), "background": np.where(dim == "background", code, TOTAL),
        "ses": ses, "numerator": numerator, "denominator": den.to_numpy(), "value": np.asarray(value),
        "ci_low": np.asarray(low), "ci_high": np.asarray(high), "n_years": n_years, "flag": FLAG_VALUE,
    })


def completion_by_child_welfare(t: dict[str, ir.Table]) -> ir.Table:
    """Completion within five years for cohorts up to 2019, by whether the young person had a child-welfare
    measure in a register year up to and including the starting year (the white paper's comparison, ch. 5.5.3)."""
    us = t["upper_secondary"]
    us = us.filter(us.start_year <= LAST_COHORT)
    cw = t["child_welfare"]
    cw = cw.filter(cw.in_home_measure | cw.placement).select(c_pid="pid", c_year="year")
    j = us.left_join(cw, (us.pid == cw.c_pid) & (cw.c_year <= us.start_year))
    per = j.group_by(["pid", "start_year"]).aggregate(
        done=(j.completed_year.notnull() & (j.completed_year - j.start_year <= 5)).max(),
        measure=j.c_pid.notnull().max())
    return per.group_by("measure").aggregate(started=per.count(), completed=per.done.cast("int64").sum())


def derive(linked: Path, *, engine: str = "duckdb", session=None) -> pd.DataFrame:
    """All synthetic indicators for every region level, year and breakdown, as observations."""
    con = connect(engine, session)
    try:
        return observations(run(con, linked))
    finally:
        if engine == "duckdb":
            con.disconnect()
