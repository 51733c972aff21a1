"""Indicators from the linked registers, each defined once as an Ibis expression.

The same expressions run on DuckDB (default) and on PySpark (`engine="spark"`: local mode here, a
cluster in production). Three steps:

1. Linkage, `person_year_table(tables)`: one row per person and year (residence on 1 January), joined on
   the pseudonym (and on household and year) to every register, breakdowns as small integer codes. It is
   written once, when the registers are linked (`build_person_years`, called by `link.link`).
   Derivation: `year_stats` finds each year's national medians and income quintile cut points; then
   `with_flags` gives every person-year its quintile, age band and one column per distinct condition the
   indicators use (`CONDITIONS`; an indicator, `Spec`, is an age range, a denominator condition and a
   numerator condition).
2. `aggregate(...)`: sums of those columns by year × area × sex × immigrant category × parents' education
   × income quintile × age band, computed on the engine, and from them each indicator's denominator and
   numerator (`d_<id>`, `n_<id>`; for a mean the count, sum `s_<id>` and sum of squares `q_<id>`) over its
   own age bands; `rollups` sums those by one breakdown at a time. The area is the finest region a person
   lives in (zone, else city district, else municipality) as an integer code.
3. `observations(...)`: the roll-up of those sums to country, county, municipality, city district and
   living-conditions zone, age bands, values and intervals, in the observation layout (pandas, on the
   small aggregate: the same input gives the same output on either engine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from oppvekst import config, regions
from oppvekst.indicators.stats import wilson
from oppvekst.microdata import params as P
from oppvekst.observations import FLAG_VALUE, TOTAL, frame

TABLES = ("population", "education", "residence", "household_income", "housing", "social_assistance",
          "kindergarten", "national_tests", "lower_secondary", "upper_secondary", "neet", "child_welfare")
EDU_RANK = {"basic": 1, "upper_secondary": 2, "higher_short": 3, "higher_long": 4}
SEX_CODE = {"male": 1, "female": 2}
BACKGROUND_CODE = {"immigrant": 1, "norwegian_born_to_immigrant_parents": 2, "rest": 3}
# Breakdown codes in the observation table (explicit strings; TOTAL = 'all' for totals).
EDU_LABEL = {0: "parents_edu_unknown", **{r: f"parents_edu_{lvl}" for lvl, r in EDU_RANK.items()}}
INCOME_LABEL = {0: "income_unknown", **{q: f"income_q{q}" for q in range(1, 6)}}
SEX_LABEL = {v: k for k, v in SEX_CODE.items()}
BACKGROUND_LABEL = {v: k for k, v in BACKGROUND_CODE.items()}
DIMENSIONS = ("total", "sex", "age", "background", "edu", "income")   # aggregate() codes them 0..5
DIM_COLUMN = {"sex": "sex", "age": "band", "background": "background", "edu": "edu", "income": "quintile"}
LAST_COHORT = P.LAST_YEAR - 5   # completion within five years is known for cohorts starting up to 2019


# -- engines ---------------------------------------------------------------------------------------------
def spark_session():
    """A Spark session: OPPVEKST_SPARK_MASTER (default local[2]); a cluster URL in production."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(config.raw("OPPVEKST_SPARK_MASTER")).appName("oppvekst-microdata")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(config.integer("OPPVEKST_SPARK_PARTITIONS")))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", config.raw("OPPVEKST_SPARK_DRIVER_MEMORY"))
            .getOrCreate())


def connect(engine: str = "duckdb", session=None):
    """An Ibis backend: DuckDB in memory (default) or PySpark on `session` (or a new one)."""
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        # Keep each left join's hash table on its right-hand (register) side: with ~20 million rows on both
        # sides DuckDB would otherwise build on the wide person-year side, about twice as slow here.
        con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(session or spark_session())
    raise ValueError(f"unknown engine {engine!r}: duckdb or spark")


def read_tables(con, linked: Path) -> dict[str, ir.Table]:
    return {name: con.read_parquet(str(linked / f"{name}.parquet"), table_name=f"md_{name}") for name in TABLES}


