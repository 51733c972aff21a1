"""Trial plans in the content database: from a Boks 7.1 template to a registered plan with a power
calculation on planning values from the warehouse, amendments beside the registered version, the
status path, and the analysed result as a study in the evidence base. Every write is in the audit chain."""

import numpy as np
import pandas as pd
import pytest

from oppvekst.content import audit
from oppvekst.disclosure.door import open_statistics
from oppvekst.errors import InputError
from oppvekst.evidence.seed import ensure_seeded
from oppvekst.evidence.store import EvidenceStore
from oppvekst.observations import frame
from oppvekst.trials import analysis, planning
from oppvekst.trials import plan as pl
from oppvekst.trials import power as pw
from oppvekst.trials.store import TrialStore, plan_from_template
from oppvekst.warehouse import Warehouse

# Test counts of upper-secondary completion in four municipalities (made up for this test, loaded as a
# release of our own): the planning values are computed from them like from any release.
COMPLETION = [("0301", 4000, 5000), ("4601", 2100, 2800), ("5001", 1500, 1900), ("1103", 900, 1250)]


@pytest.fixture
def warehouse(tmp_path):
    from oppvekst import regions

    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.replace_regions(regions.regions_2024())
        wh.load_release(frame([{"indicator": "upper_secondary_completion", "region": r, "period_from": 2023,
                                "numerator": n, "denominator": d, "value": 100 * n / d}
                               for r, n, d in COMPLETION]), source="test counts (tests/trials)")
    return tmp_path / "w.duckdb"


def _registered(store: TrialStore, warehouse) -> int:
    draft = plan_from_template("laget_rundt_eleven")
    assert draft["measure"] == "laget_rundt_eleven" and draft["knowledge"]["summary"].startswith("Meld. St. 28")
    with open_statistics(path=warehouse) as reader:
        values = planning.planning_values(reader, "upper_secondary_completion", year=2023)
    p0 = values.baseline
    result = pw.solve("cluster", "binary", p0=p0, p1=p0 + 0.05, icc=values.icc, cluster_size=60, power=0.8)
    outcomes = draft["design"]["outcomes"]
    for o in outcomes:
        o["primary"] = o["indicator"] == "upper_secondary_completion"
        o["kind"] = "binary" if o["primary"] else "continuous"
    draft["question"]["who_needs"] = "Kommunalsjef oppvekst"
    draft["method"] = {"answers": {"randomise": True, "level": "cluster"}, "design": "cluster_rct",
                       "reason": "Tiltaket gis til hele skoler"}
    draft["design"].update(unit="skole", power=result.to_dict(), planning_values=[values.to_dict()])
    trial = store.create(draft, "kari")
    return store.register(trial, "kari").id


def test_template_to_registered_plan_with_planning_values_from_the_warehouse(warehouse):
    store = TrialStore()
    rec = store.get(_registered(store, warehouse))
    assert rec.status == "registered" and rec.registered_at
    assert rec.registered_hash == pl.content_hash(rec.registered_plan) and store.verify_registration(rec.id)
    used = rec.registered_plan["design"]["planning_values"][0]
    assert used["source"] == "SSB, 2023" or used["source"].endswith(", 2023")        # the catalogue's source, the year
    assert used["baseline"] == pytest.approx(sum(n for _, n, _ in COMPLETION) / sum(d for *_, d in COMPLETION))
    assert rec.registered_plan["design"]["power"]["solved"] == "clusters"


def test_amendment_keeps_the_registered_version(warehouse):
    store = TrialStore()
    tid = _registered(store, warehouse)
    registered = store.get(tid).registered_plan
    with pytest.raises(InputError, match="'reason'"):
        store.update(tid, {"design": {**registered["design"], "unit": "klasse"}}, "kari")
    rec = store.update(tid, {"design": {**registered["design"], "unit": "klasse"}}, "kari",
                       reason="Skolene ba om klasser")
    assert rec.registered_plan == registered and rec.plan.design.unit == "klasse"
    assert [a["steps"] for a in rec.amendments] == [["design"]]
    assert rec.amendments[0]["before"]["design"]["unit"] == "skole" and rec.amendments[0]["reason"]
    assert store.verify_registration(tid)
    # execution is recorded freely while the trial runs, not as an amendment
    store.advance(tid, "running", "kari")
    rec = store.update(tid, {"execution": {"sites": ["Skole A", "Skole B"], "start": "2027-08-15"}}, "kari")
    assert len(rec.amendments) == 1 and rec.plan.execution.sites == ["Skole A", "Skole B"]
    with pytest.raises(InputError, match="cannot become reported"):
        store.advance(tid, "reported", "kari")
    actions = [e["action"] for e in audit.entries()]
    assert {"trial_create", "trial_register", "trial_amend", "trial_status", "trial_update"} <= set(actions)
    assert audit.verify().ok


def test_registration_needs_a_question_a_design_and_a_primary_outcome():
    store = TrialStore()
    tid = store.create(plan_from_template("inkludering_fritid"), "kari")
    with pytest.raises(InputError, match="design"):
        store.register(tid, "kari")
    assert store.get(tid).status == "draft"
    with pytest.raises(InputError, match="design.outcomes.0.kind"):
        store.create({**plan_from_template("inkludering_fritid"),
                      "design": {"outcomes": [{"name": "x", "kind": "ordinal"}]}}, "kari")


def test_an_analysed_trial_becomes_a_study_and_enters_the_pooled_effect(warehouse):
    ensure_seeded()
    store, ev = TrialStore(), EvidenceStore()
    tid = _registered(store, warehouse)
    plan = store.analysis_plan(tid)
    assert [(o.name, o.kind, o.role) for o in plan.outcomes][-1] == (
        "senere gjennomføring av videregående skole", "binary", "primary")
    for status in ("running", "finished"):
        store.advance(tid, status, "kari")
    # a trial file: 400 pupils, treatment raises completion from 70 % to 80 % (fixed counts, no noise)
    n = 200
    y = np.r_[np.ones(160), np.zeros(40), np.ones(140), np.zeros(60)]
    data = pd.DataFrame({"treatment": np.r_[np.ones(n), np.zeros(n)], "y": y})
    spec = analysis.AnalysisPlan(treatment="treatment", outcomes=(analysis.OutcomeSpec("y", "binary", "primary"),))
    result = analysis.analyse(data, spec)
    result.results[0].outcome = plan.outcomes[-1].name          # the plan's outcome name for column y
    before = ev.pooled("laget_rundt_eleven", "fullforing_vgo")
    study_id = store.report(tid, result, "kari", year=2029)
    rec = store.get(tid)
    assert rec.status == "reported" and rec.plan.evaluation.study_id == study_id
    pooled = ev.pooled("laget_rundt_eleven", "fullforing_vgo")
    assert before is None and pooled is not None and pooled.k == 1
    # OR = (160/40)/(140/60) = 1.7143 from the 2×2 table
    assert np.exp(pooled.estimate) == pytest.approx((160 / 40) / (140 / 60), rel=1e-6)
    measure = ev.measure("laget_rundt_eleven")
    assert any(s["citation"].startswith(f"Oppvekst-forsøk {tid}") for s in measure["studies"])
