"""Benchmark: PDF profiles for all 357 municipalities (WeasyPrint, charts rendered server-side).

Run: .venv/bin/python benchmarks/pdf_bench.py [--workers 2] [--limit N] [--warehouse PATH] [--out DIR]
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
        data = ProfileData.load(wh, Method("exact", "bh"), with_measures=False)
    shared_s = time.perf_counter() - started
    codes = data.regions.loc[data.regions["level"] == "kommune", "code"].tolist()[: args.limit]

    started = time.perf_counter()
    paths = pdf.batch(data, codes, out, workers=args.workers)
    batch_s = time.perf_counter() - started
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    print(f"PDF benchmark, {os.cpu_count()} cores, {args.workers} worker processes: {len(paths)} municipality "
          f"profiles in {batch_s:.0f} s ({batch_s / len(paths):.2f} s per PDF wall, mean size {size:.0f} kB); "
          f"shared statistics {shared_s:.1f} s; total {shared_s + batch_s:.0f} s")
    tmp.cleanup()


if __name__ == "__main__":
    main()
