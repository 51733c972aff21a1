"""Benchmark: `oppvekst build` from the bundled data into a fresh OPPVEKST_HOME.

Run: .venv/bin/python benchmarks/build_bench.py [--runs 3]
Prints wall time per run (a fresh warehouse each time) and the rows loaded. Target: under 30 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPPVEKST = Path(sys.executable).with_name("oppvekst")


def one_run() -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OPPVEKST_HOME": home, "OPPVEKST_OFFLINE": "1"}
        started = time.perf_counter()
        subprocess.run([str(OPPVEKST), "build", "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = [one_run() for _ in range(args.runs)]
    print(f"oppvekst build, fresh warehouse, {args.runs} runs on {os.cpu_count()} cores: "
          f"median {statistics.median(times):.1f} s, min {min(times):.1f} s, max {max(times):.1f} s "
          f"(includes process start and imports)")


if __name__ == "__main__":
    main()
