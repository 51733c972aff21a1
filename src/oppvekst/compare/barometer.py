"""The barometer (oppvekstbarometer): better / worse / no significant difference / not assessed.

For each area (municipality, city district, county), indicator and period the area is compared with a
comparator of the same period and breakdown: the country, its peer group (county or ASSS), or its own
previous period. The work is vectorised: one call classifies a whole table.

Methods (the key is stated wherever a colour is shown, see `Method.describe`):

- `exact` (default): an exact test of the area against the rest of the comparator (the comparator's
  counts minus the area's own). Proportions: Fisher's exact test, central two-sided p-value (twice the
  smaller hypergeometric tail). Rates: the exact conditional test (given x1 + x2, x1 is binomial with
  p = e1 / (e1 + e2)). Against the previous period the two periods are the two groups.
- `interval`: the area's 95 % interval against the comparator's value, as the producers' profiles do.
  The p-value is that of the test the interval inverts (score test for Wilson, exact Poisson test for
  Garwood, t-test for means, normal test for a published interval), so without FDR control the class
  is "different" exactly when the interval excludes the comparator's value.

Multiplicity: with `fdr="bh"` (default) the p-values of one profile (one area, period, comparator and
breakdown; all its indicators) are adjusted by Benjamini–Hochberg, and a difference counts only if the
adjusted p-value is below q = 0.05. This keeps chance from painting a profile red.

Polarity decides the colour: for "higher is worse" a significantly higher value is "worse". Neutral
indicators, yes/no indicators, counts and amounts are "not assessed" (their direction is still given).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oppvekst.indicators import stats
from oppvekst.indicators.catalogue import Indicator, catalogue
from oppvekst.observations import FLAG_VALUE

BETTER, WORSE, SAME, NOT_ASSESSED = "better", "worse", "same", "not_assessed"
CLASSES = (BETTER, SAME, WORSE, NOT_ASSESSED)
CLASS_NAMES = {
    BETTER: ("Bedre", "Better"),
    WORSE: ("Dårligere", "Worse"),
    SAME: ("Ingen sikker forskjell", "No significant difference"),
    NOT_ASSESSED: ("Ikke vurdert", "Not assessed"),
}
CLASS_COLOURS = {BETTER: "#2c7bb6", SAME: "#f2e394", WORSE: "#d7301f", NOT_ASSESSED: "#bdbdbd"}
COMPARATORS = {
    "national": ("landet", "the country"),
    "parent": ("fylket / kommunen", "the county / municipality"),
    "asss": ("ASSS-kommunene", "the ASSS municipalities"),
    "peers": ("sammenligningsgruppen", "the peer group"),
    "previous": ("forrige periode", "the previous period"),
}
BREAKDOWNS = ["sex", "age", "background", "ses"]
NOT_BAROMETER_THEMES = ("befolkning",)   # population counts describe, they are not compared
KEYS = ["indicator", "period_from", "period_to", *BREAKDOWNS]


@dataclass(frozen=True)
class Method:
    key: str = "exact"          # exact | interval
    fdr: str | None = "bh"      # bh | None
    alpha: float = 0.05         # test level; with BH, the false discovery rate q

    def __post_init__(self):
        if self.key not in ("exact", "interval"):
            raise ValueError(f"unknown barometer method {self.key!r}: use 'exact' or 'interval'")
        if self.fdr not in ("bh", None):
            raise ValueError(f"unknown FDR control {self.fdr!r}: use 'bh' or None")

    @property
    def code(self) -> str:
        return f"{self.key}{'+bh' if self.fdr else ''}"

    def describe(self) -> tuple[str, str]:
        level = f"{int(round((1 - self.alpha) * 100))} %"
        if self.key == "exact":
            nb = ("Eksakt test av området mot resten av sammenligningsgrunnlaget (Fishers eksakte test for andeler, "
                  "betinget eksakt test for rater)")
            en = ("Exact test of the area against the rest of the comparator (Fisher's exact test for proportions, "
                  "conditional exact test for rates)")
        else:
            nb = (f"Områdets {level} konfidensintervall mot sammenligningsverdien (Wilson for andeler, eksakt Poisson "
                  "for rater, t for gjennomsnitt)")
            en = (f"The area's {level} confidence interval against the comparator's value (Wilson for proportions, "
                  "exact Poisson for rates, t for means)")
        if self.fdr == "bh":
            nb += (f"; p-verdiene i hver profil er justert med Benjamini–Hochberg, falsk oppdagelsesrate "
                   f"{self.alpha:.2f}".replace(".", ","))
            en += f"; the p-values of each profile are adjusted by Benjamini–Hochberg, false discovery rate {self.alpha:.2f}"
        else:
            nb += f"; signifikansnivå {self.alpha:.2f}, uten justering for mange tester".replace(".", ",")
            en += f"; significance level {self.alpha:.2f}, no adjustment for multiple tests"
        nb += ". Retningen (høyere er bedre/verre) avgjør fargen."
        en += ". The indicator's direction (higher is better/worse) decides the colour."
        return nb, en


def indicator_table(cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """Per indicator: measure, polarity, scale and interval method, for vectorised lookups."""
    cat = cat if cat is not None else catalogue()
    return pd.DataFrame([{"indicator": i.id, "measure": i.measure, "polarity": i.polarity, "scale": i.scale,
                          "interval_method": i.interval_method} for i in cat.values()])


def _totals(df: pd.DataFrame, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Total counts of rows (annual averages × years for period rows)."""
    n_years = df[f"{prefix}n_years"].to_numpy(dtype=float) if f"{prefix}n_years" in df else 1.0
    return (df[f"{prefix}numerator"].to_numpy(dtype=float) * n_years,
            df[f"{prefix}denominator"].to_numpy(dtype=float) * n_years)


