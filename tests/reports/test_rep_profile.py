"""The profile built on the bundled NEET data, the synthetic stand-ins, the spine chart and the PDF."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
from statsmodels.stats.proportion import proportion_confint

from oppvekst.compare.barometer import Method
from oppvekst.compare.comparison import Comparison
from oppvekst.indicators.catalogue import Indicator, catalogue, profile_indicators
from oppvekst.reports import pdf, spine
from oppvekst.reports.profile import profile


@pytest.fixture(scope="module")
def data(built_path):
    from oppvekst.warehouse import Warehouse

    with Warehouse(built_path, read_only=True) as wh:
        return Comparison.compute(wh, Method("exact", "bh"))


def _profile(data: Comparison, code: str) -> dict:
    return profile(data.for_region(code), with_measures=False)


def _row(profile: dict, indicator: str) -> dict:
    return next(r for t in profile["themes"] for r in t["rows"] if r["id"] == indicator)


def test_every_municipality_profile_shows_neet_with_interval_and_class(data):
    munis = data.regions.loc[data.regions["level"] == "kommune", "code"]
    assert len(munis) == 357
    classes = set()
    for code in munis:
        r = _row(_profile(data, code), "neet_15_29")
        if not r["has_data"]:
            continue
        assert r["period"] == "2024"
        assert r["ci_low"] <= r["value"] <= r["ci_high"]
        assert r["cls"] in ("better", "worse", "same")
        classes.add(r["cls"])
    assert classes == {"better", "worse", "same"}


def test_oslo_profile_values(data):
    p = _profile(data, "0301")
    r = _row(p, "neet_15_29")
    # SSB 13556, Oslo 2024: 16 109 of 159 078 aged 15-29 (warehouse tests); interval by Wilson
    assert (r["numerator"], r["denominator"]) == (16109, 159078)
    lo, hi = proportion_confint(16109, 159078, method="wilson")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo * 100, hi * 100))
    assert r["national"]["value"] == pytest.approx(104388 / 1044103 * 100)
    assert r["classes"]["parent"]["cls"] == "not_assessed"        # Oslo is the whole of Oslo county
    assert r["classes"]["previous"]["period"] == "2023"
    assert r["trend"]["k"] == 10 and r["trend"]["first"] == 2015
    assert r["spine"]["min"] <= r["value"] <= r["spine"]["max"]
    assert p["method"]["code"] == "exact+bh" and "Benjamini" in p["method"]["nb"]
    json.dumps(p)                                                   # JSON-ready (no NaN, no numpy types)


def test_indicators_without_data_say_so(data):
    p = _profile(data, "4601")
    shown = sum(len(t["rows"]) for t in p["themes"])
    assert shown == sum(len(v) for v in profile_indicators().values())
    nodata = [r for t in p["themes"] for r in t["rows"] if not r["has_data"]]
    assert p["counts"]["no_data"] == len(nodata) > 0
    assert all(r["cls"] == "not_assessed" and r["no_data_reason"] for r in nodata)
    assert len(p["asss"]) == 15 and [r["asss_number"] for r in p["asss"]] == list(range(1, 16))


def test_city_district_profile_and_unknown_code(data):
    p = _profile(data, "030101")
    assert p["region"]["level"] == "bydel" and p["region"]["parent"] == "0301"
    with pytest.raises(KeyError):
        _profile(data, "9999")
    with pytest.raises(KeyError):
        _profile(data, "0")                           # no profile for the country itself


def test_synthetic_stand_in_is_shown_and_marked(built_path, monkeypatch):
    """An indicator with no real data but a `<id>_syn` twin with data shows the twin, marked synthetic."""
    from oppvekst.compare.data import load_observations
    from oppvekst.warehouse import Warehouse

    real = catalogue()
    twin_id = "crowded_housing_0_17_syn"
    cat = dict(real)
    if twin_id not in cat:
        twin = real["crowded_housing_0_17"].model_copy(update={"id": twin_id, "data": "synthetic"})
        cat[twin_id] = Indicator.model_validate(twin.model_dump())
    for mod in ("oppvekst.indicators.catalogue", "oppvekst.compare.comparison", "oppvekst.compare.barometer"):
        monkeypatch.setattr(f"{mod}.catalogue", lambda cat=cat: cat)
    with Warehouse(built_path, read_only=True) as wh:
        obs = load_observations(wh, self_reports=False)
    neet = obs[(obs["indicator"] == "neet_15_29") & (obs["age"] == "15-29")]
    fake = neet.assign(indicator=twin_id, age=cat[twin_id].headline.get("age", "all"), synthetic=True)  # shape only
    d = Comparison.from_observations(pd.concat([obs[obs["indicator"] != twin_id], fake], ignore_index=True))
    r = _row(_profile(d, "4601"), "crowded_housing_0_17")
    assert r["has_data"] and r["synthetic"] and r["data_id"] == twin_id
    assert _profile(d, "4601")["synthetic"] is True


def test_spine_positions_put_better_to_the_right():
    worse_high = {"label": "x", "has_data": True, "value": 15.0, "polarity": "higher_worse", "cls": "worse",
                  "spine": {"min": 5.0, "p25": 8.0, "median": 10.0, "p75": 12.0, "max": 20.0, "national": 10.0}}
    better_high = dict(worse_high, polarity="higher_better", cls="better")
    pos = spine.positions([worse_high, better_high])
    # distance = max(|20 − 10|, |10 − 5|) = 10; 15 → 0.5 + 5/20 = 0.75, flipped for higher-is-worse
    assert pos["pos"].tolist() == pytest.approx([0.25, 0.75])
    assert pos.loc[0, "lo"] == pytest.approx(0.0) and pos.loc[0, "hi"] == pytest.approx(0.75)
    svg = spine.svg([{"name_nb": "Levekår", "rows": [worse_high, {"label": "y", "has_data": False}]}])
    assert svg.startswith("<svg") and 'data-class="worse"' in svg and "ingen data" in svg
    assert spine.sparkline([{"year": 2020, "value": 1.0, "ci_low": 0.5, "ci_high": 1.5},
                            {"year": 2021, "value": 2.0, "ci_low": 1.5, "ci_high": 2.5}]).startswith("<svg")


def test_pdf_has_the_profile_and_its_charts(data):
    p = _profile(data, "1508")
    body = pdf.profile_pdf(p, pdf.profile_charts(p))
    assert body[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Oppvekstprofil: Ålesund" in text and "Barometer" in text and "Unge utenfor (NEET)" in text
    assert "Benjamini" in text and "ingen data" in text.lower()
    # the charts are vector drawings (form XObjects): spine bars, sparklines and the small multiples
    forms = 0
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        forms += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Form")
    assert forms >= 3
    # the small-multiples chart carries its own text (axis years, legend)
    assert "Landet" in text and "2015" in text
    # the NEET row: value, its interval on the line below, the national value, both classes, the trend
    r = _row(p, "neet_15_29")
    lines = text.splitlines()
    value = pdf.nb_number(r["value"], 1) + " %"
    interval = f"{pdf.nb_number(r['ci_low'], 1)}–{pdf.nb_number(r['ci_high'], 1)}"
    at = next(i for i, line in enumerate(lines) if line.startswith("Unge utenfor (NEET)") and value in line)
    assert lines[at + 1].startswith(interval)
    row = " ".join(lines[at:at + 4])
    assert f"{pdf.nb_number(r['national']['value'], 1)} {pdf.nb_number(r['classes']['parent']['value'], 1)}" in row
    assert f"{r['cls_name']} {r['classes']['previous']['cls_name']} {r['trend']['cls_name']}" in row
    assert f"{pdf.nb_number(r['trend']['slope'], 2)} ({pdf.nb_number(r['trend']['ci_low'], 2)};" in row
    # ASSS indicators without data are listed by results-chain level, not dropped
    assert "Ingen data ennå for Ålesund: Aktivitet: 1 " in text.replace("\n", " ")
    assert all(f"{r['asss_number']} {r['label']}" in text.replace("\n", " ") for r in p["asss"] if not r["has_data"])


def test_small_multiples_ticks_and_panels():
    # round steps of 1, 2 or 5 × 10^k, as near four ticks as possible, never fewer than two
    assert spine._ticks(5.5, 14) == [6.0, 8.0, 10.0, 12.0, 14.0]
    assert spine._ticks(3, 3.2) == pytest.approx([3.0, 3.1, 3.2])
    assert spine._ticks(0, 100) == [0.0, 50.0, 100.0]
    s = [{"year": 2020 + i, "value": v, "ci_low": v - 1, "ci_high": v + 1} for i, v in enumerate([5.0, 6.0, 4.0])]
    nat = [{"year": 2020 + i, "value": v} for i, v in enumerate([5.5, 5.0, 4.5])]
    svg = spine.small_multiples([{"label": "A & B", "series": s, "national": nat},
                                 {"label": "C", "series": s[:1], "national": []}], "Ålesund")
    assert svg.startswith("<svg") and "A &amp; B" in svg and ">C</text>" in svg and "Landet" in svg
    # panel A: band, national line and area line; panel C (one point): a dot
    assert svg.count("<polygon") == 1 and svg.count("<polyline") == 2 and svg.count("<circle") == 1
    assert ">2020</text>" in svg and ">2022</text>" in svg
    assert spine.small_multiples([], "Ålesund") == ""


def test_asss_without_data_grouped_by_chain_level():
    p = {"chain_names": {"aktivitet": {"nb": "Aktivitet"}, "resultat": {"nb": "Resultat"}},
         "asss": [{"has_data": False, "asss_number": 7, "label": "G", "chain_level": "resultat"},
                  {"has_data": True, "asss_number": 2, "label": "B", "chain_level": "aktivitet"},
                  {"has_data": False, "asss_number": 1, "label": "A", "chain_level": "aktivitet"},
                  {"has_data": False, "asss_number": 3, "label": "C", "chain_level": "aktivitet"}]}
    assert pdf.asss_missing(p) == [("Aktivitet", ["1 A", "3 C"]), ("Resultat", ["7 G"])]


def test_pdf_batch_writes_one_file_per_code(data, tmp_path):
    done = []
    paths = pdf.batch(data, ["0301", "1508"], tmp_path, workers=1, progress=done.append)
    assert sorted(done) == ["0301", "1508"]
    assert all(pth.read_bytes()[:5] == b"%PDF-" for pth in paths)
    assert np.all([pth.stat().st_size > 10_000 for pth in paths])
