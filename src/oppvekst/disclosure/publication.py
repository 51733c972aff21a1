"""Which releases need disclosure control, their stored suppression, publication, and the exit filter.

Policy (what we chose): figures a producer has already published (SSB, FHI, ... the bundled and loaded
statistics bank tables) pass as they are, with the producer's own flags: suppressing them again would
hide nothing, and figures this system computes from them (the 15-19 band as 15-29 minus the other
bands, sums over years) can be computed by anyone. Suppression applies to what this system derives
itself: releases marked synthetic (the microdata derivations) and releases marked controlled (say, an
analyst's unpublished upload). Such a release is held back until `apply()` has stored a suppression
whose proof holds for every indicator and an administrator has `publish()`ed it. Before that, an
analyst sees their own municipality's figures and an administrator everything, both suppressed.

The stored suppression and the publication state live in the content database (tables dc_*, keyed by
release id and content hash, so a rebuilt warehouse never inherits them), so that `apply` needs only
read access to the warehouse and `publish` none: both work while the web server runs. `masked()`
applies them to any frame read from the warehouse; everything that leaves through the web, the API,
PDFs and exports goes through it. The raw figures of a controlled release never leave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select, update

from oppvekst.disclosure.control import Suppression, suppress
from oppvekst.disclosure.policy import policy, pooled
from oppvekst.disclosure.primary import Rules
from oppvekst.observations import DIMENSIONS, FLAG_SUPPRESSED
from oppvekst.warehouse import Release, ReleaseKey, StatisticsReader, Warehouse

BLANKED = ["numerator", "value", "ci_low", "ci_high"]
_cache: dict[tuple, pd.DataFrame] = {}
_cache_lock = threading.Lock()


class NotReady(RuntimeError):
    """A release cannot be published yet."""


def _session():
    from oppvekst.content import db

    return db.session()


def _audit(action: str, target: str, detail: dict) -> None:
    from oppvekst.content import audit

    audit.record(action, target, detail)


def _key(wh: StatisticsReader, release_id: int) -> tuple[int, str]:
    rel = wh.release(release_id)          # KeyError for an unknown release
    return rel.id, rel.content_hash


def mark_controlled(wh: StatisticsReader, release_id: int) -> None:
    """Declare a release unpublished data of our own (e.g. an analyst's upload): it needs control."""
    from oppvekst.disclosure.models import DisclosureRelease

    rid, digest = _key(wh, release_id)
    with _session() as s:
        row = s.get(DisclosureRelease, (rid, digest))
        if row is None:
            s.add(DisclosureRelease(release=rid, release_hash=digest, controlled=True))
        else:
            row.controlled = True
        s.commit()
    _audit("release_mark_controlled", f"release:{rid}", {"hash": digest})


def controlled_releases(wh: StatisticsReader) -> dict[int, dict]:
    """release id -> {published_at, published_by, runs: {indicator: certified}} for every controlled release."""
    from oppvekst.disclosure.models import DisclosureRelease, DisclosureRun

    hashes = wh.release_hashes()
    out: dict[int, dict] = {rid: {"published_at": None, "published_by": None, "runs": {}}
                            for rid, (_, synthetic) in hashes.items() if synthetic}
    with _session() as s:
        for row in s.execute(select(DisclosureRelease)).scalars():
            if hashes.get(row.release, (None,))[0] != row.release_hash:
                continue                      # a release of another warehouse (or rebuilt since)
            if row.controlled or row.release in out:
                out.setdefault(row.release, {"published_at": None, "published_by": None, "runs": {}})
                out[row.release].update(published_at=row.published_at, published_by=row.published_by)
        for run in s.execute(select(DisclosureRun).where(DisclosureRun.current)).scalars():
            if run.release in out and hashes.get(run.release, (None,))[0] == run.release_hash:
                out[run.release]["runs"][run.indicator] = bool(run.certified)
    return out


def needs_control(wh: StatisticsReader, release_id: int) -> bool:
    return release_id in controlled_releases(wh)


def rules_for(indicator: str, overrides: dict | None = None) -> Rules:
    """The catalogue's limits for a catalogued indicator, else the policy's defaults."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        return Rules.for_indicator(indicator, **overrides)
    except KeyError:
        base = policy()
        values = {"numerator_max": base.get("numerator_max", 0), "denominator_min": base.get("denominator_min", 0),
                  "series_max_share": base.get("series_max_share"),
                  "coverage_max_unknown": base.get("coverage_max_unknown"), **overrides}
        return Rules(**values)


def apply(wh: Warehouse, release_id: int, *, rules: dict | None = None, check: bool = False,
          progress: Callable[[str], None] | None = None) -> dict[str, Suppression]:
    """Suppress every indicator of a release and store the result (the earlier one is kept, not current)."""
    from oppvekst.content.audit import actor
    from oppvekst.disclosure.models import DisclosureCell, DisclosureRelease, DisclosureRun

    rid, digest = _key(wh, release_id)
    rel = wh.release(release_id)
    table = wh.release_observations(release_id).drop(columns=["release"])
    results: dict[str, Suppression] = {}
    for ind in rel.indicators:
        part = table[table["indicator"] == ind]
        if progress:
            progress(f"{ind}: {len(part)} celler / cells")
        results[ind] = suppress(part, rules_for(ind, rules), pooled_periods=pooled(ind), check=check,
                                progress=progress)
    who = actor()
    published = controlled_releases(wh).get(rid, {}).get("published_at") is not None
    earlier = _pattern([(rid, digest)]) if published else pd.DataFrame()
    with _session() as s:
        s.execute(update(DisclosureRun).where(DisclosureRun.release == rid, DisclosureRun.release_hash == digest)
                  .values(current=False))
        for ind, res in results.items():
            if published and len(earlier):
                # already published: what was hidden stays hidden (hiding more is always safe), so two
                # publications of the same figures can never be combined to reveal a cell
                _keep_hidden(res, earlier[earlier["indicator"] == ind])
            stats = {k: (int(v) if isinstance(v, (int, np.integer)) else v) for k, v in res.stats.items()}
            run = DisclosureRun(release=rid, release_hash=digest, indicator=ind, actor=who,
                                rules=asdict(res.rules), stats=stats, certified=bool(res.ok), current=True)
            s.add(run)
            s.flush()
            cells = res.table.loc[res.suppressed, DIMENSIONS + ["flag_reason"]]
            s.bulk_insert_mappings(DisclosureCell, [
                {"run_id": run.id, "region": r.region, "period_from": int(r.period_from), "period_to": int(r.period_to),
                 "sex": r.sex, "age": r.age, "background": r.background, "ses": r.ses, "reason": r.flag_reason}
                for r in cells.itertuples()])
        if s.get(DisclosureRelease, (rid, digest)) is None:
            s.add(DisclosureRelease(release=rid, release_hash=digest, controlled=True))
        s.commit()
    _audit("disclosure_apply", f"release:{rid}",
           {ind: {k: v for k, v in res.stats.items() if k in ("cells", "primary", "complement", "secondary",
                                                               "series", "coverage", "certified")}
            for ind, res in results.items()})
    return results


def _keep_hidden(res: Suppression, earlier: pd.DataFrame) -> None:
    keys = [d for d in DIMENSIONS]
    left = res.table[keys].astype(str)
    right = earlier[keys + ["reason"]].astype(str)
    reason = left.merge(right, on=keys, how="left")["reason"].to_numpy()
    again = pd.notna(reason) & ~res.suppressed.to_numpy()
    res.table.loc[again, "flag"] = FLAG_SUPPRESSED
    res.table["flag_reason"] = res.table["flag_reason"].astype(object)
    res.table.loc[again, "flag_reason"] = reason[again]
    res.stats["kept_hidden"] = int(again.sum())


def version() -> tuple:
    """Changes whenever a stored suppression or a publication changes: for caches of published figures."""
    from oppvekst.disclosure.models import DisclosureRelease, DisclosureRun

    with _session() as s:
        return (s.execute(select(func.max(DisclosureRun.id))).scalar_one(),
                s.execute(select(func.max(DisclosureRelease.published_at))).scalar_one(),
                s.execute(select(func.count()).select_from(DisclosureRelease)).scalar_one())


def publish(wh: StatisticsReader, release_id: int, *, withhold_unproven: bool = False) -> list[str]:
    """Make a controlled release public; every indicator needs a stored suppression whose proof holds.

    With `withhold_unproven`, the proven indicators are published and the others stay withheld from
    everyone (as `masked` does for any indicator without a proven suppression); at least one must be
    proven. Returns the indicators withheld."""
    from oppvekst.content.audit import actor
    from oppvekst.disclosure.models import DisclosureRelease

    rid, digest = _key(wh, release_id)
    rel = wh.release(release_id)
    info = controlled_releases(wh).get(rid)
    if info is None:
        raise NotReady(f"release {rid} holds published figures already: it needs no publication step")
    missing = [i for i in rel.indicators if not info["runs"].get(i)]
    if missing and (not withhold_unproven or len(missing) == len(rel.indicators)):
        raise NotReady(f"release {rid}: no proven disclosure control for {missing}; "
                       f"run `oppvekst disclosure apply --release {rid}`")
    who = actor()
    with _session() as s:
        row = s.get(DisclosureRelease, (rid, digest))
        if row is None:
            row = DisclosureRelease(release=rid, release_hash=digest, controlled=True)
            s.add(row)
        row.published_at, row.published_by = datetime.now(UTC), who
        s.commit()
    _audit("release_publish", f"release:{rid}", {"indicators": [i for i in rel.indicators if i not in missing],
                                                  "withheld": missing, "hash": digest})
    return missing


def _pattern(keys: list[tuple[int, str]]) -> pd.DataFrame:
    """The current suppressed cells of these releases (cached until a run or publication changes)."""
    from oppvekst.disclosure.models import DisclosureCell, DisclosureRun

    with _session() as s:
        version = s.execute(select(func.max(DisclosureRun.id))).scalar_one()
        cache_key = (version, tuple(sorted(keys)))
        with _cache_lock:
            hit = _cache.get(cache_key)
        if hit is not None:
            return hit
        frames = []
        for rid, digest in keys:
            q = (select(DisclosureRun.release, DisclosureRun.indicator, DisclosureCell.region,
                        DisclosureCell.period_from, DisclosureCell.period_to, DisclosureCell.sex, DisclosureCell.age,
                        DisclosureCell.background, DisclosureCell.ses, DisclosureCell.reason)
                 .join(DisclosureRun, DisclosureRun.id == DisclosureCell.run_id)
                 .where(DisclosureRun.release == rid, DisclosureRun.release_hash == digest, DisclosureRun.current))
            frames.append(pd.DataFrame(s.execute(q).all(), columns=["release", *DIMENSIONS, "reason"]))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["release", *DIMENSIONS, "reason"])
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[cache_key] = out
    return out


def _in_municipality(regions: pd.Series, municipality: str | None) -> np.ndarray:
    if not municipality:
        return np.zeros(len(regions), dtype=bool)
    return regions.astype(str).str.startswith(municipality).to_numpy()


def masked(wh: StatisticsReader, df: pd.DataFrame, principal=None) -> pd.DataFrame:
    """What `principal` (default: the public) may see of a frame read from the warehouse.

    Rows of controlled releases are suppressed by the stored pattern; rows of a release not yet
    published are shown only to an administrator or a researcher (checked, suppressed aggregates),
    or to an analyst for their own municipality (and its districts and zones); rows of an indicator
    with no proven stored suppression are withheld from everyone (fail closed). Rows of other
    releases pass unchanged.
    """
    from oppvekst.roles import Role

    if df.empty or "release" not in df.columns:
        return df
    controlled = controlled_releases(wh)
    rel = df["release"].astype("int64")
    if not rel.isin(list(controlled)).any():
        return df
    role = getattr(principal, "role", Role.PUBLIC)
    own = _in_municipality(df["region"], getattr(principal, "municipality", None))
    keep = np.ones(len(df), dtype=bool)
    for rid, info in controlled.items():
        rows = (rel == rid).to_numpy()
        if not rows.any():
            continue
        visible = df.loc[rows, "indicator"].map(lambda i, info=info: info["runs"].get(i, False)).to_numpy(dtype=bool).copy()
        if info["published_at"] is None:
            visible &= (role in (Role.ADMINISTRATOR, Role.RESEARCHER)) | ((role == Role.ANALYST) & own[rows])
        keep[np.flatnonzero(rows)] = visible
    out = df[keep].copy()
    ids = sorted({int(r) for r in out["release"].unique()} & set(controlled))
    if not ids:
        return out
    hashes = wh.release_hashes()
    pattern = _pattern([(rid, hashes[rid].content_hash) for rid in ids])
    if pattern.empty:
        return out
    keys = ["release", "indicator", *[d for d in DIMENSIONS if d != "indicator"]]
    left = out[keys].copy()
    right = pattern[keys + ["reason"]].copy()
    for frame in (left, right):
        for col in keys:
            frame[col] = frame[col].astype("int64") if col in ("release", "period_from", "period_to") \
                else frame[col].astype(str)
    reason = left.merge(right, on=keys, how="left")["reason"].to_numpy()
    sup = pd.notna(reason)
    out.loc[sup, BLANKED] = np.nan
    out.loc[sup, "flag"] = FLAG_SUPPRESSED
    out["flag_reason"] = out["flag_reason"].astype(object)
    out.loc[sup, "flag_reason"] = reason[sup]
    return out


class PublishedView:
    """The warehouse through disclosure control: what may leave the system.

    Every observation read through it has passed `masked()` for `principal` (default: the public), so
    releases not yet published are left out and suppressed cells carry no figures; the public does not
    see that an unpublished release exists. The web pages, the API, PDFs and the command-line exports
    read through it (opened by `oppvekst.disclosure.door`); shared caches therefore never hold anything
    the public may not see. There is no raw SQL through it, and nothing is written through it.
    """

    def __init__(self, wh: Warehouse, principal=None, *, owns: bool = False):
        self._wh, self._principal, self._owns = wh, principal, owns
        self.path = wh.path

    def observations(self, **filters) -> pd.DataFrame:
        return masked(self._wh, self._wh.observations(**filters), self._principal)

    def release_observations(self, release_id: int) -> pd.DataFrame:
        self.release(release_id)                 # KeyError for a release this principal may not know of
        return masked(self._wh, self._wh.release_observations(release_id), self._principal)

    def _hidden(self) -> set[int]:
        """Releases the public may not know of: controlled and not published (others see them, masked)."""
        if str(getattr(self._principal, "role", "public")) != "public":
            return set()
        return {rid for rid, info in controlled_releases(self._wh).items() if info["published_at"] is None}

    def releases(self) -> list[Release]:
        hidden = self._hidden()
        return [r for r in self._wh.releases() if r.id not in hidden]

    def release(self, release_id: int) -> Release:
        if release_id in self._hidden():
            raise KeyError(f"no release {release_id}")
        return self._wh.release(release_id)

    def release_hashes(self) -> dict[int, ReleaseKey]:
        return self._wh.release_hashes()

    def diff(self, old: int, new: int) -> dict:
        """The raw comparison, for releases that need no control only: its national sums are unmasked."""
        controlled = controlled_releases(self._wh)
        for rid in (old, new):
            self.release(rid)
            if rid in controlled:
                raise PermissionError(f"release {rid} is under disclosure control: its figures are compared "
                                      "through `oppvekst disclosure status`, not a raw diff")
        return self._wh.diff(old, new)

    def region_names(self) -> dict[str, str]:
        return self._wh.region_names()

    def region_name(self, code: str) -> str | None:
        return self._wh.region_name(code)

    def has_regions(self) -> bool:
        return self._wh.has_regions()

    def load_release(self, *args, **kwargs):
        raise PermissionError("this view of the warehouse is read-only")

    def close(self) -> None:
        """Close the warehouse if this view opened it (the web's per-request cursor is closed by its owner)."""
        if self._owns:
            self._wh.close()

    def __enter__(self) -> PublishedView:  # noqa: PYI034 (not subclassed)
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def status(wh: StatisticsReader) -> list[dict]:
    """Every controlled release: publication and the proof per indicator."""
    return [{"release": rid, "published_at": info["published_at"], "published_by": info["published_by"],
             "indicators": info["runs"]} for rid, info in sorted(controlled_releases(wh).items())]


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()


__all__ = ["NotReady", "apply", "controlled_releases", "forget_cache", "mark_controlled", "masked",
           "needs_control", "publish", "rules_for", "status"]
