"""Local baselines from the warehouse: the target group's size (an indicator's denominator) and its baseline
rate (numerator / denominator) for one municipality, latest year, with the source and release shown, so that
a result is for *this* municipality and not a national average.

Read only through a `StatisticsReader` (the public, suppressed view): a suppressed or missing cell is not
guessed at; the user is told to enter the figure themselves.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

from oppvekst.errors import InputError
from oppvekst.observations import FLAG_VALUE, TOTAL
from oppvekst.warehouse.reader import StatisticsReader

KEYS = ("target_group", "baseline")   # the scenario keys that may say `from_warehouse`


@dataclass(frozen=True)
class LocalBaseline:
    indicator: str
    region: str
    region_name: str | None
    year: int
    numerator: float
    denominator: float
    release: int
    source: str          # "SSB 13556, 2024": catalogue source name + table + year

    @property
    def rate(self) -> float:
        return self.numerator / self.denominator

    def to_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate}

    def _note(self) -> str:
        where = f"{self.region_name} ({self.region})" if self.region_name else self.region
        return (f"{self.indicator} {self.year}, {where}: {self.numerator:g} av {self.denominator:g}; "
                f"lageret, utgivelse {self.release} / warehouse release {self.release}")

    def figure(self, key: str) -> dict:
        """The scenario entry for `target_group` (the denominator) or `baseline` (the rate)."""
        common = {"source": self.source, "edition": f"release {self.release}", "note": self._note()}
        if key == "target_group":
            return {"size": self.denominator, **common}
        return {"value": self.rate, **common}


def _headline_age(indicator: str) -> str:
    from oppvekst.indicators import catalogue

    return catalogue.get(indicator).headline.get("age", TOTAL)   # NEET: 15-29; else the total


def local_baseline(reader: StatisticsReader, indicator: str, region: str) -> LocalBaseline:
    """The latest year's numerator and denominator of `indicator` in `region`, at the indicator's headline
    age band (NEET: 15–29). InputError, naming what to enter instead, when there is none to use."""
    from oppvekst.indicators import catalogue

    field = "from_warehouse"
    try:
        ind = catalogue.get(indicator)
    except KeyError:
        raise InputError(f"ukjent indikator / unknown indicator {indicator!r}", field=f"{field}.indicator") \
            from None
    region = str(region).strip()
    obs = reader.observations(indicator=indicator, regions=[region], age=_headline_age(indicator))
    # one-year values only: a multi-year average is not a year's group size
    obs = obs[obs["period_from"] == obs["period_to"]] if len(obs) else obs
    enter = ("oppgi tallet selv med kilde / enter the figure yourself with its source")
    if not len(obs):
        raise InputError(f"ingen observasjon av {indicator} for region {region}; {enter}", field=f"{field}.region")
    row = obs.sort_values("period_from").iloc[-1]
    year = int(row["period_from"])
    num, den = row.get("numerator"), row.get("denominator")
    if int(row["flag"]) != FLAG_VALUE or any(x is None or (isinstance(x, float) and math.isnan(x))
                                             for x in (num, den)):
        raise InputError(f"{indicator} {year} for region {region} er skjult (prikket) eller mangler teller og "
                         f"nevner / is suppressed or has no counts; {enter}", field=f"{field}.region")
    if float(den) <= 0:
        raise InputError(f"nevneren er 0 for {indicator} {year}, region {region}; {enter}",
                         field=f"{field}.region")
    src = ind.source
    source = f"{src.name} {src.table}, {year}" if src.table else f"{src.name}, {year}"
    return LocalBaseline(indicator, region, reader.region_name(region), year, float(num), float(den),
                         int(row["release"]), source)


def needs_warehouse(data: object, region: str | None = None) -> bool:
    """Whether filling this scenario reads the warehouse (a `from_warehouse` key, or a region given)."""
    return region is not None or (isinstance(data, dict) and any(
        isinstance(data.get(k), dict) and "from_warehouse" in data[k] for k in KEYS))


def fill(data: dict, reader: StatisticsReader, *, region: str | None = None,
         indicator: str | None = None) -> tuple[dict, list[LocalBaseline]]:
    """A copy of the scenario with every `{from_warehouse: {indicator, region}}` replaced by the figure and its
    source. `region` (the CLI's --region, the calculator's field) overrides the scenario's region; with
    `indicator` too, both the group size and the baseline come from the warehouse. Explicit values stay."""
    if not isinstance(data, dict):
        return data, []
    out = copy.deepcopy(data)
    if region is not None and indicator is not None:
        for key in KEYS:
            out[key] = {"from_warehouse": {"indicator": indicator, "region": region}}
    used: list[LocalBaseline] = []
    for key in KEYS:
        entry = out.get(key)
        if not (isinstance(entry, dict) and "from_warehouse" in entry):
            continue
        spec = entry["from_warehouse"]
        if not isinstance(spec, dict) or not spec.get("indicator"):
            raise InputError("oppgi indicator (og region) / give the indicator (and region)",
                             field=f"{key}.from_warehouse.indicator")
        reg = region if region is not None else spec.get("region")
        if reg is None or str(reg).strip() == "":
            raise InputError("oppgi kommunenummeret / give the municipality code",
                             field=f"{key}.from_warehouse.region")
        try:
            lb = local_baseline(reader, str(spec["indicator"]), str(reg))
        except InputError as exc:
            raise InputError(exc.reason, field=f"{key}.{exc.field}") from None
        out[key] = {**{k: v for k, v in entry.items() if k != "from_warehouse"}, **lb.figure(key)}
        used.append(lb)
    if region is not None and not used:
        raise InputError("regionen brukes bare med from_warehouse i scenariet eller en indikator / a region needs "
                         "a from_warehouse entry in the scenario or an indicator", field="region")
    return out, used
