"""In headless Chromium (Debian's package, driven by Playwright): sign in, plan a cluster trial in /forsok
from a Boks 7.1 template, compute its power with the curve shown, use it in the plan, register, download."""

from __future__ import annotations

import pytest
from tests.browser import ARGS, CHROMIUM, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def server(bundled_warehouse_path, monkeypatch):
    require_chromium()
    from oppvekst.access import users

    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(bundled_warehouse_path))
    users.create_user("kari", "et-langt-passord-for-test", "analyst", municipality="1103")
    with live_server() as url:
        yield url


def test_plan_a_cluster_trial_see_the_power_curve_and_download_the_plan(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.goto(f"{server}/logg-inn?neste=/forsok", timeout=120_000)
            page.fill("input[name=username]", "kari")
            page.fill("input[name=password]", "et-langt-passord-for-test")
            page.locator("form button[type=submit]").first.click()
            page.wait_for_url("**/forsok")
            page.select_option("#new-plan select[name=template]", "laget_rundt_eleven")
            page.locator("#new-plan button").click()
            page.wait_for_url("**/forsok/plan/*")
            assert "Laget rundt eleven" in page.locator("h1").inner_text()
            page.select_option("select[name=design_choice]", "cluster_rct")
            page.fill("input[name=unit]", "skole")
            page.locator("input[name=primary]").first.check()
            page.get_by_role("button", name="Lagre").click()
            page.locator("#to-power").click()
            # the calculator: a binary outcome with the planning values of NEET 15–29 from the warehouse
            page.select_option("select[name=outcome]", "binary")
            page.fill("input[name=p1]", "0.08")
            page.fill("input[name=cluster_size]", "200")
            page.fill("input[name=power]", "0.8")
            page.select_option("select[name=planning]", "neet_15_29")
            page.get_by_role("button", name="Beregn").click()
            page.locator("#power-curve svg").wait_for(state="visible")
            assert page.locator("#power-curve svg").bounding_box()["width"] > 300
            assert "SSB 13556, 2024" in page.locator("#planning").inner_text()
            page.locator("#save-power button").click()
            page.wait_for_url("**/forsok/plan/*")
            assert "clusters =" in page.locator("#power").inner_text()
            assert "SSB 13556, 2024" in page.locator("body").inner_text()     # the planning values kept, sourced
            page.locator("#register").click()
            page.wait_for_url("**/forsok/plan/*")
            assert page.locator("#status").inner_text() == "registered"
            digest = page.locator("#plan-hash").inner_text()
            with page.expect_download() as info:
                page.locator("#download-md").click()
            path = tmp_path / "plan.md"
            info.value.save_as(path)
            text = path.read_text(encoding="utf-8")
            assert digest in text and "Klyngerandomisert forsøk" in text and "clusters" in text
        finally:
            browser.close()
