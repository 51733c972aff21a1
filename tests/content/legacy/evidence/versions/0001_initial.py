"""Evidence store: outcomes, measures, studies, effects, local examples, audit, full-text index.

Revision ID: ev0001
Revises:
Create Date: 2025-06-01
"""

import sqlalchemy as sa
from alembic import op

revision = "ev0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ev_outcome",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name_nb", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
    )
    op.create_table(
        "ev_outcome_indicator",
        sa.Column("outcome_id", sa.String(64), sa.ForeignKey("ev_outcome.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("indicator_id", sa.String(100), primary_key=True),
    )
    op.create_index("ix_ev_outcome_indicator_indicator_id", "ev_outcome_indicator", ["indicator_id"])
    op.create_table(
        "ev_measure",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(300)),
        sa.Column("provider", sa.String(300)),
        sa.Column("target_group", sa.Text()),
        sa.Column("age_min", sa.Integer()),
        sa.Column("age_max", sa.Integer()),
        sa.Column("risk_groups", sa.JSON(), nullable=False),
        sa.Column("delivery_duration", sa.Text()),
        sa.Column("delivery_intensity", sa.Text()),
        sa.Column("implementation", sa.Text()),
        sa.Column("rationale", sa.Text()),
        sa.Column("cost_per_participant_nok", sa.Float()),
        sa.Column("cost_source", sa.Text()),
        sa.Column("cost_year", sa.Integer()),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("status_note", sa.Text()),
        sa.Column("effect_note", sa.Text()),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("level_override", sa.Integer()),
        sa.Column("level_override_reason", sa.Text()),
        sa.Column("level_override_by", sa.String(200)),
        sa.Column("level_override_at", TS),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(200)),
    )
    for table, column, width in (("ev_measure_arena", "arena", 40), ("ev_measure_prevention", "level", 20)):
        op.create_table(
            table,
            sa.Column("measure_id", sa.String(80), sa.ForeignKey("ev_measure.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column(column, sa.String(width), primary_key=True),
        )
        op.create_index(f"ix_{table}_{column}", table, [column])
    op.create_table(
        "ev_measure_outcome",
        sa.Column("measure_id", sa.String(80), sa.ForeignKey("ev_measure.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("outcome_id", sa.String(64), sa.ForeignKey("ev_outcome.id"), primary_key=True),
    )
    op.create_index("ix_ev_measure_outcome_outcome_id", "ev_measure_outcome", ["outcome_id"])
    op.create_table(
        "ev_study",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("measure_id", sa.String(80), sa.ForeignKey("ev_measure.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.Column("country", sa.String(2)),
        sa.Column("design", sa.String(40), nullable=False),
        sa.Column("design_note", sa.Text()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sample_size", sa.Integer()),
        sa.Column("sample_description", sa.Text()),
        sa.Column("follow_up_months", sa.Float()),
        sa.Column("independent_evaluator", sa.Boolean()),
        sa.Column("risk_of_bias", sa.String(20)),
        sa.Column("risk_of_bias_notes", sa.Text()),
        sa.Column("reported_finding", sa.Text()),
        sa.Column("finding_direction", sa.String(20), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(400), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("measure_id", "dedup_key", name="uq_ev_study_dedup"),
    )
    op.create_index("ix_ev_study_measure_id", "ev_study", ["measure_id"])
    op.create_table(
        "ev_effect",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("study_id", sa.Integer(), sa.ForeignKey("ev_study.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("outcome_id", sa.String(64), sa.ForeignKey("ev_outcome.id"), nullable=False),
        sa.Column("measure_type", sa.String(10), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=False),
        sa.Column("ci_low", sa.Float()),
        sa.Column("ci_high", sa.Float()),
        sa.Column("variance", sa.Float()),
        sa.Column("yi", sa.Float(), nullable=False),
        sa.Column("vi", sa.Float(), nullable=False),
        sa.Column("n_treatment", sa.Integer()),
        sa.Column("n_control", sa.Integer()),
        sa.Column("timepoint", sa.String(80), nullable=False),
        sa.Column("beneficial_direction", sa.String(10)),
        sa.Column("notes", sa.Text()),
        sa.Column("source", sa.Text()),
        sa.UniqueConstraint("study_id", "outcome_id", "measure_type", "timepoint", name="uq_ev_effect"),
    )
    op.create_index("ix_ev_effect_study_id", "ev_effect", ["study_id"])
    op.create_index("ix_ev_effect_outcome_id", "ev_effect", ["outcome_id"])
    op.create_table(
        "ev_local_example",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("municipality", sa.String(200), nullable=False),
        sa.Column("municipality_code", sa.String(4)),
        sa.Column("description", sa.Text()),
        sa.Column("target_group", sa.Text()),
        sa.Column("arenas", sa.JSON(), nullable=False),
        sa.Column("cost_nok", sa.Float()),
        sa.Column("cost_note", sa.Text()),
        sa.Column("measured", sa.Text()),
        sa.Column("results", sa.Text()),
        sa.Column("contact", sa.Text()),
        sa.Column("started_year", sa.Integer()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("measure_id", sa.String(80), sa.ForeignKey("ev_measure.id", ondelete="SET NULL")),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(400), nullable=False, unique=True),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "ev_meta",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "ev_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    # Full-text index of measures and local examples, maintained by search.index():
    # SQLite FTS5, or PostgreSQL text search with the Norwegian configuration.
    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "ev_search",
            sa.Column("kind", sa.String(20), primary_key=True),
            sa.Column("ref", sa.String(80), primary_key=True),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
        )
        op.execute("ALTER TABLE ev_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                   "setweight(to_tsvector('norwegian', name), 'A') || "
                   "setweight(to_tsvector('norwegian', body), 'B')) STORED")
        op.execute("CREATE INDEX ix_ev_search_tsv ON ev_search USING gin (tsv)")
    else:
        op.execute("CREATE VIRTUAL TABLE ev_search USING fts5("
                   "kind UNINDEXED, ref UNINDEXED, name, body, tokenize='unicode61 remove_diacritics 2')")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ev_search")
    for table in ("ev_audit", "ev_meta", "ev_local_example", "ev_effect", "ev_study",
                  "ev_measure_outcome", "ev_measure_prevention", "ev_measure_arena", "ev_measure",
                  "ev_outcome_indicator", "ev_outcome"):
        op.drop_table(table)
