"""A manager reads the growth dashboard and drills from a chart into the deals behind it."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_manager_clicks_a_funnel_stage_and_lands_on_its_filtered_deals(page_as):
    close = date.today() + timedelta(days=60)  # the personas' open deal (demo/world.py), in Qualify
    year = close.year  # the live world keeps the default calendar: fiscal years start in January
    page = page_as("lucia@channelbase.demo")
    page.goto(f"/growth?year={year}")
    expect(page.locator("h1")).to_have_text(f"Growth — FY{year}")

    page.locator("#f-view").select_option("constant")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".subtitle")).to_contain_text("constant currency (plan rates)")
    expect(page.locator("section:has(#h-rates)")).to_contain_text("no conversion was needed")  # USD deals only

    stage = page.locator('section:has(#h-funnel) svg a[data-label="Qualify"]')
    expect(stage.locator("title")).to_contain_text("deal")
    stage.locator("rect").click()
    page.wait_for_url("**/opportunities?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["stage"] == ["qualify"] and query["outcome"] == ["open"]
    assert query["close_from"] == [f"{year}-01-01"] and query["close_to"] == [f"{year}-12-31"]
    expect(page.locator("main")).to_contain_text("Banco Horizonte — Kubernetes platform")
