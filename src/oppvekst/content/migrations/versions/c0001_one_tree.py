"""One tree: merge the access, evidence and ASSS branches; move ev_audit into the one audit chain.

Each row of the evidence store's own log (ev_audit, oldest first) becomes an entry of the hash-chained
log (acc_audit) after the entries already there, with its original time and actor; its entity, id and
the table row it came from are kept in the entry (action `evidence_<action>`, target `<entity>:<id>`,
as the store writes them from now on). Then ev_audit is dropped: there is one log.

Revision ID: c0001
Revises: acc0001, ev0001, asss0001
Create Date: 2026-12-01
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from oppvekst.content import audit

revision = "c0001"
down_revision = ("acc0001", "ev0001", "asss0001")
branch_labels = None
depends_on = None

EV_AUDIT = sa.table("ev_audit", sa.column("id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
                    sa.column("actor", sa.String()), sa.column("action", sa.String()),
                    sa.column("entity", sa.String()), sa.column("entity_id", sa.String()),
                    sa.column("detail", sa.JSON()))
ACC_AUDIT = sa.table("acc_audit", sa.column("seq", sa.Integer()), sa.column("at", sa.String()),
                     sa.column("actor", sa.String()), sa.column("action", sa.String()),
                     sa.column("target", sa.String()), sa.column("detail", sa.JSON()),
                     sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))


def _iso(at) -> str:
    if at.tzinfo is None:          # SQLite keeps no zone; the store wrote UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def upgrade() -> None:
    conn = op.get_bind()
    last = conn.execute(sa.select(ACC_AUDIT.c.seq, ACC_AUDIT.c.hash).order_by(ACC_AUDIT.c.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, audit.GENESIS)
    moved_at = audit.now()
    rows = []
    for r in conn.execute(sa.select(EV_AUDIT).order_by(EV_AUDIT.c.id)):
        seq += 1
        at, who = _iso(r.at), str(r.actor)[:120]
        action, target = f"evidence_{r.action}"[:60], f"{r.entity}:{r.entity_id}"[:300]
        detail = audit.plain({**(r.detail or {}), "moved_from": {"table": "ev_audit", "id": r.id, "at": moved_at}})
        digest = audit.digest(prev, seq, at, who, action, target, detail)
        rows.append({"seq": seq, "at": at, "actor": who, "action": action, "target": target, "detail": detail,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        op.bulk_insert(ACC_AUDIT, rows)
    op.drop_table("ev_audit")


def downgrade() -> None:
    # the moved entries stay in the chain (it is append-only); evidence gets an empty log of its own back
    op.create_table(
        "ev_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
