"""A trial plan that follows the guidance service's seven steps (Meld. St. 28 kap. 7.2.1, Boks 7.2:
"avklare informasjonsbehov, kartlegge eksisterende kunnskapsgrunnlag, metodevalg, nytte-kostnadsvurderinger,
forsøksdesign, praktisk gjennomføring og evaluering"), its status, registration and amendments.

Registration freezes the plan: the canonical content of the planning steps (1–5: question, knowledge,
method, cost-benefit note, design with its power calculation and the sealed allocation's hash) is
serialised as sorted, compact JSON and hashed with SHA-256. Later changes to those steps are amendments:
dated, with a reason, recorded beside the registered version, which never changes. Execution and
evaluation (steps 6–7) are filled in as the trial runs and are not part of the registered plan.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oppvekst.errors import InputError

STATUSES = ("draft", "registered", "running", "finished", "reported")
NEXT_STATUS = {"registered": "running", "running": "finished", "finished": "reported"}
PLANNED_STEPS = ("question", "knowledge", "method", "cost_benefit", "design")


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Question(_Step):
    question: str = ""                 # what we need to know
    who_needs: str = ""                # who needs the answer, for which decision


class Knowledge(_Step):
    measures: list[str] = []           # measure ids in the evidence base
    studies: list[int] = []            # study ids in the evidence base
    summary: str = ""


class Method(_Step):
    answers: dict = {}                 # the method questions (trials/methods.yaml)
    design: str | None = None          # chosen design id (methods.yaml designs)
    reason: str = ""                   # why, in the planner's words (also when departing from the advice)


class CostBenefit(_Step):
    note: str = ""                     # the social-investment calculator will fill this


class Outcome(_Step):
    name: str = Field(min_length=1)
    indicator: str | None = None       # indicator id of the catalogue, where one measures it
    source: str = ""                   # where the outcome is measured (register, survey, test)
    primary: bool = False
    kind: Literal["continuous", "binary"] = "continuous"
    evidence_outcome: str | None = None  # the evidence base's outcome id the result is recorded under


class Design(_Step):
    unit: str = ""                     # the unit randomised (person, class, school, kindergarten, district)
    arms: list[str] = ["kontroll", "tiltak"]
    allocation: list[float] = [1.0, 1.0]
    outcomes: list[Outcome] = []
    power: dict | None = None          # trials.power result (to_dict) used to size the trial
    planning_values: list[dict] = []   # each with its source
    allocation_seal: str | None = None  # SHA-256 of the randomisation list (trials.randomise.seal)


class Execution(_Step):
    sites: list[str] = []
    start: str | None = None
    end: str | None = None
    recruited: dict = {}               # arm -> number recruited
    analysed: dict = {}                # arm -> number with outcome data (attrition follows)
    notes: str = ""


class Evaluation(_Step):
    analysis: dict | None = None       # trials.analysis result (to_dict)
    result: str = ""
    study_id: int | None = None        # the study record in the evidence base


class Plan(_Step):
    title: str = Field(min_length=3)
    template: str | None = None
    measure: str | None = None         # the evidence base's measure (tiltak) the trial tests
    question: Question = Question()
    knowledge: Knowledge = Knowledge()
    method: Method = Method()
    cost_benefit: CostBenefit = CostBenefit()
    design: Design = Design()
    execution: Execution = Execution()
    evaluation: Evaluation = Evaluation()


def parse(data: dict, *, where: str = "plan") -> Plan:
    """A plan from a dict; a bad field is refused with its path (e.g. design.outcomes.0.kind)."""
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(err["msg"], file=where, field=".".join(str(p) for p in err["loc"])) from None


def planned(plan: Plan) -> dict:
    """The registered part of a plan: steps 1–5 and the title."""
    return {"title": plan.title, "measure": plan.measure, **{step: getattr(plan, step).model_dump(mode="json") for step in PLANNED_STEPS}}


def canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def check_registrable(plan: Plan) -> None:
    """What a plan must say before it can be registered."""
    if not plan.question.question.strip():
        raise InputError("a registered plan states its question", field="question.question")
    if not plan.method.design:
        raise InputError("a registered plan names its design", field="method.design")
    if not plan.design.outcomes:
        raise InputError("a registered plan names its outcomes", field="design.outcomes")
    if not any(o.primary for o in plan.design.outcomes):
        raise InputError("a registered plan names at least one primary outcome", field="design.outcomes")
    if len(plan.design.arms) < 2 or len(plan.design.allocation) != len(plan.design.arms):
        raise InputError("two or more arms, one allocation weight per arm", field="design.allocation")


def changed_steps(before: dict, after: dict) -> list[str]:
    return [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
