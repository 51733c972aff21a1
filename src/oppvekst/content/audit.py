"""The audit log: append-only and hash-chained, so that an edited, removed or inserted entry shows.

Every capability writes here: accounts and logins, disclosure and publication, register rights,
evidence edits, ASSS reports, releases loaded. Every entry's hash is SHA-256 over its own fields and the
previous entry's hash; `verify()` walks the chain. The database refuses UPDATE and DELETE on the table
(triggers, see the migration). Someone who can drop those triggers could rewrite the whole chain
consistently, so `verify()` also returns the head (last sequence number and hash): record it outside
the system (a signed note, another server) and pass it back as `expect_head` to prove that nothing
before it has changed since.

`record()` appends in a transaction of its own; `append(session, ...)` appends inside the caller's
transaction, so that an edit and its entry are written together or not at all.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oppvekst.content import db
from oppvekst.content.models import AuditEntry

GENESIS = "0" * 64
# any constant: PostgreSQL serialises the appends of concurrent transactions on this advisory lock
_PG_LOCK = 0x6F7076_61756474
# who is acting: set by the web layer per request and by the CLI; the default names the OS user
current_actor: ContextVar[str | None] = ContextVar("oppvekst_actor", default=None)


def actor() -> str:
    who = current_actor.get()
    if who:
        return who
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


def digest(prev_hash: str, seq: int, at: str, actor_: str, action: str, target: str, detail: dict) -> str:
    payload = json.dumps({"prev": prev_hash, "seq": seq, "at": at, "actor": actor_, "action": action,
                          "target": target, "detail": detail}, sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def plain(detail: dict | None) -> dict:
    """The detail as it reads back from the JSON column (what is hashed must be what is stored)."""
    return json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))


def append(s: Session, action: str, target: str = "", detail: dict | None = None, *, who: str | None = None,
           at: str | None = None) -> AuditEntry:
    """Add one entry inside the session's transaction (flushed, not committed).

    On PostgreSQL an advisory lock held to the end of the transaction keeps concurrent writers in
    line; on SQLite the writer's lock on the database does the same once the transaction has written."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    detail = plain(detail)
    who = (who or actor())[:120]
    target = str(target)[:300]
    last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    seq = last.seq + 1 if last else 1
    prev = last.hash if last else GENESIS
    at = at or now()
    entry = AuditEntry(seq=seq, at=at, actor=who, action=action, target=target, detail=detail, prev_hash=prev,
                       hash=digest(prev, seq, at, who, action, target, detail))
    s.add(entry)
    s.flush()
    return entry


def record(action: str, target: str = "", detail: dict | None = None, *, who: str | None = None,
           db_url: str | None = None) -> AuditEntry:
    """Append one entry in its own transaction. Two SQLite writers racing for a sequence number: one retries."""
    for _attempt in range(20):
        with db.session(db_url) as s:
            try:
                entry = append(s, action, target, detail, who=who)
                s.commit()
                return entry
            except IntegrityError:
                s.rollback()
    raise RuntimeError("could not append to the audit log (too many concurrent writers)")


@dataclass
class Verification:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad: int | None = None
    problem: str | None = None


def verify(*, expect_head: str | None = None, db_url: str | None = None) -> Verification:
    """Walk the chain from the start; the first entry that does not fit is reported."""
    prev, expected_seq, count_ = GENESIS, 1, 0
    head_seq, head_hash = 0, GENESIS
    seen_expected = expect_head is None
    with db.session(db_url) as s:
        for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            count_ += 1
            if e.seq != expected_seq:
                return Verification(False, count_, head_seq, head_hash, e.seq,
                                    f"entry {expected_seq} is missing (next is {e.seq})")
            if e.prev_hash != prev:
                return Verification(False, count_, head_seq, head_hash, e.seq, "link to the previous entry broken")
            if digest(e.prev_hash, e.seq, e.at, e.actor, e.action, e.target, e.detail) != e.hash:
                return Verification(False, count_, head_seq, head_hash, e.seq, "entry changed after it was written")
            prev, expected_seq = e.hash, e.seq + 1
            head_seq, head_hash = e.seq, e.hash
            if expect_head and e.hash == expect_head:
                seen_expected = True
    if not seen_expected:
        return Verification(False, count_, head_seq, head_hash, None,
                            "the recorded head is not in the chain (rewritten or truncated)")
    return Verification(True, count_, head_seq, head_hash)


def entries(*, action: str | None = None, actor_: str | None = None, target: str | None = None,
            limit: int = 200, db_url: str | None = None) -> list[dict]:
    with db.session(db_url) as s:
        q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if action:
            q = q.where(AuditEntry.action == action)
        if actor_:
            q = q.where(AuditEntry.actor == actor_)
        if target:
            q = q.where(AuditEntry.target == target)
        return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target,
                 "detail": e.detail, "hash": e.hash} for e in s.execute(q).scalars()]


def count(db_url: str | None = None) -> int:
    with db.session(db_url) as s:
        return int(s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def _on_release(event: str, release) -> None:
    record(event, f"release:{release.id}",
           {"source": release.source, "indicators": list(release.indicators), "rows": release.n_rows,
            "synthetic": bool(release.synthetic), "status": release.status})


def install_warehouse_audit() -> None:
    """Audit every release loaded and rolled back in this process (idempotent). The warehouse only
    calls its listeners; it knows nothing of the log (the import is lazy for the same reason)."""
    from oppvekst.warehouse import store

    if _on_release not in store.listeners:
        store.listeners.append(_on_release)
