"""Benchmark: the full national derivation of the synthetic indicators (not a timed test).

Run:
    OPPVEKST_PSEUDONYM_KEY=... .venv/bin/python benchmarks/microdata_bench.py [--dir DIR] [--runs 3]
                                                                           [--with-linkage]

Uses the national synthetic registers in DIR (default OPPVEKST_HOME/microdata); generates them
(`oppvekst synth`, seed 20250) and links them if they are not there. Linking validates and
pseudonymises the registers and joins them on the pseudonym into the person-year table
(linked/person_years.parquet, 19.6 million rows), which is what the indicators are derived from.

Each measurement runs in a fresh Python process, which reports its wall time, CPU time and peak
resident memory (ru_maxrss: DuckDB's and pandas' memory live in the process, so it counts):

- derive:  the derivation as shipped (Ibis on DuckDB): every indicator, region level, year and
           breakdown, from the linked person-years to the observation table.
- pandas:  a straightforward pandas implementation of the same indicators (microdata/reference.py)
           from the same file, to the same observation table (a test checks they agree exactly).
- floor:   a single DuckDB scan-and-group-by of the same rows: every column the derivation reads,
           grouped by year and area (sums, so nothing is pruned). No flags, no breakdowns, no medians.
- floor_fine: the same scan grouped also by the raw breakdown columns (sex, immigrant category,
           parents' education, single year of age): the grouping the output needs, still no flags.
With --with-linkage also the join step itself, registers → person-years, in DuckDB (Ibis, as shipped)
and in pandas (reference.person_years).

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

TASKS = ("floor", "floor_fine", "derive", "pandas", "link_join", "pandas_link")


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
    elif task in ("floor", "floor_fine"):
        import duckdb

        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        rows = len(con.execute(floor_sql(linked, fine=task == "floor_fine")).fetchall())
    elif task == "link_join":
        import tempfile

        from oppvekst.microdata import derive

        con = derive.connect("duckdb")
        with tempfile.TemporaryDirectory() as tmp:
            derive.build_person_years(con, linked, Path(tmp) / "py.parquet")
        rows = -1
    elif task == "pandas_link":
        from oppvekst.microdata import reference

        rows = len(reference.person_years(reference.read(linked)))
    else:
        raise ValueError(task)
    return {"task": task, "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu0,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2, "rows": rows}


# The person-year columns the derivation reads (derive.with_flags and the Spec expressions).
READ = ["year", "area", "sex", "background", "edu", "parents", "eq", "s3", "crowded", "reading_level", "points",
        "age", "has3", "sa", "kg", "neet", "cw_measure", "cw_placement", "started", "completed5"]


def floor_sql(linked: Path, fine: bool = False) -> str:
    """One query: every row and every read column of the person-year table, grouped by year and area (or, `fine`,
    by year, area and the raw breakdown columns the derivation groups by: sex, background, parents' education, age)."""
    keys = ["year", "area"] + (["sex", "background", "edu", "age"] if fine else [])
    sums = ", ".join(f"sum({c}::DOUBLE)" for c in READ if c not in keys)
    return (f"SELECT {', '.join(keys)}, count(*), {sums} FROM read_parquet('{linked / 'person_years.parquet'}') "
            "GROUP BY ALL")


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
    if not (base / "linked" / "person_years.parquet").exists():
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
    parser.add_argument("--with-linkage", action="store_true", help="also time the join step (DuckDB and pandas)")
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
    print(f"{counts['population']:,} persons, {counts['person_years']:,} linked person-years; "
          f"{os.cpu_count()} cores")
    results = {t: [] for t in TASKS}
    for _ in range(args.runs):
        for task in ("floor", "floor_fine", "derive"):
            results[task].append(run_child(task, linked))
            r = results[task][-1]
            print(f"  {task:10s} {r['wall_s']:7.1f} s wall {r['cpu_s']:7.1f} s cpu {r['peak_rss_gb']:5.2f} GB "
                  f"(load {r['load_before']})", flush=True)
    extra = ([] if args.skip_pandas else ["pandas"]) + (["link_join", "pandas_link"] if args.with_linkage else [])
    for task in extra:
        results[task].append(run_child(task, linked))
        r = results[task][-1]
        print(f"  {task:11s} {r['wall_s']:7.1f} s wall {r['cpu_s']:7.1f} s cpu {r['peak_rss_gb']:5.2f} GB "
              f"(load {r['load_before']})", flush=True)
    summary = {t: {"median_wall_s": statistics.median(x["wall_s"] for x in v),
                   "min_wall_s": min(x["wall_s"] for x in v),
                   "median_cpu_s": statistics.median(x["cpu_s"] for x in v),
                   "peak_rss_gb": max(x["peak_rss_gb"] for x in v)} for t, v in results.items() if v}
    d = summary["derive"]
    print(json.dumps(summary, indent=2))
    for floor in ("floor", "floor_fine"):
        f = summary[floor]
        print(f"derive / {floor}: {d['median_wall_s'] / f['median_wall_s']:.1f}x wall, "
              f"{d['median_cpu_s'] / f['median_cpu_s']:.1f}x cpu")
    if "pandas" in summary:
        p = summary["pandas"]
        print(f"pandas / derive: {p['median_wall_s'] / d['median_wall_s']:.1f}x wall, "
              f"{p['median_cpu_s'] / d['median_cpu_s']:.1f}x cpu")
    if "pandas" in summary and "link_join" in summary:
        ours = d["median_wall_s"] + summary["link_join"]["median_wall_s"]
        theirs = summary["pandas"]["median_wall_s"] + summary["pandas_link"]["median_wall_s"]
        print(f"registers to indicators (join + derivation): {ours:.1f} s here, {theirs:.1f} s in pandas "
              f"({theirs / ours:.1f}x)")


if __name__ == "__main__":
    main()
