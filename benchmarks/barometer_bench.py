"""Benchmark: the barometer for all municipalities (and city districts, counties) × indicators × years.

Run: .venv/bin/python benchmarks/barometer_bench.py [--runs 3] [--warehouse PATH]
Target: under 10 s (issue 3). Two workloads:

1. the warehouse as built (`oppvekst build` into a temporary OPPVEKST_HOME unless --warehouse is given):
   every indicator with data, every year, against the country, the parent region, the ASSS group and
   the previous period, with Benjamini–Hochberg per profile;
2. a full-catalogue load: the bundled NEET table (SSB 13556: 373 regions × 17 years × 12 sex/age cells)
   copied under the id of every proportion indicator in the catalogue, so that each indicator has a
   complete table of realistic size. The copies are a timing load only, never shown or stored.

Prints wall time for the headline breakdown (what profiles show) and, for the warehouse as built, for
every sex × age breakdown too, excluding the one-off read from DuckDB (timed separately).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd


def _warehouse(path: str | None) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if path:
        return Path(path), None
    from oppvekst.build import build
    from oppvekst.warehouse import Warehouse

    tmp = tempfile.TemporaryDirectory()
    wh_path = Path(tmp.name) / "warehouse.duckdb"
    with Warehouse(wh_path) as wh:
        build(wh, seed_evidence=False)
    return wh_path, tmp


def _time(fn, runs: int) -> tuple[float, float, float, int]:
    """Median and max wall time, median CPU time of the process, and the result's length."""
    times, cpus, n = [], [], 0
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        n = len(fn())
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(times), max(times), statistics.median(cpus), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warehouse", help="an existing warehouse file (default: build one from the bundled data)")
    args = parser.parse_args()

    from oppvekst import regions
    from oppvekst.compare.barometer import Method, barometer
    from oppvekst.compare.data import load_observations
    from oppvekst.indicators.catalogue import catalogue
    from oppvekst.warehouse import Warehouse

    path, tmp = _warehouse(args.warehouse)
    started = time.perf_counter()
    with Warehouse(path, read_only=True) as wh:
        obs = load_observations(wh, self_reports=False)
    read_s = time.perf_counter() - started
    rt, asss = regions.regions_2024(), regions.peer_groups()["asss"]
    catalogue()
    barometer(obs.head(1000), rt, asss=asss)        # imports and caches outside the timing

    cat = catalogue()
    neet = obs[obs["indicator"] == "neet_15_29"]
    # one copy per real proportion indicator of the catalogue (synthetic stand-ins are not shown beside
    # their real twin, so they add no work); the NEET headline age becomes the indicator's headline age
    props = [i.id for i in cat.values() if i.measure == "proportion" and i.theme != "befolkning" and not i.synthetic]
    full = pd.concat([neet.assign(indicator=i, age=neet["age"].where(neet["age"] != "15-29",
                                                                      cat[i].headline.get("age", "all")))
                      for i in props], ignore_index=True)
    assessed = {i for i, ind in cat.items() if ind.theme != "befolkning"}

    lines = [f"Barometer benchmark, {os.cpu_count()} cores, median of {args.runs} runs (read from DuckDB "
             f"{read_s:.2f} s, not included):"]
    workloads = (("warehouse as built", obs, (True, False)),
                 (f"full-catalogue load ({len(props)} proportion indicators)", full, (True,)))
    for label, data, modes in workloads:
        n_ind = data.loc[data["indicator"].isin(assessed), "indicator"].nunique()
        n_years = data.loc[data["indicator"].isin(assessed), "period_to"].nunique()
        for headline in modes:
            med, worst, cpu, rows = _time(lambda d=data, h=headline: barometer(
                d, rt, method=Method("exact", "bh"), asss=asss, headline_only=h), args.runs)
            lines.append(f"- {label}: {n_ind} indicator(s) × {n_years} years × all regions, "
                         f"{'headline breakdown' if headline else 'every sex × age breakdown'}, 4 comparators: "
                         f"{rows:_} classifications in {med:.2f} s wall (max {worst:.2f} s), "
                         f"{cpu:.2f} s CPU".replace("_", " "))
    lines.append(f"  (machine load average {os.getloadavg()[0]:.1f}: other work on the machine slows the wall time)")
    print("\n".join(lines))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
