"""ASSS self-reports and the municipal deflator (tables asss_*), as `create_all` made them before.

The previous version created these two tables with `metadata.create_all` when the ASSS module first
opened the database, without a version. A database that has them already keeps them (and their rows):
only a missing table is created.

Revision ID: asss0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "asss0001"
down_revision = None
branch_labels = ("asss",)
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "asss_reports" not in existing:
        op.create_table(
            "asss_reports",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("municipality", sa.String(4), nullable=False),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("submitted_at", sa.DateTime(), nullable=False),
            sa.Column("channel", sa.String(8), nullable=False),
            sa.Column("reported_by", sa.String(200), nullable=False),
            sa.Column("comment", sa.Text()),
            sa.Column("plan_adopted", sa.Boolean(), nullable=False),
            sa.Column("plan_in_master_plan", sa.Boolean(), nullable=False),
            sa.Column("formal_cooperation", sa.Boolean(), nullable=False),
            sa.Column("services_in_cooperation", sa.Integer()),
            sa.Column("cooperation_cost_nok", sa.Float()),
            sa.Column("cooperation_fte", sa.Float()),
            sa.Column("external_cooperation", sa.Boolean(), nullable=False),
            sa.Column("parent_support_universal", sa.Boolean(), nullable=False),
            sa.Column("parent_support_selective", sa.Boolean(), nullable=False),
            sa.Column("parent_support_indicative", sa.Boolean(), nullable=False),
            sa.Column("families_helped", sa.Integer()),
            sa.Column("families_with_children", sa.Integer()),
            sa.Column("families_source", sa.String(300)),
            sa.UniqueConstraint("municipality", "year", "version", name="uq_asss_report_version"),
        )
        op.create_index("ix_asss_reports_municipality", "asss_reports", ["municipality"])
        op.create_index("ix_asss_reports_year", "asss_reports", ["year"])
    if "asss_deflators" not in existing:
        op.create_table(
            "asss_deflators",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("year", sa.Integer(), nullable=False),
            sa.Column("index_value", sa.Float(), nullable=False),
            sa.Column("source", sa.String(300), nullable=False),
            sa.Column("entered_at", sa.DateTime(), nullable=False),
        )
        op.create_index("ix_asss_deflators_year", "asss_deflators", ["year"])


def downgrade() -> None:
    op.drop_table("asss_deflators")
    op.drop_table("asss_reports")
