"""The baseline (0-punktsmåling): every linked indicator's value for a stated year, computed from the
warehouse and frozen with the release ids and content hashes it used. A later release never changes
a frozen baseline; `revision` recomputes and shows the difference beside it.

The records are plain frozen dataclasses (`to_dict` / `from_dict`) for the storage layer to persist.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from oppvekst.errors import InputError
from oppvekst.observations import FLAG_VALUE, TOTAL
from oppvekst.warehouse.reader import StatisticsReader


@dataclass(frozen=True)
class BaselineEntry:
    indicator: str
    region: str
    year: int
    age: str
    value: float | None
    numerator: float | None
    denominator: float | None
    flag: int | None
    release: int | None
    content_hash: str | None
    note: str | None = None


@dataclass(frozen=True)
class Baseline:
    year: int
    regions: tuple[str, ...]
    entries: tuple[BaselineEntry, ...]
    frozen_at: str | None = None      # set by the caller (the storage layer owns the clock)

    @property
    def releases(self) -> tuple[int, ...]:
        return tuple(sorted({e.release for e in self.entries if e.release is not None}))

    def entry(self, indicator: str, region: str = "0") -> BaselineEntry:
        for e in self.entries:
            if e.indicator == indicator and e.region == region:
                return e
        raise InputError(f"no baseline entry for {indicator!r} in region {region!r}", field="indicator")

    def to_dict(self) -> dict:
        return {"year": self.year, "regions": list(self.regions), "frozen_at": self.frozen_at,
                "entries": [asdict(e) for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict) -> Baseline:
        return cls(int(data["year"]), tuple(data["regions"]), tuple(BaselineEntry(**e) for e in data["entries"]),
                   data.get("frozen_at"))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(e) for e in self.entries])


def _none(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _headline_age(indicator: str) -> str:
    """The age band the catalogue shows for the indicator (e.g. 15-29 for NEET), else the total."""
    from oppvekst.indicators import catalogue
    try:
        return catalogue.get(indicator).headline.get("age", TOTAL)
    except KeyError:  # an indicator outside the catalogue is read at its total
        return TOTAL


def _hash(reader: StatisticsReader, release: int | None) -> str | None:
    if release is None:
        return None
    try:
        return reader.release(int(release)).content_hash
    except KeyError:  # the warehouse raises KeyError for an unknown release; no metadata for that release: the id alone is kept
        return None


def _entries(reader: StatisticsReader, indicators: Iterable[str], year: int,
             regions: tuple[str, ...]) -> list[BaselineEntry]:
    out = []
    for ind in indicators:
        age = _headline_age(ind)
        obs = reader.observations(indicator=ind, regions=list(regions), year=year, age=age)
        # a one-year value where there is one: period_to is the year, period_from the same year first
        obs = obs.sort_values("period_from", ascending=False) if len(obs) else obs
        for region in regions:
            rows = obs[obs["region"] == region] if len(obs) else obs
            if not len(rows):
                out.append(BaselineEntry(ind, region, year, age, None, None, None, None, None, None,
                                         "no observation for this year"))
                continue
            row = rows.iloc[0]
            release = None if pd.isna(row.get("release")) else int(row["release"])
            flag = int(row["flag"])
            out.append(BaselineEntry(
                ind, region, year, age, _none(row["value"]) if flag == FLAG_VALUE else None,
                _none(row.get("numerator")), _none(row.get("denominator")), flag, release,
                _hash(reader, release), None if flag == FLAG_VALUE else f"flag {flag}"))
    return out


def freeze(reader: StatisticsReader, year: int, indicators: Iterable[str] | None = None, *,
           regions: Iterable[str] = ("0",), frozen_at: str | None = None) -> Baseline:
    """The baseline for `year`: per indicator (default: every indicator the goal tree links) and region,
    the value, its counts, the release it came from and that release's content hash. An indicator
    with no observation that year is kept with value None and a note, so the gap is visible."""
    if indicators is None:
        from oppvekst.mission import goals
        indicators = goals.load().indicator_ids()
    regions = tuple(regions)
    entries = _entries(reader, list(indicators), int(year), regions)
    if not any(e.value is not None for e in entries):
        raise InputError(f"no indicator has a value for {year}", field="year")
    return Baseline(int(year), regions, tuple(entries), frozen_at)


def revision(frozen: Baseline, reader: StatisticsReader) -> pd.DataFrame:
    """The frozen baseline beside the same figures recomputed from the reader now: one row per entry
    with frozen and current value, release and hash, and the difference. `frozen` is not touched."""
    current = {(e.indicator, e.region): e
               for e in _entries(reader, sorted({e.indicator for e in frozen.entries}), frozen.year, frozen.regions)}
    rows = []
    for e in frozen.entries:
        now = current[(e.indicator, e.region)]
        diff = None if e.value is None or now.value is None else now.value - e.value
        rows.append({
            "indicator": e.indicator, "region": e.region, "year": frozen.year,
            "frozen_value": e.value, "current_value": now.value, "difference": diff,
            "frozen_release": e.release, "current_release": now.release,
            "frozen_hash": e.content_hash, "current_hash": now.content_hash,
            "revised": (e.release != now.release) or (e.value != now.value),
        })
    return pd.DataFrame(rows)
