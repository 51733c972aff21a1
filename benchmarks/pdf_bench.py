"""Benchmark: PDF profiles for all 357 municipalities (WeasyPrint, charts rendered server-side).

Run: .venv/bin/python benchmarks/pdf_bench.py [--workers 2] [--full-load] [--limit N] [--warehouse PATH] [--out DIR]
Target: all 357 municipalities under 5 minutes on a 2-core machine (issue 3).

Builds a warehouse from the bundled data into a temporary OPPVEKST_HOME unless --warehouse is given,
computes the shared statistics once (ProfileData: barometer, trends, ranges), then writes one PDF per
municipality with a process pool, as `oppvekst profiles --out DIR` does. Prints the time for the
shared part, the batch, and the mean per PDF.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N municipalities")
    parser.add_argument("--warehouse", help="an existing warehouse file (default: build one)")
    parser.add_argument("--out", help="keep the PDFs here (default: a temporary folder)")
    parser.add_argument("--full-load", action="store_true",
                        help="timing load: give every real proportion indicator of the catalogue a copy of the NEET "
                             "table, so that every profile row has data, a trend and a chart (never shown or stored)")
    args = parser.parse_args()

    from oppvekst.build import build
    from oppvekst.compare.barometer import Method
    from oppvekst.reports import pdf
    from oppvekst.reports.profile import ProfileData
    from oppvekst.warehouse import Warehouse

    tmp = tempfile.TemporaryDirectory()
    path = Path(args.warehouse) if args.warehouse else Path(tmp.name) / "warehouse.duckdb"
    if not args.warehouse:
        with Warehouse(path) as wh:
            build(wh, seed_evidence=False)
    out = Path(args.out) if args.out else Path(tmp.name) / "pdf"

    started = time.perf_counter()
    with Warehouse(path, read_only=True) as wh:
        if args.full_load:
            import pandas as pd

            from oppvekst.compare.data import load_observations
            from oppvekst.indicators.catalogue import catalogue

            cat = catalogue()
            obs = load_observations(wh, self_reports=False)
            neet = obs[obs["indicator"] == "neet_15_29"]
            props = [i.id for i in cat.values() if i.measure == "proportion" and i.theme != "befolkning"
                     and not i.synthetic and i.id != "neet_15_29"]
            obs = pd.concat([obs] + [neet.assign(indicator=i, age=neet["age"].where(
                neet["age"] != "15-29", cat[i].headline.get("age", "all"))) for i in props], ignore_index=True)
            data = ProfileData.from_observations(obs, method=Method("exact", "bh"), with_measures=False)
        else:
            data = ProfileData.load(wh, Method("exact", "bh"), with_measures=False)
    shared_s = time.perf_counter() - started
    codes = data.regions.loc[data.regions["level"] == "kommune", "code"].tolist()[: args.limit]

    load_before = os.getloadavg()[0]
    started, parent_cpu = time.perf_counter(), time.process_time()
    first: list[float] = []
    cpu: list[float] = []
    paths = pdf.batch(data, codes, out, workers=args.workers, cpu_seconds=cpu,
                      progress=lambda code: first or first.append(time.perf_counter() - started))
    batch_s = time.perf_counter() - started
    parent_cpu = time.process_time() - parent_cpu
    load_after = os.getloadavg()[0]
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    load = "full-catalogue timing load" if args.full_load else "warehouse as built"
    print(f"PDF benchmark ({load}), {os.cpu_count()} cores, {args.workers} worker processes: {len(paths)} municipality "
          f"profiles in {batch_s:.0f} s wall (shared statistics {shared_s:.1f} s before that); CPU time in the "
          f"workers {sum(cpu):.0f} s, {sum(cpu) / len(cpu):.2f} s per PDF (so {sum(cpu) / args.workers:.0f} s of wall "
          f"time on {args.workers} free cores); first PDF after {first[0]:.1f} s (starting the workers and handing them "
          f"the data; parent CPU {parent_cpu:.1f} s); mean size {size:.0f} kB; machine load average {load_before:.1f} "
          f"before, {load_after:.1f} after (other work on the machine slows the wall time)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
