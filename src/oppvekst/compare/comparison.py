"""The national comparison as one results object (after statsmodels' results classes).

`Comparison.compute(reader, method)` reads the current observations once (with the ASSS self-reports
overlaid) and computes what every page, PDF and API answer shares: the headline rows, the barometer of
each indicator's newest period (the profiles' view: one BH family per area, period, comparator and
breakdown over the indicators whose newest period it is), the barometer of every year (the comparison
table's and the API's view of a chosen year; its families hold every indicator with data that year),
the trends, the social gradients, the spine (the range across municipalities) and the funnel targets.
Its methods answer the questions the pages ask: `for_region(code)`, `table(indicator, year)`,
`barometer(year)`, `funnel(indicator, year)`, `summary_frame()`.

`comparison(reader, method)` gives the one object for the reader's release state, computed once and
cached here; a load, a rollback, a suppression or publication, a new ASSS report or deflator makes a
new state and so a new object.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from oppvekst import config
from oppvekst import regions as regions_pkg
from oppvekst.compare import funnel as funnel_mod
from oppvekst.compare.barometer import CLASS_NAMES, NOT_BAROMETER_THEMES, Method, barometer, headline_rows
from oppvekst.compare.data import load_observations
from oppvekst.compare.gradients import gradients
from oppvekst.compare.peers import monitor_frame
from oppvekst.compare.trends import trend
from oppvekst.indicators.catalogue import Indicator, catalogue
from oppvekst.observations import FLAG_VALUE
from oppvekst.warehouse import StatisticsReader

PROFILE_LEVELS = ("kommune", "bydel", "fylke")
SERIES_YEARS = 10
COMPARATORS = ("national", "parent", "asss", "previous")
FUNNEL_MEASURES = ("proportion", "rate")
CLASS_ORDER = {"worse": 0, "same": 1, "better": 2, "not_assessed": 3}


@dataclass(frozen=True)
class RegionComparison:
    """What one region's profile needs: its records by indicator, and the country's beside them."""

    code: str
    name: str
    level: str
    parent: str | None
    parent_name: str | None
    asss_member: bool
    method: Method
    headline: Mapping[str, list[dict]]      # indicator → the region's headline rows, oldest first
    barometer: Mapping[str, list[dict]]     # indicator → classes at the indicator's newest period
    trends: Mapping[str, list[dict]]
    gradients: Mapping[str, list[dict]]
    comparison: Comparison = field(repr=False)

    def shown(self, ind: Indicator) -> Indicator:
        """The indicator whose figures this region shows (the real one, or its synthetic twin)."""
        return self.comparison.data_indicator(ind, self.headline)

    def national(self, indicator_id: str, year: int | None = None) -> dict | None:
        """The country's headline row of that year (default: its newest)."""
        rows = [r for r in self.comparison.national_rows.get(indicator_id, [])
                if year is None or r["period_to"] == year]
        return rows[-1] if rows else None

    def national_series(self, indicator_id: str) -> list[dict]:
        return self.comparison.national_rows.get(indicator_id, [])

    def spine(self, indicator_id: str, year: int) -> dict | None:
        return self.comparison.spine_rows.get((indicator_id, year))

    def has_data_anywhere(self, indicator_id: str) -> bool:
        return indicator_id in self.comparison.indicators_with_data


@dataclass(frozen=True)
class Table:
    """The comparison table (sammenlign) of one indicator, year and level, with the national class."""

    indicator: str
    year: int | None
    level: str
    rows: pd.DataFrame
    national: pd.Series | None       # the country's headline row of that year


@dataclass(frozen=True)
class Funnel:
    """Funnel plot of the municipalities against the national value (Spiegelhalter 2005)."""

    indicator: str
    year: int
    theta: float                     # the target as a fraction (or a rate per unit)
    target: float                    # the target in the indicator's unit
    points: pd.DataFrame             # municipalities with a denominator, `funnel` = where they fall


