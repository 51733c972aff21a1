"""In headless Chromium (Debian's package, driven by Playwright): open /samfunnsoppdraget, find the NEET
sub-goal (wp6) with its status, and download the status report as PDF."""

from __future__ import annotations

import pytest
from tests.browser import ARGS, CHROMIUM, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def server(bundled_warehouse_path, monkeypatch):
    require_chromium()
    from oppvekst.web import deps

    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    deps._shared.cache_clear()
    with live_server() as url:
        yield url
    deps._shared.cache_clear()


def test_find_the_neet_subgoal_and_download_the_report(server, tmp_path):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.goto(f"{server}/samfunnsoppdraget", timeout=120_000)
            row = page.locator("#subgoal-wp6")
            row.scroll_into_view_if_needed()
            assert row.is_visible()
            assert "øke antall unge som er i jobb og utdanning betydelig" in row.inner_text()
            assert row.locator("td.status-deterioration").inner_text() == "Forverring"
            assert page.locator("#neet-chart svg").bounding_box()["width"] > 300
            with page.expect_download(timeout=120_000) as info:
                page.locator("#report-pdf").click()
            assert info.value.suggested_filename == "samfunnsoppdraget.pdf"
            path = tmp_path / "rapport.pdf"
            info.value.save_as(path)
            assert path.read_bytes()[:5] == b"%PDF-"
            text = " ".join(pg.extract_text() or "" for pg in PdfReader(path).pages)
            assert "wp6" in text and "Forverring" in text
        finally:
            browser.close()
