"""Trials: plans with their registration and amendments (tables tr_*).

Revision ID: tr0001
Revises: c0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "tr0001"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tr_trial",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("template", sa.String(80)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("registered_plan", sa.JSON()),
        sa.Column("registered_at", sa.String(40)),
        sa.Column("registered_hash", sa.String(64)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'registered', 'running', 'finished', 'reported')",
                           name="ck_tr_trial_status"),
    )
    op.create_table(
        "tr_amendment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trial_id", sa.Integer(), sa.ForeignKey("tr_trial.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_tr_amendment_trial_id", "tr_amendment", ["trial_id"])


def downgrade() -> None:
    op.drop_table("tr_amendment")
    op.drop_table("tr_trial")
