"""SQLAlchemy models of the evidence base (felles kunnskapsbase). Tables are prefixed `ev_` because
the content database is shared with other capabilities. The schema is created by the content
database's one migration tree (content/migrations), never from the models themselves, so SQLite and
PostgreSQL stay in step. Edits are audited in the one hash-chained log (content/audit.py).

Codes (arenas, designs, effect measures ...) are checked against vocab.py by store.py before a
record is written; the database keeps them as short strings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oppvekst.content.models import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Outcome(Base):
    """An outcome a measure targets and a study measures; linked to indicator ids of the catalogue."""

    __tablename__ = "ev_outcome"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_nb: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    indicators: Mapped[list[OutcomeIndicator]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="OutcomeIndicator.indicator_id")


class OutcomeIndicator(Base):
    """Outcome → indicator id in the indicator catalogue (free text here, validated by the catalogue)."""

    __tablename__ = "ev_outcome_indicator"
    outcome_id: Mapped[str] = mapped_column(ForeignKey("ev_outcome.id", ondelete="CASCADE"),
                                            primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    outcome: Mapped[Outcome] = relationship(back_populates="indicators")


class Measure(Base):
    """A measure (tiltak): programme, service model, trial, scheme."""

    __tablename__ = "ev_measure"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(300))
    provider: Mapped[str | None] = mapped_column(String(300))
    target_group: Mapped[str | None] = mapped_column(Text)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    risk_groups: Mapped[list] = mapped_column(JSON, default=list)
    delivery_duration: Mapped[str | None] = mapped_column(Text)
    delivery_intensity: Mapped[str | None] = mapped_column(Text)
    implementation: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str | None] = mapped_column(Text)
    cost_per_participant_nok: Mapped[float | None] = mapped_column(Float)
    cost_source: Mapped[str | None] = mapped_column(Text)
    cost_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    status_note: Mapped[str | None] = mapped_column(Text)
    effect_note: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    level_override: Mapped[int | None] = mapped_column(Integer)
    level_override_reason: Mapped[str | None] = mapped_column(Text)
    level_override_by: Mapped[str | None] = mapped_column(String(200))
    level_override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    origin: Mapped[str] = mapped_column(String(20), default="editor")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))

    arenas: Mapped[list[MeasureArena]] = relationship(cascade="all, delete-orphan",
                                                      order_by="MeasureArena.arena")
    prevention: Mapped[list[MeasurePrevention]] = relationship(cascade="all, delete-orphan",
                                                               order_by="MeasurePrevention.level")
    outcomes: Mapped[list[MeasureOutcome]] = relationship(cascade="all, delete-orphan",
                                                          order_by="MeasureOutcome.outcome_id")
    studies: Mapped[list[Study]] = relationship(back_populates="measure", cascade="all, delete-orphan",
                                                order_by="Study.id")


class MeasureArena(Base):
    __tablename__ = "ev_measure_arena"
    measure_id: Mapped[str] = mapped_column(ForeignKey("ev_measure.id", ondelete="CASCADE"),
                                            primary_key=True)
    arena: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class MeasurePrevention(Base):
    __tablename__ = "ev_measure_prevention"
    measure_id: Mapped[str] = mapped_column(ForeignKey("ev_measure.id", ondelete="CASCADE"),
                                            primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class MeasureOutcome(Base):
    __tablename__ = "ev_measure_outcome"
    measure_id: Mapped[str] = mapped_column(ForeignKey("ev_measure.id", ondelete="CASCADE"),
                                            primary_key=True)
    outcome_id: Mapped[str] = mapped_column(ForeignKey("ev_outcome.id"), primary_key=True, index=True)


class Study(Base):
    """A study (evaluation) of a measure. `dedup_key` (normalised citation + year) refuses duplicates."""

    __tablename__ = "ev_study"
    __table_args__ = (UniqueConstraint("measure_id", "dedup_key", name="uq_ev_study_dedup"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("ev_measure.id", ondelete="CASCADE"), index=True)
    citation: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    design: Mapped[str] = mapped_column(String(40))
    design_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="completed")
    sample_size: Mapped[int | None] = mapped_column(Integer)
    sample_description: Mapped[str | None] = mapped_column(Text)
    follow_up_months: Mapped[float | None] = mapped_column(Float)
    independent_evaluator: Mapped[bool | None] = mapped_column(Boolean)
    risk_of_bias: Mapped[str | None] = mapped_column(String(20))
    risk_of_bias_notes: Mapped[str | None] = mapped_column(Text)
    reported_finding: Mapped[str | None] = mapped_column(Text)
    finding_direction: Mapped[str] = mapped_column(String(20), default="not_reported")
    sources: Mapped[list] = mapped_column(JSON, default=list)
    dedup_key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="studies")
    effects: Mapped[list[Effect]] = relationship(back_populates="study", cascade="all, delete-orphan",
                                                 order_by="Effect.id")


class Effect(Base):
    """One result of a study on one outcome: an effect size with its uncertainty.

    `estimate`, `ci_low`, `ci_high` are on the reported scale (OR, not ln OR); `yi`, `vi` are the
    analysis-scale value and sampling variance computed from them (see effects.py)."""

    __tablename__ = "ev_effect"
    __table_args__ = (UniqueConstraint("study_id", "outcome_id", "measure_type", "timepoint",
                                       name="uq_ev_effect"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("ev_study.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[str] = mapped_column(ForeignKey("ev_outcome.id"), index=True)
    measure_type: Mapped[str] = mapped_column(String(10))
    estimate: Mapped[float] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    variance: Mapped[float | None] = mapped_column(Float)
    yi: Mapped[float] = mapped_column(Float)
    vi: Mapped[float] = mapped_column(Float)
    n_treatment: Mapped[int | None] = mapped_column(Integer)
    n_control: Mapped[int | None] = mapped_column(Integer)
    timepoint: Mapped[str] = mapped_column(String(80), default="")
    beneficial_direction: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    study: Mapped[Study] = relationship(back_populates="effects")


class LocalExample(Base):
    """A municipality's own initiative (Inspirasjonsbanken), kept apart from evaluated measures.
    `measure_id` is set when an evaluation arrives and the example is upgraded to a measure."""

    __tablename__ = "ev_local_example"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    municipality: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    description: Mapped[str | None] = mapped_column(Text)
    target_group: Mapped[str | None] = mapped_column(Text)
    arenas: Mapped[list] = mapped_column(JSON, default=list)
    cost_nok: Mapped[float | None] = mapped_column(Float)
    cost_note: Mapped[str | None] = mapped_column(Text)
    measured: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    started_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="aktiv")
    measure_id: Mapped[str | None] = mapped_column(ForeignKey("ev_measure.id", ondelete="SET NULL"))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    origin: Mapped[str] = mapped_column(String(20), default="editor")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class MetaValue(Base):
    """Small key/value facts about the store (the seed version loaded)."""

    __tablename__ = "ev_meta"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
