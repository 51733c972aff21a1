"""The oppvekstprofil of a municipality or city district, theme by theme.

`ProfileData.load(wh)` computes what every profile shares once (the barometer for each indicator's
newest period against the country, the parent region, the ASSS group and the previous period; the
trends; the range across municipalities for the spine chart); `.profile(code)` then assembles one
region's profile as plain, JSON-ready data. The same data feed the web page, the PDF, the CLI and the
JSON API, so they never disagree.
"""

from __future__ import annotations

import copy
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

    def __post_init__(self):
        # split every table once into plain records by region and indicator: a profile then reads small
        # lists rather than filtering frames (the PDF batch builds 357 of them)
        self._head = _nested(self.head[["region", "indicator", "period_from", "period_to", "value", "ci_low", "ci_high",
                                        "numerator", "denominator", "n_years", "flag", "synthetic"]], "period_to")
        baro_cols = ["region", "indicator", "comparator", "period_from", "period_to", "n_years", "cls", "ref_value",
                     "ref_ci_low", "ref_ci_high", "ref_region", "p_value", "p_adjusted", "direction", "test", "reason"]
        self._baro = _nested(self.baro[baro_cols] if len(self.baro) else pd.DataFrame(columns=baro_cols), "period_to")
        self._trends = _nested(self.trends, None)
        self._gradients = _nested(self.gradients, None) if len(self.gradients) else {}
        nat = self.head[(self.head["region"] == "0") & (self.head["flag"] == FLAG_VALUE)]
        self._national_rows = _nested(nat[["region", "indicator", "period_from", "period_to", "value", "ci_low",
                                           "ci_high"]], "period_to").get("0", {})
        self._has_data = set(self.head["indicator"])
        self._spine = {(r["indicator"], r["period_to"]): r for r in self.spine.to_dict("records")}

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

    def for_profiles(self) -> ProfileData:
        """A shallow copy without the raw observations, for processes that only build profiles.

        profile(code) reads the prepared records; the observations (millions of rows once every
        indicator has data, ~450 MB pickled) would otherwise be copied into every PDF worker.
        """
        slim = copy.copy(self)
        slim.obs = self.obs.iloc[:0]
        return slim

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
        mine, baro = self._head.get(code, {}), self._baro.get(code, {})
        trends, grads = self._trends.get(code, {}), self._gradients.get(code, {})
        themes = []
        for theme, inds in profile_indicators().items():
            rows = [self._row(ind, mine, baro, trends, grads, parent, parent_name) for ind in inds]
            themes.append({"theme": theme, "name_nb": theme.capitalize(), "name_en": THEME_NAMES_EN[theme], "rows": rows})
        asss_rows = [self._row(ind, mine, baro, trends, grads, parent, parent_name)
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

    def _row(self, ind: Indicator, mine: dict, baro: dict, trends: dict, grads: dict,
             parent: str | None, parent_name: str | None) -> dict:
        shown = self._data_indicator(ind, mine)
        series = mine.get(shown.id, [])
        valid = [r for r in series if r["flag"] == FLAG_VALUE and r["value"] == r["value"]]
        row = {
            "id": ind.id, "data_id": shown.id, "label": ind.label, "name": ind.name.nb, "name_en": ind.name.en,
            "unit": ind.unit.nb if ind.unit else "", "measure": ind.measure, "polarity": ind.polarity,
            "polarity_name": POLARITY_NAMES[ind.polarity][0], "theme": ind.theme, "frameworks": ind.frameworks,
            "chain_level": ind.chain_level, "asss_number": ind.asss_number, "scale": ind.scale,
            "synthetic": shown.synthetic or any(bool(r["synthetic"]) for r in series),
            "definition": ind.definition.nb, "reference": ind.reference,
            "source": {"name": shown.source.name, "table": shown.source.table, "url": shown.source.url},
            "interval_method": shown.interval_method,
            "interval_name": INTERVAL_NAMES.get(shown.interval_method, ("", ""))[0],
            "comparability": ind.comparability, "has_data": False, "cls": "not_assessed", "gradients": [],
            "cls_name": CLASS_NAMES["not_assessed"][0], "classes": {}, "trend": None, "series": [], "spine": None,
            "measures": [],
        }
        if not valid:
            row["no_data_reason"] = ("ingen data for området / no data for the area" if shown.id in self._has_data
                                     else "prosjektet har ingen data for indikatoren ennå / no data yet")
            nat = self._national(shown.id)
            if nat is not None:
                row["national"] = nat
            return row
        b = baro.get(shown.id, [])
        latest = max((r["period_to"] for r in b), default=None)
        latest_b = [r for r in b if r["period_to"] == latest]
        at_latest = [r for r in valid if r["period_to"] == latest]
        cur = at_latest[-1] if at_latest else valid[-1]
        row.update({
            "has_data": True, "period_from": cur["period_from"], "period_to": cur["period_to"],
            "period": period_label(cur["period_from"], cur["period_to"]), "n_years": cur["n_years"],
            "value": cur["value"], "ci_low": cur["ci_low"], "ci_high": cur["ci_high"],
            "numerator": cur["numerator"], "denominator": cur["denominator"],
        })
        for r in latest_b:
            back = r["n_years"] if r["comparator"] == "previous" else 0
            row["classes"][r["comparator"]] = {
                "cls": r["cls"], "cls_name": CLASS_NAMES[r["cls"]][0], "value": r["ref_value"],
                "ci_low": r["ref_ci_low"], "ci_high": r["ref_ci_high"], "region": r["ref_region"],
                "p_value": r["p_value"], "p_adjusted": r["p_adjusted"], "direction": r["direction"],
                "test": r["test"], "reason": r["reason"],
                "period": period_label(r["period_from"] - back, r["period_to"] - back),
            }
        if "national" in row["classes"]:
            row["cls"] = row["classes"]["national"]["cls"]
            row["cls_name"] = row["classes"]["national"]["cls_name"]
        row["national"] = self._national(shown.id, int(cur["period_to"]))
        if parent:
            row["parent"] = {"code": parent, "name": parent_name,
                             "value": row["classes"].get("parent", {}).get("value")}
        tr = trends.get(shown.id)
        if tr:
            t = tr[0]
            row["trend"] = {"slope": t["slope"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p_value": t["p_value"],
                            "k": t["k"], "first": t["first"], "last": t["last"], "cls": t["cls"],
                            "cls_name": TREND_NAMES[t["cls"]][0]}
        row["series"] = [{"period": period_label(r["period_from"], r["period_to"]), "year": r["period_to"],
                          "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
                         for r in valid[-SERIES_YEARS:]]
        years = {r["year"] for r in row["series"]}
        row["national_series"] = [{"year": r["period_to"], "value": r["value"], "ci_low": r["ci_low"],
                                   "ci_high": r["ci_high"]}
                                  for r in self._national_rows.get(shown.id, []) if r["period_to"] in years]
        sp = self._spine.get((shown.id, cur["period_to"]))
        if sp is not None:
            row["spine"] = {k: sp[k] for k in ("min", "p25", "median", "p75", "max", "n", "national")}
        row["gradients"] = [{"family": g["family"], "name": FAMILY_NAMES[g["family"]][0], "n_groups": g["n_groups"],
                             "sii": g["sii"], "sii_low": g["sii_low"], "sii_high": g["sii_high"], "rii": g["rii"],
                             "rii_low": g["rii_low"], "rii_high": g["rii_high"]}
                            for g in grads.get(shown.id, []) if g["period_to"] == cur["period_to"]]
        if self.with_measures and row["cls"] == "worse":
            row["measures"] = _measures_for(ind.id)
        return row

    def _national(self, indicator_id: str, year: int | None = None) -> dict | None:
        rows = [r for r in self._national_rows.get(indicator_id, []) if year is None or r["period_to"] == year]
        if not rows:
            return None
        r = rows[-1]
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


THEMES = PROFILE_THEMES
