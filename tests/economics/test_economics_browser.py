"""In headless Chromium (Debian's package, driven by Playwright): open /utenforregnskap, fill a sourced scenario,
compute, change the effect, see the chart and the odds (P(NPV > 0)) change, download the PDF."""

from __future__ import annotations

import pytest
import yaml
from tests.browser import ARGS, CHROMIUM, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def server(bundled_warehouse_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    with live_server() as url:
        yield url


def test_change_the_effect_see_the_chart_and_odds_change_download_the_pdf(server, scenario_dict, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.goto(f"{server}/utenforregnskap", timeout=120_000)
            page.fill("#scenario", yaml.safe_dump(scenario_dict, allow_unicode=True))
            page.fill("input[name=draws]", "2000")
            page.fill("input[name=seed]", "7")
            page.get_by_role("button", name="Beregn").click()
            page.locator("#cumulative-chart svg").wait_for(state="visible")
            assert page.locator("#cumulative-chart svg").bounding_box()["width"] > 300
            chart, odds = page.locator("#cumulative-chart").inner_html(), page.locator("#odds").inner_text()
            assert "test fixture" in page.locator("#inputs").inner_text()           # every input with its source
            # an effect near the break-even (δ* ≈ 0.058): the odds fall, the savings curves move
            page.fill("input[name=effect]", "-0.06")
            page.get_by_role("button", name="Beregn").click()
            page.wait_for_function("o => document.querySelector('#odds').innerText !== o", arg=odds)
            assert page.locator("#cumulative-chart").inner_html() != chart
            before = float(odds.split(":")[-1].strip(" %").replace(",", "."))
            after = float(page.locator("#odds").inner_text().split(":")[-1].strip(" %").replace(",", "."))
            assert after < before
            assert page.locator("input[name=effect]").input_value() == "-0.06"     # the form keeps the change
            with page.expect_download() as info:
                page.locator("#pdf").click()
            path = tmp_path / "scenario.pdf"
            info.value.save_as(path)
            assert path.read_bytes()[:4] == b"%PDF"
        finally:
            browser.close()
