"""Method choice (rules as data), the Boks 7.1 templates and planning values from the warehouse."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from oppvekst.disclosure.door import open_statistics
from oppvekst.errors import InputError
from oppvekst.trials import method_choice, planning, templates


@pytest.mark.parametrize(("answers", "design"), [
    ({"randomise": True, "level": "individual"}, "individual_rct"),
    ({"randomise": "ja", "level": "cluster", "units": 40}, "cluster_rct"),
    ({"randomise": True, "level": "cluster", "phased": True, "units": 24}, "stepped_wedge"),
    ({"randomise": False, "cutoff": True}, "rdd"),
    ({"randomise": False, "comparison_pre": True}, "did"),
    ({"randomise": False, "comparison": True}, "matching"),
    ({"randomise": False}, "no_effect_design"),
    ({}, "no_effect_design"),
])
def test_method_choice(answers, design):
    assert method_choice.choose(answers).design == design


def test_too_few_clusters_rule_out_cluster_designs():
    choice = method_choice.choose({"randomise": True, "level": "cluster", "units": 3, "comparison_pre": True})
    assert choice.blocked == ["cluster_rct", "stepped_wedge"]
    assert choice.design == "did" and choice.design_info["risk_of_bias"] == "moderate"
    assert any("fire klynger" in n["nb"] for n in choice.notes)


def test_every_design_named_in_a_rule_is_described_and_the_last_rule_always_holds():
    spec = method_choice.methods()
    named = {r["recommend"] for r in spec["rules"]} | {a for r in spec["rules"] for a in r["alternatives"]}
    assert named <= set(spec["designs"])
    assert spec["rules"][-1]["when"] == {}


def test_bad_answers_name_the_question():
    with pytest.raises(InputError, match="'level'"):
        method_choice.choose({"level": "school"})
    with pytest.raises(InputError, match="'colour'"):
        method_choice.choose({"colour": "blue"})
    with pytest.raises(InputError, match="'units'"):
        method_choice.choose({"units": "many"})


def test_templates_quote_the_white_paper_and_map_to_catalogued_indicators():
    all_ = templates.templates()
    assert len(all_) == 8
    inkl = templates.template("inkludering_fritid")
    assert inkl["reference"].startswith("Meld. St. 28 (2024–2025) kap. 7.2.1, Boks 7.1")
    assert [o["indicator"] for o in inkl["outcomes"]][0] == "organised_leisure"
    barnehage = templates.template("automatisk_barnehageplass")
    assert barnehage["planning_values"][0]["value"] == 81.8          # kap. 4.3.4: 81,8 % of one-year-olds
    with pytest.raises(InputError, match="'template'"):
        templates.template("nope")


def test_icc_hand_computed():
    # two groups of 10: 2 and 6 events. p = 0.4; MSB = 10(0.2² + 0.2²)/1 = 0.8;
    # MSW = (10·0.2·0.8 + 10·0.6·0.4)/18 = 4/18; n0 = (20 − 200/20)/1 = 10;
    # ICC = (0.8 − 0.2222)/(0.8 + 9·0.2222) = 0.5778/2.8 = 0.20635
    assert planning.icc_from_counts(np.array([2, 6]), np.array([10, 10])) == pytest.approx(0.206349, rel=1e-5)


def test_icc_equals_one_way_anova_on_the_individual_records():
    events, sizes = np.array([3, 9, 4, 12]), np.array([20, 25, 15, 30])
    people = pd.DataFrame({"g": np.repeat(np.arange(4), sizes),
                           "y": np.concatenate([np.r_[np.ones(e), np.zeros(n - e)] for e, n in zip(events, sizes)])})
    table = sm.stats.anova_lm(smf.ols("y ~ C(g)", people).fit())
    msb, msw = table["mean_sq"].iloc[0], table["mean_sq"].iloc[1]
    n0 = (sizes.sum() - (sizes ** 2).sum() / sizes.sum()) / 3
    assert planning.icc_from_counts(events, sizes) == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw), rel=1e-12)


def test_planning_values_for_neet_from_ssb_13556(bundled_warehouse_path):
    with open_statistics(path=bundled_warehouse_path) as wh:
        values = planning.planning_values(wh, "neet_15_29")
    assert values.year == 2024 and values.source == "SSB 13556, 2024" and not values.synthetic
    assert values.baseline == pytest.approx(104_388 / 1_044_103)          # national NEET 15–29, 2024
    assert values.areas == 357 and values.left_out == 0
    assert 0 < values.icc < 0.05


def test_planning_values_refuse_what_the_data_cannot_give(bundled_warehouse_path):
    with open_statistics(path=bundled_warehouse_path) as wh:
        with pytest.raises(InputError, match="no figures for organised_leisure"):
            planning.planning_values(wh, "organised_leisure")
        with pytest.raises(InputError, match="'indicator'"):
            planning.planning_values(wh, "not_an_indicator")