# -- the linked person-year table -----------------------------------------------------------------------
def person_year_table(t: dict[str, ir.Table]) -> ir.Table:
    """The linkage: every register joined onto residence, on the pseudonym (and year) or on household and year.

    One row per person and year with the breakdowns as small integer codes and the person's records as
    flags. It is built once when the registers are linked (`build_person_years`) and is what the indicators
    are derived from."""
    res, pop, edu = t["residence"], t["population"], t["education"]
    rank = edu.highest_level.cases(*EDU_RANK.items(), else_=0).cast("int8")
    edu_m = edu.select(m_pid="pid", m_edu=rank)
    edu_f = edu.select(f_pid="pid", f_edu=rank)
    # Persons: parents' highest education (the higher of the two), joined on the parents' pseudonyms.
    per = pop.left_join(edu_m, pop.mother_pid == edu_m.m_pid)
    per = per.left_join(edu_f, per.father_pid == edu_f.f_pid)
    per = per.select(
        p_pid="pid", mother_pid="mother_pid", father_pid="father_pid",
        sex=per.sex.cases(*SEX_CODE.items(), else_=0).cast("int8"),
        background=per.immigrant_category.cases(*BACKGROUND_CODE.items(), else_=0).cast("int8"),
        birth_year=per.birth_date.year().cast("int16"),
        parents=(per.mother_pid.notnull().cast("int8") + per.father_pid.notnull().cast("int8")).cast("int8"),
        edu=ibis.greatest(per.m_edu.fill_null(0), per.f_edu.fill_null(0)).cast("int8"))
    inc = household_income(t)
    hs = t["housing"]
    crowded = (((hs.rooms < hs.persons) | ((hs.persons == 1) & (hs.rooms == 1)))
               & (hs.area_m2 < 25 * hs.persons))  # SSB: too few rooms and under 25 m² per person
    hs = hs.select(c_key=_household_year(hs), crowded=crowded)
    sa = t["social_assistance"].select(sa_pid="pid", sa_year="year").distinct()
    sa_m = sa.select(sam_pid="sa_pid", sam_year="sa_year", sa_mother=ibis.literal(1, "int8"))
    sa_f = sa.select(saf_pid="sa_pid", saf_year="sa_year", sa_father=ibis.literal(1, "int8"))
    events = _events(t)   # the person's own records, one row per pseudonym and year

    # Household registers first, while the person-year rows are still narrow; then the person, the parents'
    # social assistance and the person's own records. The finest region as one integer: zone (8 digits),
    # else district (6), else municipality (4); the numbers cannot collide across levels (see area_table).
    b = res.select("pid", "year", hkey=_household_year(res),
                   area=ibis.coalesce(res.levekarssone, res.bydel, res.kommune).cast("int64"))
    b = b.left_join(inc, b.hkey == inc.h_key)
    b = b.left_join(hs, b.hkey == hs.c_key)
    b = b.join(per, b.pid == per.p_pid)
    b = b.left_join(sa_m, (b.mother_pid == sa_m.sam_pid) & (b.year == sa_m.sam_year))
    b = b.left_join(sa_f, (b.father_pid == sa_f.saf_pid) & (b.year == sa_f.saf_year))
    b = b.left_join(events, (b.pid == events.e_pid) & (b.year == events.e_year))

    def flag(col):
        return b[col].fill_null(0) > 0

    return b.select(
        "pid", "year", "area", "sex", "background", "edu", "parents", "eq", "s3", "crowded", "reading_level",
        "points", age=(b.year - 1 - b.birth_year).cast("int16"), has3=b.has3.fill_null(False),
        sa=flag("sa_mother") | flag("sa_father") | flag("sa_self"),
        kg=flag("kg"), neet=flag("neet"), cw_measure=flag("cw_measure"), cw_placement=flag("cw_placement"),
        started=flag("started"), completed5=flag("completed5"))


