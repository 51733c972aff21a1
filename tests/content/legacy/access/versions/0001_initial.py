"""Access: users, API tokens, the append-only audit log, register corrections and tombstones;
disclosure control's stored suppression and publication of controlled releases (dc_*).

Revision ID: acc0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "acc0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "acc_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("municipality", sa.String(8)),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('analyst', 'researcher', 'administrator')", name="ck_acc_user_role"),
    )
    op.create_table(
        "acc_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("acc_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("last_used_at", TS),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "acc_audit",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_acc_audit_action", "acc_audit", ["action"])
    op.create_table(
        "acc_register_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(100), nullable=False),
        sa.Column("register", sa.String(60), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_acc_register_correction_pseudonym", "acc_register_correction", ["pseudonym"])
    op.create_table(
        "acc_register_tombstone",
        sa.Column("pseudonym", sa.String(100), primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("rows_removed", sa.JSON(), nullable=False),
    )
    op.create_table(
        "dc_release",
        sa.Column("release", sa.Integer(), primary_key=True),
        sa.Column("release_hash", sa.String(64), primary_key=True),
        sa.Column("controlled", sa.Boolean(), nullable=False),
        sa.Column("published_at", TS),
        sa.Column("published_by", sa.String(120)),
    )
    op.create_table(
        "dc_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release", sa.Integer(), nullable=False),
        sa.Column("release_hash", sa.String(64), nullable=False),
        sa.Column("indicator", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_dc_run_release", "dc_run", ["release", "release_hash"])
    op.create_table(
        "dc_cell",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("dc_run.id", ondelete="CASCADE"), nullable=False),
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("period_from", sa.Integer(), nullable=False),
        sa.Column("period_to", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(20), nullable=False),
        sa.Column("age", sa.String(20), nullable=False),
        sa.Column("background", sa.String(60), nullable=False),
        sa.Column("ses", sa.String(60), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
    )
    op.create_index("ix_dc_cell_run", "dc_cell", ["run_id"])
    # the audit log is append-only in the database itself, not only in the code
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER acc_audit_no_{verb.lower()} BEFORE {verb} ON acc_audit "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    elif dialect == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION acc_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$")
        op.execute("CREATE TRIGGER acc_audit_no_change BEFORE UPDATE OR DELETE ON acc_audit "
                   "FOR EACH ROW EXECUTE FUNCTION acc_audit_append_only()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS acc_audit_no_change ON acc_audit")
        op.execute("DROP FUNCTION IF EXISTS acc_audit_append_only()")
    for table in ("dc_cell", "dc_run", "dc_release", "acc_register_tombstone", "acc_register_correction",
                  "acc_audit", "acc_token", "acc_user"):
        op.drop_table(table)
