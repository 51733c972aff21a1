"""Reading what the comparisons need: current observations, with the ASSS self-reports overlaid.

ASSS 1–10 are reported in the content database; its current reports are the source of truth, so they
replace whatever an earlier sync put in the warehouse (a report made in the web form shows at once,
even while the warehouse is open read-only by the web server).
"""

from __future__ import annotations

import logging

import pandas as pd

from oppvekst.observations import COLUMNS

log = logging.getLogger(__name__)


def load_observations(wh, *, indicators: list[str] | None = None, self_reports: bool = True) -> pd.DataFrame:
    """All current observations (every breakdown), plus the `synthetic` flag of their release."""
    if indicators:
        parts = [wh.observations(indicator=i, sex=None, age=None, background=None, ses=None) for i in indicators]
        obs = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*COLUMNS, "synthetic"])
    else:
        obs = wh.observations(sex=None, age=None, background=None, ses=None)
    if self_reports:
        rep = self_report_observations(wh)
        if len(rep) and len(obs):
            obs = pd.concat([obs[~obs["indicator"].isin(set(rep["indicator"]))], rep.assign(synthetic=False)],
                            ignore_index=True)
    obs["synthetic"] = obs["synthetic"].fillna(False).astype(bool)
    return periodise(obs)


def periodise(obs: pd.DataFrame) -> pd.DataFrame:
    """Indicators the catalogue defines on 3-year periods but that arrive as annual counts are turned into
    3-year periods (indicators.periods.multi_year: sums, annual averages, every year required)."""
    from oppvekst.indicators.catalogue import catalogue
    from oppvekst.indicators.periods import multi_year

    cat = catalogue()
    todo = [i for i in obs["indicator"].unique() if i in cat and cat[i].period == "3-year"
            and cat[i].measure in ("proportion", "rate")]
    parts, replaced = [], []
    for ind in todo:
        rows = obs[obs["indicator"] == ind]
        if (rows["n_years"] != 1).any() or rows["numerator"].isna().all():
            continue                       # already periods, or no counts to sum (a published share)
        per = multi_year(rows, 3, measure=cat[ind].measure, scale=cat[ind].scale)
        parts.append(per.assign(synthetic=bool(rows["synthetic"].any())))
        replaced.append(ind)
    if not parts:
        return obs
    return pd.concat([obs[~obs["indicator"].isin(replaced)], *parts], ignore_index=True)


def self_report_observations(wh) -> pd.DataFrame:
    from oppvekst.indicators import asss

    try:
        return asss.observations(wh)
    except Exception as exc:  # the content database is optional for the statistics: say so, go on
        log.warning("ASSS self-reports not read: %s", exc)
        return pd.DataFrame(columns=COLUMNS)
