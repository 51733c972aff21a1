"""Web pages and the JSON API over the built warehouse."""

import pytest
from fastapi.testclient import TestClient

from oppvekst.web.app import create_app


@pytest.fixture
def client(built):
    from oppvekst.web import deps

    deps._shared.cache_clear()
    with TestClient(create_app()) as c:
        yield c
    deps._shared.cache_clear()


def test_start_page_finds_a_municipality(client):
    page = client.get("/", params={"q": "Tromsø"})
    assert page.status_code == 200 and 'href="/region/5501"' in page.text


def test_municipality_page_shows_published_counts_and_chart(client):
    page = client.get("/region/0301")
    assert page.status_code == 200
    text = page.text.replace("\u202f", " ")
    assert "16 109" in text and "159 078" in text and "<svg" in page.text
    assert "Hele landet" in text  # compared with the country


def test_split_municipality_shows_its_weights(client):
    assert "1507" in client.get("/region/1580").text


def test_indicator_page_has_time_series_and_map(client):
    page = client.get("/indikator/neet_15_29", params={"region": "0301"})
    assert page.status_code == 200 and page.text.count("<svg") >= 2 and "Kart 2024" in page.text


def test_indicator_page_states_the_asss_definition(client):
    page = client.get("/indikator/asss_11_out_of_home_placements").text
    # the Menon report's results-chain level, normalisation and source of the definition
    assert "ASSS-indikator 11" in page and "resultat" in page and "Per 10 000 innbyggere 0–17 år." in page
    assert "Menon 43/2024" in page and "Ingen data" in page
    neet = client.get("/indikator/neet_15_29").text
    assert "95 % Wilson-intervall" in neet and "delmål" in neet


def test_unknown_region_is_404(client):
    assert client.get("/region/9876").status_code == 404


def test_api_observations(client):
    r = client.get("/api/v1/observations", params={"indicator": "neet_15_29", "region": "0", "year": 2024,
                                                   "age": "15-29"}).json()
    assert r["count"] == 1 and r["observations"][0]["numerator"] == 104388


def test_api_regions_and_indicators(client):
    assert len(client.get("/api/v1/regions", params={"level": "kommune"}).json()) == 357
    oslo = client.get("/api/v1/regions/0301").json()
    assert oslo["name"] == "Oslo" and any(c["level"] == "bydel" for c in oslo["children"])
    assert client.get("/api/v1/indicators/neet_15_29").json()["source"]["table"] == "13556"
    assert "/api/v1/observations" in client.get("/openapi.json").json()["paths"]
