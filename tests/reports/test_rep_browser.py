"""In headless Chromium (Debian's package, driven by Playwright): open a profile and find the barometer.

The app runs under uvicorn in a thread on a free local port, on the shared built warehouse.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(built):
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Debian's chromium is missing (scripts/system-deps.sh installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    import uvicorn

    from oppvekst.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


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