@dataclass(repr=False)
class Comparison:
    """The national comparison of one release state and barometer method (see the module docstring).

    Build it with `compute(reader, method)` (or `comparison(reader, method)` for the shared, cached one);
    the frames are public and read-only by convention, the methods answer in small named shapes."""

    method: Method
    observations: pd.DataFrame
    headline: pd.DataFrame
    regions: pd.DataFrame
    asss_codes: list[str]
    latest: pd.DataFrame             # the barometer at each indicator's newest period (what profiles show)
    trends: pd.DataFrame
    gradients: pd.DataFrame
    spine: pd.DataFrame
    cat: dict[str, Indicator]
    targets: dict[tuple[str, int], float] = field(default_factory=dict)   # funnel θ by (indicator, year)

    def __post_init__(self):
        # split every table once into plain records by region and indicator: a profile then reads small
        # lists rather than filtering frames (the PDF batch builds 357 of them)
        self._head = _nested(self.headline[["region", "indicator", "period_from", "period_to", "value", "ci_low",
                                            "ci_high", "numerator", "denominator", "n_years", "flag", "synthetic"]],
                             "period_to")
        baro_cols = ["region", "indicator", "comparator", "period_from", "period_to", "n_years", "cls", "ref_value",
                     "ref_ci_low", "ref_ci_high", "ref_region", "p_value", "p_adjusted", "direction", "test", "reason"]
        self._baro = _nested(self.latest[baro_cols] if len(self.latest) else pd.DataFrame(columns=baro_cols),
                             "period_to")
        self._trends = _nested(self.trends, None)
        self._gradients = _nested(self.gradients, None) if len(self.gradients) else {}
        nat = self.headline[(self.headline["region"] == "0") & (self.headline["flag"] == FLAG_VALUE)]
        self.national_rows = _nested(nat[["region", "indicator", "period_from", "period_to", "value", "ci_low",
                                          "ci_high"]], "period_to").get("0", {})
        self.indicators_with_data = set(self.headline["indicator"])
        self.spine_rows = {(r["indicator"], r["period_to"]): r for r in self.spine.to_dict("records")}
        self._level_of = self.regions.set_index("code")["level"]
        self._name_of = self.regions.set_index("code")["name"]
        self._lock = threading.Lock()
        self._by_year: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return (f"Comparison(method={self.method.code!r}, observations={len(self.observations)}, "
                f"headline={len(self.headline)}, latest={len(self.latest)}, trends={len(self.trends)})")

    # -- computing ---------------------------------------------------------------------------------------
    @classmethod
    def compute(cls, reader: StatisticsReader, method: Method = Method()) -> Comparison:
        """From the reader's current observations (pass the published view for anything public)."""
        return cls.from_observations(load_observations(reader), method=method)

    @classmethod
    def from_observations(cls, obs: pd.DataFrame, *, method: Method = Method(),
                          regions_table: pd.DataFrame | None = None,
                          asss_codes: list[str] | None = None) -> Comparison:
        cat = catalogue()
        rt = regions_table if regions_table is not None else regions_pkg.regions_2024()
        asss_codes = asss_codes if asss_codes is not None else regions_pkg.peer_groups()["asss"]
        obs = obs[obs["indicator"].isin(list(cat))]
        head = headline_rows(obs, cat)
        latest = barometer(obs, rt, method=method, asss=asss_codes, levels=PROFILE_LEVELS, latest_only=True, cat=cat)
        level = head["region"].map(rt.set_index("code")["level"])
        trends = trend(head[level.isin(PROFILE_LEVELS + ("land",))], last=SERIES_YEARS, cat=cat)
        grads = gradients(obs[obs["ses"] != "all"]) if (obs["ses"] != "all").any() else pd.DataFrame()
        return cls(method=method, observations=obs, headline=head, regions=rt, asss_codes=list(asss_codes),
                   latest=latest, trends=trends, gradients=grads, spine=_spine(head, rt), cat=cat,
                   targets=_targets(head, cat))

    @property
    def by_year(self) -> pd.DataFrame:
        """The barometer of every period and area level, all comparators (computed on first use, once).

        Its BH families are per area, period, comparator and breakdown, so a slice of one year and level
        has the classes and p-values of `barometer(..., years=[year], levels=(level,))` (equal to the
        last bit but one: the vectorised tests round with the batch they run in)."""
        with self._lock:
            if self._by_year is None:
                levels = tuple(pd.unique(self.regions["level"]))
                self._by_year = barometer(self.observations, self.regions, method=self.method,
                                          asss=self.asss_codes, levels=levels, cat=self.cat)
            return self._by_year

    def for_profiles(self) -> Comparison:
        """A shallow copy without the raw observations, for processes that only build profiles.

        A profile reads the prepared records; the observations (millions of rows once every indicator has
        data, ~450 MB pickled) would otherwise be copied into every PDF worker."""
        slim = copy.copy(self)
        slim.observations = self.observations.iloc[:0]
        slim._by_year = None
        slim._lock = threading.Lock()
        return slim

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- one region ----------------------------------------------------------------------------------------
    def region(self, code: str) -> pd.Series:
        row = self.regions[self.regions["code"] == code]
        if row.empty:
            raise KeyError(f"ukjent regionkode / unknown region code {code!r}")
        return row.iloc[0]

    def for_region(self, code: str) -> RegionComparison:
        """What the profile of a municipality, city district or county needs; KeyError for any other code."""
        reg = self.region(code)
        if reg["level"] not in PROFILE_LEVELS:
            raise KeyError(f"profiler finnes for kommuner, bydeler og fylker / no profile for level {reg['level']!r}")
        parent = reg["parent"] if isinstance(reg["parent"], str) and reg["parent"] else None
        return RegionComparison(
            code=code, name=reg["name"], level=reg["level"], parent=parent,
            parent_name=regions_pkg.region_name(parent) if parent else None, asss_member=code in self.asss_codes,
            method=self.method, headline=self._head.get(code, {}), barometer=self._baro.get(code, {}),
            trends=self._trends.get(code, {}), gradients=self._gradients.get(code, {}), comparison=self)

    def data_indicator(self, ind: Indicator, present) -> Indicator:
        """The indicator whose figures are shown: the real one, else its synthetic stand-in if that has data."""
        twin = self.cat.get(f"{ind.id}_syn")
        if ind.id not in present and twin is not None and twin.id in present:
            return twin
        return ind

    def shown_indicator(self, ind: Indicator, codes: list[str]) -> Indicator:
        """The indicator whose figures are shown for these regions (the real one, or its synthetic twin)."""
        return self.data_indicator(ind, set(self.headline.loc[self.headline["region"].isin(codes), "indicator"]))

    def monitor(self, indicator_id: str, codes: list[str], group: str | None = None) -> pd.DataFrame:
        """The Kommunemonitor's series: the regions, the country and (optionally) a pooled group."""
        return monitor_frame(self.headline, self.regions, indicator_id, codes, group)

    # -- the barometer -------------------------------------------------------------------------------------
    def barometer(self, year: int | None = None, *, regions: list[str] | None = None,
                  comparators: tuple[str, ...] = COMPARATORS, all_breakdowns: bool = False) -> pd.DataFrame:
        """Barometer rows of municipalities, city districts and counties.

        Without a year: each indicator's newest period (the profiles' classes). With one: that year (the
        all-years barometer). Both are read from what was computed once; only the breakdowns (sex, age…)
        and a newest-period question for regions whose own newest period differs from the country's are
        computed on demand, as `compare.barometer.barometer` would answer them."""
        if all_breakdowns:
            b = self._barometer_now(comparators, regions, year, headline_only=False)
        elif year is None:
            b = self.latest if regions is None or self._same_latest(regions) else \
                self._barometer_now(comparators, regions, None, headline_only=True)
        else:
            b = self.by_year
            b = b[(b["period_to"] == year) & b["level"].isin(PROFILE_LEVELS)] if len(b) else b
        if len(b) and not set(b["comparator"].unique()) <= set(comparators):
            b = b[b["comparator"].isin(comparators)]
        return b[b["region"].isin(regions)] if regions is not None and len(b) else b

    def _barometer_now(self, comparators, regions, year, *, headline_only: bool) -> pd.DataFrame:
        return barometer(self.observations, self.regions, method=self.method, comparators=tuple(comparators),
                         asss=self.asss_codes, areas=regions, years=[year] if year else None,
                         headline_only=headline_only, latest_only=year is None, cat=self.cat)

    def _same_latest(self, regions: list[str]) -> bool:
        """Whether every indicator's newest period among these regions is its newest among all areas:
        then the newest-period barometer restricted to them is a slice of `latest` (same BH families)."""
        assessed = {k for k, v in self.cat.items() if v.theme not in NOT_BAROMETER_THEMES}
        h = self.headline[self.headline["indicator"].isin(assessed)]
        h = h[h["region"].map(self._level_of).isin(PROFILE_LEVELS)]
        mine = h[h["region"].isin(regions)].groupby("indicator")["period_to"].max()
        return bool((mine == h.groupby("indicator")["period_to"].max().reindex(mine.index)).all())

    def _national_classes(self, indicator: str, year: int, level: str) -> pd.DataFrame:
        cols = ["region", "cls", "p_value", "p_adjusted", "ref_value"]
        mine = self.latest[self.latest["indicator"] == indicator] if len(self.latest) else self.latest
        if len(mine) and year == mine["period_to"].max():
            b = mine[mine["comparator"] == "national"]          # the profiles' classes (same families)
        else:
            b = self.by_year
            b = b[(b["indicator"] == indicator) & (b["comparator"] == "national") & (b["level"] == level)] \
                if len(b) else b
        return b[b["period_to"] == year][cols] if len(b) else pd.DataFrame(columns=cols)

    # -- the comparison table and the funnel ----------------------------------------------------------------
    def years(self, indicator: str) -> list[int]:
        """The periods (end years) with headline rows of the indicator, any level."""
        return sorted(self.headline.loc[self.headline["indicator"] == indicator, "period_to"].unique().tolist())

    def national(self, indicator: str, year: int | None) -> pd.Series | None:
        nat = self.headline[(self.headline["indicator"] == indicator) & (self.headline["region"] == "0")
                            & (self.headline["period_to"] == year)]
        return nat.iloc[0] if len(nat) else None

    def table(self, indicator: str, year: int | None = None, *, level: str = "kommune",
              county: str | None = None) -> Table:
        """Every area of one level for one year (default and unknown years: the newest), with its class
        against the country, name and p-values; `county` keeps the areas whose code starts with it."""
        head = self.headline[self.headline["indicator"] == indicator]
        rows = head[head["region"].map(self._level_of) == level]
        years = sorted(rows["period_to"].unique().tolist())
        if not years:
            empty = rows.iloc[0:0].assign(cls=None, cls_name=None, name=None, p_value=None, p_adjusted=None)
            return Table(indicator, None, level, empty, None)
        year = year if year in years else years[-1]
        rows = rows[rows["period_to"] == year]
        if county:
            rows = rows[rows["region"].str.startswith(county)]
        out = rows.merge(self._national_classes(indicator, year, level), on="region", how="left")
        out["cls"] = out["cls"].fillna("not_assessed")
        out["cls_name"] = out["cls"].map(lambda c: CLASS_NAMES[c][0])
        out["name"] = out["region"].map(self._name_of)
        return Table(indicator, year, level, out, self.national(indicator, year))

    def funnel_theta(self, indicator: str, year: int | None) -> float | None:
        """The funnel's target (the national value as a fraction or rate per unit); None without one."""
        return self.targets.get((indicator, year))

    def funnel(self, indicator: str, year: int | None = None) -> Funnel | None:
        """The municipalities of that year (default: newest) against the national value; None without data."""
        ind = self.cat[indicator]
        t = self.table(indicator, year)
        theta = self.funnel_theta(indicator, t.year)
        if t.rows.empty or theta is None:
            return None
        pts = funnel_mod.classify_points(t.rows[t.rows["denominator"] > 0], theta, measure=ind.measure,
                                         scale=ind.scale)
        return Funnel(indicator, int(t.year), theta, theta * ind.scale, pts)

    # -- everything at once ---------------------------------------------------------------------------------
    def summary_frame(self) -> pd.DataFrame:
        """One row per area and indicator at the indicator's newest period: value, interval, the class
        against the country with its p-values, and the trend class."""
        if self.latest.empty:
            return pd.DataFrame(columns=["region", "name", "level", "indicator", "period_to", "value", "ci_low",
                                         "ci_high", "ref_value", "p_value", "p_adjusted", "cls", "trend"])
        b = self.latest[self.latest["comparator"] == "national"]
        out = b[["region", "level", "indicator", "period_to", "value", "ci_low", "ci_high", "ref_value", "p_value",
                 "p_adjusted", "cls"]].astype({"region": str, "indicator": str, "cls": str, "level": str})
        # trends are fitted on the headline rows: one series per area and indicator
        tr = self.trends.drop_duplicates(["indicator", "region"])[["indicator", "region", "cls"]].astype(str)
        out = out.merge(tr.rename(columns={"cls": "trend"}), on=["indicator", "region"], how="left")
        out.insert(1, "name", out["region"].map(self._name_of))
        return out.sort_values(["indicator", "region"]).reset_index(drop=True)


