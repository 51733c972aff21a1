"""Benchmark: the full national derivation of the synthetic indicators (not a timed test).

Run:
    OPPVEKST_PSEUDONYM_KEY=... .venv/bin/python benchmarks/microdata_bench.py [--dir DIR] [--runs 3]

Uses the national synthetic registers in DIR (default OPPVEKST_HOME/microdata); generates them
(`oppvekst synth`, seed 20250) and links them if they are not there. Each measurement runs in a fresh
Python process, which reports its wall time, CPU time and peak resident memory (ru_maxrss: DuckDB's
and pandas' memory live in the process, so it counts). Three things are measured on the same linked
Parquet files:

- derive:  the derivation as shipped (Ibis on DuckDB): every indicator, region level, year and
           breakdown, from the linked registers to the observation table.
- pandas:  a straightforward pandas implementation of the same indicators (microdata/reference.py),
           producing the same aggregate (a test checks that they agree exactly on a sample).
- floor:   a single DuckDB scan-and-group-by of the same rows: one query that reads every row and every
           column the derivation reads from the linked files and groups them by year (sums, so nothing
           is pruned). No join, no window, no breakdown: the least any derivation of these rows costs.

Targets (issue 4): derivation under 60 s and under 8 GB; at least 5x faster than pandas; within 3x
of the floor. The machine is shared with other work, so the load average is printed with each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TASKS = ("floor", "derive", "pandas")


def _measure(task: str, linked: Path) -> dict:
    """Run inside the child process."""
    started, cpu0 = time.perf_counter(), time.process_time()
    rows = 0
    if task == "derive":
        from oppvekst.microdata import derive

        con = derive.connect("duckdb")
        obs = derive.observations(derive.run(con, linked))
        rows = len(obs)
    elif task == "pandas":
        from oppvekst.microdata import derive, reference

        obs = derive.observations(reference.run(linked))
        rows = len(obs)
    elif task == "floor":
        import duckdb

        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        rows = con.execute(floor_sql(linked)).fetchall()
        rows = len(rows)
    else:
        raise ValueError(task)
    return {"task": task, "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu0,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2, "rows": rows}


# The columns the derivation reads from each linked file (see derive.linked_base and derive._events).
READ = {
    "residence": ["pid", "year", "household_id", "kommune", "bydel", "levekarssone"],
    "population": ["pid", "mother_pid", "father_pid", "birth_date", "sex", "immigrant_category"],
    "education": ["pid", "highest_level"],
    "household_income": ["household_id", "year", "income_after_tax", "consumption_units"],
    "housing": ["household_id", "year", "persons", "rooms", "area_m2"],
    "social_assistance": ["pid", "year"],
    "kindergarten": ["pid", "year"],
    "neet": ["pid", "year"],
    "child_welfare": ["pid", "year", "in_home_measure", "placement"],
    "national_tests": ["pid", "year", "grade", "subject", "mastery_level"],
    "lower_secondary": ["pid", "year", "points"],
    "upper_secondary": ["pid", "start_year", "completed_year"],
}


def floor_sql(linked: Path) -> str:
    """One query: every row and every read column of every linked file, grouped by year."""
    parts = []
    for name, cols in READ.items():
        year = "start_year" if name == "upper_secondary" else ("year(birth_date)" if name == "population" else
                                                               ("0" if name == "education" else "year"))
        weight = " + ".join(f"hash({c})::DOUBLE" for c in cols)   # touches every value, cannot be pruned
        parts.append(f"SELECT {year}::INTEGER AS y, {weight} AS w FROM read_parquet('{linked / name}.parquet')")
    return f"SELECT y, count(*), sum(w) FROM ({' UNION ALL '.join(parts)}) GROUP BY y"


def run_child(task: str, linked: Path) -> dict:
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, "--child", task, "--linked", str(linked)],
                         check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_before"] = round(load, 2)
    return result


def ensure_data(base: Path, seed: int) -> Path:
    from oppvekst.microdata import link, synth

    if not (base / "raw" / "manifest.json").exists():
        print(f"generating the national synthetic registers in {base} (seed {seed}) ...", flush=True)
        report = synth.generate(base, seed=seed)
        print(f"  {report.counts['persons']:,} persons, {report.counts['person_years']:,} person-years, "
              f"{report.seconds:.0f} s", flush=True)
    if not (base / "linked" / "manifest.json").exists():
        print("linking (validate, pseudonymise) ...", flush=True)
        summary = link.link(base)
        print(f"  {summary['seconds']:.0f} s", flush=True)
    return base / "linked"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3, help="runs of derive and floor (pandas runs once)")
    parser.add_argument("--seed", type=int, default=20250)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--child", choices=TASKS)
    parser.add_argument("--linked", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.linked)))
        return
    from oppvekst.microdata.synth import microdata_dir

    linked = ensure_data(args.dir or microdata_dir(), args.seed)
    manifest = json.loads((linked / "manifest.json").read_text())
    counts = manifest["counts"]
    print(f"{counts['population']:,} persons, {counts['residence']:,} person-years, "
          f"{sum(counts.values()):,} linked rows in all; {os.cpu_count()} cores")
    results = {t: [] for t in TASKS}
    for _ in range(args.runs):
        for task in ("floor", "derive"):
            results[task].append(run_child(task, linked))
            r = results[task][-1]
            print(f"  {task:7s} {r['wall_s']:7.1f} s wall {r['cpu_s']:7.1f} s cpu {r['peak_rss_gb']:5.2f} GB "
                  f"(load {r['load_before']})", flush=True)
    if not args.skip_pandas:
        results["pandas"].append(run_child("pandas", linked))
        r = results["pandas"][-1]
        print(f"  pandas  {r['wall_s']:7.1f} s wall {r['cpu_s']:7.1f} s cpu {r['peak_rss_gb']:5.2f} GB "
              f"(load {r['load_before']})", flush=True)
    summary = {t: {"median_wall_s": statistics.median(x["wall_s"] for x in v),
                   "min_wall_s": min(x["wall_s"] for x in v),
                   "median_cpu_s": statistics.median(x["cpu_s"] for x in v),
                   "peak_rss_gb": max(x["peak_rss_gb"] for x in v)} for t, v in results.items() if v}
    d, f = summary["derive"], summary["floor"]
    print(json.dumps(summary, indent=2))
    print(f"derive / floor: {d['median_wall_s'] / f['median_wall_s']:.1f}x wall, "
          f"{d['median_cpu_s'] / f['median_cpu_s']:.1f}x cpu")
    if "pandas" in summary:
        p = summary["pandas"]
        print(f"pandas / derive: {p['median_wall_s'] / d['median_wall_s']:.1f}x wall, "
              f"{p['median_cpu_s'] / d['median_cpu_s']:.1f}x cpu")


if __name__ == "__main__":
    main()