def classify(aligned: pd.DataFrame, *, method: Method = Method(), kind: str = "level",
             family: list[str] | None = None, cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """Classify aligned rows: the area's columns and the comparator's as `ref_*` columns.

    `aligned` needs indicator, region, the period and breakdown columns, numerator, denominator, value,
    ci_low, ci_high, n_years, flag, and ref_numerator, ref_denominator, ref_value, ref_ci_low,
    ref_ci_high, ref_n_years, ref_flag, plus a boolean `area_in_ref` (is the area part of the
    comparator's counts). kind="level" compares with a comparator level; kind="change" with the same
    area's previous period (two independent groups).

    Adds: direction (higher / lower / equal), p_value, p_adjusted, significant, cls, reason.
    """
    df = aligned.reset_index(drop=True)
    meta = indicator_table(cat).set_index("indicator")
    measure = df["indicator"].map(meta["measure"]).fillna("unknown").to_numpy()
    polarity = df["indicator"].map(meta["polarity"]).fillna("neutral").to_numpy()
    scale = df["indicator"].map(meta["scale"]).fillna(1.0).to_numpy(dtype=float)
    imethod = df["indicator"].map(meta["interval_method"]).fillna("none").to_numpy()

    x, n = _totals(df)
    rx, rn = _totals(df, "ref_")
    value, ref_value = df["value"].to_numpy(dtype=float), df["ref_value"].to_numpy(dtype=float)
    low, high = df["ci_low"].to_numpy(dtype=float), df["ci_high"].to_numpy(dtype=float)
    in_ref = df["area_in_ref"].to_numpy(dtype=bool) if "area_in_ref" in df else np.zeros(len(df), bool)
    # the rest of the comparator: its counts less the area's own when the area is part of it
    ox, on = np.where(in_ref, rx - x, rx), np.where(in_ref, rn - n, rn)

    has_counts = ~np.isnan(x) & ~np.isnan(n) & (n > 0) & ~np.isnan(rx) & ~np.isnan(rn)
    has_ci = ~np.isnan(low) & ~np.isnan(high)
    ref_has_ci = ~np.isnan(df["ref_ci_low"].to_numpy(dtype=float)) if "ref_ci_low" in df else np.zeros(len(df), bool)
    prop, rate = measure == "proportion", measure == "rate"
    mean = measure == "mean"
    published = (imethod == "published") | (~has_counts & has_ci & ~mean)

    p = np.full(len(df), np.nan)
    method_used = np.full(len(df), "", dtype=object)

    with np.errstate(invalid="ignore", divide="ignore"):
        def put(mask: np.ndarray, name: str, fn, *arrays) -> None:
            """p-values of one test, computed on its own rows only."""
            if mask.any():
                p[mask] = fn(*(a[mask] for a in arrays))
                method_used[mask] = name

        if kind == "level":
            exact = has_counts & ~published & (method.key == "exact") & (on > 0)
            put(prop & exact, "fisher", stats.fisher_pvalue, x, n, ox, on)
            put(rate & exact, "conditional_poisson", stats.conditional_poisson_pvalue, x, n, ox, on)
            # interval method (and the fallback where the exact test has nothing to compare with)
            todo = np.isnan(p) & ~np.isnan(ref_value)
            p0 = ref_value / scale
            put(todo & prop & has_counts & ~published, "score", stats.score_pvalue, x, n, p0)
            put(todo & rate & has_counts & ~published, "poisson_exact", stats.poisson_pvalue, x, p0 * n)
            df_t = np.where(n >= 2, n - 1, 1e9)       # t with n − 1 df; normal when n is unknown
            put(todo & mean & has_ci, "t", lambda v, r, lo, hi, d: stats.t_pvalue(
                v, r, stats.se_from_interval(lo, hi, df=d), d), value, ref_value, low, high, df_t)
            put(todo & published & has_ci & ~mean, "normal_ci", lambda v, r, lo, hi: stats.normal_pvalue(
                v, r, stats.se_from_interval(lo, hi)), value, ref_value, low, high)
        else:  # change against the previous period: two independent groups
            both_counts = has_counts & (rn > 0) & ~published
            if method.key == "exact":
                put(prop & both_counts, "fisher", stats.fisher_pvalue, x, n, rx, rn)
            else:
                put(prop & both_counts, "two_proportion_z", stats.two_proportion_pvalue, x, n, rx, rn)
            put(rate & both_counts, "conditional_poisson", stats.conditional_poisson_pvalue, x, n, rx, rn)
            rlo = df["ref_ci_low"].to_numpy(dtype=float)
            rhi = df["ref_ci_high"].to_numpy(dtype=float)
            put(np.isnan(p) & has_ci & ref_has_ci & (published | mean), "normal_ci",
                lambda v, r, lo, hi, a, b: stats.normal_pvalue(
                    v, r, np.sqrt(stats.se_from_interval(lo, hi) ** 2 + stats.se_from_interval(a, b) ** 2)),
                value, ref_value, low, high, rlo, rhi)

    # reasons a row is not assessed, first match wins
    flag_ok = (df["flag"].to_numpy() == FLAG_VALUE) & ~np.isnan(value)
    ref_ok = ~np.isnan(ref_value) & (df["ref_flag"].fillna(1).to_numpy() == FLAG_VALUE)
    reason = np.select(
        [~flag_ok, ~ref_ok, np.isin(measure, ["binary", "count", "amount", "unknown"]),
         (kind == "level") & has_counts & in_ref & (on <= 0) & (method.key == "exact"),
         np.isnan(p), polarity == "neutral"],
        ["ingen verdi / no value", "ingen sammenligningsverdi / no comparator value",
         "indikatortypen vurderes ikke / measure not assessed",
         "området er hele sammenligningsgrunnlaget / the area is the whole comparator",
         "verken tellinger eller intervall / neither counts nor interval",
         "nøytral retning / neutral direction"],
        default="")
    p = np.where(np.isin(reason, ["", "nøytral retning / neutral direction"]), p, np.nan)
    tested = np.where(reason == "", p, np.nan)     # neutral indicators are reported, not counted in the family

    fam = family if family is not None else ["region", "period_to", "comparator", "breakdown"]
    fam_frame = pd.DataFrame({c: _codes(df[c]) for c in fam if c in df})
    p_adj = stats.bh_adjust(tested, fam_frame if len(fam_frame.columns) else None) if method.fdr == "bh" else tested
    significant = p_adj < method.alpha

    diff = value - ref_value
    good = np.where(polarity == "higher_better", diff > 0, diff < 0)
    assessed = reason == ""
    # string columns as categoricals: a million rows of a handful of labels (the barometer benchmark)
    direction = pd.Categorical.from_codes(
        np.select([np.isnan(diff), diff > 0, diff < 0], [-1, 0, 1], default=2), ["higher", "lower", "equal"])
    cls = pd.Categorical.from_codes(np.select([~assessed, significant & good, significant], [3, 0, 2], default=1),
                                    list(CLASSES))
    return df.assign(direction=direction, p_value=p, p_adjusted=p_adj, significant=significant & assessed,
                     cls=cls, reason=pd.Categorical(reason), test=pd.Categorical(method_used),
                     method=_constant(method.code, len(df)))


def _codes(col: pd.Series) -> np.ndarray:
    """Integer codes of a key column (category codes, or the values themselves)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy()
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy()
    return pd.factorize(col)[0]


def _constant(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [value])


# -- building the comparisons from an observation table ---------------------------------------------------

def headline_rows(obs: pd.DataFrame, cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """Each indicator's headline breakdown (totals, or e.g. age 15-29 for NEET), marked breakdown='total'."""
    cat = cat if cat is not None else catalogue()
    return obs[headline_mask(obs, cat)].assign(breakdown="total")


def headline_mask(obs: pd.DataFrame, cat: dict[str, Indicator]) -> np.ndarray:
    """True for rows in their indicator's headline breakdown; compares category codes, not strings."""
    if obs.empty:
        return np.zeros(0, dtype=bool)
    ind = pd.Categorical(obs["indicator"])
    mask = ind.codes >= 0
    for b in BREAKDOWNS:
        col = pd.Categorical(obs[b])
        want = [cat[i].headline.get(b, "all") if i in cat else None for i in ind.categories]
        want_code = col.categories.get_indexer(pd.Index(want, dtype=object))      # −1 where absent
        mask &= col.codes == want_code[ind.codes]
    return mask & np.isin(ind.categories, list(cat))[ind.codes]


def _label_breakdowns(obs: pd.DataFrame, cat: dict[str, Indicator] | None) -> pd.DataFrame:
    head = headline_rows(obs, cat)[["indicator", *BREAKDOWNS]].drop_duplicates().assign(_h=True)
    m = obs.merge(head, on=["indicator", *BREAKDOWNS], how="left")
    label = m["sex"].astype(str) + "," + m["age"].astype(str) + "," + m["background"].astype(str) + "," + m["ses"].astype(str)
    return m.assign(breakdown=np.where(m["_h"].eq(True), "total", label)).drop(columns="_h")


REF_COLS = ["numerator", "denominator", "value", "ci_low", "ci_high", "n_years", "flag"]


def pooled(obs: pd.DataFrame, members: list[str], cat: dict[str, Indicator] | None = None,
           alpha: float = 0.05) -> pd.DataFrame:
    """A group's pooled value per indicator, period and breakdown: Σ numerator / Σ denominator.

    A group value needs every member's counts (a missing member would bias it): else the row is flagged 2.
    """
    part = obs[obs["region"].isin(members)]
    ok = (part["flag"] == FLAG_VALUE) & part["numerator"].notna() & part["denominator"].notna()
    g = part.assign(_ok=ok, _x=part["numerator"] * part["n_years"], _n=part["denominator"] * part["n_years"])
    out = g.groupby(KEYS, as_index=False, dropna=False, observed=True).agg(
        _x=("_x", "sum"), _n=("_n", "sum"), _members=("_ok", "sum"), n_years=("n_years", "first"))
    return _finish_pooled(out, out["_members"].to_numpy() == len(members), cat, alpha)


def _finish_pooled(out: pd.DataFrame, complete: np.ndarray, cat, alpha: float) -> pd.DataFrame:
    meta = indicator_table(cat).set_index("indicator")
    sc = out["indicator"].map(meta["scale"]).astype(float).fillna(1.0).to_numpy()
    ms = out["indicator"].map(meta["measure"]).astype(object).fillna("unknown").to_numpy()
    x, n = out["_x"].to_numpy(dtype=float), out["_n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(complete & (n > 0), x / n * sc, np.nan)
    low = np.full(len(out), np.nan)
    high = np.full(len(out), np.nan)
    for m in ("proportion", "rate"):
        sel = ms == m
        if sel.any():
            lo, hi = stats.interval(m, x[sel], n[sel], scale=1.0, alpha=alpha)
            low[sel], high[sel] = lo * sc[sel], hi * sc[sel]
    computable = ~np.isnan(value) & np.isin(ms, ["proportion", "rate"])
    ny = out["n_years"].to_numpy(dtype=float)
    return out.assign(
        numerator=np.where(computable, x / ny, np.nan), denominator=np.where(computable, n / ny, np.nan),
        value=np.where(computable, value, np.nan), ci_low=np.where(computable, low, np.nan),
        ci_high=np.where(computable, high, np.nan), flag=np.where(computable, FLAG_VALUE, 2),
    ).drop(columns=["_x", "_n", "_members"], errors="ignore")


class _Index:
    """Integer keys for fast alignment: series (indicator × breakdown × period length) × region × year.

    Written here rather than with DataFrame merges: at a million rows the string joins dominated the
    barometer benchmark; here each comparison is a searchsorted on int64 keys.
    """

    def __init__(self, data: pd.DataFrame, extra_regions: list[str]):
        self.series = data.groupby(["indicator", *BREAKDOWNS, "n_years"], sort=False, observed=True).ngroup().to_numpy()
        regions = pd.Index(pd.unique(pd.concat([data["region"].astype(str), pd.Series(extra_regions, dtype=str)])))
        self.regions = regions
        self.region = regions.get_indexer(data["region"].astype(str))
        self.year0 = int(data["period_to"].min())
        self.years = int(data["period_to"].max()) - self.year0 + 1
        self.key = self.make(self.series, self.region, data["period_to"].to_numpy())
        self.order = np.argsort(self.key, kind="stable")
        self.sorted = self.key[self.order]

    def make(self, series, region, year) -> np.ndarray:
        return ((series.astype(np.int64) * len(self.regions) + region) * self.years
                + (np.asarray(year, dtype=np.int64) - self.year0))

    def find(self, series, region, year) -> np.ndarray:
        """Row positions in `data` for the keys; −1 where there is no such row."""
        year = np.asarray(year, dtype=np.int64)
        key = self.make(series, region, np.clip(year, self.year0, self.year0 + self.years - 1))
        pos = np.searchsorted(self.sorted, key)
        pos = np.minimum(pos, len(self.sorted) - 1)
        hit = (self.sorted[pos] == key) & (region >= 0) & (year >= self.year0) & (year < self.year0 + self.years)
        return np.where(hit, self.order[pos], -1)


def _aligned(rows: pd.DataFrame, ref: pd.DataFrame, pos: np.ndarray, comparator: str, ref_region,
             area_in_ref) -> pd.DataFrame:
    """The area rows with the comparator's columns (ref_*) gathered at `pos` (−1: none)."""
    cols = {}
    hit = pos >= 0
    safe = np.where(hit, pos, 0)
    for c in REF_COLS:
        v = ref[c].to_numpy(dtype=float)[safe]
        cols[f"ref_{c}"] = np.where(hit, v, np.nan if c != "flag" else 1)
    n = len(rows)
    refs = _constant(ref_region, n) if isinstance(ref_region, str) else pd.Categorical(ref_region)
    return rows.assign(**cols, comparator=_constant(comparator, n), ref_region=refs, area_in_ref=area_in_ref)


def barometer(obs: pd.DataFrame, regions_table: pd.DataFrame, *, method: Method = Method(),
              comparators: tuple[str, ...] = ("national", "parent", "asss", "previous"),
              asss: list[str] | None = None, areas: list[str] | None = None,
              levels: tuple[str, ...] = ("kommune", "bydel", "fylke"), headline_only: bool = True,
              years: list[int] | None = None, latest_only: bool = False,
              cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """Classify every area × indicator × period (× breakdown) against each comparator, in one pass.

    `obs` is an observation table (all regions, including the country '0'); `regions_table` has code,
    level and parent. One BH family is one area's profile: area, period, comparator and breakdown.
    """
    cat = cat if cat is not None else catalogue()
    cat = {k: v for k, v in cat.items() if v.theme not in NOT_BAROMETER_THEMES}
    # string keys as categoricals once: the joins and group-bys below then work on integer codes
    obs = obs.astype({c: "category" for c in ("indicator", "region", *BREAKDOWNS)})
    obs = obs[obs["indicator"].isin(list(cat))]
    data = headline_rows(obs, cat) if headline_only else _label_breakdowns(obs, cat)
    data = data.reset_index(drop=True)
    if data.empty:
        return pd.DataFrame()
    level_of = regions_table.set_index("code")["level"]
    parent_of = regions_table.set_index("code")["parent"]
    area_codes = set(regions_table.loc[regions_table["level"].isin(levels), "code"])
    if areas is not None:
        area_codes &= set(areas)
    sel = data["region"].isin(area_codes).to_numpy().copy()
    if years is not None:
        sel &= data["period_to"].isin(years).to_numpy()
    if latest_only:   # each indicator's newest period (as a profile shows it)
        sel &= (data["period_to"] == data[sel].groupby("indicator")["period_to"].transform("max")
                .reindex(data.index)).to_numpy()
    rows = _drop_shadowed_twins(data[sel])
    # categoricals for the string keys of the result (a handful of values over up to a million rows)
    rows = rows.astype({"breakdown": "category"})
    ref = data
    extra = ["asss"] if ("asss" in comparators and asss) else []
    idx = _Index(ref, extra)
    at = rows.index.to_numpy()                       # rows are a subset of data: positions are shared
    series, region, year = idx.series[at], idx.region[at], rows["period_to"].to_numpy()
    n_years = rows["n_years"].to_numpy()
    parts = []
    if "national" in comparators:
        r0 = np.full(len(rows), idx.regions.get_indexer(["0"])[0])
        pos = idx.find(series, r0, year)
        parts.append(classify(_aligned(rows, ref, pos, "national", "0", True), method=method, cat=cat))
    if "parent" in comparators:
        parent = rows["region"].map(parent_of).astype(object).fillna("").to_numpy()
        pos = idx.find(series, idx.regions.get_indexer(parent), year)
        parts.append(classify(_aligned(rows, ref, pos, "parent", parent, True), method=method, cat=cat))
    if extra:
        members = set(asss)
        member_rows = ref["region"].isin(members).to_numpy()
        grp = pooled(ref[member_rows], list(members), cat)
        series_of = (ref[["indicator", *BREAKDOWNS, "n_years"]].assign(_s=idx.series)
                     .drop_duplicates(["indicator", *BREAKDOWNS, "n_years"]))
        gs = grp.merge(series_of, on=["indicator", *BREAKDOWNS, "n_years"], how="left")["_s"].to_numpy()
        g_region = idx.regions.get_indexer(["asss"])[0]
        gkeys = pd.Series(np.arange(len(grp)), index=idx.make(gs.astype(np.int64), g_region, grp["period_to"].to_numpy()))
        pos = gkeys.reindex(idx.make(series, g_region, year)).fillna(-1).astype(int).to_numpy()
        parts.append(classify(_aligned(rows, grp, pos, "asss", "asss",
                                       rows["region"].isin(members).to_numpy()), method=method, cat=cat))
    if "previous" in comparators:
        pos = idx.find(series, region, year - n_years)
        prev = _aligned(rows, ref, pos, "previous", rows["region"].to_numpy(), False)
        parts.append(classify(prev.assign(ref_period_to=year - n_years), method=method, kind="change", cat=cat))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out["level"] = out["region"].map(level_of)
        out = out.astype({c: "category" for c in ("comparator", "ref_region", "method", "test", "reason", "cls",
                                                   "direction") if c in out})
    return out


def _drop_shadowed_twins(rows: pd.DataFrame) -> pd.DataFrame:
    """A synthetic stand-in (`<id>_syn`) is not assessed where the real indicator has a value for the
    same area and period: the profile shows the real one, so only that belongs to the profile's family."""
    syn = rows["indicator"].str.endswith("_syn")
    if not syn.any():
        return rows
    real = rows.loc[~syn & (rows["flag"] == FLAG_VALUE), ["indicator", "region", "period_to"]].drop_duplicates()
    twins = rows.loc[syn, ["indicator", "region", "period_to"]].assign(
        indicator=lambda d: d["indicator"].str.removesuffix("_syn"))
    shadowed = twins.merge(real.assign(_real=True), on=["indicator", "region", "period_to"], how="left")["_real"]
    keep = np.ones(len(rows), dtype=bool)
    keep[np.flatnonzero(syn.to_numpy())] = ~shadowed.fillna(False).astype(bool).to_numpy()
    return rows[keep]