def _spine(head: pd.DataFrame, rt: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and period: the range across municipalities and the national value."""
    munis = set(rt.loc[rt["level"] == "kommune", "code"])
    ok = (head["flag"] == FLAG_VALUE) & head["value"].notna()
    m = head[ok & head["region"].isin(munis)]
    if m.empty:
        return pd.DataFrame(columns=["indicator", "period_to", "min", "p25", "median", "p75", "max", "n", "national"])
    g = m.groupby(["indicator", "period_to"])["value"]
    out = g.agg(min="min", max="max", n="size").join(g.quantile(0.25).rename("p25")).join(
        g.quantile(0.5).rename("median")).join(g.quantile(0.75).rename("p75")).reset_index()
    nat = head[ok & (head["region"] == "0")][["indicator", "period_to", "value"]].rename(columns={"value": "national"})
    return out.merge(nat, on=["indicator", "period_to"], how="left")


def _targets(head: pd.DataFrame, cat: dict[str, Indicator]) -> dict[tuple[str, int], float]:
    """The funnel target of each proportion and rate per year: the country's headline value / scale."""
    nat = head[(head["region"] == "0") & head["indicator"].map(
        lambda i: i in cat and cat[i].measure in FUNNEL_MEASURES).astype(bool)]
    nat = nat.drop_duplicates(["indicator", "period_to"], keep="first")
    return {(str(i), int(y)): float(v) / cat[str(i)].scale
            for i, y, v in zip(nat["indicator"], nat["period_to"], nat["value"], strict=True)}


def _nested(df: pd.DataFrame, order: str | None) -> dict[str, dict[str, list[dict]]]:
    """region → indicator → records (sorted by `order`), plain Python values."""
    if df is None or df.empty:
        return {}
    d = df.sort_values(["region", "indicator", order] if order else ["region", "indicator"])
    d = d.astype({c: object for c in d.columns if isinstance(d[c].dtype, pd.CategoricalDtype)})
    out: dict[str, dict[str, list[dict]]] = {}
    for rec in d.to_dict("records"):
        out.setdefault(str(rec["region"]), {}).setdefault(str(rec["indicator"]), []).append(rec)
    return out


# -- one object per release state -------------------------------------------------------------------------

_cache: dict[tuple, Comparison] = {}
_cache_lock = threading.Lock()


def release_state(reader: StatisticsReader) -> tuple:
    """What the figures depend on: the warehouse's releases (a load or a rollback changes them), who the
    reader shows them to, and the content database's ASSS reports, deflators and disclosure decisions."""
    releases = tuple((r.id, r.content_hash, r.status) for r in reader.releases())
    # a raw warehouse, the public view and one user's view must never share an entry
    viewer = (type(reader).__qualname__, repr(getattr(reader, "_principal", None)))
    return (str(reader.path), viewer, config.content_db_url(), releases, content_version())


def content_version() -> tuple:
    """The content database's part: the newest ASSS report, the deflators, suppressions and publications."""
    from oppvekst.disclosure import publication
    from oppvekst.indicators import asss

    try:
        h = asss.history()
        d = asss.deflators()
        return (int(h["id"].max()) if len(h) else 0, len(d), publication.version())
    except Exception:  # noqa: BLE001 (no content database: the comparison still works from the warehouse)
        return (0, 0, None)


def comparison(reader: StatisticsReader, method: Method = Method()) -> Comparison:
    """The comparison of the reader's release state with this method: computed once, then shared."""
    state = release_state(reader)
    key = (state, method.code)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is None:
        hit = Comparison.compute(reader, method)
        with _cache_lock:
            # drop older states of this warehouse, viewer, database and method (and other warehouses)
            for old in [k for k in _cache if k[0][0] != state[0]
                        or (k[0][:3] == state[:3] and k[1] == method.code)]:
                _cache.pop(old, None)
            _cache[key] = hit
    return hit


def forget() -> None:
    """Empty the cache (tests; a server that wants its memory back)."""
    with _cache_lock:
        _cache.clear()
