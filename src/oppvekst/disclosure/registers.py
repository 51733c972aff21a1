"""Register rights for the microdata registers: access, correction (history kept), deletion (tombstone).

The registers are the files of oppvekst.microdata: `raw/` (with identity numbers, as delivered) and
`linked/` (pseudonymised, what derivations read). A person is named by their pseudonym only.

- access: everything held under the pseudonym in every linked register, the household records of
  the households they lived in, the children's records that point at them as a parent, and the
  history of corrections; never an identity number.
- correction: one field of the person's rows (chosen by `where`) gets a new value, in `linked/` and
  in `raw/` (so a new linkage keeps it); old and new value are kept in acc_register_correction
  (disclosure/models.py).
- deletion: every row of the person is removed from `raw/` and `linked/`, references to them as a
  parent are blanked, and a tombstone (pseudonym, reason, who, when, rows removed) is kept so that
  the person is kept out of later loads (`enforce_tombstones`). The aggregates are then derived anew
  and go through disclosure control again (`rederive`).

Only an administrator may act (the web layer and the command line check the role), and each act is
written to the audit log. Files are rewritten whole to a temporary name and swapped in.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select

from oppvekst.content import audit, db
from oppvekst.disclosure.models import RegisterCorrection, RegisterTombstone
from oppvekst.errors import InputError

PSEUDONYM_COLUMNS = ("pid", "mother_pid", "father_pid")
HOUSEHOLD_REGISTERS = ("household_income", "housing")
PROTECTED_FIELDS = {"pid", "mother_pid", "father_pid", "household_id", "fnr", "mother_fnr", "father_fnr"}


def _base(base: Path | None) -> Path:
    from oppvekst.microdata.synth import microdata_dir

    return Path(base) if base else microdata_dir()


def _linked(base: Path) -> Path:
    path = base / "linked"
    if not (path / "population.parquet").exists():
        raise InputError("no linked registers: run `oppvekst synth` and `oppvekst derive` first", file=str(path))
    return path


def _pid(pseudonym: str | int) -> int:
    try:
        value = int(str(pseudonym).strip())
    except ValueError:
        raise InputError("et pseudonym er et heltall / a pseudonym is a whole number", field="pseudonym") from None
    if not -(2 ** 63) <= value < 2 ** 63:
        raise InputError("pseudonymet er utenfor området / out of range", field="pseudonym")
    return value


def _read(path: Path) -> pa.Table:
    return pq.read_table(path)


def _write(path: Path, table: pa.Table) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _registers(linked: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(linked.glob("*.parquet"))}


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def _tombstone(s, pid: int) -> RegisterTombstone | None:
    return s.get(RegisterTombstone, str(pid))


def access(pseudonym: str | int, *, base: Path | None = None) -> dict:
    """Everything held under one pseudonym (the right of access); audited."""
    pid = _pid(pseudonym)
    base = _base(base)
    linked = _linked(base)
    files = _registers(linked)
    out: dict = {"pseudonym": str(pid), "synthetic": True, "registers": {}, "as_parent": [], "households": {},
                 "corrections": [], "deleted": None}
    with db.session() as s:
        stone = _tombstone(s, pid)
        out["corrections"] = [
            {"register": c.register, "record": c.record, "field": c.field, "old_value": c.old_value,
             "new_value": c.new_value, "reason": c.reason, "actor": c.actor, "at": c.at.isoformat()}
            for c in s.execute(select(RegisterCorrection).where(RegisterCorrection.pseudonym == str(pid))
                               .order_by(RegisterCorrection.id)).scalars()]
        if stone:
            out["deleted"] = {"at": stone.at.isoformat(), "reason": stone.reason, "actor": stone.actor,
                              "rows_removed": stone.rows_removed}
    households: set[int] = set()
    for name, path in files.items():
        if name in HOUSEHOLD_REGISTERS:
            continue
        t = _read(path)
        if "pid" not in t.column_names:
            continue
        mine = t.filter(pc.equal(t["pid"], pid))
        out["registers"][name] = _rows(mine)
        if name == "residence" and "household_id" in mine.column_names:
            households.update(v for v in mine["household_id"].to_pylist() if v is not None)
        if name == "population":
            for col in ("mother_pid", "father_pid"):
                if col in t.column_names:
                    kids = t.filter(pc.equal(t[col], pid)).select(["pid", col])
                    out["as_parent"] += [{"child": r["pid"], "as": col.removesuffix("_pid")} for r in _rows(kids)]
    for name in HOUSEHOLD_REGISTERS:
        if name in files and households:
            t = _read(files[name])
            mask = pc.is_in(t["household_id"], value_set=pa.array(sorted(households), type=t["household_id"].type))
            out["households"][name] = _rows(t.filter(mask))
    if not out["registers"].get("population") and out["deleted"] is None:
        raise LookupError(f"ingen person med pseudonym {pid} / no person with this pseudonym")
    n_rows = sum(len(v) for v in out["registers"].values())
    audit.record("register_access", f"pseudonym:{pid}", {"rows": n_rows, "registers": sorted(
        k for k, v in out["registers"].items() if v)})
    return out


def _cast(value: str | None, typ: pa.DataType, field: str):
    if value is None or value == "":
        return None
    try:
        return pa.array([value]).cast(typ)[0].as_py() if not pa.types.is_string(typ) else value
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputError(f"{value!r} er ikke en gyldig verdi for {field} ({typ}) / not a valid value",
                         field="value") from None


def _select(table: pa.Table, key_col: str, key, where: dict[str, str]) -> np.ndarray:
    mask = pc.equal(table[key_col], key)
    for col, raw in where.items():
        if col not in table.column_names:
            raise InputError(f"registeret har ikke feltet {col!r} / no such field", field=f"where.{col}")
        mask = pc.and_(mask, pc.equal(table[col], pa.scalar(_cast(raw, table[col].type, col), type=table[col].type)))
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _raw_number(base: Path, pid: int) -> str | None:
    """The identity number in raw/ whose pseudonym is `pid` (the key comes from the environment)."""
    from oppvekst.microdata.pseudonym import load_key, pseudonyms

    path = base / "raw" / "population.parquet"
    if not path.exists():
        return None
    numbers = pq.read_table(path, columns=["fnr"])["fnr"].to_pylist()
    hits = np.flatnonzero(pseudonyms(numbers, load_key()) == pid)
    return numbers[int(hits[0])] if len(hits) else None


def correct(pseudonym: str | int, *, register: str, field: str, value: str | None, where: dict[str, str] | None = None,
            reason: str, rederive: bool = False, base: Path | None = None) -> dict:
    """Correct one field of a person's rows in a register; the old values are kept as history."""
    pid = _pid(pseudonym)
    base = _base(base)
    linked = _linked(base)
    where = dict(where or {})
    if not reason or not reason.strip():
        raise InputError("oppgi en begrunnelse / give a reason", field="reason")
    files = _registers(linked)
    if register not in files or register in HOUSEHOLD_REGISTERS:
        raise InputError(f"ukjent personregister {register!r}; et av {sorted(set(files) - set(HOUSEHOLD_REGISTERS))}",
                         field="register")
    if field in PROTECTED_FIELDS:
        raise InputError(f"{field!r} kan ikke rettes her / cannot be corrected", field="field")
    with db.session() as s:
        if _tombstone(s, pid):
            raise LookupError(f"pseudonym {pid} er slettet / deleted")
    table = _read(files[register])
    if field not in table.column_names:
        raise InputError(f"registeret {register} har ikke feltet {field!r}", field="field")
    mask = _select(table, "pid", pid, where)
    if not mask.any():
        raise LookupError(f"ingen rad for pseudonym {pid} i {register} med {where or 'ingen filter'}")
    typ = table[field].type
    new = _cast(value, typ, field)
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        known = set(pc.unique(table[field]).to_pylist()) - {None}
        if len(known) <= 50 and new is not None and new not in known:   # a coded field: only known codes
            raise InputError(f"{new!r} er ikke en kode i {register}.{field}; en av {sorted(known)}", field="value")
    idx = table.column_names.index(field)
    old_values = np.asarray(table[field].to_pylist(), dtype=object)[mask]
    column = table[field].to_pylist()
    for i in np.flatnonzero(mask):
        column[i] = new
    _write(files[register], table.set_column(idx, field, pa.array(column, type=typ)))
    raw_rows = 0
    raw_path = base / "raw" / f"{register}.parquet"
    if raw_path.exists():   # the same rows in raw/, so that a new linkage keeps the correction
        number = _raw_number(base, pid)
        if number is not None:
            raw = _read(raw_path)
            rmask = _select(raw, "fnr", number, where)
            if rmask.any():
                col = raw[field].to_pylist()
                for i in np.flatnonzero(rmask):
                    col[i] = new
                _write(raw_path, raw.set_column(raw.column_names.index(field), field, pa.array(col, type=typ)))
                raw_rows = int(rmask.sum())
    who = audit.actor()
    with db.session() as s:
        for old in old_values:
            s.add(RegisterCorrection(pseudonym=str(pid), register=register, record=where, field=field,
                                     old_value=None if old is None else str(old),
                                     new_value=None if new is None else str(new), reason=reason, actor=who))
        s.commit()
    audit.record("register_correct", f"pseudonym:{pid}", {"register": register, "field": field, "where": where,
                                                          "rows": int(mask.sum()), "raw_rows": raw_rows})
    result = {"pseudonym": str(pid), "register": register, "field": field, "rows": int(mask.sum()),
              "raw_rows": raw_rows, "old_values": [None if o is None else str(o) for o in old_values],
              "new_value": None if new is None else str(new)}
    if rederive:
        result["rederived"] = rederive_aggregates(base)
    return result


