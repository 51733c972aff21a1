"""Effect-size helpers: against R metafor's escalc (reference values copied from statsmodels' own test
suite, which computed them with metafor) and against hand-computed cases."""

import math

import pytest

from oppvekst.evidence import effects as fx

# statsmodels/stats/tests/test_meta.py, TestEffSmdMeta (example from the book Applied Meta-Analysis
# with R): study, mean_t, sd_t, n_t, mean_c, sd_c, n_c ...
SMD_DATA = [
    (94, 22, 60, 92, 20, 60), (98, 21, 65, 92, 22, 65), (98, 28, 40, 88, 26, 40),
    (94, 19, 200, 82, 17, 200), (98, 21, 50, 88, 22, 45), (96, 21, 85, 92, 22, 85),
]
# ... and metafor's escalc(measure="SMD") yi and default (large-sample) vi printed there ("vi_asy")
SMD_YI = [0.09452415852032972, 0.27735586626551018, 0.36654442951591998,
          0.66438496832691396, 0.46180628128769841, 0.18516443739910043]
SMD_VI = [0.03337056173559990, 0.03106510106366112, 0.05083971761755720,
          0.01055175923267344, 0.04334466980873156, 0.02363025255552155]


@pytest.mark.parametrize("row,yi,vi", list(zip(SMD_DATA, SMD_YI, SMD_VI)))
def test_hedges_g_matches_metafor(row, yi, vi):
    eff = fx.hedges_g(*row)
    assert eff.measure == "smd"
    assert eff.yi == pytest.approx(yi, abs=1e-12)
    assert eff.vi == pytest.approx(vi, abs=1e-12)


# statsmodels/stats/tests/test_meta.py TestEffectsizeBinom: dat.fine1993 columns e2i, nei, c2i, nci
E2I = [11, 18, 21, 14, 42, 80, 13, 37, 23, 19, 106, 170, 34, 18, 13, 12, 42]
NEI = [19, 34, 72, 22, 70, 183, 26, 61, 36, 45, 246, 386, 59, 45, 14, 26, 74]
C2I = [12, 12, 15, 5, 13, 33, 18, 30, 12, 14, 76, 46, 17, 3, 14, 10, 40]
NCI = [22, 35, 68, 20, 32, 94, 50, 55, 25, 35, 208, 141, 32, 15, 18, 19, 75]
# statsmodels/stats/tests/results/results_meta.py: metafor escalc(measure="OR"/"RR"/"RD",
# ai=e2i, n1i=nei, ci=c2i, n2i=nci) outputs y_or, v_or, y_rr, v_rr, y_rd, v_rd (first five studies)
REF_2X2 = {
    "or": ([0.13613217432458, 0.768370601797533, 0.374938517449009, 1.65822807660353, 0.784954729813068],
           [0.399242424242424, 0.244867149758454, 0.152761481951271, 0.463095238095238, 0.189078465394255]),
    "rr": ([0.0595920972022457, 0.434452644981417, 0.279313822781264, 0.934309237376833, 0.389960921572199],
           [0.0761562998405104, 0.080905695611578, 0.0856909430438842, 0.175974025974026, 0.0551968864468864]),
    "rd": ([0.0334928229665072, 0.186554621848739, 0.071078431372549, 0.386363636363636, 0.19375],
           [0.0240995805934916, 0.0137648162576944, 0.00539777447807907, 0.0198934072126221,
            0.0109664132254464]),
}


@pytest.mark.parametrize("measure", ["or", "rr", "rd"])
def test_2x2_matches_metafor(measure):
    ys, vs = REF_2X2[measure]
    for i, (y, v) in enumerate(zip(ys, vs)):
        eff = fx.from_2x2(E2I[i], NEI[i], C2I[i], NCI[i], measure)
        assert eff.yi == pytest.approx(y, abs=1e-12)
        assert eff.vi == pytest.approx(v, abs=1e-12)


def test_2x2_hand_computed():
    # 10/100 events under treatment, 20/100 under control
    odds = fx.from_2x2(10, 100, 20, 100, "or")
    assert odds.estimate == pytest.approx((10 * 80) / (90 * 20))
    assert odds.vi == pytest.approx(1 / 10 + 1 / 90 + 1 / 20 + 1 / 80)
    risk = fx.from_2x2(10, 100, 20, 100, "rr")
    assert risk.estimate == pytest.approx(0.5)
    assert risk.vi == pytest.approx(1 / 10 - 1 / 100 + 1 / 20 - 1 / 100)  # 0.13
    diff = fx.from_2x2(10, 100, 20, 100, "rd")
    assert diff.yi == pytest.approx(-0.1)
    assert diff.vi == pytest.approx(0.1 * 0.9 / 100 + 0.2 * 0.8 / 100)  # 0.0025


