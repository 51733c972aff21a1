"""Ingest and linkage: validate every identity number, replace it by its keyed pseudonym, drop it.

Reads the registers in `<base>/raw/` and writes the same registers to `<base>/linked/` with `pid`
(and `mother_pid`, `father_pid`) instead of identity numbers. Raw numbers never leave `raw/`. The
step is all or nothing: the linked files are written to a temporary folder and swapped in at the end.
A number that fails validation, or a record whose number is in neither the population nor the
parents' register, stops the load with an InputError naming file, row and field.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from oppvekst.errors import InputError
from oppvekst.microdata import derive
from oppvekst.microdata import fnr as fnrlib
from oppvekst.microdata.pseudonym import load_key, pseudonyms

# register -> identity columns (the first is the record's own person)
IDENTITY_COLUMNS = {
    "population": ("fnr", "mother_fnr", "father_fnr"),
    "education": ("fnr",),
    "residence": ("fnr",),
    "social_assistance": ("fnr",),
    "kindergarten": ("fnr",),
    "national_tests": ("fnr",),
    "lower_secondary": ("fnr",),
    "upper_secondary": ("fnr",),
    "neet": ("fnr",),
    "child_welfare": ("fnr",),
    "household_income": (),
    "housing": (),
}
PSEUDONYM_OF = {"fnr": "pid", "mother_fnr": "mother_pid", "father_fnr": "father_pid"}
# Registers whose persons must be in the population register (the others may hold parents too).
PERSON_REGISTERS = {"residence", "kindergarten", "national_tests", "lower_secondary", "upper_secondary", "neet",
                    "child_welfare"}


def linked_dir(base: Path) -> Path:
    return base / "linked"


def _quoted(path: Path) -> str:
    """A path as an SQL string literal (COPY takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def key_id(key: bytes) -> str:
    """A short fingerprint of the key (HMAC of a constant), to tell runs with different keys apart."""
    return hmac.new(key, b"oppvekst-pseudonym-key-id", hashlib.sha256).hexdigest()[:12]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first row of a query (all rows fetched, so the connection is free again), or None."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _first_row(con: duckdb.DuckDBPyConnection, path: Path, column: str, value: str | None) -> int:
    where = f"{column} IS NULL" if value is None else f"{column} = ?"
    row = _one(con, f"SELECT min(file_row_number) FROM read_parquet(?, file_row_number = true) WHERE {where}",
               [str(path)] + ([] if value is None else [value]))[0]
    return int(row) + 1


def link(base: Path, *, key: bytes | None = None, require_synthetic: bool = True,
         progress: Callable[[str], None] = lambda step: None, engine: str = "duckdb", session=None) -> dict:
    """Validate, pseudonymise and write `<base>/linked/`; returns a summary (counts, seconds).

    Last, the pseudonymised registers are joined into the person-year table (`derive.person_year_table`,
    an Ibis expression run on `engine`), which the indicators are derived from.
    """
    started = time.perf_counter()
    key = key if key is not None else load_key()
    raw = base / "raw"
    manifest_path = raw / "manifest.json"
    if not manifest_path.exists():
        raise InputError("no manifest: run `oppvekst synth` first", file=str(manifest_path))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = {name: raw / f"{name}.parquet" for name in IDENTITY_COLUMNS}
    for name, path in files.items():
        if not path.exists():
            raise InputError("register file missing", file=str(path))
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        # 1. Every distinct number in every identity column is validated.
        progress("validate")
        distinct: dict[tuple[str, str], pa.Array] = {}
        for name, cols in IDENTITY_COLUMNS.items():
            for col in cols:
                vals = con.sql(f"SELECT DISTINCT {col} FROM read_parquet($path) WHERE {col} IS NOT NULL",
                               params={"path": str(files[name])}).to_arrow_table().column(0).combine_chunks()
                parsed = fnrlib.parse(vals)
                bad = ~parsed.valid | ((parsed.kind != "synthetic") if require_synthetic else False)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    value = vals[i].as_py()
                    why = (f"invalid national identity number: {parsed.reason[i]}" if not parsed.valid[i] else
                           f"a {parsed.kind[i]} number where only synthetic (+80 month) numbers are allowed")
                    raise InputError(why, file=str(files[name]), row=_first_row(con, files[name], col, value),
                                     field=col)
                distinct[(name, col)] = vals
            if name in PERSON_REGISTERS or name == "population":
                n_null = _one(con, "SELECT count(*) FROM read_parquet(?) WHERE fnr IS NULL",
                                     [str(files[name])])[0]
                if n_null:
                    raise InputError("identity number missing", file=str(files[name]),
                                     row=_first_row(con, files[name], "fnr", None), field="fnr")
        # 2. Linkage keys: the population and the parents; every other record must point at one of them.
        progress("link")
        pop = distinct[("population", "fnr")]
        n_pop = _one(con, "SELECT count(*) FROM read_parquet(?)", [str(files["population"])])[0]
        if len(pop) != n_pop:
            dup = _one(con, "SELECT fnr FROM read_parquet(?) GROUP BY fnr HAVING count(*) > 1 LIMIT 1",
                              [str(files["population"])])[0]
            raise InputError("the same identity number twice in the population register",
                             file=str(files["population"]), row=_first_row(con, files["population"], "fnr", dup),
                             field="fnr")
        parents = pa.chunked_array([distinct[("population", "mother_fnr")], distinct[("population", "father_fnr")],
                                    distinct[("education", "fnr")]])
        universe = pa.chunked_array([pop, parents]).unique()
        con.register("people", pa.table({"fnr": pop}))
        con.register("anyone", pa.table({"fnr": universe}))
        for name, cols in IDENTITY_COLUMNS.items():
            for col in cols:
                if name == "population" and col == "fnr":
                    continue
                ref = "people" if name in PERSON_REGISTERS else "anyone"
                miss = _one(con, f"SELECT t.{col} FROM read_parquet(?) t ANTI JOIN {ref} r ON t.{col} = r.fnr "
                                   f"WHERE t.{col} IS NOT NULL LIMIT 1", [str(files[name])])
                if miss:
                    raise InputError("identity number not found in the population register" if ref == "people"
                                     else "identity number not found in the population or parents' register",
                                     file=str(files[name]), row=_first_row(con, files[name], col, miss[0]), field=col)
        # 3. Pseudonyms (keyed HMAC); the raw numbers are dropped when the linked files are written.
        progress("pseudonymise")
        numbers = universe.to_pylist()
        pids = pseudonyms(numbers, key)
        if len(np.unique(pids)) != len(pids):
            raise InputError("two identity numbers got the same pseudonym: use another key (see pseudonym.py)")
        con.register("keymap", pa.table({"fnr": universe, "pid": pids}))
        del numbers
        # 4. Write the linked registers to a temporary folder, then swap it in.
        out = linked_dir(base)
        tmp = base / "linked.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        counts = {}
        try:
            for name, cols in IDENTITY_COLUMNS.items():
                progress(f"write {name}")
                select, joins = ["t.* EXCLUDE (" + ", ".join(cols) + ")"] if cols else ["t.*"], []
                for i, col in enumerate(cols):
                    select.insert(i, f"k{i}.pid AS {PSEUDONYM_OF[col]}")
                    joins.append(f"LEFT JOIN keymap k{i} ON t.{col} = k{i}.fnr")
                source, target = _quoted(files[name]), tmp / f"{name}.parquet"
                sql = f"SELECT {', '.join(select)} FROM read_parquet({source}) t {' '.join(joins)}"
                con.execute(f"COPY ({sql}) TO {_quoted(target)} (FORMAT parquet, COMPRESSION zstd)")
                counts[name] = _one(con, "SELECT count(*) FROM read_parquet(?)", [str(target)])[0]
            progress("join on the pseudonym (person-years)")
            t_join = time.perf_counter()
            icon = derive.connect(engine, session)
            try:
                py = derive.build_person_years(icon, tmp)
            finally:
                if engine == "duckdb":
                    icon.disconnect()
            counts["person_years"] = _one(con, "SELECT count(*) FROM read_parquet(?)",
                                          [str(py / "*.parquet") if py.is_dir() else str(py)])[0]
            summary = {
                "synthetic": bool(manifest.get("synthetic")), "seed": manifest.get("seed"),
                "municipalities": manifest.get("municipalities"), "counts": counts,
                "identities_pseudonymised": len(pids), "key_id": key_id(key),
                "created": datetime.now(UTC).isoformat(),
                "generator_calibration": manifest.get("calibration", {}),
                "seconds": round(time.perf_counter() - started, 1),
                "join_seconds": round(time.perf_counter() - t_join, 1), "engine": engine,
            }
            (tmp / "manifest.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
        return summary
    finally:
        con.close()
