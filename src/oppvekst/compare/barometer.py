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
        if kind == "level":
            exact_prop = prop & has_counts & ~published & (method.key == "exact") & (on > 0)
            exact_rate = rate & has_counts & ~published & (method.key == "exact") & (on > 0)
            p = np.where(exact_prop, stats.fisher_pvalue(x, n, ox, on), p)
            p = np.where(exact_rate, stats.conditional_poisson_pvalue(x, n, ox, on), p)
            method_used[exact_prop] = "fisher"
            method_used[exact_rate] = "conditional_poisson"
            # interval method (and the fallback where the exact test has nothing to compare with)
            todo = np.isnan(p) & ~np.isnan(ref_value)
            score = todo & prop & has_counts & ~published
            p0 = ref_value / scale
            p = np.where(score, stats.score_pvalue(x, n, p0), p)
            method_used[score] = "score"
            pois = todo & rate & has_counts & ~published
            p = np.where(pois, stats.poisson_pvalue(x, p0 * n), p)
            method_used[pois] = "poisson_exact"
            tt = todo & mean & has_ci
            df_t = np.where(n >= 2, n - 1, np.nan)
            se_t = stats.se_from_interval(low, high, df=np.where(np.isnan(df_t), 1e9, df_t))
            p = np.where(tt, stats.t_pvalue(value, ref_value, se_t, np.where(np.isnan(df_t), 1e9, df_t)), p)
            method_used[tt] = "t"
            norm_ = todo & published & has_ci & ~mean
            p = np.where(norm_, stats.normal_pvalue(value, ref_value, stats.se_from_interval(low, high)), p)
            method_used[norm_] = "normal_ci"
        else:  # change against the previous period: two independent groups
            both_counts = has_counts & (rn > 0)
            cprop = prop & both_counts & ~published
            crate = rate & both_counts & ~published
            if method.key == "exact":
                p = np.where(cprop, stats.fisher_pvalue(x, n, rx, rn), p)
                method_used[cprop] = "fisher"
            else:
                p = np.where(cprop, stats.two_proportion_pvalue(x, n, rx, rn), p)
                method_used[cprop] = "two_proportion_z"
            p = np.where(crate, stats.conditional_poisson_pvalue(x, n, rx, rn), p)
            method_used[crate] = "conditional_poisson"
            two_ci = np.isnan(p) & has_ci & ref_has_ci & (published | mean)
            se = np.sqrt(stats.se_from_interval(low, high) ** 2
                         + stats.se_from_interval(df["ref_ci_low"], df["ref_ci_high"]) ** 2)
            p = np.where(two_ci, stats.normal_pvalue(value, ref_value, se), p)
            method_used[two_ci] = "normal_ci"

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
    fam_frame = pd.DataFrame({c: df[c].to_numpy() for c in fam if c in df})
    p_adj = stats.bh_adjust(tested, fam_frame if len(fam_frame.columns) else None) if method.fdr == "bh" else tested
    significant = p_adj < method.alpha

    diff = value - ref_value
    direction = np.where(np.isnan(diff), None, np.where(diff > 0, "higher", np.where(diff < 0, "lower", "equal")))
    good = np.where(polarity == "higher_better", diff > 0, diff < 0)
    cls = np.where(reason != "", NOT_ASSESSED, np.where(significant, np.where(good, BETTER, WORSE), SAME))
    return df.assign(direction=direction, p_value=p, p_adjusted=p_adj, significant=significant & (reason == ""),
                     cls=cls, reason=reason, test=method_used, method=method.code)


# -- building the comparisons from an observation table ---------------------------------------------------

