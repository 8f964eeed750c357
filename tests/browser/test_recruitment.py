"""From prospect to productive partner in real Chromium: a company applies on the public form, the channel
manager finds it on the recruitment board and walks it to "signed", which starts its onboarding journey;
she invites its contact to the portal, who signs in with the e-mailed link and registers a deal — and the
journey's "first registration" step ticks itself. A second application from the same web domain is refused
with a clear message. axe-core checks the pages on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_portal import assert_accessible

pytestmark = pytest.mark.browser

COMPANY, DOMAIN, EMAIL = "Aurora Nuvem Ltda.", "auroranuvem.com.br", "paula@auroranuvem.com.br"
TOKEN_AGE_SECONDS = 3.2  # the form refuses answers sent faster than a person types (3 s)


def _apply(page, company: str, website: str, email: str) -> None:
    page.goto("/apply?lang=en")
    page.get_by_label("Company name").fill(company)
    page.get_by_label("Website").fill(website)
    page.get_by_label("Country").select_option("BR")
    page.get_by_label("Kind of partner").select_option("var")
    page.get_by_label("Employees").fill("40")
    page.get_by_role("group", name=re.compile("Industries you serve")).get_by_role("checkbox").first.check()
    page.get_by_role("group", name=re.compile("Your team's skills")).get_by_role("checkbox").first.check()
    page.get_by_label("Your name").fill("Paula Lima")
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("checkbox", name=re.compile("I agree")).check()
    page.wait_for_timeout(TOKEN_AGE_SECONDS * 1000)
    page.get_by_role("button", name="Send application").click()


def _step_row(page, label: str):
    return page.locator("#onboarding tr", has_text=label)


def test_an_applicant_becomes_a_signed_partner_whose_first_registration_ticks_its_onboarding_step(
        browser, live_server, live_inbox, page_as):
    _port, inbox = live_inbox
    checked: list[str] = []
    visitor = browser.new_context(base_url=live_server, locale="en-US").new_page()

    # The public form: a prospect for vetting, never an active partner.
    _apply(visitor, COMPANY, f"https://www.{DOMAIN}", EMAIL)
    expect(visitor.locator("h1")).to_have_text("Thank you for applying")
    assert_accessible(visitor, checked)
    _apply(visitor, "Aurora Nuvem Serviços", DOMAIN, "other@auroranuvem.com.br")
    expect(visitor.get_by_role("alert")).to_contain_text("We already know this company")
    expect(visitor.locator("h1")).to_have_text("Become a partner")

    # The channel manager of Brazil finds it on the board, marked as an application.
    lucia = page_as("lucia@channelbase.demo")
    lucia.goto("/recruitment")
    card = lucia.locator("li.deal-card", has_text=COMPANY)
    expect(card).to_contain_text("application")
    assert_accessible(lucia, checked)
    card.get_by_role("link", name=COMPANY).click()
    expect(lucia.locator("main")).to_contain_text("Identified")
    assert_accessible(lucia, checked)
    for stage in ("Contacted", "Qualified", "Agreement sent", "Signed"):
        lucia.get_by_label("New stage").select_option(label=stage)
        lucia.get_by_role("button", name="Move").click()
        expect(lucia.get_by_role("status")).to_contain_text(f"Moved to {stage}")
    expect(lucia.get_by_role("status")).to_contain_text("its onboarding journey has started")

    # The partner record: onboarding, with its journey and the agreement ticked at signing.
    lucia.get_by_role("link", name="Partner record").click()
    expect(lucia.locator("main")).to_contain_text("Onboarding")
    expect(_step_row(lucia, "Partner agreement signed")).to_contain_text("signing date given at start")
    expect(_step_row(lucia, "First deal registered")).to_contain_text("Mark done")
    partner_url = lucia.url

    # Its contact is invited to the portal, signs in with the e-mailed link and registers a deal.
    lucia.get_by_label("Invite a contact").select_option(label=f"Paula Lima <{EMAIL}>")
    lucia.get_by_role("button", name="Send invitation").click()
    expect(lucia.locator("#portal-users")).to_contain_text(EMAIL)
    [mail] = inbox.to(EMAIL)
    link = re.search(r"https?://\S+/login/link/[A-Za-z0-9_-]+", mail.get_body(("plain",)).get_content()).group(0)
    paula = browser.new_context(base_url=live_server, locale="en-US").new_page()
    paula.goto(link)
    paula.get_by_role("button", name=f"Sign in as {EMAIL}").click()
    paula.wait_for_url(re.compile(r"/(portal|account)"))
    paula.goto("/portal/register")
    paula.get_by_label("Deal title").fill("Prefeitura de Curitiba — Linux servers")
    paula.get_by_label("Customer name").fill("Prefeitura Municipal de Curitiba")
    paula.get_by_label("Country").fill("BR")
    paula.get_by_label("Amount").fill("42,000.00")
    paula.get_by_label("Currency").fill("USD")
    paula.get_by_label("Expected close date").fill((date.today() + timedelta(days=45)).isoformat())
    paula.get_by_role("button", name="Submit registration").click()
    paula.wait_for_url(re.compile(r"/portal/registrations/\d+\?registered=1"))
    registration = re.search(r"/portal/registrations/(\d+)", paula.url).group(1)

    # Back on the partner page, the journey ticked "first registration" from the deal itself.
    lucia.goto(partner_url)
    first = _step_row(lucia, "First deal registered")
    expect(first).to_contain_text("ticked itself")
    expect(first).to_contain_text(registration)
    expect(_step_row(lucia, "Portal users invited")).to_contain_text("ticked itself")
    assert_accessible(lucia, checked)

    # The manager's onboarding list shows the journey with its progress and days to the first deal.
    lucia.goto("/onboarding")
    row = lucia.locator("tr", has_text=COMPANY)
    expect(row).to_contain_text("0 d")
    assert_accessible(lucia, checked)
    for path in ("/coverage", "/tiers/compliance", "/events"):
        lucia.goto(path)
        assert_accessible(lucia, checked)
    assert len(set(checked)) >= 7, checked
