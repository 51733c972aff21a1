"""In headless Chromium (Debian's package, driven by Playwright): open a profile and find the barometer.

The app runs under uvicorn in a thread on a free local port, on the shared built warehouse.
"""

from __future__ import annotations

import pytest
from tests.browser import ARGS, CHROMIUM, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def server(built):
    require_chromium()
    with live_server() as url:
        yield url


def test_profile_shows_the_barometer_with_its_method(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{server}/profil/4601", timeout=120_000)
            assert page.locator("h1").inner_text().startswith("Oppvekstprofil: Bergen")
            chart = page.locator("figure.barometer svg.spine")
            chart.wait_for(state="visible")
            box = chart.bounding_box()
            assert box["width"] > 500 and box["height"] > 400
            # NEET has a dot coloured by its class; the other indicators say "ingen data"
            dots = chart.locator("circle[data-class]")
            assert dots.count() >= 1
            assert dots.first.get_attribute("data-class") in ("better", "worse", "same")
            assert "ingen data" in chart.text_content()
            # the table row and the class badge, and the method stated under the colours
            row = page.locator('tr[data-indicator="neet_15_29"]')
            assert row.locator(".cls").first.inner_text() in ("Bedre", "Dårligere", "Ingen sikker forskjell")
            assert "Benjamini" in page.locator("#metode").inner_text()
            # switching the method reloads the profile with the other method stated
            page.select_option("select[name=metode]", "interval")
            page.get_by_role("button", name="Vis").click()
            page.wait_for_url("**metode=interval**")
            assert "intervall" in page.locator("#metode").inner_text()
        finally:
            browser.close()
