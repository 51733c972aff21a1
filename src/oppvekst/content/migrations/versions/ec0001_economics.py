"""Economics: saved scenarios (table ec_scenario).

Revision ID: ec0001
Revises: tr0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "ec0001"
down_revision = "tr0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_scenario",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("scenario", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ec_scenario")
