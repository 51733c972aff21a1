"""The warehouse: one DuckDB file with regions, indicators, observations and releases.

Every load is a release: validated in full first, then written in one transaction, recorded with its
source, time and content hash. The current figures of an indicator are those of the newest active
release that holds it; rolling a release back makes the one before it current again.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from oppvekst import config
from oppvekst.errors import InputError
from oppvekst.observations import COLUMNS, DIMENSIONS, validate

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS release_ids START 1;
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    description VARCHAR,
    content_hash VARCHAR NOT NULL,
    n_rows BIGINT NOT NULL,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    status VARCHAR NOT NULL DEFAULT 'active',   -- active | rolled_back
    rolled_back_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS release_indicators (
    release INTEGER NOT NULL, indicator VARCHAR NOT NULL, n_rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    release INTEGER NOT NULL,
    indicator VARCHAR NOT NULL, region VARCHAR NOT NULL,
    period_from INTEGER NOT NULL, period_to INTEGER NOT NULL,
    sex VARCHAR NOT NULL, age VARCHAR NOT NULL, background VARCHAR NOT NULL, ses VARCHAR NOT NULL,
    numerator DOUBLE, denominator DOUBLE, value DOUBLE, ci_low DOUBLE, ci_high DOUBLE,
    n_years INTEGER NOT NULL, flag TINYINT NOT NULL, flag_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS regions (
    code VARCHAR PRIMARY KEY, level VARCHAR NOT NULL, name VARCHAR NOT NULL, parent VARCHAR,
    valid_from INTEGER, valid_to INTEGER
);
CREATE TABLE IF NOT EXISTS indicators (
    id VARCHAR PRIMARY KEY, name_nb VARCHAR NOT NULL, name_en VARCHAR, theme VARCHAR,
    measure VARCHAR, scale DOUBLE, polarity VARCHAR, source VARCHAR, meta JSON
);
CREATE OR REPLACE VIEW current_observations AS
WITH latest AS (
    SELECT ri.indicator, max(ri.release) AS release
    FROM release_indicators ri JOIN releases r ON r.id = ri.release
    WHERE r.status = 'active' GROUP BY ri.indicator
)
SELECT o.* FROM observations o
JOIN latest l ON o.indicator = l.indicator AND o.release = l.release;
"""


# Called after a release is loaded or rolled back, with (event, release): the audit log registers
# itself here (oppvekst.content.audit), so the warehouse needs no knowledge of it.
listeners: list = []


def _notify(event: str, release: Release) -> None:
    for listener in listeners:
        listener(event, release)


def content_hash(df: pd.DataFrame) -> str:
    """Order-independent hash of an observation table (same rows, same hash)."""
    ordered = df[COLUMNS].sort_values(DIMENSIONS, kind="stable").reset_index(drop=True)
    # Parallel float sums differ in the last bits from run to run; that is not a change of content.
    floats = ordered.select_dtypes("float").columns
    ordered[floats] = ordered[floats].round(9)
    row_hashes = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


@dataclass(frozen=True)
class Release:
    id: int
    created_at: datetime
    source: str
    description: str | None
    content_hash: str
    n_rows: int
    synthetic: bool
    status: str
    indicators: tuple[str, ...]


class ReleaseKey(NamedTuple):
    """What disclosure control keys its stored decisions on: a release's content hash, and whether it is
    synthetic (derived by this system, so it needs control)."""
    content_hash: str
    synthetic: bool