def _drop_person(table: pa.Table, key_col: str, key) -> tuple[pa.Table, int]:
    mask = pc.equal(table[key_col], key)
    n = pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0
    return table.filter(pc.invert(pc.fill_null(mask, False))), int(n)


def _blank_parent(table: pa.Table, cols: tuple[str, ...], key) -> tuple[pa.Table, int]:
    changed = 0
    for col in cols:
        if col not in table.column_names:
            continue
        mask = pc.fill_null(pc.equal(table[col], key), False)
        k = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        if k:
            values = pc.if_else(mask, pa.scalar(None, type=table[col].type), table[col])
            table = table.set_column(table.column_names.index(col), col, values)
            changed += int(k)
    return table, changed


def delete(pseudonym: str | int, *, reason: str, rederive: bool = False, base: Path | None = None) -> dict:
    """Delete a person from the registers, keep a tombstone, and (optionally) derive the aggregates anew."""
    pid = _pid(pseudonym)
    base = _base(base)
    linked = _linked(base)
    if not reason or not reason.strip():
        raise InputError("oppgi en begrunnelse / give a reason", field="reason")
    with db.session() as s:
        if _tombstone(s, pid):
            raise LookupError(f"pseudonym {pid} er allerede slettet / already deleted")
    files = _registers(linked)
    population = _read(files["population"])
    if not pc.any(pc.equal(population["pid"], pid)).as_py():
        raise LookupError(f"ingen person med pseudonym {pid} / no person with this pseudonym")
    number = _raw_number(base, pid)                 # before the linked rows are gone
    removed: dict[str, int] = {}
    for name, path in files.items():
        t = _read(path)
        if "pid" not in t.column_names:
            continue
        t, n = _drop_person(t, "pid", pid)
        t, parents = _blank_parent(t, ("mother_pid", "father_pid"), pid)
        if n or parents:
            _write(path, t)
        removed[name] = n
        if parents:
            removed[f"{name}.parent_links"] = parents
    if number is not None:                           # raw/ too: nothing of the person stays behind
        for path in sorted((base / "raw").glob("*.parquet")):
            t = _read(path)
            if "fnr" not in t.column_names:
                continue
            t, n = _drop_person(t, "fnr", number)
            t, parents = _blank_parent(t, ("mother_fnr", "father_fnr"), number)
            if n or parents:
                _write(path, t)
            removed[f"raw.{path.stem}"] = n
    who = audit.actor()
    with db.session() as s:
        s.add(RegisterTombstone(pseudonym=str(pid), reason=reason, actor=who, rows_removed=removed))
        s.commit()
    audit.record("register_delete", f"pseudonym:{pid}", {"rows_removed": removed})
    result = {"pseudonym": str(pid), "rows_removed": removed, "tombstone": True}
    if rederive:
        result["rederived"] = rederive_aggregates(base)
    return result


