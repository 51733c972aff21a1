"""In headless Chromium (Debian's package, driven by Playwright): search the evidence base, open a
measure, and find its forest plot. The app runs under uvicorn in a thread on a free local port."""

from __future__ import annotations

import math

import pytest
from tests.browser import ARGS, CHROMIUM, live_server, require_chromium

from oppvekst.evidence.meta import read_meta_csv, reference_data_path
from oppvekst.evidence.seed import ensure_seeded
from oppvekst.evidence.store import EvidenceStore

pytestmark = pytest.mark.browser


@pytest.fixture
def server():
    require_chromium()

    ensure_seeded()
    # test data with effect sizes, so the measure has a forest plot (the seed records none)
    data = read_meta_csv(reference_data_path("dat_bcg.csv"), "rr")
    EvidenceStore().add_measure({
        "id": "bcg_testdata", "name": "BCG-vaksine (testdata)", "kind": "program", "status": "avsluttet",
        "description": "Testdata fra Colditz et al. 1994", "outcomes": ["barns_helse_utvikling"],
        "studies": [{"citation": lab, "year": int(lab[-4:]), "country": "US", "design": "rct",
                     "risk_of_bias": "some",
                     "effects": [{"outcome": "barns_helse_utvikling", "measure_type": "rr", "estimate": math.exp(y),
                                  "variance": v, "beneficial_direction": "lower"}]}
                    for lab, y, v in zip(data.labels, data.yi, data.vi)]})
    with live_server() as url:
        yield url


def test_search_open_measure_and_see_forest_plot(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/kunnskapsbase")
            page.get_by_role("searchbox").fill("BCG")
            page.get_by_role("button", name="Søk").click()
            page.wait_for_url("**/kunnskapsbase?q=BCG*")
            link = page.locator("#measures a", has_text="BCG-vaksine (testdata)")
            assert link.count() == 1
            link.click()
            page.wait_for_url("**/kunnskapsbase/tiltak/bcg_testdata")
            assert "Noe dokumentasjon" in page.locator("#evidence-level").inner_text()
            forest = page.locator("figure.forest svg")
            forest.wait_for(state="visible")
            assert forest.count() == 1
            box = forest.bounding_box()
            assert box["width"] > 300 and box["height"] > 200
            labels = forest.locator("text").all_text_contents()
            assert "Aronson 1948" in labels and "Comstock et al 1976" in labels
            # the accessible table alternative carries the same numbers
            page.get_by_text("Tabell / table").click()
            assert "0,49" in page.locator(".forest-section table").inner_text()
        finally:
            browser.close()