def test_zero_cell_gets_half_added_to_every_cell():
    eff = fx.from_2x2(0, 10, 5, 10, "or")  # cells 0.5, 10.5, 5.5, 5.5
    assert eff.yi == pytest.approx(math.log(0.5 * 5.5 / (10.5 * 5.5)))
    assert eff.vi == pytest.approx(1 / 0.5 + 1 / 10.5 + 2 / 5.5)


def test_hedges_g_hand_computed():
    # d = (10 − 8)/2 = 1; df = 18; J = Γ(9)/(3·Γ(8.5)) with Γ(9) = 40320, Γ(8.5) = 2027025/256·√π
    j = 40320 / (3 * (2027025 / 256) * math.sqrt(math.pi))
    eff = fx.hedges_g(10, 2, 10, 8, 2, 10)
    assert eff.yi == pytest.approx(j, rel=1e-12)
    assert j == pytest.approx(1 - 3 / (4 * 18 - 1), abs=2e-4)  # Hedges' approximation agrees
    assert eff.vi == pytest.approx(0.1 + 0.1 + j * j / 40)


def test_smd_from_t_and_f():
    # t = 2.5 with 20 + 20: d = 2.5·√(1/20 + 1/20) = 0.790569...; g = J(38)·d
    d = 2.5 * math.sqrt(0.1)
    g = fx.hedges_j(38) * d
    assert fx.smd_from_t(2.5, 20, 20).yi == pytest.approx(g)
    assert fx.smd_from_f(6.25, 20, 20).yi == pytest.approx(g)
    assert fx.smd_from_f(6.25, 20, 20, sign=-1).yi == pytest.approx(-g)
    # the t route equals the means route for the same data
    assert fx.smd_from_t((10 - 8) / (2 * math.sqrt(0.2)), 10, 10).yi == pytest.approx(
        fx.hedges_g(10, 2, 10, 8, 2, 10).yi)


def test_mean_difference():
    eff = fx.mean_difference(12.0, 3.0, 25, 10.0, 4.0, 50)
    assert eff.yi == 2.0
    assert eff.vi == pytest.approx(9 / 25 + 16 / 50)


def test_from_ci_ratio_and_difference():
    eff = fx.from_ci("or", 0.5, 0.25, 1.0)
    assert eff.yi == pytest.approx(math.log(0.5))
    assert eff.vi == pytest.approx((math.log(4) / (2 * 1.959963984540054)) ** 2)  # 0.12508
    assert eff.ci() == pytest.approx((0.25, 1.0))  # the interval is symmetric on the log scale
    md = fx.from_ci("md", 2.0, 1.0, 3.0)
    assert md.vi == pytest.approx((1 / 1.959963984540054) ** 2)
    assert md.ci() == pytest.approx((1.0, 3.0))


def test_from_ci_refuses_estimate_outside_interval():
    with pytest.raises(ValueError, match="outside its own interval"):
        fx.from_ci("rr", 1.3, 0.5, 1.2)


def test_conversions_hand_computed():
    lor = fx.Effect("or", 1.0, 0.2)
    d = fx.logor_to_smd(lor)
    assert d.yi == pytest.approx(math.sqrt(3) / math.pi)  # 0.5513
    assert d.vi == pytest.approx(0.2 * 3 / math.pi**2)
    back = fx.smd_to_logor(d)
    assert (back.yi, back.vi) == pytest.approx((1.0, 0.2))
    assert fx.or_to_rr(2.0, 0.2) == pytest.approx(2 / (0.8 + 0.4))  # 1.6667
    assert fx.rr_to_or(fx.or_to_rr(2.0, 0.2), 0.2) == pytest.approx(2.0)
    assert fx.rr_to_rd(1.5, 0.2) == pytest.approx(0.1)
    assert fx.d_to_r(0.5, 50, 50) == pytest.approx(0.5 / math.sqrt(0.25 + 4))  # 0.2425
    assert fx.r_to_d(fx.d_to_r(0.5, 50, 50), 50, 50) == pytest.approx(0.5)


def test_effect_refuses_bad_values():
    with pytest.raises(ValueError):
        fx.Effect("smd", 0.2, 0.0)
    with pytest.raises(ValueError):
        fx.Effect("hazard", 0.2, 0.1)
    with pytest.raises(ValueError):
        fx.from_2x2(12, 10, 1, 10, "or")
