"""Converting pooled effects to a change in outcome probability, with the conversion named."""

import math

import numpy as np
import pytest

from oppvekst.economics import effects as fx
from oppvekst.errors import InputError
from oppvekst.evidence.meta import meta_analysis


def test_conversions_by_hand():
    # p0 = 0.3
    assert fx.p1_from(math.log(0.5), "or", 0.3) == pytest.approx(0.15 / 0.85)   # OR·p0/(1 − p0 + OR·p0)
    assert fx.p1_from(math.log(0.5), "rr", 0.3) == pytest.approx(0.15)          # RR·p0
    assert fx.p1_from(-0.1, "rd", 0.3) == pytest.approx(0.2)                     # p0 + RD
    # SMD g = 0.2 → ln OR = 0.2·π/√3 = 0.362760, OR = 1.437291; at p0 = 0.7: p1 = 1.006103/1.306103 = 0.770309
    log_or = 0.2 * math.pi / math.sqrt(3)
    assert log_or == pytest.approx(0.362760, abs=1e-6)
    assert fx.p1_from(0.2, "smd", 0.7) == pytest.approx(math.exp(log_or) * 0.7 / (0.3 + math.exp(log_or) * 0.7))
    assert fx.p1_from(0.2, "smd", 0.7) == pytest.approx(0.770309, abs=1e-6)


def test_effect_on_favourable_outcome_gives_fall_in_costly():
    # completion (favourable) from 0.7 by SMD 0.2: non-completion (costly, q0 = 0.3) falls by 0.070309
    e = fx.effect_from_input({"measure": "smd", "estimate": 0.2, "se": 0.05, "effect_on": "favourable",
                              "source": "x"}, 0.3)
    assert e.p0 == pytest.approx(0.7) and e.delta == pytest.approx(0.070309, abs=1e-6)
    assert "Chinn" in e.conversion
    lo, hi = e.delta_interval()
    assert lo < e.delta < hi


def test_ratio_inputs_on_reported_scale_and_ci_to_se():
    e = fx.effect_from_input({"measure": "or", "estimate": 0.5, "ci_low": 0.25, "ci_high": 1.0, "source": "x"}, 0.3)
    assert e.estimate == pytest.approx(math.log(0.5))
    assert e.se == pytest.approx((math.log(1.0) - math.log(0.25)) / (2 * 1.959963984540054))
    assert e.delta == pytest.approx(0.3 - 0.15 / 0.85)


def test_from_pooled_meta_result():
    # two studies of ln OR: the evidence package's MetaResult as EvidenceStore.pooled() returns it
    res = meta_analysis([math.log(0.6), math.log(0.8)], [0.04, 0.05], "reml", hk=True, measure="or")
    e = fx.effect_from_pooled(res, baseline_costly=0.25, effect_on="costly", source="evidence base", evidence_level=3)
    assert e.origin == "evidence" and e.k == 2 and e.se == res.se and e.measure == "or"
    odds_ratio = math.exp(res.estimate)
    assert e.p1 == pytest.approx(odds_ratio * 0.25 / (0.75 + odds_ratio * 0.25))
    assert e.delta == pytest.approx(0.25 - e.p1)
    assert any("Hartung" in n for n in e.notes)


def test_no_recorded_effect_is_refused():
    with pytest.raises(InputError) as exc:
        fx.effect_from_pooled(None, baseline_costly=0.2, effect_on="costly", source="x")
    assert exc.value.field == "effect" and "kilde" in str(exc.value)
    with pytest.raises(InputError):
        fx.effect_from_input(None, 0.2)


def test_mean_difference_and_impossible_effects_refused():
    res = meta_analysis([1.0, 2.0], [0.1, 0.1], "fe", measure="md")
    with pytest.raises(InputError) as exc:
        fx.effect_from_pooled(res, baseline_costly=0.2, effect_on="costly", source="x")
    assert exc.value.field == "effect.measure"
    with pytest.raises(InputError) as exc:  # RR 4 at p0 = 0.3 gives p1 = 1.2
        fx.effect_from_input({"measure": "rr", "estimate": 4, "source": "x"}, 0.3)
    assert exc.value.field == "effect.estimate"
    with pytest.raises(InputError) as exc:
        fx.effect_from_input({"measure": "or", "estimate": 0.5}, 0.3)
    assert exc.value.field == "effect.source"


def test_break_even_in_effect_terms():
    e = fx.effect_from_input({"measure": "or", "estimate": 0.5, "se": 0.2, "source": "x"}, 0.3)
    be = fx.break_even_effect(0.05, e)  # q1 = 0.25 → OR = (0.25/0.75)/(0.3/0.7) = 0.77778
    assert be["effect"] == pytest.approx((0.25 / 0.75) / (0.3 / 0.7))
    assert fx.break_even_effect(0.5, e)["feasible"] is False


def test_vectorised_draws_clip():
    e = fx.effect_from_input({"measure": "rd", "estimate": -0.1, "se": 0.1, "source": "x"}, 0.1)
    d = e.delta_for(np.array([-0.5, 0.0, 2.0]))
    assert np.allclose(d, [0.1, 0.0, -0.9])  # p1 clipped to [0, 1]


def test_seeded_evidence_base_measure_without_effect_is_refused(tmp_path):
    # The seed records no effect sizes (their sources give none): the calculator must say so.
    from oppvekst.evidence.seed import ensure_seeded
    from oppvekst.evidence.store import EvidenceStore

    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    ensure_seeded(url)
    pooled = EvidenceStore(url).pooled("arbeidsrettet_ungdomsprogram", "arbeid_utdanning")
    assert pooled is None
    with pytest.raises(InputError) as exc:
        fx.effect_from_pooled(pooled, baseline_costly=0.1, effect_on="favourable", source="kunnskapsbasen")
    assert exc.value.field == "effect" and "source" in str(exc.value)