def household_income(t: dict[str, ir.Table]) -> ir.Table:
    """Household income per consumption unit in whole kroner and its three-year sum (EU 60, DESIGN.md glossary).

    The row two back must be exactly two years earlier, so that the household has all three years.
    """
    inc = t["household_income"]
    inc = inc.mutate(eq=(inc.income_after_tax / inc.consumption_units).floor().cast("int64"))
    w = ibis.window(group_by=inc.household_id, order_by=inc.year)
    return inc.select(h_key=_household_year(inc), eq="eq",
                      s3=inc.eq + inc.eq.lag(1).over(w) + inc.eq.lag(2).over(w),
                      has3=(inc.year.lag(2).over(w) == inc.year - 2).fill_null(False))


def _household_year(t: ir.Table) -> ir.IntegerValue:
    """One integer key for (household, year): joining on one column is cheaper than on two."""
    return t.household_id.cast("int64") * 64 + (t.year.cast("int64") - 2000)


def _events(t: dict[str, ir.Table]) -> ir.Table:
    """The sparse person-year registers stacked and grouped to one row per pseudonym and year."""
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
    ev = ibis.union(
        part(t["kindergarten"], "year", kg=one),
        part(t["neet"], "year", neet=one),
        part(cw, "year", cw_measure=(cw.in_home_measure | cw.placement).cast("int8"),
             cw_placement=cw.placement.cast("int8")),
        part(t["social_assistance"], "year", sa_self=one),
        part(nt, "year", reading_level=nt.mastery_level),
        part(t["lower_secondary"], "year", points=t["lower_secondary"].points),
        part(us, "start_year", started=one, completed5=done5),
    )
    return ev.group_by(["e_pid", "e_year"]).aggregate(**{c: ev[c].max() for c in cols})


BUCKET = 1000   # kroner: the width of the income buckets in which year_stats finds its order statistics


