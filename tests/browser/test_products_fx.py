"""An admin keeps the FX rates: a CSV with a bad row is refused whole, fixed, loaded, then used to convert."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BAD = b"currency,date,rate\nPEN,2026-10-01,0.2650\nPEN,2026-11-31,0.2680\n"
FIXED = b"currency,date,rate\nPEN,2026-10-01,0.2650\nPEN,2026-11-01,0.2680\n"


def _upload(page, content: bytes) -> None:
    page.locator("#f-file").set_input_files(files=[{"name": "rates.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="Check file").click()


def test_an_admin_fixes_a_bad_rate_file_loads_it_and_converts_with_the_rate_named(page_as, live_server):
    page = page_as("admin@channelbase.demo")
    page.goto("/fx-rates")
    expect(page.locator("h1")).to_have_text("FX rates")

    _upload(page, BAD)
    errors = page.locator("#import-errors")
    expect(errors.locator("tr", has_text="not a real date")).to_contain_text(re.compile(r"3\s*date"))
    expect(page.locator("#import-report")).to_contain_text("Nothing was saved")
    expect(page.get_by_role("button", name=re.compile("^Load"))).to_have_count(0)
    expect(page.locator("#results")).not_to_contain_text("PEN")

    _upload(page, FIXED)
    expect(page.locator("#import-report")).to_contain_text("2 new")
    expect(page.locator("#results")).not_to_contain_text("PEN")
    page.get_by_role("button", name="Load 2 rates").click()
    expect(page.locator(".alert-ok")).to_contain_text("Loaded 2 rates from rates.csv")
    expect(page.locator("#rate-table")).to_contain_text("0.2680")

    page.locator("#c-amount").fill("1000")
    page.locator("#c-currency").fill("PEN")
    page.locator("#c-date").fill("2026-11-15")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("#conversion")).to_contain_text(
        "1,000.00 PEN on 2026-11-15 = 268.00 USD at 0.2680 (rate of 2026-11-01, source csv:rates.csv)")

    page.locator("#c-date").fill("2026-09-15")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("#conversion")).to_contain_text("No PEN→USD FX rate effective on 2026-09-15")
