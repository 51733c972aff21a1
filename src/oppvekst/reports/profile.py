"""The oppvekstprofil of a municipality or city district, theme by theme.

`ProfileData.load(wh)` computes what every profile shares once (the barometer for each indicator's
newest period against the country, the parent region, the ASSS group and the previous period; the
trends; the range across municipalities for the spine chart); `.profile(code)` then assembles one
region's profile as plain, JSON-ready data. The same data feed the web page, the PDF, the CLI and the
JSON API, so they never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from oppvekst import regions as regions_pkg
from oppvekst.compare.barometer import CLASS_NAMES, Method, barometer, headline_rows
from oppvekst.compare.data import load_observations
from oppvekst.compare.gradients import FAMILY_NAMES, gradients
from oppvekst.compare.trends import TREND_NAMES, trend
from oppvekst.indicators.catalogue import (
    CHAIN_NAMES,
    PROFILE_THEMES,
    THEME_NAMES_EN,
    Indicator,
    catalogue,
    in_framework,
    profile_indicators,
)
from oppvekst.indicators.stats import INTERVAL_NAMES
from oppvekst.observations import FLAG_VALUE

PROFILE_LEVELS = ("kommune", "bydel", "fylke")
SERIES_YEARS = 10
POLARITY_NAMES = {"higher_better": ("høyere er bedre", "higher is better"),
                  "higher_worse": ("høyere er verre", "higher is worse"),
                  "neutral": ("nøytral", "neutral")}


def clean(obj):
    """JSON-ready: NaN → None, numpy scalars → Python."""
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(float(obj)) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def period_label(period_from, period_to) -> str:
    if period_from is None or period_to is None or pd.isna(period_from):
        return ""
    a, b = int(period_from), int(period_to)
    return str(b) if a == b else f"{a}–{b}"


def _measures_for(indicator_id: str) -> list[dict]:
    """Measures in the evidence base linked to an indicator (issue 6), if that package offers them."""
    try:
        from oppvekst import evidence
        fn = getattr(evidence, "measures_for_indicator", None)
        if fn is None:
            from oppvekst.evidence.store import EvidenceStore
            fn = EvidenceStore().measures_for_indicator
        return list(fn(indicator_id))[:5]
    except Exception:  # the evidence base is optional here; a profile must not fail because of it
        return []


@dataclass
class ProfileData:
    obs: pd.DataFrame
    head: pd.DataFrame
    regions: pd.DataFrame
    method: Method
    baro: pd.DataFrame
    trends: pd.DataFrame
    spine: pd.DataFrame
    asss_codes: list[str]
    gradients: pd.DataFrame = field(default_factory=pd.DataFrame)
    cat: dict[str, Indicator] = field(default_factory=dict)
    with_measures: bool = True
    _index: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        # one split per table, so that a profile reads small frames (the PDF batch builds 357 of them)
        empty = {"head": self.head.iloc[0:0], "baro": self.baro.iloc[0:0], "trends": self.trends.iloc[0:0]}
        self._index = {name: ({k: v for k, v in df.groupby("region")} if len(df) else {}, empty[name])
                       for name, df in (("head", self.head), ("baro", self.baro), ("trends", self.trends))}
        self._national_rows = {k: v.sort_values("period_to") for k, v in
                               self.head[(self.head["region"] == "0") & (self.head["flag"] == FLAG_VALUE)].groupby("indicator")}
        self._has_data = set(self.head["indicator"])
        self._gradients = ({k: v for k, v in self.gradients.groupby(["region", "indicator"])}
                           if len(self.gradients) else {})
        self._spine = {k: v for k, v in self.spine.groupby(["indicator", "period_to"])} if len(self.spine) else {}

    def _part(self, name: str, code: str) -> pd.DataFrame:
        parts, empty = self._index[name]
        return parts.get(code, empty)

    @classmethod
    def load(cls, wh, method: Method = Method(), *, with_measures: bool = True) -> ProfileData:
        return cls.from_observations(load_observations(wh), method=method, with_measures=with_measures)

    @classmethod
    def from_observations(cls, obs: pd.DataFrame, *, method: Method = Method(), regions_table: pd.DataFrame | None = None,
                          asss_codes: list[str] | None = None, with_measures: bool = True) -> ProfileData:
        cat = catalogue()
        rt = regions_table if regions_table is not None else regions_pkg.regions_2024()
        asss_codes = asss_codes if asss_codes is not None else regions_pkg.peer_groups()["asss"]
        obs = obs[obs["indicator"].isin(list(cat))]
        head = headline_rows(obs, cat)
        baro = barometer(obs, rt, method=method, asss=asss_codes, levels=PROFILE_LEVELS, latest_only=True, cat=cat)
        level = head["region"].map(rt.set_index("code")["level"])
        trends = trend(head[level.isin(PROFILE_LEVELS + ("land",))], last=SERIES_YEARS, cat=cat)
        spine = _spine(head, rt)
        grads = gradients(obs[obs["ses"] != "all"]) if (obs["ses"] != "all").any() else pd.DataFrame()
        return cls(obs=obs, head=head, regions=rt, method=method, baro=baro, trends=trends, spine=spine,
                   asss_codes=list(asss_codes), gradients=grads, cat=cat, with_measures=with_measures)

    # -- one region ------------------------------------------------------------------------------------
    def region(self, code: str) -> pd.Series:
        row = self.regions[self.regions["code"] == code]
        if row.empty:
            raise KeyError(f"ukjent regionkode / unknown region code {code!r}")
        return row.iloc[0]

    def profile(self, code: str) -> dict:
        reg = self.region(code)
        if reg["level"] not in PROFILE_LEVELS:
            raise KeyError(f"profiler finnes for kommuner, bydeler og fylker / no profile for level {reg['level']!r}")
        parent = reg["parent"] if isinstance(reg["parent"], str) and reg["parent"] else None
        parent_name = regions_pkg.region_name(parent) if parent else None
        mine = {k: v for k, v in self._part("head", code).groupby("indicator")}
        baro = {k: v for k, v in self._part("baro", code).groupby("indicator")}
        trends = {k: v for k, v in self._part("trends", code).groupby("indicator")}
        themes = []
        for theme, inds in profile_indicators().items():
            rows = [self._row(ind, code, mine, baro, trends, parent, parent_name) for ind in inds]
            themes.append({"theme": theme, "name_nb": theme.capitalize(), "name_en": THEME_NAMES_EN[theme], "rows": rows})
        asss_rows = [self._row(ind, code, mine, baro, trends, parent, parent_name)
                     for ind in sorted(in_framework("asss"), key=lambda i: i.asss_number or 0)]
        all_rows = [r for t in themes for r in t["rows"]]
        counts = {k: sum(1 for r in all_rows if r["has_data"] and r["cls"] == k) for k in CLASS_NAMES}
        counts["no_data"] = sum(1 for r in all_rows if not r["has_data"])
        nb, en = self.method.describe()
        return clean({
            "region": {"code": code, "name": reg["name"], "level": reg["level"], "parent": parent,
                       "parent_name": parent_name, "asss_member": code in self.asss_codes},
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "method": {"code": self.method.code, "nb": nb, "en": en, "alpha": self.method.alpha},
            "themes": themes, "asss": asss_rows, "counts": counts,
            "synthetic": any(r["synthetic"] and r["has_data"] for r in all_rows + asss_rows),
            "class_names": {k: {"nb": v[0], "en": v[1]} for k, v in CLASS_NAMES.items()},
            "chain_names": {k: {"nb": v[0], "en": v[1]} for k, v in CHAIN_NAMES.items()},
        })

    def shown_indicator(self, ind: Indicator, codes: list[str]) -> Indicator:
        """The indicator whose figures are shown for these regions (the real one, or its synthetic twin)."""
        return self._data_indicator(ind, set(self.head.loc[self.head["region"].isin(codes), "indicator"]))

    def _data_indicator(self, ind: Indicator, mine) -> Indicator:
        """The indicator whose figures are shown: the real one, else its synthetic stand-in if that has data."""
        twin = self.cat.get(f"{ind.id}_syn")
        if ind.id not in mine and twin is not None and twin.id in mine:
            return twin
        return ind

    def _row(self, ind: Indicator, code: str, mine: dict, baro: dict, trends: dict,
             parent: str | None, parent_name: str | None) -> dict:
        shown = self._data_indicator(ind, mine)
        series = mine.get(shown.id)
        if series is not None:
            series = series.sort_values("period_to")
            valid = series[(series["flag"] == FLAG_VALUE) & series["value"].notna()]
        b = baro.get(shown.id)
        latest_b = b[b["period_to"] == b["period_to"].max()] if b is not None else None
        row = {
            "id": ind.id, "data_id": shown.id, "label": ind.label, "name": ind.name.nb, "name_en": ind.name.en,
            "unit": ind.unit.nb if ind.unit else "", "measure": ind.measure, "polarity": ind.polarity,
            "polarity_name": POLARITY_NAMES[ind.polarity][0], "theme": ind.theme, "frameworks": ind.frameworks,
            "chain_level": ind.chain_level, "asss_number": ind.asss_number, "scale": ind.scale,
            "synthetic": shown.synthetic or (series is not None and bool(series["synthetic"].any())),
            "definition": ind.definition.nb, "reference": ind.reference,
            "source": {"name": shown.source.name, "table": shown.source.table, "url": shown.source.url},
            "interval_method": shown.interval_method,
            "interval_name": INTERVAL_NAMES.get(shown.interval_method, ("", ""))[0],
            "comparability": ind.comparability, "has_data": False, "cls": "not_assessed", "gradients": [],
            "cls_name": CLASS_NAMES["not_assessed"][0], "classes": {}, "trend": None, "series": [], "spine": None,
            "measures": [],
        }
        if series is None or valid.empty:
            row["no_data_reason"] = ("ingen data for området / no data for the area" if shown.id in self._has_data
                                     else "prosjektet har ingen data for indikatoren ennå / no data yet")
            nat = self._national(shown.id)
            if nat is not None:
                row["national"] = nat
            return row
        cur = valid.iloc[-1]
        if latest_b is not None and (valid["period_to"] == latest_b["period_to"].iloc[0]).any():
            cur = valid[valid["period_to"] == latest_b["period_to"].iloc[0]].iloc[-1]
        row.update({
            "has_data": True, "period_from": cur["period_from"], "period_to": cur["period_to"],
            "period": period_label(cur["period_from"], cur["period_to"]), "n_years": cur["n_years"],
            "value": cur["value"], "ci_low": cur["ci_low"], "ci_high": cur["ci_high"],
            "numerator": cur["numerator"], "denominator": cur["denominator"],
        })
        for _, r in (latest_b.iterrows() if latest_b is not None else ()):
            row["classes"][r["comparator"]] = {
                "cls": r["cls"], "cls_name": CLASS_NAMES[r["cls"]][0], "value": r["ref_value"],
                "ci_low": r["ref_ci_low"], "ci_high": r["ref_ci_high"], "region": r["ref_region"],
                "p_value": r["p_value"], "p_adjusted": r["p_adjusted"], "direction": r["direction"],
                "test": r["test"], "reason": r["reason"],
                "period": period_label(*((r["period_from"] - r["n_years"], r["period_to"] - r["n_years"])
                                         if r["comparator"] == "previous" else (r["period_from"], r["period_to"]))),
            }
        if "national" in row["classes"]:
            row["cls"] = row["classes"]["national"]["cls"]
            row["cls_name"] = row["classes"]["national"]["cls_name"]
        row["national"] = self._national(shown.id, int(cur["period_to"]))
        if parent:
            row["parent"] = {"code": parent, "name": parent_name,
                             "value": row["classes"].get("parent", {}).get("value")}
        tr = trends.get(shown.id)
        if tr is not None and len(tr):
            t = tr.iloc[0]
            row["trend"] = {"slope": t["slope"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p_value": t["p_value"],
                            "k": t["k"], "first": t["first"], "last": t["last"], "cls": t["cls"],
                            "cls_name": TREND_NAMES[t["cls"]][0]}
        row["series"] = [{"period": period_label(s.period_from, s.period_to), "year": s.period_to, "value": s.value,
                          "ci_low": s.ci_low, "ci_high": s.ci_high}
                         for s in valid.tail(SERIES_YEARS).itertuples()]
        nat = self._national_rows.get(shown.id)
        if nat is not None:
            years = {s["year"] for s in row["series"]}
            row["national_series"] = [{"year": s.period_to, "value": s.value, "ci_low": s.ci_low, "ci_high": s.ci_high}
                                      for s in nat[nat["period_to"].isin(years)].itertuples()]
        sp = self._spine.get((shown.id, cur["period_to"]))
        if sp is not None and len(sp):
            row["spine"] = sp.iloc[0][["min", "p25", "median", "p75", "max", "n", "national"]].to_dict()
        g = self._gradients.get((code, shown.id))
        if g is not None:
            g = g[g["period_to"] == cur["period_to"]]
            row["gradients"] = [{"family": r.family, "name": FAMILY_NAMES[r.family][0], "n_groups": r.n_groups,
                                 "sii": r.sii, "sii_low": r.sii_low, "sii_high": r.sii_high, "rii": r.rii,
                                 "rii_low": r.rii_low, "rii_high": r.rii_high} for r in g.itertuples()]
        if self.with_measures and row["cls"] == "worse":
            row["measures"] = _measures_for(ind.id)
        return row

    def _national(self, indicator_id: str, year: int | None = None) -> dict | None:
        nat = self._national_rows.get(indicator_id)
        if nat is None:
            return None
        if year is not None:
            nat = nat[nat["period_to"] == year]
        if nat.empty:
            return None
        r = nat.sort_values("period_to").iloc[-1]
        return {"value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "period": period_label(r["period_from"], r["period_to"])}

    # -- several regions: the Kommunemonitor ------------------------------------------------------------
    def series(self, indicator_id: str, codes: list[str]) -> pd.DataFrame:
        """The headline series of `indicator_id` for the given regions (names added)."""
        d = self.head[(self.head["indicator"] == indicator_id) & self.head["region"].isin(codes)]
        names = self.regions.set_index("code")["name"]
        return d.assign(name=d["region"].map(names), year=d["period_to"])


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


THEMES = PROFILE_THEMES