def tombstones() -> set[int]:
    with db.session() as s:
        return {int(t.pseudonym) for t in s.execute(select(RegisterTombstone)).scalars()}


def enforce_tombstones(base: Path | None = None) -> int:
    """Remove tombstoned persons from `linked/` again (after a new linkage); returns rows removed."""
    gone = tombstones()
    if not gone:
        return 0
    linked = _linked(_base(base))
    total = 0
    keys = pa.array(sorted(gone), type=pa.int64())
    for path in _registers(linked).values():
        t = _read(path)
        if "pid" not in t.column_names:
            continue
        mask = pc.fill_null(pc.is_in(t["pid"], value_set=keys), False)
        n = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        changed = False
        if n:
            t = t.filter(pc.invert(mask))
            total += int(n)
            changed = True
        for col in ("mother_pid", "father_pid"):
            if col in t.column_names:
                m = pc.fill_null(pc.is_in(t[col], value_set=keys), False)
                if pc.any(m).as_py():
                    t = t.set_column(t.column_names.index(col), col,
                                     pc.if_else(m, pa.scalar(None, type=t[col].type), t[col]))
                    changed = True
        if changed:
            _write(path, t)
    return total


def rederive_aggregates(base: Path | None = None) -> dict:
    """Derive the synthetic indicators anew from the registers, load them as a release, put it through
    disclosure control, and publish it if the release it replaces was published."""
    from oppvekst.disclosure import publication
    from oppvekst.microdata import pipeline
    from oppvekst.warehouse import Warehouse

    audit.install_warehouse_audit()
    base = _base(base)
    with Warehouse() as wh:
        before = publication.controlled_releases(wh)
        was_published = any(info["published_at"] is not None for info in before.values())
        res = pipeline.run(base, warehouse=wh, load=True)
        rel = res.release
        if rel is None:
            return {"release": None, "note": "uendret / unchanged"}
        results = publication.apply(wh, rel.id)
        proven = all(r.ok for r in results.values())
        if was_published and proven:
            publication.publish(wh, rel.id)
    return {"release": rel.id, "proven": proven, "published": bool(was_published and proven),
            "indicators": len(results)}
