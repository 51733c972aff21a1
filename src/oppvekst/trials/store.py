"""Trial plans in the content database: create, edit, register, amend, advance, evaluate; every write audited.

Each write runs in one transaction with its audit entry (content.audit.append), so a refused change
leaves neither. A draft is edited freely; registration freezes steps 1–5 with a timestamp and the
SHA-256 of their canonical content; after that, changes to steps 1–5 are amendments (dated, with a
reason, the registered version kept), while execution and evaluation are recorded as the trial runs.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppvekst.content import audit, db
from oppvekst.errors import InputError
from oppvekst.trials import plan as pl
from oppvekst.trials.models import Amendment, Trial
from oppvekst.trials.templates import template

EXECUTION_STEPS = ("execution", "evaluation")


@dataclass(frozen=True)
class TrialRecord:
    id: int
    title: str
    template: str | None
    status: str
    owner: str
    plan: pl.Plan
    registered_plan: dict | None
    registered_at: str | None
    registered_hash: str | None
    amendments: list[dict]
    created_at: str
    updated_at: str

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "template": self.template, "status": self.status,
                "owner": self.owner, "plan": self.plan.model_dump(mode="json"),
                "registered_plan": self.registered_plan, "registered_at": self.registered_at,
                "registered_hash": self.registered_hash, "amendments": self.amendments,
                "created_at": self.created_at, "updated_at": self.updated_at}


def plan_from_template(template_id: str) -> dict:
    """A draft plan from a ready template: the question and outcomes as the document gives them; the
    rest (units, design, primary outcome, sample, planning values) is for the planner to fill in."""
    t = template(template_id)
    outcomes = [{"name": o["text"], "indicator": o["indicator"], "evidence_outcome": o.get("evidence_outcome"),
                 "source": t["reference"]} for o in t["outcomes"]]
    return {"title": t["title_nb"], "template": t["id"], "measure": t.get("measure"),
            "question": {"question": f"Virker tiltaket «{t['title_nb']}» på effektmålene i {t['reference']}?",
                         "who_needs": ""},
            "knowledge": {"summary": f"{t['reference']}: {t['quote']}"},
            "design": {"outcomes": outcomes,
                       "planning_values": [dict(v) for v in t.get("planning_values", [])]}}


class TrialStore:
    def __init__(self, db_url: str | None = None):
        self.db_url = db_url

    @contextmanager
    def _session(self):
        with db.session(self.db_url) as s, s.begin():
            yield s

    # -- writes --------------------------------------------------------------------------------------
    def create(self, data: dict, actor: str) -> int:
        plan = pl.parse(data)
        now = pl.now()
        with self._session() as s:
            row = Trial(title=plan.title, template=plan.template, status="draft", owner=actor[:120],
                        plan=plan.model_dump(mode="json"), created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            audit.append(s, "trial_create", f"trial:{row.id}", {"title": plan.title, "template": plan.template},
                         who=actor)
            return row.id

    def update(self, trial_id: int, changes: dict, actor: str, reason: str | None = None) -> TrialRecord:
        """Change steps of a plan. A draft: any step. Registered or later: steps 1–5 only as an amendment
        with a reason (the registered version is kept); execution and evaluation freely."""
        with self._session() as s:
            row = self._row(s, trial_id)
            before = pl.parse(row.plan, where=f"trial {trial_id}")
            merged = {**before.model_dump(mode="json"), **changes}
            after = pl.parse(merged, where="changes")
            old_planned, new_planned = pl.planned(before), pl.planned(after)
            steps = pl.changed_steps(old_planned, new_planned)
            if row.status != "draft" and steps:
                if not reason or not reason.strip():
                    raise InputError("a registered plan is changed by an amendment with a reason", field="reason")
                s.add(Amendment(trial_id=row.id, at=pl.now(), actor=actor[:120], reason=reason.strip(),
                                steps=steps, before={k: old_planned[k] for k in steps},
                                after={k: new_planned[k] for k in steps},
                                content_hash=pl.content_hash(new_planned)))
            row.plan, row.title, row.updated_at = after.model_dump(mode="json"), after.title, pl.now()
            action = "trial_amend" if row.status != "draft" and steps else "trial_update"
            audit.append(s, action, f"trial:{row.id}", {"steps": steps or sorted(changes), "reason": reason},
                         who=actor)
        return self.get(trial_id)

    def register(self, trial_id: int, actor: str) -> TrialRecord:
        with self._session() as s:
            row = self._row(s, trial_id)
            if row.status != "draft":
                raise InputError(f"the plan is already {row.status}", field="status")
            plan = pl.parse(row.plan)
            pl.check_registrable(plan)
            content = pl.planned(plan)
            row.registered_plan, row.registered_at = content, pl.now()
            row.registered_hash, row.status = pl.content_hash(content), "registered"
            audit.append(s, "trial_register", f"trial:{row.id}", {"hash": row.registered_hash}, who=actor)
        return self.get(trial_id)

    def advance(self, trial_id: int, status: str, actor: str) -> TrialRecord:
        """registered → running → finished → reported, one step at a time."""
        with self._session() as s:
            row = self._row(s, trial_id)
            if pl.NEXT_STATUS.get(row.status) != status:
                raise InputError(f"a {row.status} trial cannot become {status}"
                                 + (f" (next: {pl.NEXT_STATUS[row.status]})" if row.status in pl.NEXT_STATUS
                                    else ""), field="status")
            row.status, row.updated_at = status, pl.now()
            audit.append(s, "trial_status", f"trial:{row.id}", {"status": status}, who=actor)
        return self.get(trial_id)

    def analysis_plan(self, trial_id: int, *, treatment: str = "treatment", covariates: tuple[str, ...] = (),
                      cluster: str | None = None, adjustment: str = "holm"):
        """The analysis as the registered plan fixes it: its outcomes, kinds and roles (primary/secondary)."""
        from oppvekst.trials.analysis import AnalysisPlan, OutcomeSpec

        rec = self.get(trial_id)
        if rec.registered_plan is None:
            raise InputError("analyse a registered plan (register it first)", field="status")
        outcomes = [pl.Outcome.model_validate(o) for o in rec.registered_plan["design"]["outcomes"]]
        for a in rec.amendments:                     # the outcomes as last amended, never silently changed
            if "design" in a["after"]:
                outcomes = [pl.Outcome.model_validate(o) for o in a["after"]["design"]["outcomes"]]
        return AnalysisPlan(treatment=treatment, covariates=covariates, cluster=cluster, adjustment=adjustment,
                            outcomes=tuple(OutcomeSpec(o.name, o.kind, "primary" if o.primary else "secondary")
                                           for o in outcomes))

    def report(self, trial_id: int, result, actor: str, *, year: int, evidence=None) -> int:
        """Record a finished trial's analysis (trials.analysis.TrialAnalysis) as a study of the tested
        measure in the evidence base, with one effect size per outcome, and mark the trial reported.
        Returns the study id; the measure's evidence level and pooled effects then include it."""
        from oppvekst.evidence.store import EvidenceStore

        rec = self.get(trial_id)
        if rec.status != "finished":
            raise InputError(f"a {rec.status} trial cannot be reported (finish it first)", field="status")
        plan = rec.plan
        if not plan.measure:
            raise InputError("name the evidence base's measure the trial tests", field="measure")
        ev = evidence or EvidenceStore(self.db_url)
        outcomes = {o["id"]: o for o in ev.outcomes()}
        by_name = {o.name: o for o in plan.design.outcomes}
        effects = []
        for r in result.results:
            spec = by_name.get(r.outcome)
            if spec is None or not spec.evidence_outcome:
                raise InputError(f"outcome {r.outcome!r} needs the evidence base's outcome it is recorded under",
                                 field="design.outcomes.evidence_outcome")
            if spec.evidence_outcome not in outcomes:
                raise InputError(f"unknown evidence outcome {spec.evidence_outcome!r}",
                                 field="design.outcomes.evidence_outcome")
            higher = outcomes[spec.evidence_outcome]["higher_is_better"]
            effects.append(r.to_study_effect(spec.evidence_outcome, beneficial_direction="higher" if higher
                                             else "lower", source=f"Oppvekst trial {rec.id}"))
        primary = [r for r in result.results if r.role == "primary"] or result.results
        first, lo_hi = primary[0], primary[0].conf_int()
        good_up = outcomes[by_name[first.outcome].evidence_outcome]["higher_is_better"]
        if lo_hi[0] > 0 or lo_hi[1] < 0:
            finding = "positive" if (lo_hi[0] > 0) == bool(good_up) else "negative"
        else:
            finding = "null"
        design = {"individual_rct": "rct", "cluster_rct": "cluster_rct", "stepped_wedge": "cluster_rct"}.get(
            plan.method.design or "", "quasi_experimental")
        attrition = result.attrition.to_dict() if result.attrition is not None else {}
        study = {
            "citation": f"Oppvekst-forsøk {rec.id}: {plan.title}", "year": year, "country": "NO", "design": design,
            "design_note": f"Registrert plan {rec.registered_at}, SHA-256 {rec.registered_hash}",
            "sample_size": int(sum(r.n_treatment + r.n_control for r in primary[:1])),
            "risk_of_bias": "low" if design != "quasi_experimental" and attrition.get("level") == "low" else "some",
            "risk_of_bias_notes": f"WWC attrition: {attrition}" if attrition else None,
            "finding_direction": finding,
            "reported_finding": f"{first.outcome}: {first.estimate:.4g} ({lo_hi[0]:.4g} til {lo_hi[1]:.4g})",
            "sources": [{"document": "Oppvekst forsøksregister", "section": f"forsøk {rec.id}"}],
            "effects": effects}
        study_id = ev.add_study(plan.measure, study, actor)
        analysis = json.loads(json.dumps(result.to_dict(), default=lambda o: o.item() if hasattr(o, "item") else str(o)))
        evaluation = {"analysis": analysis, "result": study["reported_finding"], "study_id": study_id}
        self.update(trial_id, {"evaluation": evaluation}, actor)
        self.advance(trial_id, "reported", actor)
        return study_id

    # -- reads ---------------------------------------------------------------------------------------
    def get(self, trial_id: int) -> TrialRecord:
        with db.session(self.db_url) as s:
            row = self._row(s, trial_id)
            amendments = [{"at": a.at, "actor": a.actor, "reason": a.reason, "steps": a.steps, "before": a.before,
                           "after": a.after, "content_hash": a.content_hash}
                          for a in s.execute(select(Amendment).where(Amendment.trial_id == row.id)
                                             .order_by(Amendment.id)).scalars()]
            return TrialRecord(row.id, row.title, row.template, row.status, row.owner, pl.parse(row.plan),
                               row.registered_plan, row.registered_at, row.registered_hash, amendments,
                               row.created_at, row.updated_at)

    def list(self) -> list[dict]:
        with db.session(self.db_url) as s:
            return [{"id": r.id, "title": r.title, "status": r.status, "owner": r.owner, "template": r.template,
                     "registered_at": r.registered_at, "updated_at": r.updated_at}
                    for r in s.execute(select(Trial).order_by(Trial.id)).scalars()]

    def verify_registration(self, trial_id: int) -> bool:
        """Does the registered plan still hash to what was registered?"""
        rec = self.get(trial_id)
        if rec.registered_plan is None:
            raise InputError("the plan is not registered", field="status")
        return pl.content_hash(rec.registered_plan) == rec.registered_hash

    @staticmethod
    def _row(s: Session, trial_id: int) -> Trial:
        row = s.get(Trial, trial_id)
        if row is None:
            raise InputError(f"no trial {trial_id}", field="trial")
        return row
