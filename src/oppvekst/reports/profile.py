"""The oppvekstprofil of a municipality, city district or county, theme by theme: presentation only.

The national computation (barometer, trends, gradients, spine) lives in `compare.Comparison`;
`profile(comparison.for_region(code))` turns one region's slice of it into plain, JSON-ready data
for the web page, the PDF, the CLI and the JSON API, so they never disagree.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from oppvekst.compare.barometer import CLASS_NAMES
from oppvekst.compare.comparison import PROFILE_LEVELS, SERIES_YEARS, RegionComparison
from oppvekst.compare.gradients import FAMILY_NAMES
from oppvekst.compare.trends import TREND_NAMES
from oppvekst.indicators.catalogue import (
    CHAIN_NAMES,
    PROFILE_THEMES,
    THEME_NAMES_EN,
    Indicator,
    in_framework,
    profile_indicators,
)
from oppvekst.indicators.stats import INTERVAL_NAMES
from oppvekst.observations import FLAG_VALUE

__all__ = ["PROFILE_LEVELS", "SERIES_YEARS", "THEMES", "clean", "period_label", "profile"]

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


def profile(rc: RegionComparison, *, with_measures: bool = True) -> dict:
    """One region's profile: every profile indicator by theme, the ASSS indicators, the class counts.

    `with_measures` lists measures from the evidence base under each indicator classed worse."""
    themes = []
    for theme, inds in profile_indicators().items():
        rows = [_row(rc, ind, with_measures) for ind in inds]
        themes.append({"theme": theme, "name_nb": theme.capitalize(), "name_en": THEME_NAMES_EN[theme], "rows": rows})
    asss_rows = [_row(rc, ind, with_measures) for ind in sorted(in_framework("asss"), key=lambda i: i.asss_number or 0)]
    all_rows = [r for t in themes for r in t["rows"]]
    counts = {k: sum(1 for r in all_rows if r["has_data"] and r["cls"] == k) for k in CLASS_NAMES}
    counts["no_data"] = sum(1 for r in all_rows if not r["has_data"])
    nb, en = rc.method.describe()
    return clean({
        "region": {"code": rc.code, "name": rc.name, "level": rc.level, "parent": rc.parent,
                   "parent_name": rc.parent_name, "asss_member": rc.asss_member},
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "method": {"code": rc.method.code, "nb": nb, "en": en, "alpha": rc.method.alpha},
        "themes": themes, "asss": asss_rows, "counts": counts,
        "synthetic": any(r["synthetic"] and r["has_data"] for r in all_rows + asss_rows),
        "class_names": {k: {"nb": v[0], "en": v[1]} for k, v in CLASS_NAMES.items()},
        "chain_names": {k: {"nb": v[0], "en": v[1]} for k, v in CHAIN_NAMES.items()},
    })


def _row(rc: RegionComparison, ind: Indicator, with_measures: bool) -> dict:
    shown = rc.shown(ind)
    series = rc.headline.get(shown.id, [])
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
        row["no_data_reason"] = ("ingen data for området / no data for the area" if rc.has_data_anywhere(shown.id)
                                 else "prosjektet har ingen data for indikatoren ennå / no data yet")
        nat = _national(rc, shown.id)
        if nat is not None:
            row["national"] = nat
        return row
    b = rc.barometer.get(shown.id, [])
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
    row["national"] = _national(rc, shown.id, int(cur["period_to"]))
    if rc.parent:
        row["parent"] = {"code": rc.parent, "name": rc.parent_name,
                         "value": row["classes"].get("parent", {}).get("value")}
    tr = rc.trends.get(shown.id)
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
                              for r in rc.national_series(shown.id) if r["period_to"] in years]
    sp = rc.spine(shown.id, cur["period_to"])
    if sp is not None:
        row["spine"] = {k: sp[k] for k in ("min", "p25", "median", "p75", "max", "n", "national")}
    row["gradients"] = [{"family": g["family"], "name": FAMILY_NAMES[g["family"]][0], "n_groups": g["n_groups"],
                         "sii": g["sii"], "sii_low": g["sii_low"], "sii_high": g["sii_high"], "rii": g["rii"],
                         "rii_low": g["rii_low"], "rii_high": g["rii_high"]}
                        for g in rc.gradients.get(shown.id, []) if g["period_to"] == cur["period_to"]]
    if with_measures and row["cls"] == "worse":
        row["measures"] = _measures_for(ind.id)
    return row


def _national(rc: RegionComparison, indicator_id: str, year: int | None = None) -> dict | None:
    r = rc.national(indicator_id, year)
    if r is None:
        return None
    return {"value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "period": period_label(r["period_from"], r["period_to"])}


THEMES = PROFILE_THEMES
