"""The evidence store: writes (validated, all or nothing, audited) and read views as plain dicts.

The web layer and the CLI are thin wrappers over `EvidenceStore`. Every write runs in one
transaction: if any record of a call is refused, nothing of that call is written, and its entries in
the audit chain (content/audit.py) are written in the same transaction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from oppvekst.content import audit, db
from oppvekst.errors import InputError
from oppvekst.evidence import rubric, search
from oppvekst.evidence import validate as v
from oppvekst.evidence.effects import z_crit
from oppvekst.evidence.meta import MetaResult, meta_analysis
from oppvekst.evidence.models import (
    Effect,
    LocalExample,
    Measure,
    MeasureArena,
    MeasureOutcome,
    MeasurePrevention,
    MetaValue,
    Outcome,
    OutcomeIndicator,
    Study,
    utcnow,
)
from oppvekst.evidence.vocab import (
    ARENAS,
    DESIGNS,
    EFFECT_MEASURES,
    FINDINGS,
    MEASURE_KINDS,
    MEASURE_STATUSES,
    PREVENTION_LEVELS,
    RATIO_MEASURES,
    RISK_OF_BIAS,
    STUDY_STATUSES,
    label,
)

NO_EFFECT_NOTE = ("Ingen effektstørrelse er registrert: kildene oppgir ingen. / "
                  "No effect size is recorded: the sources give none.")
POOL_METHOD = "reml"  # pooled effects on measure pages: REML, Hartung–Knapp when k ≥ 2


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _measure_query():
    return select(Measure).options(
        selectinload(Measure.arenas), selectinload(Measure.prevention), selectinload(Measure.outcomes),
        selectinload(Measure.studies).selectinload(Study.effects))


class EvidenceStore:
    def __init__(self, db_url: str | None = None):
        self.url = db.url(db_url)
        self._sessions = db.sessions(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # --- writes ---------------------------------------------------------------------------------

    def add_outcome(self, data: dict, actor: str = "system", where: v.Where | None = None) -> str:
        with self.session() as s:
            return self._add_outcome(s, data, actor, where or v.Where(f"utfall {data.get('id')!r}"))

    def _add_outcome(self, s: Session, data: dict, actor: str, where: v.Where) -> str:
        clean = v.outcome(data, where)
        if s.get(Outcome, clean["id"]) is not None:
            raise where.error(f"utfallet {clean['id']!r} finnes allerede / outcome already exists", "id")
        indicators = clean.pop("indicators")
        row = Outcome(**clean)
        row.indicators = [OutcomeIndicator(indicator_id=i) for i in sorted(set(indicators))]
        s.add(row)
        s.flush()
        self._audit(s, actor, "create", "outcome", row.id, {"indicators": indicators})
        return row.id

    def link_indicator(self, outcome_id: str, indicator_id: str, actor: str = "system") -> None:
        where = v.Where(f"utfall {outcome_id!r}")
        with self.session() as s:
            row = s.get(Outcome, outcome_id)
            if row is None:
                raise where.error("ukjent utfall / unknown outcome", "outcome")
            iid = v._indicator_id(where, indicator_id)
            if iid not in {i.indicator_id for i in row.indicators}:
                row.indicators.append(OutcomeIndicator(indicator_id=iid))
                self._audit(s, actor, "link", "outcome", outcome_id, {"indicator": iid})

    def add_measure(self, data: dict, actor: str = "system", origin: str = "editor",
                    where: v.Where | None = None) -> str:
        """Create a measure, with any nested `studies` (each with nested `effects`)."""
        with self.session() as s:
            return self._add_measure(s, data, actor, origin, where or v.Where(f"tiltak {data.get('id')!r}"))

    def _add_measure(self, s: Session, data: dict, actor: str, origin: str, where: v.Where) -> str:
        outcome_ids = self._outcome_ids(s)
        clean = v.measure(data, where, outcome_ids)
        if s.get(Measure, clean["id"]) is not None:
            raise where.error(f"tiltaket {clean['id']!r} finnes allerede / measure already exists", "id")
        arenas, prevention, outcomes = clean.pop("arenas"), clean.pop("prevention"), clean.pop("outcomes")
        row = Measure(**clean, origin=origin, updated_by=actor)
        row.arenas = [MeasureArena(arena=a) for a in arenas]
        row.prevention = [MeasurePrevention(level=p) for p in prevention]
        row.outcomes = [MeasureOutcome(outcome_id=o) for o in outcomes]
        s.add(row)
        s.flush()
        self._audit(s, actor, "create", "measure", row.id, {"origin": origin})
        for i, st in enumerate(data.get("studies") or [], 1):
            self._add_study(s, row, st, actor, where.child(f"studie {i} ({(st or {}).get('citation')!r})"))
        self._reindex(s, row)
        return row.id

    def update_measure(self, measure_id: str, data: dict, actor: str) -> None:
        where = v.Where(f"tiltak {measure_id!r}")
        with self.session() as s:
            row = self._get_measure(s, measure_id, where)
            clean = v.measure(data, where, self._outcome_ids(s), partial=True)
            for key, value in clean.items():
                if key == "arenas":
                    row.arenas = [MeasureArena(arena=a) for a in value]
                elif key == "prevention":
                    row.prevention = [MeasurePrevention(level=p) for p in value]
                elif key == "outcomes":
                    row.outcomes = [MeasureOutcome(outcome_id=o) for o in value]
                else:
                    setattr(row, key, value)
            if row.cost_per_participant_nok is not None and not row.cost_source:
                raise where.error("en kostnad trenger kilde / a cost needs its source", "cost_source")
            row.updated_by = actor
            row.updated_at = utcnow()
            s.flush()
            self._audit(s, actor, "update", "measure", measure_id, {"fields": sorted(clean)})
            self._reindex(s, row)

    def delete_measure(self, measure_id: str, actor: str) -> None:
        with self.session() as s:
            row = self._get_measure(s, measure_id, v.Where(f"tiltak {measure_id!r}"))
            for ex in s.scalars(select(LocalExample).where(LocalExample.measure_id == measure_id)):
                ex.measure_id, ex.status = None, "aktiv"
            search.remove(s, "measure", measure_id)
            s.delete(row)
            self._audit(s, actor, "delete", "measure", measure_id, {})

    def add_study(self, measure_id: str, data: dict, actor: str, where: v.Where | None = None) -> int:
        where = where or v.Where(f"tiltak {measure_id!r} → studie {data.get('citation')!r}")
        with self.session() as s:
            row = self._get_measure(s, measure_id, where)
            study_id = self._add_study(s, row, data, actor, where)
            self._reindex(s, row)
            return study_id

    def _add_study(self, s: Session, m: Measure, data: dict, actor: str, where: v.Where) -> int:
        clean = v.study(data, where)
        dup = s.scalar(select(Study.id).where(Study.measure_id == m.id, Study.dedup_key == clean["dedup_key"]))
        if dup is not None:
            raise where.error(f"studien er allerede registrert for tiltaket (id {dup}) / duplicate study",
                              "citation")
        row = Study(measure_id=m.id, **clean)
        s.add(row)
        s.flush()
        self._audit(s, actor, "create", "study", str(row.id), {"measure": m.id})
        outcome_ids = self._outcome_ids(s)
        for i, eff in enumerate(data.get("effects") or [], 1):
            self._add_effect(s, row, eff, actor, where.child(f"effekt {i}"), outcome_ids)
        return row.id

    def add_effect(self, study_id: int, data: dict, actor: str, where: v.Where | None = None) -> int:
        where = where or v.Where(f"studie {study_id} → effekt")
        with self.session() as s:
            row = s.get(Study, study_id)
            if row is None:
                raise where.error("ukjent studie / unknown study", "study_id")
            return self._add_effect(s, row, data, actor, where, self._outcome_ids(s))

    def _add_effect(self, s: Session, st: Study, data: dict, actor: str, where: v.Where,
                    outcome_ids: set[str]) -> int:
        clean = v.effect(data, where, outcome_ids)
        dup = s.scalar(select(Effect.id).where(
            Effect.study_id == st.id, Effect.outcome_id == clean["outcome_id"],
            Effect.measure_type == clean["measure_type"], Effect.timepoint == clean["timepoint"]))
        if dup is not None:
            raise where.error("studien har allerede en slik effekt (samme utfall, mål og tidspunkt) / "
                              "duplicate effect", "outcome")
        row = Effect(study_id=st.id, **clean)
        s.add(row)
        s.flush()
        self._audit(s, actor, "create", "effect", str(row.id), {"study": st.id})
        return row.id

    def set_level_override(self, measure_id: str, level: int, reason: str, actor: str) -> None:
        where = v.Where(f"tiltak {measure_id!r}")
        if not isinstance(level, int) or isinstance(level, bool) or level not in rubric.LEVELS:
            raise where.error("nivå må være et heltall 0–5 / level must be 0–5", "level")
        if not reason or not reason.strip():
            raise where.error("overstyring krever en begrunnelse / an override needs a reason", "reason")
        with self.session() as s:
            row = self._get_measure(s, measure_id, where)
            row.level_override, row.level_override_reason = level, reason.strip()
            row.level_override_by, row.level_override_at = actor, utcnow()
            self._audit(s, actor, "override", "measure", measure_id, {"level": level, "reason": reason})

    def clear_level_override(self, measure_id: str, actor: str) -> None:
        with self.session() as s:
            row = self._get_measure(s, measure_id, v.Where(f"tiltak {measure_id!r}"))
            row.level_override = row.level_override_reason = None
            row.level_override_by = row.level_override_at = None
            self._audit(s, actor, "clear_override", "measure", measure_id, {})

    def add_local_example(self, data: dict, actor: str = "system", origin: str = "editor",
                          where: v.Where | None = None) -> int:
        with self.session() as s:
            return self._add_local(s, data, actor, origin, where or v.Where(f"lokalt eksempel {data.get('title')!r}"))

    def _add_local(self, s: Session, data: dict, actor: str, origin: str, where: v.Where) -> int:
        clean = v.local_example(data, where)
        if s.scalar(select(LocalExample.id).where(LocalExample.dedup_key == clean["dedup_key"])) is not None:
            raise where.error("eksempelet er allerede registrert for kommunen / already registered", "title")
        row = LocalExample(**clean, origin=origin)
        s.add(row)
        s.flush()
        search.index_local_example(s, row)
        self._audit(s, actor, "create", "local_example", str(row.id), {"origin": origin})
        return row.id

    def upgrade_local_example(self, example_id: int, measure_id: str, actor: str) -> None:
        """Link a local example to an evaluated measure once an evaluation has arrived."""
        where = v.Where(f"lokalt eksempel {example_id}")
        with self.session() as s:
            ex = s.get(LocalExample, example_id)
            if ex is None:
                raise where.error("ukjent lokalt eksempel / unknown local example", "id")
            self._get_measure(s, measure_id, where, field="measure_id")
            ex.measure_id, ex.status, ex.updated_at = measure_id, "oppgradert", utcnow()
            self._audit(s, actor, "upgrade", "local_example", str(example_id), {"measure": measure_id})

    def meta_value(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(MetaValue, key)
            return row.value if row else None

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _outcome_ids(s: Session) -> set[str]:
        return set(s.scalars(select(Outcome.id)))

    @staticmethod
    def _get_measure(s: Session, measure_id: str, where: v.Where, field: str = "id") -> Measure:
        row = s.scalar(_measure_query().where(Measure.id == measure_id))
        if row is None:
            raise where.error(f"ukjent tiltak {measure_id!r} / unknown measure", field)
        return row

    @staticmethod
    def _audit(s: Session, actor: str, action: str, entity: str, entity_id: str, detail: dict) -> None:
        audit.append(s, f"evidence_{action}", f"{entity}:{entity_id}", detail, who=actor)

    @staticmethod
    def _reindex(s: Session, m: Measure) -> None:
        s.flush()
        s.refresh(m)
        names = {o.id: o.name_nb for o in s.scalars(select(Outcome))}
        search.index_measure(s, m, names)

    # --- reads ----------------------------------------------------------------------------------

    def outcomes(self) -> list[dict]:
        with self.session() as s:
            return [_outcome_dict(o) for o in s.scalars(
                select(Outcome).options(selectinload(Outcome.indicators)).order_by(Outcome.id))]

    def measure_ids(self) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(Measure.id).order_by(Measure.id)))

    def count_measures(self) -> int:
        return len(self.measure_ids())

    def measure(self, measure_id: str) -> dict:
        """Everything about one measure: fields, studies with effects, evidence level and why,
        pooled effects per outcome."""
        with self.session() as s:
            m = self._get_measure(s, measure_id, v.Where(f"tiltak {measure_id!r}"))
            outcomes = self._outcome_map(s)
            return _measure_dict(m, outcomes, full=True)

    def measures(self, ids: list[str] | None = None) -> list[dict]:
        with self.session() as s:
            q = _measure_query().order_by(Measure.name)
            if ids is not None:
                q = q.where(Measure.id.in_(ids))
            outcomes = self._outcome_map(s)
            return [_measure_dict(m, outcomes, full=False) for m in s.scalars(q)]

    def pooled(self, measure_id: str, outcome_id: str, measure_type: str | None = None,
               method: str = POOL_METHOD, hk: bool = True) -> MetaResult | None:
        with self.session() as s:
            m = self._get_measure(s, measure_id, v.Where(f"tiltak {measure_id!r}"))
            outcomes = self._outcome_map(s)
        for group in _effect_groups(m, outcomes):
            if group["outcome_id"] == outcome_id and measure_type in (None, group["measure_type"]):
                return _pool(group, method, hk)
        return None

    def forest_svg(self, measure_id: str, outcome_id: str, measure_type: str | None = None) -> str | None:
        from oppvekst.evidence.forest import forest_svg

        result = self.pooled(measure_id, outcome_id, measure_type)
        if result is None:
            return None
        with self.session() as s:
            name = s.get(Measure, measure_id).name
            oname = s.get(Outcome, outcome_id).name_nb
        return forest_svg(result, f"{name}: {oname}")

    def measures_for_indicator(self, indicator_id: str) -> list[dict]:
        """Measures whose targeted outcomes link to `indicator_id`, with evidence level and the pooled
        effect on that outcome (or a note that none is recorded); best documented first."""
        with self.session() as s:
            links = s.scalars(select(OutcomeIndicator).where(OutcomeIndicator.indicator_id == indicator_id))
            outcome_ids = {link.outcome_id for link in links}
            if not outcome_ids:
                return []
            outcomes = self._outcome_map(s)
            rows = s.scalars(_measure_query().where(Measure.id.in_(
                select(MeasureOutcome.measure_id).where(MeasureOutcome.outcome_id.in_(outcome_ids)))))
            out = []
            for m in rows:
                level = _level(m, outcomes)
                for oid in sorted(outcome_ids & {o.outcome_id for o in m.outcomes}):
                    groups = [g for g in _effect_groups(m, outcomes) if g["outcome_id"] == oid]
                    best = max(groups, key=lambda g: len(g["effects"]), default=None)
                    pooled = _pooled_dict(best, _pool(best, POOL_METHOD, True)) if best else None
                    out.append({
                        "indicator_id": indicator_id, "measure_id": m.id, "name": m.name,
                        "status": m.status, "status_label": label(MEASURE_STATUSES, m.status),
                        "outcome_id": oid, "outcome": outcomes[oid].name_nb,
                        "evidence_level": level["effective"], "evidence_label": level["label_nb"],
                        "level_rule": level["rule"], "pooled_effect": pooled,
                        "effect_note": None if pooled else (m.effect_note or NO_EFFECT_NOTE),
                    })
        out.sort(key=lambda r: (-r["evidence_level"], r["pooled_effect"] is None, r["name"]))
        return out

    def local_examples(self, ids: list[int] | None = None, arena: str | None = None) -> list[dict]:
        with self.session() as s:
            q = select(LocalExample).order_by(LocalExample.municipality, LocalExample.title)
            if ids is not None:
                q = q.where(LocalExample.id.in_(ids))
            rows = [_local_dict(e) for e in s.scalars(q)]
        if arena:
            rows = [r for r in rows if arena in r["arenas"]]
        return rows

    def local_example(self, example_id: int) -> dict:
        with self.session() as s:
            ex = s.get(LocalExample, example_id)
            if ex is None:
                raise v.Where(f"lokalt eksempel {example_id}").error("ukjent / unknown", "id")
            return _local_dict(ex)

    def search(self, q: str | None = None, *, age: int | None = None, prevention: str | None = None,
               arena: str | None = None, outcome: str | None = None, min_level: int | None = None,
               limit: int = 100) -> dict:
        """Ranked full-text search with filters. Without `q`, measures come best documented first.
        Local examples are returned apart from the evaluated measures."""
        where = v.Where("søk / search")
        for name, value, vocab in (("prevention", prevention, PREVENTION_LEVELS), ("arena", arena, ARENAS)):
            if value is not None and value not in vocab:
                raise where.error(f"ukjent verdi {value!r}", name)
        with self.session() as s:
            if outcome is not None and s.get(Outcome, outcome) is None:
                raise where.error(f"ukjent utfall {outcome!r}", "outcome")
            query = _measure_query()
            if arena:
                query = query.where(Measure.id.in_(select(MeasureArena.measure_id).where(MeasureArena.arena == arena)))
            if prevention:
                query = query.where(Measure.id.in_(
                    select(MeasurePrevention.measure_id).where(MeasurePrevention.level == prevention)))
            if outcome:
                query = query.where(Measure.id.in_(
                    select(MeasureOutcome.measure_id).where(MeasureOutcome.outcome_id == outcome)))
            if age is not None:  # needs a known age bound; an open bound does not exclude
                query = query.where(or_(Measure.age_min.is_not(None), Measure.age_max.is_not(None)),
                                    or_(Measure.age_min.is_(None), Measure.age_min <= age),
                                    or_(Measure.age_max.is_(None), Measure.age_max >= age))
            scores = dict(search.ranked(s, q, "measure")) if q and q.strip() else None
            if scores is not None:
                query = query.where(Measure.id.in_(list(scores) or [""]))
            outcomes = self._outcome_map(s)
            found = [_measure_dict(m, outcomes, full=False) for m in s.scalars(query)]
            local_scores = dict(search.ranked(s, q, "local")) if q and q.strip() else None
            local_q = select(LocalExample)
            if local_scores is not None:
                local_q = local_q.where(LocalExample.id.in_([int(i) for i in local_scores] or [-1]))
            local = [_local_dict(e) for e in s.scalars(local_q)]
        if min_level is not None:
            found = [m for m in found if m["evidence_level"] >= min_level]
        if scores is not None:
            for m in found:
                m["score"] = scores.get(m["id"], 0.0)
            found.sort(key=lambda m: (-m["score"], -m["evidence_level"], m["name"]))
        else:
            found.sort(key=lambda m: (-m["evidence_level"], m["name"]))
        if arena:
            local = [e for e in local if arena in e["arenas"]]
        if local_scores is not None:
            local.sort(key=lambda e: -local_scores.get(str(e["id"]), 0.0))
        else:
            local.sort(key=lambda e: (e["municipality"], e["title"]))
        if any(x is not None for x in (age, prevention, outcome, min_level)):
            local = []  # these filters describe evaluated measures; local examples lack the fields
        return {"query": q, "filters": {"age": age, "prevention": prevention, "arena": arena,
                                        "outcome": outcome, "min_level": min_level},
                "measures": found[:limit], "local_examples": local[:limit]}

    @staticmethod
    def _outcome_map(s: Session) -> dict[str, Outcome]:
        return {o.id: o for o in s.scalars(select(Outcome).options(selectinload(Outcome.indicators)))}


# --- views --------------------------------------------------------------------------------------

def _outcome_dict(o: Outcome) -> dict:
    return {"id": o.id, "name_nb": o.name_nb, "name_en": o.name_en, "description": o.description,
            "higher_is_better": o.higher_is_better, "indicators": [i.indicator_id for i in o.indicators],
            "sources": o.sources}


def _direction(e: Effect, outcomes: dict[str, Outcome]) -> bool:
    if e.beneficial_direction:
        return e.beneficial_direction == "higher"
    return outcomes[e.outcome_id].higher_is_better


def _study_facts(st: Study, outcomes: dict[str, Outcome]) -> rubric.StudyFacts:
    z = z_crit(0.95)
    effs = tuple(rubric.EffectFacts(e.yi, e.yi - z * math.sqrt(e.vi), e.yi + z * math.sqrt(e.vi),
                                    _direction(e, outcomes)) for e in st.effects)
    return rubric.StudyFacts(id=st.id, citation=st.citation, country=st.country, design=st.design,
                             status=st.status, risk_of_bias=st.risk_of_bias,
                             follow_up_months=st.follow_up_months, reported_finding=st.finding_direction,
                             effects=effs)


def _level(m: Measure, outcomes: dict[str, Outcome]) -> dict:
    facts = rubric.MeasureFacts(description=m.description, target_group=m.target_group,
                                rationale=m.rationale, implementation=m.implementation)
    decision = rubric.classify(facts, [_study_facts(st, outcomes) for st in m.studies])
    override = None
    if m.level_override is not None:
        override = {"level": m.level_override, "reason": m.level_override_reason,
                    "by": m.level_override_by, "at": _iso(m.level_override_at),
                    "label_nb": rubric.LEVELS[m.level_override][0],
                    "label_en": rubric.LEVELS[m.level_override][1]}
    effective = override["level"] if override else decision.level
    return {"computed": decision.to_dict(), "override": override, "effective": effective,
            "label_nb": rubric.LEVELS[effective][0], "label_en": rubric.LEVELS[effective][1],
            "rule": "override" if override else decision.rule}


def _effect_groups(m: Measure, outcomes: dict[str, Outcome]) -> list[dict]:
    """Effects that can be pooled together: same outcome, effect measure and good direction."""
    groups: dict[tuple, list] = defaultdict(list)
    for st in m.studies:
        for e in st.effects:
            groups[(e.outcome_id, e.measure_type, _direction(e, outcomes))].append((st, e))
    out = []
    for (oid, mtype, higher), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out.append({"outcome_id": oid, "outcome": outcomes[oid].name_nb, "measure_type": mtype,
                    "higher_is_better": higher, "effects": items})
    return out


def _pool(group: dict, method: str, hk: bool) -> MetaResult:
    items = group["effects"]
    labels = [f"{st.citation}{' (' + e.timepoint + ')' if e.timepoint else ''}" for st, e in items]
    return meta_analysis([e.yi for _, e in items], [e.vi for _, e in items], method,
                         hk=hk and len(items) > 1, labels=labels, measure=group["measure_type"])


def _pooled_dict(group: dict, res: MetaResult) -> dict:
    nat = res.natural
    show_pi = res.k > 2
    return {
        "outcome_id": group["outcome_id"], "outcome": group["outcome"], "measure_type": res.measure,
        "measure_label": label(EFFECT_MEASURES, res.measure), "k": res.k, "method": res.method,
        "hartung_knapp": res.hk, "higher_is_better": group["higher_is_better"],
        "estimate": nat(res.estimate), "ci_low": nat(res.ci_low), "ci_high": nat(res.ci_high),
        "pi_low": nat(res.pi_low) if show_pi else None, "pi_high": nat(res.pi_high) if show_pi else None,
        "tau2": res.tau2, "i2": None if math.isnan(res.i2) else res.i2, "q": res.q, "pval": res.pval,
        "scale": "ratio" if res.measure in RATIO_MEASURES else "difference",
        "study_ids": sorted({st.id for st, _ in group["effects"]}),
    }


def _effect_dict(e: Effect, outcomes: dict[str, Outcome]) -> dict:
    return {"id": e.id, "outcome_id": e.outcome_id, "outcome": outcomes[e.outcome_id].name_nb,
            "measure_type": e.measure_type, "measure_label": label(EFFECT_MEASURES, e.measure_type),
            "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "variance": e.variance,
            "yi": e.yi, "vi": e.vi, "n_treatment": e.n_treatment, "n_control": e.n_control,
            "timepoint": e.timepoint, "beneficial_direction": "higher" if _direction(e, outcomes) else "lower",
            "notes": e.notes, "source": e.source}


def _study_dict(st: Study, outcomes: dict[str, Outcome]) -> dict:
    facts = _study_facts(st, outcomes)
    return {"finding": facts.finding, "finding_basis": facts.finding_basis,
            "finding_effective_label": label(FINDINGS, facts.finding),
            "id": st.id, "citation": st.citation, "year": st.year, "country": st.country,
            "design": st.design, "design_label": label(DESIGNS, st.design), "design_note": st.design_note,
            "status": st.status, "status_label": label(STUDY_STATUSES, st.status),
            "sample_size": st.sample_size, "sample_description": st.sample_description,
            "follow_up_months": st.follow_up_months, "independent_evaluator": st.independent_evaluator,
            "risk_of_bias": st.risk_of_bias, "risk_of_bias_label": label(RISK_OF_BIAS, st.risk_of_bias),
            "risk_of_bias_notes": st.risk_of_bias_notes, "reported_finding": st.reported_finding,
            "finding_direction": st.finding_direction,
            "finding_label": label(FINDINGS, st.finding_direction), "sources": st.sources,
            "effects": [_effect_dict(e, outcomes) for e in st.effects]}


def _measure_dict(m: Measure, outcomes: dict[str, Outcome], full: bool) -> dict:
    level = _level(m, outcomes)
    n_effects = sum(len(st.effects) for st in m.studies)
    data = {
        "id": m.id, "name": m.name, "name_en": m.name_en, "kind": m.kind,
        "kind_label": label(MEASURE_KINDS, m.kind), "description": m.description, "owner": m.owner,
        "target_group": m.target_group, "age_min": m.age_min, "age_max": m.age_max,
        "arenas": [a.arena for a in m.arenas],
        "arena_labels": [label(ARENAS, a.arena) for a in m.arenas],
        "prevention": [p.level for p in m.prevention],
        "prevention_labels": [label(PREVENTION_LEVELS, p.level) for p in m.prevention],
        "outcomes": [o.outcome_id for o in m.outcomes],
        "outcome_labels": [outcomes[o.outcome_id].name_nb for o in m.outcomes],
        "status": m.status, "status_label": label(MEASURE_STATUSES, m.status),
        "evidence_level": level["effective"], "evidence_label": level["label_nb"],
        "level_overridden": level["override"] is not None,
        "n_studies": len(m.studies), "n_effects": n_effects,
        "sources": m.sources,
    }
    if not full:
        return data
    data.update({
        "provider": m.provider, "risk_groups": m.risk_groups,
        "delivery_duration": m.delivery_duration, "delivery_intensity": m.delivery_intensity,
        "implementation": m.implementation, "rationale": m.rationale,
        "cost_per_participant_nok": m.cost_per_participant_nok, "cost_source": m.cost_source,
        "cost_year": m.cost_year, "status_note": m.status_note,
        "effect_note": m.effect_note or (NO_EFFECT_NOTE if n_effects == 0 else None),
        "level": level, "origin": m.origin, "updated_at": _iso(m.updated_at), "updated_by": m.updated_by,
        "studies": [_study_dict(st, outcomes) for st in m.studies],
        "outcome_details": [_outcome_dict(outcomes[o.outcome_id]) for o in m.outcomes],
        "pooled": [_pooled_dict(g, _pool(g, POOL_METHOD, True)) for g in _effect_groups(m, outcomes)],
    })
    return data


def _local_dict(e: LocalExample) -> dict:
    return {"id": e.id, "title": e.title, "municipality": e.municipality,
            "municipality_code": e.municipality_code, "description": e.description,
            "target_group": e.target_group, "arenas": list(e.arenas or []),
            "arena_labels": [label(ARENAS, a) for a in e.arenas or []], "cost_nok": e.cost_nok,
            "cost_note": e.cost_note, "measured": e.measured, "results": e.results, "contact": e.contact,
            "started_year": e.started_year, "status": e.status, "measure_id": e.measure_id,
            "sources": e.sources, "origin": e.origin}


__all__ = ["NO_EFFECT_NOTE", "EvidenceStore", "InputError"]