class Warehouse:
    """A DuckDB warehouse file: the raw figures, for the jobs that write or control releases.

    Everything that shows figures reads through the door instead (`oppvekst.disclosure.door`), which hands
    out this handle only to an administrator or a named internal job. `Warehouse()` (OPPVEKST_HOME) or
    `Warehouse(path)`.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path else config.warehouse_path()
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no warehouse at {self.path}: run `oppvekst build` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            self.con.execute(SCHEMA)

    def cursor(self) -> Warehouse:
        """The same database through a new cursor, for use in another thread."""
        view = object.__new__(Warehouse)
        view.path, view.con = self.path, self.con.cursor()
        return view

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self):
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- loading -------------------------------------------------------------------------------
    def load_release(self, observations: pd.DataFrame, *, source: str, description: str | None = None,
                     synthetic: bool = False, file: str | None = None,
                     skip_if_unchanged: bool = True) -> Release | None:
        """Validate and load observations as one release, all or nothing.

        Returns the new release, or None when `skip_if_unchanged` and the same content is already
        the current release of exactly these indicators.
        """
        df = validate(observations, file=file or source)
        if df.empty:
            raise InputError("no observations to load", file=file or source)
        digest = content_hash(df)
        indicators = tuple(sorted(df["indicator"].unique()))
        if skip_if_unchanged and self._current_hash(indicators) == digest:
            return None
        counts = df.groupby("indicator").size()
        with self._transaction():
            rid = self.con.execute("SELECT nextval('release_ids')").fetchone()[0]
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            self.con.execute(
                "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, 'active', NULL)",
                [rid, now, source, description, digest, len(df), synthetic])
            ri = pd.DataFrame({"release": rid, "indicator": counts.index, "n_rows": counts.values})
            self.con.register("ri_new", ri)
            self.con.execute("INSERT INTO release_indicators SELECT release, indicator, n_rows FROM ri_new")
            self.con.unregister("ri_new")
            obs = df.assign(release=rid)[["release", *COLUMNS]]
            self.con.register("obs_new", obs)
            self.con.execute(f"INSERT INTO observations SELECT {', '.join(['release', *COLUMNS])} FROM obs_new")
            self.con.unregister("obs_new")
        rel = self.release(rid)
        _notify("release_load", rel)
        return rel

    def _current_hash(self, indicators: tuple[str, ...]) -> str | None:
        """Hash of the current release of these indicators, if one release holds exactly them."""
        row = self.con.execute("""
            SELECT r.id, r.content_hash FROM releases r JOIN release_indicators ri ON ri.release = r.id
            WHERE r.status = 'active' AND ri.indicator = ? ORDER BY r.id DESC LIMIT 1""",
            [indicators[0]]).fetchone()
        if row is None:
            return None
        held = tuple(r[0] for r in self.con.execute(
            "SELECT indicator FROM release_indicators WHERE release = ? ORDER BY indicator", [row[0]]).fetchall())
        return row[1] if held == indicators else None

    def replace_regions(self, regions: pd.DataFrame) -> None:
        cols = ["code", "level", "name", "parent", "valid_from", "valid_to"]
        with self._transaction():
            self.con.execute("DELETE FROM regions")
            self.con.register("regions_new", regions[cols])
            self.con.execute(f"INSERT INTO regions SELECT {', '.join(cols)} FROM regions_new")
            self.con.unregister("regions_new")

    def replace_indicators(self, indicators: list[dict]) -> None:
        with self._transaction():
            self.con.execute("DELETE FROM indicators")
            for ind in indicators:
                self.con.execute(
                    "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [ind["id"], ind["name"]["nb"], ind["name"].get("en"), ind.get("theme"),
                     ind.get("measure"), ind.get("scale"), ind.get("polarity"),
                     ind.get("source", {}).get("name") if isinstance(ind.get("source"), dict) else ind.get("source"),
                     json.dumps(ind, ensure_ascii=False, default=str)])

    # -- releases ------------------------------------------------------------------------------
    def releases(self) -> list[Release]:
        ids = [r[0] for r in self.con.execute("SELECT id FROM releases ORDER BY id").fetchall()]
        return [self.release(i) for i in ids]

    def release(self, release_id: int) -> Release:
        row = self.con.execute(
            "SELECT id, created_at, source, description, content_hash, n_rows, synthetic, status "
            "FROM releases WHERE id = ?", [release_id]).fetchone()
        if row is None:
            raise KeyError(f"no release {release_id}")
        inds = tuple(r[0] for r in self.con.execute(
            "SELECT indicator FROM release_indicators WHERE release = ? ORDER BY indicator",
            [release_id]).fetchall())
        return Release(*row, indicators=inds)

    def rollback(self, release_id: int) -> Release:
        """Withdraw a release: its indicators fall back to the newest earlier active release."""
        rel = self.release(release_id)
        if rel.status != "active":
            raise ValueError(f"release {release_id} is already {rel.status}")
        with self._transaction():
            self.con.execute(
                "UPDATE releases SET status = 'rolled_back', rolled_back_at = now() WHERE id = ?", [release_id])
        rel = self.release(release_id)
        _notify("release_rollback", rel)
        return rel

    def diff(self, old: int, new: int) -> dict:
        """Batch-against-batch check: rows identical / changed / new / removed, national sums per year."""
        for rid in (old, new):
            self.release(rid)  # raises KeyError for an unknown release
        keys = " AND ".join(f"a.{d} = b.{d}" for d in DIMENSIONS)
        same = ("a.value IS NOT DISTINCT FROM b.value AND a.numerator IS NOT DISTINCT FROM b.numerator "
                "AND a.denominator IS NOT DISTINCT FROM b.denominator AND a.flag = b.flag")
        q = f"""
        WITH a AS (SELECT * FROM observations WHERE release = ?),
             b AS (SELECT * FROM observations WHERE release = ?)
        SELECT
          count(*) FILTER (WHERE a.indicator IS NOT NULL AND b.indicator IS NOT NULL AND {same}),
          count(*) FILTER (WHERE a.indicator IS NOT NULL AND b.indicator IS NOT NULL AND NOT ({same})),
          count(*) FILTER (WHERE a.indicator IS NULL),
          count(*) FILTER (WHERE b.indicator IS NULL)
        FROM a FULL OUTER JOIN b ON {keys}
        """
        identical, changed, added, removed = self.con.execute(q, [old, new]).fetchone()
        # National level per indicator, period and breakdown, side by side.
        sums = self.con.execute("""
            SELECT indicator, period_from, period_to, sex, age, background, ses,
                   sum(numerator) FILTER (WHERE release = ?) AS numerator_old,
                   sum(numerator) FILTER (WHERE release = ?) AS numerator_new,
                   sum(denominator) FILTER (WHERE release = ?) AS denominator_old,
                   sum(denominator) FILTER (WHERE release = ?) AS denominator_new
            FROM observations WHERE release IN (?, ?) AND region = '0'
            GROUP BY ALL ORDER BY ALL
        """, [old, new, old, new, old, new]).df()
        return {"old": old, "new": new, "identical": identical, "changed": changed,
                "new_rows": added, "removed": removed, "national_sums": sums}

    # -- reading -------------------------------------------------------------------------------
    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Raw SQL, for the warehouse's own use and its tests: not part of `StatisticsReader`."""
        return self.con.execute(sql, params or []).df()

    def observations(self, *, indicator: str | None = None, regions: list[str] | None = None,
                     year: int | None = None, sex: str | None = "all", age: str | None = None,
                     background: str | None = "all", ses: str | None = "all",
                     releases: list[int] | None = None, limit: int | None = None) -> pd.DataFrame:
        """Current observations with filters; None in a dimension means every value.

        releases: only the current rows that come from these releases (an empty list: none)."""
        where, params = [], []
        for col, val in (("indicator", indicator), ("sex", sex), ("age", age),
                         ("background", background), ("ses", ses)):
            if val is not None:
                where.append(f"o.{col} = ?")
                params.append(val)
        if regions:
            where.append(f"o.region IN ({', '.join('?' * len(regions))})")
            params.extend(regions)
        if year is not None:
            where.append("o.period_to = ?")
            params.append(year)
        if releases is not None:
            where.append(f"o.release IN ({', '.join('?' * len(releases))})" if releases else "FALSE")
            params.extend(releases)
        sql = ("SELECT o.*, r.synthetic FROM current_observations o JOIN releases r ON r.id = o.release"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY o.indicator, o.region, o.period_from, o.sex, o.age")
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.con.execute(sql, params).df()

    def release_observations(self, release_id: int) -> pd.DataFrame:
        """Every row of one release as loaded (current or not), with its `release` column."""
        return self.con.execute("SELECT * FROM observations WHERE release = ?", [release_id]).df()

    def release_hashes(self) -> dict[int, ReleaseKey]:
        """release id -> (content hash, synthetic) for every release, in one query."""
        return {rid: ReleaseKey(digest, bool(synthetic)) for rid, digest, synthetic in self.con.execute(
            "SELECT id, content_hash, synthetic FROM releases ORDER BY id").fetchall()}

    def region_names(self) -> dict[str, str]:
        """code -> name of the regions stored with the statistics."""
        return dict(self.con.execute("SELECT code, name FROM regions ORDER BY code").fetchall())

    def region_name(self, code: str) -> str | None:
        row = self.con.execute("SELECT name FROM regions WHERE code = ?", [code]).fetchone()
        return row[0] if row else None

    def has_regions(self) -> bool:
        return self.con.execute("SELECT count(*) FROM regions").fetchone()[0] > 0
