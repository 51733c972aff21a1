"""Benchmark: `oppvekst build` from the bundled data into a fresh OPPVEKST_HOME.

Run: .venv/bin/python benchmarks/build_bench.py [--runs 3]
Prints wall time per run (a fresh warehouse each time) and the rows loaded. Target: under 30 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPPVEKST = Path(sys.executable).with_name("oppvekst")


def one_run() -> tuple[float, float]:
    """(wall seconds, CPU seconds of the build process): CPU time is what a busy machine cannot inflate."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OPPVEKST_HOME": home, "OPPVEKST_OFFLINE": "1"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(OPPVEKST), "build", "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(f"oppvekst build, fresh warehouse, {args.runs} runs on {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f}): wall median {statistics.median(walls):.1f} s "
          f"(min {min(walls):.1f}, max {max(walls):.1f}); CPU median {statistics.median(cpus):.1f} s "
          f"(includes process start and imports)")


if __name__ == "__main__":
    main()
