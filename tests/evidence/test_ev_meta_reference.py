"""The meta-analysis reproduces published reference results of R's metafor (and R's meta) on classic
datasets: estimate, standard error, τ², I², Q (and CI / prediction interval where published), for
every method offered (fe, dl, pm, reml) and for the Hartung–Knapp adjustment.

Where each number comes from is written next to it. Values printed with 4 decimals are compared to
4 decimals (|ours − printed| ≤ 0.5e−4); values published at full precision are compared to 1e−8.
"""

import math

import pytest

from oppvekst.evidence.meta import meta_analysis, read_meta_csv, reference_data_path


def dec4(value: float, printed: float) -> bool:
    """True when `value` rounds to the printed 4-decimal number."""
    return abs(value - printed) <= 0.5e-4 + 1e-12


# --- Kacker (2004) example, metafor at full precision -------------------------------------------
# statsmodels/stats/tests/results/results_meta.py: "example from Kacker 2004, computed with R
# metafor", objects exk1_metafor (PM), exk1_dl, exk1_dl_hksj, exk1_fe, exk1_fe_hksj.
KACKER_Y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
KACKER_V = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
KACKER = {
    # (method, hk): (b, se, tau2, I2 (percent), QE, ci_lb, ci_ub)
    ("pm", False): (62.4076199113286, 0.338030602684471, 0.705395309224248, 83.7218626490482,
                    24.801897741835, 61.7450921043947, 63.0701477182625),
    ("dl", False): (62.3901386044504, 0.245749668040304, 0.288049246973751, 67.744403741711,
                    24.801897741835, 61.9084781058787, 62.8717991030221),
    ("dl", True): (62.3901386044504, 0.29477605699879, 0.288049246973751, 67.744403741711,
                   24.801897741835, 61.710383798052, 63.0698934108488),
    ("fe", False): (62.5833970939982, 0.107845705498231, 0.0, 67.744403741711,
                    24.801897741835, 62.3720233953344, 62.7947707926621),
    ("fe", True): (62.5833970939982, 0.189889223522271, 0.0, 67.744403741711,
                   24.801897741835, 62.1455117593252, 63.0212824286713),
}


@pytest.mark.parametrize("method,hk", list(KACKER))
def test_kacker_matches_metafor(method, hk):
    b, se, tau2, i2, q, lo, hi = KACKER[(method, hk)]
    res = meta_analysis(KACKER_Y, KACKER_V, method, hk=hk)
    assert res.estimate == pytest.approx(b, abs=1e-8)
    assert res.se == pytest.approx(se, abs=1e-8)
    assert res.tau2 == pytest.approx(tau2, abs=1e-8)
    assert res.i2 == pytest.approx(i2, abs=1e-6)
    assert res.q == pytest.approx(q, abs=1e-8)
    assert res.ci_low == pytest.approx(lo, abs=1e-8)
    assert res.ci_high == pytest.approx(hi, abs=1e-8)
    assert res.q_p == pytest.approx(0.00167935146372742, abs=1e-10)  # exk1_*.QEp


def test_kacker_pm_h2():
    assert meta_analysis(KACKER_Y, KACKER_V, "pm").h2 == pytest.approx(6.14320900751909, abs=1e-6)


# --- BCG vaccine trials (Colditz et al. 1994), log risk ratios ----------------------------------

@pytest.fixture(scope="module")
def bcg():
    return read_meta_csv(reference_data_path("dat_bcg.csv"), "rr")


def test_bcg_escalc_matches_metafor(bcg):
    # metafor docs/reference/dat.bcg.html: escalc(measure="RR", ...) prints yi, vi to 4 decimals
    yi = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694, -1.3713,
          -0.3394, 0.4459, -0.0173]
    vi = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
          0.5325, 0.0714]
    assert all(dec4(a, b) for a, b in zip(bcg.yi, yi))
    assert all(dec4(a, b) for a, b in zip(bcg.vi, vi))


def test_bcg_reml_matches_metafor(bcg):
    # metafor docs/reference/dat.bcg.html and rma.uni.html, rma(yi, vi, data=dat) (REML):
    # tau^2 0.3132 (SE = 0.1664), I^2 92.22%, H^2 12.86, Q(df = 12) = 152.2330,
    # estimate -0.7145, se 0.1798, zval -3.9744, ci -1.0669 -0.3622;
    # predict(res, transf=exp): 0.4894, ci 0.3441 0.6962, cr (prediction) 0.1546 1.5490
    res = meta_analysis(bcg.yi, bcg.vi, "reml", measure="rr")
    assert dec4(res.estimate, -0.7145) and dec4(res.se, 0.1798)
    assert dec4(res.tau2, 0.3132) and dec4(res.tau2_se, 0.1664)
    assert dec4(res.q, 152.2330) and res.q_df == 12
    assert dec4(res.stat, -3.9744)
    assert dec4(res.ci_low, -1.0669) and dec4(res.ci_high, -0.3622)
    assert round(res.i2, 2) == 92.22 and round(res.h2, 2) == 12.86
    # R package performance, tests/testthat/test-model_performance.rma.R: model_performance() of the
    # same metafor REML fit gives I2 = 0.9222139
    assert res.i2 / 100 == pytest.approx(0.9222139, abs=1e-7)
    nat = res.to_dict()["natural_scale"]
    assert dec4(nat["estimate"], 0.4894)
    assert dec4(nat["ci_low"], 0.3441) and dec4(nat["ci_high"], 0.6962)
    assert dec4(nat["pi_low"], 0.1546) and dec4(nat["pi_high"], 1.5490)


