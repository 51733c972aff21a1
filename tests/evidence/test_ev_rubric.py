"""The evidence-level rubric, case by case: each level, its boundaries, and the rule that placed it."""

import math

import pytest

from oppvekst.evidence.rubric import EffectFacts, MeasureFacts, StudyFacts, classify, finding_from_effects

DESCRIBED = MeasureFacts(description="Hjemmebesøk", target_group="Førstegangsforeldre")
GROUNDED = MeasureFacts(description="Hjemmebesøk", target_group="Førstegangsforeldre",
                        rationale="Tidlig relasjon og støtte gir bedre helse")
FULL = MeasureFacts(description="Hjemmebesøk", target_group="Førstegangsforeldre",
                    rationale="Teori", implementation="Manual, sertifisering, fidelitetsmåling")


def study(i, country="NO", design="rct", rob="low", finding="positive", follow=24, status="completed",
          effects=()):
    return StudyFacts(id=i, citation=f"Studie {i}", country=country, design=design, status=status,
                      risk_of_bias=rob, follow_up_months=follow, reported_finding=finding,
                      effects=tuple(effects))


def test_level5_two_nordic_rcts_low_bias_sustained_and_implementation():
    dec = classify(FULL, [study(1), study(2, country="SE", design="cluster_rct")])
    assert (dec.level, dec.rule) == (5, "L5")
    assert dec.supporting == (1, 2)
    assert dec.label_nb == "Sterk dokumentasjon"


def test_level5_one_nordic_rct_and_a_positive_review():
    dec = classify(FULL, [study(1), study(2, country="US", design="systematic_review", follow=None)])
    assert dec.level == 5


def test_level5_needs_implementation_requirements():
    dec = classify(GROUNDED, [study(1), study(2)])
    assert (dec.level, dec.rule) == (4, "L4")


def test_level5_needs_follow_up_of_a_year():
    dec = classify(FULL, [study(1, follow=6), study(2, follow=11)])
    assert dec.level == 4


def test_level5_needs_low_risk_of_bias():
    dec = classify(FULL, [study(1), study(2, rob="some")])
    assert dec.level == 4


def test_level4_one_nordic_quasi_experiment_with_some_concerns():
    dec = classify(DESCRIBED, [study(1, country="DK", design="quasi_experimental", rob="some", follow=3)])
    assert (dec.level, dec.rule) == (4, "L4")


def test_level4_counts_mixed_findings_as_beneficial():
    assert classify(DESCRIBED, [study(1, finding="mixed")]).level == 4


def test_high_risk_of_bias_does_not_count_for_levels_3_and_4():
    dec = classify(GROUNDED, [study(1, rob="high")])
    assert (dec.level, dec.rule) == (2, "L2")
    assert dec.notes[0].counted  # listed and assessed, but it placed nothing


def test_level3_international_rct():
    dec = classify(DESCRIBED, [study(1, country="GB")])
    assert (dec.level, dec.rule) == (3, "L3")


def test_level3_nordic_pre_post():
    assert classify(DESCRIBED, [study(1, design="pre_post", rob="some")]).level == 3


def test_international_pre_post_is_not_enough():
    assert classify(DESCRIBED, [study(1, country="US", design="pre_post")]).level == 1


def test_level0_nordic_rct_without_effect():
    dec = classify(GROUNDED, [study(1, finding="null")])
    assert (dec.level, dec.rule) == (0, "L0")
    assert dec.label_nb == "Uvirksomt tiltak"


def test_positive_international_trial_lifts_measure_above_level0():
    assert classify(GROUNDED, [study(1, finding="null"), study(2, country="US")]).level == 3


def test_null_rct_with_high_risk_of_bias_is_not_level0():
    # like HOLF: an RCT with "betydelige metodesvakheter" that found no effect on work
    assert classify(GROUNDED, [study(1, finding="null", rob="high")]).level == 2


def test_ongoing_planned_qualitative_and_unknown_design_are_listed_not_counted():
    dec = classify(DESCRIBED, [study(1, status="ongoing"), study(2, status="planned"),
                               study(3, design="qualitative"), study(4, design="not_stated")])
    assert dec.level == 1 and dec.rule == "L1"
    assert [n.counted for n in dec.notes] == [False, False, False, False]
    assert "pågår" in dec.notes[0].reason and "design" in dec.notes[3].reason


def test_level2_needs_a_rationale_level1_does_not():
    assert classify(GROUNDED, []).level == 2
    assert classify(DESCRIBED, []).level == 1
    assert classify(MeasureFacts(description="x", target_group=None, rationale="y"), []).level == 1


def test_effect_sizes_decide_the_finding_over_the_source_text():
    beneficial = EffectFacts(yi=0.3, ci_low=0.1, ci_high=0.5, higher_is_better=True)
    s = study(1, finding="null", effects=[beneficial])
    assert s.finding == "positive" and classify(DESCRIBED, [s]).level == 4
    # a lower-is-better outcome (e.g. crime): ln RR = ln 0.7 with CI below 0 is beneficial
    crime = EffectFacts(yi=math.log(0.7), ci_low=math.log(0.55), ci_high=math.log(0.9),
                        higher_is_better=False)
    assert finding_from_effects([crime]) == "positive"
    harmful = EffectFacts(yi=-0.3, ci_low=-0.5, ci_high=-0.1, higher_is_better=True)
    assert finding_from_effects([harmful]) == "negative"
    assert finding_from_effects([beneficial, harmful]) == "mixed"
    unclear = EffectFacts(yi=0.1, ci_low=-0.1, ci_high=0.3, higher_is_better=True)
    assert finding_from_effects([unclear]) == "null"
    assert classify(GROUNDED, [study(2, effects=[unclear])]).level == 0


@pytest.mark.parametrize("country,nordic", [("NO", True), ("se", True), ("FI", True), ("IS", True),
                                            ("DE", False), (None, False)])
def test_nordic_countries(country, nordic):
    assert study(1, country=country).nordic is nordic


def test_decision_serialises_with_rule_text():
    data = classify(DESCRIBED, [study(1)]).to_dict()
    assert data["level"] == 4 and data["rule"] == "L4"
    assert data["rule_nb"].startswith("Minst én avsluttet nordisk kontrollert studie")
    assert data["studies"][0]["counted"] is True
