"""Mission: frozen baselines and learning logs (tables ms_*).

Revision ID: ms0001
Revises: ec0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "ms0001"
down_revision = "ec0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ms_baseline",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.String(40), nullable=False),
        sa.Column("frozen_by", sa.String(120), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("releases", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("superseded_by", sa.Integer(), sa.ForeignKey("ms_baseline.id")),
    )
    op.create_index("ix_ms_baseline_year", "ms_baseline", ["year"])
    op.create_table(
        "ms_learning",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative", sa.String(80), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("tried", sa.Text(), nullable=False),
        sa.Column("learned", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("participants", sa.Text()),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_ms_learning_initiative", "ms_learning", ["initiative"])


def downgrade() -> None:
    op.drop_table("ms_learning")
    op.drop_table("ms_baseline")