def test_bcg_fe_and_dl_match_metafor_tests(bcg):
    # metafor tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (measure="RR")
    fe = meta_analysis(bcg.yi, bcg.vi, "fe")
    assert dec4(fe.estimate, -0.4303) and dec4(fe.ci_low, -0.5097) and dec4(fe.ci_high, -0.3509)
    assert dec4(fe.stat, -10.6247) and dec4(fe.q, 152.2330)
    assert dec4(fe.se, -0.4303 / -10.6247)  # se = estimate / z
    dl = meta_analysis(bcg.yi, bcg.vi, "dl")
    assert dec4(dl.estimate, -0.7141) and dec4(dl.ci_low, -1.0644) and dec4(dl.ci_high, -0.3638)
    assert dec4(dl.stat, -3.9952) and dec4(dl.tau2, 0.3088) and dec4(dl.i2, 92.1173)
    assert dec4(dl.q, 152.2330)


def test_bcg_pm_tau2_matches_metafor(bcg):
    # metafor tests/testthat/test_misc_rma_uni.r: method="DLIT" (iterated DL, whose fixed point is the
    # Paule–Mandel estimate) gives tau2 0.3181 on dat.bcg log risk ratios
    pm = meta_analysis(bcg.yi, bcg.vi, "pm")
    assert dec4(pm.tau2, 0.3181)
    # at the Paule–Mandel solution the generalised Q equals k − 1, so Hartung–Knapp changes nothing
    assert meta_analysis(bcg.yi, bcg.vi, "pm", hk=True).se == pytest.approx(pm.se, rel=1e-9)


def test_bcg_or_and_rd_from_counts_match_metafor_tests():
    # same metafor test file, measure="OR" and measure="RD" computed from the 2×2 counts
    path = reference_data_path("dat_bcg.csv")
    orr = read_meta_csv(path, "or")
    fe = meta_analysis(orr.yi, orr.vi, "fe")
    assert dec4(fe.estimate, -0.4361) and dec4(fe.stat, -10.3190) and dec4(fe.q, 163.1649)
    dl = meta_analysis(orr.yi, orr.vi, "dl")
    assert dec4(dl.estimate, -0.7474) and dec4(dl.ci_low, -1.1242) and dec4(dl.ci_high, -0.3706)
    assert dec4(dl.tau2, 0.3663) and dec4(dl.i2, 92.6455) and dec4(dl.stat, -3.8873)
    rd = read_meta_csv(path, "rd")
    fe = meta_analysis(rd.yi, rd.vi, "fe")
    assert dec4(fe.estimate, -0.0009) and dec4(fe.stat, -4.0448) and dec4(fe.q, 276.4737)
    dl = meta_analysis(rd.yi, rd.vi, "dl")
    assert dec4(dl.estimate, -0.0071) and dec4(dl.tau2, 0.0) and dec4(dl.i2, 95.6596)
    assert dec4(dl.stat, -4.5128)


# --- Fine (1993), odds ratios from counts, R package meta (metabin, DL, Hartung–Knapp) ----------

def test_fine1993_or_dl_hk_matches_r_meta(tmp_path):
    # statsmodels/stats/tests/results/results_meta.py, results_or_dl_hk: R meta 4.11
    # metabin(e2i, nei, c2i, nci, sm="OR", method="Inverse", method.tau="DL", hakn=TRUE)
    ev_e = [18, 22, 21, 14, 42, 80, 13, 37, 23, 19, 106, 170, 34, 18, 13, 12, 42]
    n_e = [19, 34, 72, 22, 70, 183, 26, 61, 36, 45, 246, 386, 59, 45, 14, 26, 74]
    ev_c = [12, 12, 15, 5, 13, 33, 18, 30, 12, 14, 76, 46, 17, 3, 14, 10, 40]
    n_c = [22, 35, 68, 20, 32, 94, 50, 55, 25, 35, 208, 141, 32, 15, 18, 19, 75]
    csv = tmp_path / "fine.csv"
    csv.write_text("study,events_t,n_t,events_c,n_c\n" + "\n".join(
        f"s{i},{a},{b},{c},{d}" for i, (a, b, c, d) in enumerate(zip(ev_e, n_e, ev_c, n_c), 1)))
    data = read_meta_csv(csv, "or")
    fe = meta_analysis(data.yi, data.vi, "fe")
    assert fe.estimate == pytest.approx(0.428036725396544, abs=1e-10)  # TE_fixed
    assert fe.se == pytest.approx(0.0902874968199668, abs=1e-10)  # seTE_fixed
    res = meta_analysis(data.yi, data.vi, "dl", hk=True)
    assert res.estimate == pytest.approx(0.429520368698268, abs=1e-10)  # TE_random
    assert res.se == pytest.approx(0.0915952752397692, abs=1e-10)  # seTE_random (hakn)
    assert res.tau2 == pytest.approx(0.0016783981912744, abs=1e-10)
    assert res.q == pytest.approx(16.181374262823, abs=1e-9) and res.q_df == 16
    assert res.i2 / 100 == pytest.approx(0.0112088293538659, abs=1e-10)
    assert res.df == 16


def test_single_study_and_refusals():
    one = meta_analysis([0.3], [0.04], "reml", hk=True)
    assert one.k == 1 and one.estimate == 0.3 and one.se == pytest.approx(0.2) and not one.hk
    assert math.isnan(one.i2) and one.to_dict()["i2"] is None
    with pytest.raises(ValueError):
        meta_analysis([0.1, 0.2], [0.1, 0.0], "dl")
    with pytest.raises(ValueError):
        meta_analysis([0.1], [0.1], "sj")
