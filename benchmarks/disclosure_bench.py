"""Benchmark: disclosure control of the national SYNTHETIC table, and its attack check.

Run: .venv/bin/python benchmarks/disclosure_bench.py [--runs 1] [--no-check] [--pairwise] [--write]
Target (issue 5): suppression of the national table under 60 s on this machine.

The table (oppvekst.disclosure.testing.national_table, synthetic): every region level (country, 15
counties, 357 municipalities, 38 city districts, 207 living-conditions zones, and the people with an
unknown district), sex (all, female, male) x age (15-19, 20-24, 25-29, 15-29), overlapping pooled
3-year periods 2015-2017 ... 2022-2024: about 59 000 cells. Rules: the policy's numerator limit 3,
series and coverage rules on. Timed separately:

1. suppression: model, implicit equalities (LP), Gaussian elimination, series rule, with its proof;
2. the attack check: an LP interval for every suppressed cell (what `oppvekst disclosure check` does);
3. (--pairwise) the pairwise heuristic on the same table, and how many of its primary cells an
   attacker pins, for comparison.

Not a test: it asserts the outcome (no small count published, proof holds, no primary cell pinned)
and prints the figures; --write puts them in benchmarks/RESULTS-disclosure.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--pairwise", action="store_true")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("OPPVEKST_HOME", tempfile.mkdtemp(prefix="oppvekst-bench-"))

    from oppvekst.disclosure import attack, model
    from oppvekst.disclosure.control import suppress
    from oppvekst.disclosure.primary import Rules, primary
    from oppvekst.disclosure.secondary import pairwise
    from oppvekst.disclosure.testing import national_table

    t0 = time.perf_counter()
    table = national_table()
    gen = time.perf_counter() - t0
    levels = table["region"].str.len().map({1: "land", 2: "fylke", 4: "kommune", 6: "bydel", 8: "levekårssone"})
    print(f"table: {len(table):,} cells ({levels.value_counts().to_dict()}), generated in {gen:.1f} s")
    rules = Rules(numerator_max=3, series_max_share=0.5, coverage_max_unknown=0.10)

    times = []
    res = None
    for run in range(args.runs):
        t = time.perf_counter()
        res = suppress(table, rules, pooled_periods=True, check=False)
        times.append(time.perf_counter() - t)
        print(f"run {run + 1}: suppression {times[-1]:.1f} s  {res.stats}")
    out = res.table
    shown = out["flag"] != 3
    small = int(out.loc[shown, "numerator"].between(1, 3).sum())
    assert small == 0 and res.stats["certified"] == 1
    lines = [(f"- suppression of the national table: median {statistics.median(times):.1f} s over {args.runs} run(s) "
              f"({', '.join(f'{x:.1f}' for x in times)} s); target under 60 s"),
             (f"- cells {res.stats['cells']:,}: primary {res.stats['primary']}, complement {res.stats['complement']}, "
              f"secondary {res.stats['secondary']}, series {res.stats['series']}, coverage {res.stats['coverage']}; "
              f"published cells with a count in 1..3: {small}; proof holds (certified): yes")]
    if not args.no_check:
        t = time.perf_counter()
        m = model.build(out, pooled_periods=True)
        n = table.reset_index(drop=True)["numerator"].to_numpy(dtype=float)
        d = m.cells["denominator"].to_numpy(dtype=float)
        iv = attack.intervals(m, published=shown.to_numpy(), numerator=n, denominator=d,
                              denominator_known=np.ones(len(d), bool), cells=(~shown).to_numpy())
        check_s = time.perf_counter() - t
        reason = out["flag_reason"].to_numpy()[iv["cell"].to_numpy()]
        prim = np.isin(reason, ["primary", "complement"])
        sec = reason == "secondary"
        assert not iv.loc[prim, "pinned"].any() and not iv.loc[sec, "pinned"].any()
        print(f"attack check: {check_s:.1f} s for {len(iv):,} suppressed cells; pinned: primary "
              f"{int(iv.loc[prim, 'pinned'].sum())}, secondary {int(iv.loc[sec, 'pinned'].sum())}, "
              f"series {int(iv.loc[reason == 'series', 'pinned'].sum())}; min width primary {iv.loc[prim, 'width'].min():g}")
        lines.append(f"- attack check (LP interval for every suppressed cell, HiGHS): {check_s:.1f} s for "
                     f"{len(iv):,} cells; pinned primary/complement: {int(iv.loc[prim, 'pinned'].sum())}, "
                     f"secondary: {int(iv.loc[sec, 'pinned'].sum())}, series (hidden for quality, not "
                     f"confidentiality): {int(iv.loc[reason == 'series', 'pinned'].sum())}; narrowest interval of a "
                     f"primary cell {iv.loc[prim, 'width'].min():g}, median {iv.loc[prim, 'width'].median():g}")
    if args.pairwise:
        t = time.perf_counter()
        m = model.build(table, pooled_periods=True)
        n = m.cells["numerator"].to_numpy(dtype=float)
        d = m.cells["denominator"].to_numpy(dtype=float)
        targets = primary(m.cells, rules).notna().to_numpy()
        pw = pairwise(m, targets=targets, candidates=~targets, priority=d * 1e7 + n)
        iv = attack.intervals(m, published=~targets & ~pw, numerator=n, denominator=d,
                              denominator_known=np.ones(len(d), bool), cells=targets)
        print(f"pairwise heuristic: {int(pw.sum())} secondary cells, {int(iv['pinned'].sum())} of "
              f"{int(targets.sum())} primary cells pinned by the attack ({time.perf_counter() - t:.1f} s)")
        lines.append(f"- pairwise heuristic on the same table, for comparison: {int(pw.sum())} secondary cells, and the "
                     f"attack pins {int(iv['pinned'].sum())} of its {int(targets.sum())} primary cells")
    if args.write:
        path = Path(__file__).with_name("RESULTS-disclosure.md")
        header = ("# Disclosure control: benchmark figures\n\n"
                  "`benchmarks/disclosure_bench.py` on the national SYNTHETIC table "
                  "(oppvekst.disclosure.testing.national_table: every region level incl. city districts and "
                  "living-conditions zones, sex x age bands, overlapping pooled 3-year periods 2015-2024).\n\n")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        machine = (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other "
                   f"jobs (load average at the end {load}), Python {platform.python_version()}, "
                   f"{time.strftime('%Y-%m-%d')}.\n\n")
        path.write_text(header + machine + "\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
