"""The audit log: append-only and hash-chained, so that an edited, removed or inserted entry shows.

Every entry's hash is SHA-256 over its own fields and the previous entry's hash; `verify()` walks the
chain. The database refuses UPDATE and DELETE on the table (triggers, see the migration). Someone who
can drop those triggers could rewrite the whole chain consistently, so `verify()` also returns the
head (last sequence number and hash): record it outside the system (a signed note, another server)
and pass it back as `expect_head` to prove that nothing before it has changed since.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from oppvekst.access import db
from oppvekst.access.models import AuditEntry

GENESIS = "0" * 64
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


def record(action: str, target: str = "", detail: dict | None = None, *, who: str | None = None,
           db_url: str | None = None) -> AuditEntry:
    """Append one entry. Two writers racing for the same sequence number: one retries."""
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    who = who or actor()
    for _attempt in range(20):
        with db.session(db_url) as s:
            last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
            seq = last.seq + 1 if last else 1
            prev = last.hash if last else GENESIS
            at = datetime.now(UTC).isoformat(timespec="microseconds")
            entry = AuditEntry(seq=seq, at=at, actor=who[:120], action=action, target=str(target)[:300],
                               detail=detail, prev_hash=prev,
                               hash=digest(prev, seq, at, who[:120], action, str(target)[:300], detail))
            s.add(entry)
            try:
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
    prev, expected_seq, count = GENESIS, 1, 0
    head_seq, head_hash = 0, GENESIS
    seen_expected = expect_head is None
    with db.session(db_url) as s:
        for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            count += 1
            if e.seq != expected_seq:
                return Verification(False, count, head_seq, head_hash, e.seq,
                                    f"entry {expected_seq} is missing (next is {e.seq})")
            if e.prev_hash != prev:
                return Verification(False, count, head_seq, head_hash, e.seq, "link to the previous entry broken")
            if digest(e.prev_hash, e.seq, e.at, e.actor, e.action, e.target, e.detail) != e.hash:
                return Verification(False, count, head_seq, head_hash, e.seq, "entry changed after it was written")
            prev, expected_seq = e.hash, e.seq + 1
            head_seq, head_hash = e.seq, e.hash
            if expect_head and e.hash == expect_head:
                seen_expected = True
    if not seen_expected:
        return Verification(False, count, head_seq, head_hash, None,
                            "the recorded head is not in the chain (rewritten or truncated)")
    return Verification(True, count, head_seq, head_hash)


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