def year_stats(con, b: ir.Table) -> pd.DataFrame:
    """One row per year from the person-year table: the national medians (everyone in the register that
    year) and the income quintile cut points.

    A person's quintile is 1 + the number of k = 1..4 with rank ≥ k·n/5, where rank is the number of persons
    that year with a lower income (ties share a rank). That equals 1 + the number of cut points the income
    exceeds, cut point k being the ceil(k·n/5)-th smallest income. The median is the middle value (the mean
    of the two middle values for an even count), as DuckDB's and Spark's `median`.

    Exact order statistics without sorting 20 million rows: count the persons per year and 1 000-kroner
    bucket, find from the cumulative counts the bucket that holds each wanted position, then read only the
    incomes in those buckets and sort them (two grouped scans and a small sort, on either engine).
    """
    s3 = ibis.ifelse(b.has3, b.s3, ibis.null("int64"))   # the three-year sum, for the three-year population
    vals = b.select("year", eq=b.eq, s3=s3)
    count: dict[str, pd.Series] = {}                      # persons with a value, per year
    value: dict[tuple[str, int, int], float] = {}         # (variable, year, 1-based position) -> value
    for var in ("eq", "s3"):
        keyed = vals.filter(vals[var].notnull())
        keyed = keyed.select(key=keyed.year.cast("int64") * 2**32 + (keyed[var] // BUCKET).cast("int64"),   # year, bucket
                             v=keyed[var])
        hist = con.execute(keyed.group_by("key").aggregate(n=keyed.count()))
        hist = hist.assign(year=hist["key"] // 2**32).sort_values("key")
        hist["below"] = hist.groupby("year")["n"].cumsum() - hist["n"]
        count[var] = hist.groupby("year")["n"].sum()
        positions = [(y, p) for y, n in count[var].items() for p in _positions(var, int(n))]
        targets = pd.DataFrame(positions, columns=["year", "pos"]).drop_duplicates()
        # the bucket holding each position: the last one of its year with fewer persons below it
        targets = pd.merge_asof(targets.sort_values("pos"), hist[["year", "below", "key"]].sort_values("below"),
                                left_on="pos", right_on="below", by="year", allow_exact_matches=False)
        rows = con.execute(keyed.filter(keyed.key.isin([int(k) for k in targets["key"].unique()])))
        by_key = {k: np.sort(g.to_numpy()) for k, g in rows.groupby("key")["v"]}
        for t in targets.itertuples(index=False):
            value[var, int(t.year), int(t.pos)] = float(by_key[t.key][t.pos - t.below - 1])

    def median(var, year):
        n = int(count[var].get(year, 0))
        return (value[var, year, (n + 1) // 2] + value[var, year, n // 2 + 1]) / 2 if n else None

    out = []
    for year, n1 in count["eq"].items():
        y, n1 = int(year), int(n1)
        out.append({"s_year": y, "med1": median("eq", y), "med3": median("s3", y), "n_inc": n1,
                    **{f"cut{k}": int(value["eq", y, -(-k * n1 // 5)]) for k in range(1, 5)}})
    return pd.DataFrame(out).astype({"med1": "Float64", "med3": "Float64"})


def _positions(var: str, n: int) -> list[int]:
    """The 1-based order statistics year_stats needs: the median's one or two, and the quintile cut points."""
    middle = [(n + 1) // 2, n // 2 + 1] if n else []
    return middle + ([-(-k * n // 5) for k in range(1, 5)] if var == "eq" else [])   # ceil(k·n/5)


def with_flags(b: ir.Table, stats: ir.Table) -> ir.Table:
    """Quintiles, low-income flags, the age band and one 0/1 column per indicator numerator and denominator."""
    b = b.join(stats, b.year == stats.s_year)
    quint = 1 + sum((b.eq > b[f"cut{k}"]).cast("int8") for k in range(1, 5))
    b = b.mutate(quintile=ibis.ifelse(b.eq.notnull(), quint, 0).cast("int8"),
                 low1=b.eq.notnull() & (b.eq < 0.6 * b.med1),
                 low3=b.has3 & (b.s3 < 0.6 * b.med3))
    band = ibis.cases(*[(b.age <= hi, i) for i, (_, hi) in enumerate(AGE_BANDS)], else_=-1).cast("int8")
    return b.select("year", "area", "sex", "background", "edu", "quintile", band=band,
                    **{name: make(b) for name, make in _atoms().items()})


def _atoms() -> dict[str, Callable[[ir.Table], ir.Value]]:
    """The distinct person-level columns the indicators need, summed by `aggregate`: each denominator
    condition, each denominator-and-numerator pair, a mean's value and its square. Not among them: the age
    restriction (the age band is a group key, and `aggregate` keeps each indicator's own bands) and
    conditions on the group keys alone (counted by `aggregate` from the group's size)."""
    atoms: dict[str, Callable[[ir.Table], ir.Value]] = {}
    for spec in SPECS:
        den = CONDITIONS[spec.den]
        if not _on_keys(spec, "d"):
            atoms[_atom(spec, "d")] = lambda b, den=den: den(b).cast("int8")
        if spec.measure == "mean":
            atoms[_atom(spec, "s")] = lambda b, den=den, v=spec.value: ibis.ifelse(den(b), b[v], 0.0)
            atoms[_atom(spec, "q")] = lambda b, den=den, v=spec.value: ibis.ifelse(den(b), b[v] * b[v], 0.0)
        elif not _on_keys(spec, "n"):
            num = CONDITIONS[spec.num]
            atoms[_atom(spec, "n")] = lambda b, den=den, num=num: (den(b) & num(b)).cast("int8")
    return atoms


def _atom(spec: Spec, role: str) -> str:
    return {"d": f"a_{spec.den}", "n": f"a_{spec.den}__{spec.num}", "s": f"a_{spec.den}__sum_{spec.value}",
            "q": f"a_{spec.den}__sumsq_{spec.value}"}[role]


_GROUP_KEYS = ibis.table({"year": "int16", "area": "int64", "sex": "int8", "background": "int8", "edu": "int8",
                          "quintile": "int8", "band": "int8"}, name="group_keys")


def _condition(spec: Spec, role: str, t: ir.Table) -> ir.BooleanValue:
    den = CONDITIONS[spec.den](t)
    return den if role == "d" else den & CONDITIONS[spec.num](t)


def _on_keys(spec: Spec, role: str) -> bool:
    """Whether the denominator ("d") or numerator ("n") condition reads the group keys only."""
    try:
        _condition(spec, role, _GROUP_KEYS)
    except AttributeError:      # a column that is not a group key
        return False
    return True


PERSON_YEARS = "person_years.parquet"


def build_person_years(con, linked: Path, target: Path | None = None) -> Path:
    """Run the linkage expression on `con` and write the person-year table next to the registers."""
    target = target or linked / PERSON_YEARS
    # Stored in (year, area) order: the derivation's group-by then meets each area's rows together.
    con.to_parquet(person_year_table(read_tables(con, linked)).order_by(["year", "area", "pid"]), str(target))
    return target


def read_person_years(con, linked: Path) -> ir.Table:
    path = linked / PERSON_YEARS
    if path.is_dir():   # written by Spark: a folder of part files
        return con.read_parquet(str(path / "*.parquet") if con.name == "duckdb" else str(path), table_name="md_py")
    return con.read_parquet(str(path), table_name="md_py")


# -- the indicators ---------------------------------------------------------------------------------------
Expr = Callable[[ir.Table], ir.BooleanValue]

# The conditions the indicators are made of, on a person-year (after `with_flags`), each written once.
CONDITIONS: dict[str, Expr] = {
    "everyone": lambda b: ibis.literal(True),
    "income_known": lambda b: b.quintile > 0,              # quintile 0: no household income that year
    "low_income": lambda b: b.low1,                        # under 60 % of the year's national median (EU)
    "income_3_years": lambda b: b.has3,
    "persistent_low_income": lambda b: b.low3,             # three-year sum under 60 % of its median
    "neet": lambda b: b.neet,
    "kindergarten": lambda b: b.kg,
    "started_upper_secondary": lambda b: b.started,
    "completed_within_5_years": lambda b: b.completed5,
    "child_welfare_measure": lambda b: b.cw_measure,
    "placed_out_of_home": lambda b: b.cw_placement,
    "housing_known": lambda b: b.crowded.notnull(),
    "crowded": lambda b: b.crowded.fill_null(False),       # SSB: too few rooms and under 25 m² per person
    "social_assistance": lambda b: b.sa,                   # the child, or a parent, received it that year
    "parents_known": lambda b: b.parents > 0,
    "one_parent": lambda b: b.parents == 1,
    "parents_education_known": lambda b: b.edu > 0,
    "parents_basic_education": lambda b: b.edu == 1,
    "reading_tested": lambda b: b.reading_level.notnull(),
    "reading_lowest_level": lambda b: b.reading_level == 1,
    "points_known": lambda b: b.points.notnull(),
}


@dataclass(frozen=True)
class Spec:
    """An indicator: persons of age `ages` meeting condition `den` are the denominator, those of them also
    meeting `num` the numerator (for a mean: the mean of `value` over the denominator)."""
    id: str
    measure: str                        # proportion | rate | mean
    scale: float
    age: str                            # the age label of the total ('0-17', or 'all' for a cohort)
    ages: tuple[int, int]               # the population's ages (a union of AGE_BANDS)
    age_bands: tuple[tuple[int, int], ...]
    breakdowns: tuple[str, ...]         # of sex, age, background, edu, income
    den: str                            # names in CONDITIONS
    num: str | None = None
    value: str | None = None            # a person-year column, for a mean
    years: tuple[int, int] = (P.FIRST_YEAR, P.LAST_YEAR)
    period: str = "year"                # year | 3-year | cohort5


CHILD, CHILD_BANDS = (0, 17), ((0, 5), (6, 12), (13, 17))
ALL = ("sex", "age", "background", "edu", "income")
SPECS: tuple[Spec, ...] = (
    Spec("low_income_persistent_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS,
         ("sex", "age", "background", "edu"), den="income_3_years", num="persistent_low_income",
         years=(P.FIRST_YEAR + 2, P.LAST_YEAR), period="3-year"),
    Spec("low_income_annual_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS,
         ("sex", "age", "background", "edu"), den="income_known", num="low_income"),
    Spec("neet_15_29_syn", "proportion", 100, "15-29", (15, 29), ((15, 19), (20, 24), (25, 29)),
         ("sex", "age", "background", "edu"), den="everyone", num="neet"),
    Spec("kindergarten_1_5_syn", "proportion", 100, "1-5", (1, 5), ((1, 2), (3, 5)), ALL,
         den="everyone", num="kindergarten"),
    Spec("kindergarten_low_ses_syn", "proportion", 100, "1-5", (1, 5), ((1, 2), (3, 5)), ("sex", "age", "background"),
         den="persistent_low_income", num="kindergarten", years=(P.FIRST_YEAR + 2, P.LAST_YEAR), period="3-year"),
    Spec("upper_secondary_completion_syn", "proportion", 100, TOTAL, CHILD, (), ("sex", "background", "edu", "income"),
         den="started_upper_secondary", num="completed_within_5_years", years=(P.FIRST_YEAR, LAST_COHORT),
         period="cohort5"),
    # The catalogue's real twin is a percentage (FHI 337), so the synthetic one is too (per 1 000 = % × 10).
    Spec("child_welfare_measures_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS, ALL,
         den="everyone", num="child_welfare_measure"),
    Spec("asss_11_out_of_home_placements_syn", "rate", 10000, "0-17", CHILD, CHILD_BANDS, ALL,
         den="everyone", num="placed_out_of_home"),
    Spec("crowded_housing_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS, ALL,
         den="housing_known", num="crowded"),
    Spec("children_social_assistance_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS, ALL,
         den="everyone", num="social_assistance"),
    Spec("single_parent_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS, ("sex", "age", "background", "income"),
         den="parents_known", num="one_parent"),
    Spec("low_education_parents_0_17_syn", "proportion", 100, "0-17", CHILD, CHILD_BANDS,
         ("sex", "age", "background", "income"), den="parents_education_known", num="parents_basic_education"),
    Spec("reading_low_5_syn", "proportion", 100, TOTAL, CHILD, (), ("sex", "background", "edu", "income"),
         den="reading_tested", num="reading_lowest_level"),
    Spec("lower_secondary_points_syn", "mean", 1, TOTAL, CHILD, (), ("sex", "background", "edu", "income"),
         den="points_known", value="points"),
)
SPEC_BY_ID = {s.id: s for s in SPECS}
# The common refinement of every indicator's age bands: each band of a Spec is a union of these.
AGE_BANDS = ((0, 0), (1, 2), (3, 5), (6, 12), (13, 14), (15, 17), (18, 19), (20, 24), (25, 29))
FINE = ["sex", "background", "edu", "quintile", "band"]
KEYS = ["year", "area", "dim", "code"]


def value_columns(spec: Spec) -> list[str]:
    """The indicator's sums in the aggregate: denominator and numerator, or for a mean count, sum and sum of squares."""
    return [f"d_{spec.id}"] + ([f"s_{spec.id}", f"q_{spec.id}"] if spec.measure == "mean" else [f"n_{spec.id}"])


def aggregate(flagged: ir.Table) -> ir.Table:
    """The sums on the engine (an Ibis expression, not yet run): one group-by on year × area × sex ×
    immigrant category × parents' education × income quintile × age band, then each indicator's columns
    over its own age bands. For the country that is 2.6 million rows; the totals and the one-at-a-time
    breakdowns are summed from it by `rollups` (or `tidy`)."""
    sums = flagged.group_by(["year", "area", *FINE]).aggregate(
        n_=flagged.count().cast("float64"),
        **{a: flagged[a].cast("float64").sum() for a in _atoms()})   # whole numbers: exact in float64
    cols = {}
    for spec in SPECS:
        in_ages = sums.band.isin(_bands(spec.ages))
        for role, col in zip("dsq" if spec.measure == "mean" else "dn", value_columns(spec), strict=True):
            if role in "dn" and _on_keys(spec, role):
                cols[col] = ibis.ifelse(in_ages & _condition(spec, role, sums), sums.n_, 0.0)
            else:
                cols[col] = ibis.ifelse(in_ages, sums[_atom(spec, role)], 0.0)
    return sums.select("year", "area", *FINE, **cols)


def _bands(ages: tuple[int, int]) -> list[int]:
    """The AGE_BANDS that make up an age range."""
    bands = [i for i, (lo, hi) in enumerate(AGE_BANDS) if ages[0] <= lo and hi <= ages[1]]
    assert sum(AGE_BANDS[i][1] - AGE_BANDS[i][0] + 1 for i in bands) == ages[1] - ages[0] + 1, ages
    return bands


def run(con, linked: Path, *, cache: bool = True) -> pd.DataFrame:
    """The derivation on an Ibis backend, from the linked person-year table: the aggregate as a pandas
    DataFrame (see `tidy`), sorted.

    The per-year medians and cut points are computed first (`year_stats`: a few small queries); the
    person-year rows are then read once more, by the group-by, whose result (the fine aggregate) is kept
    on the engine, with `cache`, for the one-at-a-time roll-ups.
    """
    py = read_person_years(con, linked)
    # the ten rows of year statistics as a view on the engine (Spark's cache does not see an in-memory table)
    stats = con.create_view("md_year_stats", ibis.memtable(year_stats(con, py)), overwrite=True)
    fine = aggregate(with_flags(py, stats))
    if cache:
        fine = fine.cache()
    return finish(con.execute(rollups(fine)))


def rollups(fine: ir.Table) -> ir.Table:
    """The totals and the one-at-a-time breakdowns from the fine aggregate, on the engine (long layout)."""
    cols = [c for s in SPECS for c in value_columns(s)]
    parts = []
    for d, dim in enumerate(DIMENSIONS):
        col = DIM_COLUMN.get(dim)
        code = ibis.literal(0, "int16") if col is None else fine[col].cast("int16")
        g = fine.select("year", "area", *cols, dim=ibis.literal(d, "int8"), code=code)
        parts.append(g.group_by(["year", "area", "dim", "code"]).aggregate(**{c: g[c].sum() for c in cols}))
    return ibis.union(*parts)


def finish(long: pd.DataFrame) -> pd.DataFrame:
    """Types, zero rows dropped (no denominator anywhere), sorted: the layout `observations` reads."""
    cols = [c for s in SPECS for c in value_columns(s)]
    long = long.copy()
    long[cols] = long[cols].fillna(0.0).astype("float64")
    long = long[(long[[c for c in cols if c.startswith("d_")]] > 0).any(axis=1)]
    for k in KEYS:
        long[k] = long[k].astype("int64")
    return long[KEYS + cols].sort_values(KEYS).reset_index(drop=True)


def tidy(fine: pd.DataFrame) -> pd.DataFrame:
    """`rollups` + `finish` in pandas (for the pandas reference implementation).

    Codes: sex 1 male / 2 female, background 1 immigrant / 2 Norwegian-born to immigrant parents / 3 rest,
    edu 0 unknown / 1–4, income quintile 0 unknown / 1–5, age the index into AGE_BANDS; total 0."""
    cols = [c for s in SPECS for c in value_columns(s)]
    frames = []
    for d, dim in enumerate(DIMENSIONS):
        col = DIM_COLUMN.get(dim)
        keys = ["year", "area"] + ([col] if col else [])
        g = fine.groupby(keys, as_index=False)[cols].sum()
        frames.append(g.assign(dim=d, code=g[col] if col else 0))
    return finish(pd.concat(frames, ignore_index=True))


# -- roll-up and observations (pandas, small) ------------------------------------------------------------
def area_table() -> pd.DataFrame:
    """Every area code (as the integer in the aggregate) with its municipality, district, zone and county.

    Municipality codes are 4 digits (at most 5650), district codes 6 (030101–500199), zone codes 8
    (from 03011101): as integers the three levels cannot collide.
    """
    reg = regions.regions_2024()
    parent = reg.set_index("code")["parent"].to_dict()
    level = reg.set_index("code")["level"].to_dict()
    rows = []
    for code, lvl in level.items():
        if lvl not in ("kommune", "bydel", "levekårssone"):
            continue
        zone = code if lvl == "levekårssone" else None
        up = parent[code] if zone else code
        bydel = up if level.get(up) == "bydel" else None
        kommune = parent[bydel] if bydel else up
        rows.append((int(code), kommune, bydel, zone, parent[kommune]))
    out = pd.DataFrame(rows, columns=["area", "kommune", "bydel", "levekarssone", "fylke"])
    assert out["area"].is_unique
    return out


def _rollup(agg: pd.DataFrame) -> pd.DataFrame:
    areas = area_table()
    a = agg.merge(areas, on="area", how="left")
    if a["kommune"].isna().any():
        bad = int(a.loc[a["kommune"].isna(), "area"].iloc[0])
        raise ValueError(f"area code {bad} is not a 2024 municipality, district or zone")
    value_cols = [c for c in agg.columns if c[:2] in ("n_", "d_", "s_", "q_")]
    keys = ["year", "dim", "code"]
    levels = [a.assign(region="0"), a.assign(region=a["fylke"]), a.assign(region=a["kommune"]),
              a[a["bydel"].notna()].assign(region=a["bydel"]),
              a[a["levekarssone"].notna()].assign(region=a["levekarssone"])]
    return pd.concat([lv.groupby(["region", *keys], as_index=False)[value_cols].sum() for lv in levels],
                     ignore_index=True)


def observations(agg: pd.DataFrame) -> pd.DataFrame:
    """The observation table for every indicator in SPECS, from the aggregate of `run`."""
    rolled = _rollup(agg)
    dim, code = rolled["dim"].to_numpy("int64"), rolled["code"].to_numpy("int64")
    # each row's label, but for age, whose bands differ between indicators
    label = np.full(len(rolled), None, dtype=object)
    label[dim == DIMENSIONS.index("total")] = TOTAL
    for name, mapping in (("sex", SEX_LABEL), ("background", BACKGROUND_LABEL), ("edu", EDU_LABEL),
                          ("income", INCOME_LABEL)):
        sel = dim == DIMENSIONS.index(name)
        label[sel] = pd.Series(code[sel]).map(mapping).to_numpy()
    rolled = rolled.assign(dim=np.asarray(DIMENSIONS, dtype=object)[dim], label=label)
    is_age = dim == DIMENSIONS.index("age")
    out = []
    for spec in SPECS:
        cols = value_columns(spec)
        names = {f"d_{spec.id}": "den", f"n_{spec.id}": "num", f"s_{spec.id}": "sum", f"q_{spec.id}": "sumsq"}
        years = rolled["year"].between(*spec.years).to_numpy()
        d = rolled.loc[years & ~is_age & rolled["dim"].isin(("total",) + spec.breakdowns).to_numpy(),
                       ["region", "year", "dim", "label", *cols]]
        if "age" in spec.breakdowns:   # the fine bands summed into the indicator's own
            band_label = {i: f"{lo}-{hi}" for lo, hi in spec.age_bands for i in _bands((lo, hi))}
            ages = rolled.loc[years & is_age & np.isin(code, list(band_label)), ["region", "year", "dim", "code", *cols]]
            ages = ages.assign(label=ages["code"].map(band_label)).drop(columns="code")
            d = pd.concat([d, ages.groupby(["region", "year", "dim", "label"], as_index=False)[cols].sum()])
        d = d.rename(columns=names)
        d = d[d["label"].notna() & (d["den"] > 0)]   # a known category; no cell with a zero denominator
        out.append(_to_observations(spec, d))
    return frame(pd.concat(out, ignore_index=True))


def _to_observations(spec: Spec, d: pd.DataFrame) -> pd.DataFrame:
    year = d["year"].astype(int)
    dim, label = d["dim"].to_numpy(object), d["label"].to_numpy(object)   # plain arrays: fast comparisons
    period_from = year - 2 if spec.period == "3-year" else year
    period_to = year + 5 if spec.period == "cohort5" else year
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
    return pd.DataFrame({
        "indicator": spec.id, "region": d["region"].to_numpy(), "period_from": period_from.to_numpy(),
        "period_to": np.asarray(period_to), "sex": np.where(dim == "sex", label, TOTAL),
        "age": np.where(dim == "age", label, spec.age), "background": np.where(dim == "background", label, TOTAL),
        "ses": np.where((dim == "edu") | (dim == "income"), label, TOTAL), "numerator": numerator,
        "denominator": den.to_numpy(), "value": np.asarray(value), "ci_low": np.asarray(low),
        "ci_high": np.asarray(high), "n_years": 3 if spec.period == "3-year" else 1, "flag": FLAG_VALUE,
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