def headline_rows(obs: pd.DataFrame, cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    """Each indicator's headline breakdown (totals, or e.g. age 15-29 for NEET), marked breakdown='total'."""
    cat = cat if cat is not None else catalogue()
    want = pd.DataFrame([{"indicator": i.id, **{b: i.headline.get(b, "all") for b in BREAKDOWNS}}
                         for i in cat.values()])
    out = obs.merge(want, on=["indicator", *BREAKDOWNS], how="inner")
    return out.assign(breakdown="total")


def _label_breakdowns(obs: pd.DataFrame, cat: dict[str, Indicator] | None) -> pd.DataFrame:
    head = headline_rows(obs, cat)[["indicator", *BREAKDOWNS]].drop_duplicates().assign(_h=True)
    m = obs.merge(head, on=["indicator", *BREAKDOWNS], how="left")
    label = m["sex"].astype(str) + "," + m["age"].astype(str) + "," + m["background"].astype(str) + "," + m["ses"].astype(str)
    return m.assign(breakdown=np.where(m["_h"].eq(True), "total", label)).drop(columns="_h")


REF_COLS = ["numerator", "denominator", "value", "ci_low", "ci_high", "n_years", "flag"]


def _with_ref(area: pd.DataFrame, ref: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    ref = ref[on + REF_COLS].rename(columns={c: f"ref_{c}" for c in REF_COLS})
    return area.merge(ref, on=on, how="left")


def align_national(obs: pd.DataFrame, areas: pd.DataFrame, national: str = "0") -> pd.DataFrame:
    nat = obs[obs["region"] == national]
    return _with_ref(areas, nat, KEYS).assign(comparator="national", ref_region=national, area_in_ref=True)


def align_parent(obs: pd.DataFrame, areas: pd.DataFrame, parent_of: pd.Series) -> pd.DataFrame:
    """Compare each area with its parent region (municipality → county, city district → municipality)."""
    a = areas.assign(ref_region=areas["region"].map(parent_of))
    ref = obs.rename(columns={"region": "ref_region"})
    return _with_ref(a, ref, KEYS + ["ref_region"]).assign(comparator="parent", area_in_ref=True)


def pooled(obs: pd.DataFrame, members: list[str], cat: dict[str, Indicator] | None = None,
           alpha: float = 0.05) -> pd.DataFrame:
    """A group's pooled value per indicator, period and breakdown: Σ numerator / Σ denominator.

    A group value needs every member's counts (a missing member would bias it): else the row is flagged 2.
    """
    meta = indicator_table(cat).set_index("indicator")
    part = obs[obs["region"].isin(members)]
    ok = (part["flag"] == FLAG_VALUE) & part["numerator"].notna() & part["denominator"].notna()
    g = part.assign(_ok=ok, _x=part["numerator"] * part["n_years"], _n=part["denominator"] * part["n_years"])
    out = g.groupby(KEYS, as_index=False, dropna=False).agg(
        _x=("_x", "sum"), _n=("_n", "sum"), _members=("_ok", "sum"), n_years=("n_years", "first"))
    complete = out["_members"] == len(members)
    sc = out["indicator"].map(meta["scale"]).fillna(1.0).to_numpy(dtype=float)
    ms = out["indicator"].map(meta["measure"]).fillna("unknown").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(complete & (out["_n"] > 0), out["_x"] / out["_n"] * sc, np.nan)
    low = np.full(len(out), np.nan)
    high = np.full(len(out), np.nan)
    for m in ("proportion", "rate"):
        sel = ms == m
        if sel.any():
            lo, hi = stats.interval(m, out["_x"][sel], out["_n"][sel], scale=1.0, alpha=alpha)
            low[sel], high[sel] = lo * sc[sel], hi * sc[sel]
    computable = ~np.isnan(value) & np.isin(ms, ["proportion", "rate"])
    ny = out["n_years"].to_numpy(dtype=float)
    return out.assign(
        numerator=np.where(computable, out["_x"] / ny, np.nan), denominator=np.where(computable, out["_n"] / ny, np.nan),
        value=np.where(computable, value, np.nan), ci_low=np.where(computable, low, np.nan),
        ci_high=np.where(computable, high, np.nan), flag=np.where(computable, FLAG_VALUE, 2),
    ).drop(columns=["_x", "_n", "_members"])


def align_group(obs: pd.DataFrame, areas: pd.DataFrame, members: list[str], name: str = "peers",
                cat: dict[str, Indicator] | None = None) -> pd.DataFrame:
    grp = pooled(obs, members, cat)
    return _with_ref(areas, grp, KEYS).assign(comparator=name, ref_region=name,
                                              area_in_ref=areas["region"].isin(members).to_numpy())


def align_previous(obs: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Each area row against the same area's previous non-overlapping period of the same length."""
    prev = obs.assign(period_to=obs["period_to"] + obs["n_years"], period_from=obs["period_from"] + obs["n_years"])
    out = _with_ref(areas, prev, ["region", *KEYS])
    return out.assign(comparator="previous", ref_region=out["region"], area_in_ref=False,
                      ref_period_to=out["period_to"] - out["n_years"])


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
    obs = obs[obs["indicator"].isin(list(cat))]
    data = headline_rows(obs, cat) if headline_only else _label_breakdowns(obs, cat)
    level_of = regions_table.set_index("code")["level"]
    area_codes = set(regions_table.loc[regions_table["level"].isin(levels), "code"])
    if areas is not None:
        area_codes &= set(areas)
    rows = data[data["region"].isin(area_codes)]
    if years is not None:
        rows = rows[rows["period_to"].isin(years)]
    if latest_only:   # each indicator's newest period (as a profile shows it)
        rows = rows[rows["period_to"] == rows.groupby("indicator")["period_to"].transform("max")]
    rows = _drop_shadowed_twins(rows)
    parts = []
    if "national" in comparators:
        parts.append(classify(align_national(data, rows), method=method, cat=cat))
    if "parent" in comparators:
        parent_of = regions_table.set_index("code")["parent"]
        parts.append(classify(align_parent(data, rows, parent_of), method=method, cat=cat))
    if "asss" in comparators and asss:
        parts.append(classify(align_group(data, rows, asss, "asss", cat), method=method, cat=cat))
    if "previous" in comparators:
        parts.append(classify(align_previous(data, rows), method=method, kind="change", cat=cat))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out["level"] = out["region"].map(level_of)
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
