"""The mission's command line, pages and API over the bundled warehouse (read through the public door)."""

from __future__ import annotations

import json
import re

import pytest

from oppvekst.mission.progress import sdg_progress, series_from_observations


@pytest.fixture
def expected(bundled):
    """sdg-build's measure computed directly on the bundled NEET 15–29 national series."""
    from oppvekst.disclosure.door import open_statistics

    with open_statistics() as reader:
        obs = reader.observations(indicator="neet_15_29", regions=["0"], age="15-29")
    return sdg_progress(series_from_observations(obs), base_year=2023, direction="decrease")


def test_progress_command_matches_the_core(cli, expected):
    res = cli("progress", "--indicator", "neet_15_29", "--base-year", "2023", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # the core's NEET case: deterioration, score -4.18
    assert (expected.status, round(expected.score, 2)) == ("deterioration", -4.18)
    assert out["sdg"]["status"] == expected.status
    assert out["sdg"]["score"] == pytest.approx(expected.score)
    assert out["sdg"]["years_used"] == [2023, 2024]
    assert out["sdg"]["growth"] == pytest.approx(expected.cagr_observed) and out["sdg"]["ratio"] is None
    assert out["trend"]["years_used"][0] == 2008 and out["trend"]["target_year"] == 2035
    text = cli("progress", "--indicator", "neet_15_29", "--base-year", "2023")
    assert text.exit_code == 0 and "deterioration" in text.output and "-4.18" in text.output


def test_progress_command_with_a_target(cli):
    out = json.loads(cli("progress", "--indicator", "neet_15_29", "--base-year", "2023", "--target", "8",
                         "--target-year", "2030", "--json").output)
    assert out["sdg"]["method"] == 2 and out["sdg"]["cagr_required"] < 0
    assert out["sdg"]["ratio"] == pytest.approx(out["sdg"]["cagr_observed"] * -1 / abs(out["sdg"]["cagr_required"]))
    assert 0 <= out["trend"]["fit"]["p_target"] <= 1


@pytest.mark.parametrize("args, field", [
    (["--target-year", "2020"], "target_year"),
    (["--direction", "increase"], "direction"),          # NEET must fall for the goal
    (["--direction", "up"], "direction"),
])
def test_bad_input_exits_2_naming_the_field(cli, args, field):
    res = cli("progress", "--indicator", "neet_15_29", "--base-year", "2023", *args)
    assert res.exit_code == 2
    assert f"field '{field}'" in res.output


def test_status_and_baseline_commands(cli):
    res = cli("status", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    wp6 = next(s for s in out["subgoals"] if s["id"] == "wp6")
    neet = next(i for i in wp6["indicators"] if i["indicator"] == "neet_15_29")
    assert neet["latest_year"] == 2024 and neet["sdg"]["status"] == "deterioration"
    assert wp6["status"] == "deterioration" and out["gaps"]
    base = json.loads(cli("baseline", "--year", "2023", "--json").output)
    entry = next(e for e in base["entries"] if e["indicator"] == "neet_15_29")
    assert round(entry["value"]) == 10 and base["stored"] is False and "not stored" in base["note"]


def test_the_api_answers_the_same(client, expected):
    res = client.get("/api/v1/mission/progress", params={"indicator": "neet_15_29", "base_year": 2023})
    assert res.status_code == 200
    assert (res.json()["sdg"]["status"], res.json()["sdg"]["score"]) == (expected.status, pytest.approx(expected.score))
    bad = client.get("/api/v1/mission/progress", params={"indicator": "neet_15_29", "base_year": 2023,
                                                         "target_year": 2020})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "target_year"
    st = client.get("/api/v1/mission/status").json()
    assert next(s for s in st["subgoals"] if s["id"] == "wp6")["status"] == "deterioration"
    port = client.get("/api/v1/mission/portfolio").json()
    states = {c["state"] for c in port["landscape"]}
    assert {"gap", "overlap"} <= states and port["initiatives"]


def test_the_page_shows_the_neet_subgoal_its_status_a_chart_and_a_table(client):
    res = client.get("/samfunnsoppdraget")
    assert res.status_code == 200
    html = res.text
    row = re.search(r'<tr id="subgoal-wp6">.*?</tr>', html, re.DOTALL).group(0)
    assert "øke antall unge som er i jobb og utdanning betydelig" in row and "Forverring" in row
    neet = html[html.index('id="neet"'):html.index('id="gaps"')]
    assert "<svg" in neet and 'id="neet-table"' in neet and "2024" in neet
    assert 'id="landscape-table"' in html and "hull" in html and "overlapp" in html
    assert 'href="/samfunnsoppdraget"' in html            # the nav link
