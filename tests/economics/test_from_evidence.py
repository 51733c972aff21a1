"""A scenario built from an evidence-base measure with recorded effects and a municipality's own baseline
(Bergen, NEET 15–29 2024: 5 909 of 63 315, SSB 13556): NPV per level, break-even, payback and P(NPV > 0),
every input with its source."""

import math

import numpy as np
import pytest

from oppvekst.disclosure.door import open_statistics
from oppvekst.economics import baselines, build_scenario, run
from oppvekst.economics.montecarlo import simulate
from oppvekst.errors import InputError
from oppvekst.evidence.seed import ensure_seeded
from oppvekst.evidence.store import EvidenceStore

BERGEN = {"indicator": "neet_15_29", "region": "4601"}
# two test studies (made up for this test) of a measure that raises work or education: odds ratios 1.30 and
# 1.10 with variances of ln OR 0.01 and 0.02
STUDIES = [("Studie A 2020", 1.30, 0.01), ("Studie B 2022", 1.10, 0.02)]


@pytest.fixture
def evidence():
    ensure_seeded()
    store = EvidenceStore()
    store.add_measure({
        "id": "test_jobbprogram", "name": "Jobbprogram (testdata)", "kind": "program", "status": "avsluttet",
        "description": "Testdata for Utenforregnskapet", "outcomes": ["arbeid_utdanning"],
        "studies": [{"citation": c, "year": int(c[-4:]), "country": "NO", "design": "rct", "risk_of_bias": "low",
                     "effects": [{"outcome": "arbeid_utdanning", "measure_type": "or", "estimate": est,
                                  "variance": var, "beneficial_direction": "higher"}]}
                    for c, est, var in STUDIES]}, actor="test")
    return store


@pytest.fixture
def reader(bundled_warehouse_path, monkeypatch):
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    with open_statistics() as r:
        yield r


def test_scenario_from_the_evidence_base_and_bergens_baseline(evidence, reader, scenario_dict):
    scenario_dict["target_group"] = {"from_warehouse": BERGEN}
    scenario_dict["baseline"] = {"from_warehouse": BERGEN}
    # the measure raises the favourable outcome (work or education), so the costly one (NEET) falls
    scenario_dict["effect"] = {"from_evidence": {"measure": "test_jobbprogram", "outcome": "arbeid_utdanning",
                                                 "effect_on": "favourable"}}
    data, _ = baselines.fill(scenario_dict, reader)
    sc = build_scenario(data)
    pooled = evidence.pooled("test_jobbprogram", "arbeid_utdanning")
    assert pooled.k == 2 and sc.effect.estimate == pytest.approx(pooled.estimate)
    # favourable share 1 − 5909/63315 raised by the pooled OR: p1 = OR·p0 / (1 − p0 + OR·p0)
    p0 = 1 - 5909 / 63315
    odds = math.exp(pooled.estimate)
    assert sc.effect.baseline_costly == pytest.approx(5909 / 63315)
    assert 1 - (odds * p0 / (1 - p0 + odds * p0)) < 5909 / 63315
    res = run(sc)
    assert set(res.npv) >= {"kommune", "stat", "total"} and all(np.isfinite(v) for v in res.npv.values())
    assert res.break_even_delta["total"] is not None and "total" in res.payback_year
    mc = simulate(sc, draws=2000, seed=7)
    assert 0 <= mc.prob_positive["total"] <= 1 and mc.prob_positive == simulate(sc, draws=2000, seed=7).prob_positive
    figures = {f["name"]: f for f in sc.figures}
    # every input with its source, or marked as the user's own assumption (the hand case's rates)
    assert all(f["source"] or f["own_assumption"] for f in sc.figures)
    assert {f["name"] for f in sc.figures if not f["source"]} == {"budget discount rate", "societal discount bands",
                                                                  "tax-financing cost"}
    assert figures["effect"]["source"].startswith("Kunnskapsbasen: Jobbprogram (testdata)") and "k = 2" in \
        figures["effect"]["source"]
    assert figures["baseline probability of the costly outcome"]["source"] == "SSB 13556, 2024"


def test_a_measure_without_a_recorded_effect_must_be_entered_by_the_user(evidence, scenario_dict):
    scenario_dict["effect"] = {"from_evidence": {"measure": "laget_rundt_eleven", "outcome": "fullforing_vgo"}}
    with pytest.raises(InputError) as err:
        build_scenario(scenario_dict)
    assert err.value.field == "effect"
    scenario_dict["effect"] = {"from_evidence": {"measure": "no_such_measure", "outcome": "x"}}
    with pytest.raises(InputError, match="no measure"):
        build_scenario(scenario_dict)
