"""Journeys through the real app in real Chromium: few and long, each one a person's task."""

import re

import pytest
from playwright.sync_api import expect

from channelbase.demo.world import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _pick_territory(page, name: str) -> None:
    value = page.locator("#f-territory_id option", has_text=name).first.get_attribute("value")
    page.locator("#f-territory_id").select_option(value)


def test_a_manager_signs_in_finds_partners_and_adds_one_after_fixing_a_bad_tax_id(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()

    page.goto("/partners")
    expect(page).to_have_url(re.compile(r"/login\?next=/partners$"))
    page.get_by_label("E-mail").fill("lucia@channelbase.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/partners")
    results = page.locator("#results")
    expect(results).to_contain_text("Nube Bravo")

    # Search ignores accents: typing "solucoes" finds "Soluções"; htmx updates the list and the URL.
    page.get_by_label("Search").fill("solucoes")
    expect(results).to_contain_text("Soluções Abertas")
    expect(results).not_to_contain_text("Nube Bravo")
    expect(page).to_have_url(re.compile(r"q=solucoes"))

    page.get_by_label("Search").fill("")
    page.locator("#f-type").select_option("msp")
    expect(results).to_contain_text("Nube Bravo")
    expect(results).not_to_contain_text("Soluções Abertas")

    page.get_by_role("link", name="+ New partner").click()
    page.locator("#f-name").fill("Pampa Datos S.R.L.")
    page.locator("#f-type").select_option("var")
    _pick_territory(page, "Argentina")
    page.locator("#f-country").fill("AR")
    page.locator("#f-currency").fill("ARS")
    page.locator("#f-tax_id").fill("20-26756539-4")
    page.locator("#f-tax_id").press("Tab")
    # Checked as the form is filled in, before it is sent.
    expect(page.locator("#e-tax_id")).to_contain_text("not a valid CUIT")
    page.get_by_role("button", name=re.compile("Create|Save|Add")).click()

    tax_error = page.locator(".field.has-error", has=page.locator("#f-tax_id"))
    expect(tax_error).to_contain_text("not a valid CUIT")
    expect(page.locator("#f-name")).to_have_value("Pampa Datos S.R.L.")

    page.locator("#f-tax_id").fill("20-26756539-3")
    page.get_by_role("button", name=re.compile("Create|Save|Add")).click()
    expect(page.locator("h1")).to_contain_text("Pampa Datos S.R.L.")
    expect(page.locator("main")).to_contain_text("20-26756539-3")

    # The same company typed differently is refused, with a link to the one that exists.
    page.goto("/partners/new")
    page.locator("#f-name").fill("PAMPA DATOS SRL")
    page.locator("#f-type").select_option("var")
    _pick_territory(page, "Argentina")
    page.locator("#f-country").fill("AR")
    page.get_by_role("button", name=re.compile("Create|Save|Add")).click()
    expect(page.locator(".alert-error")).to_contain_text("already")
    page.get_by_role("link", name=re.compile("existing record")).click()
    expect(page.locator("h1")).to_contain_text("Pampa Datos S.R.L.")
    context.close()


def test_two_editors_at_once_the_second_is_told_who_changed_the_partner(page_as, live_world):
    _url, world = live_world
    first, second = page_as("admin@channelbase.demo"), page_as("lucia@channelbase.demo")
    edit = f"/partners/{world.partners['bravo']}/edit"
    first.goto(edit)
    second.goto(edit)
    first.locator("#f-city").fill("Guadalajara")
    first.get_by_role("button", name=re.compile("Save")).click()
    expect(first.locator("main")).to_contain_text("Guadalajara")

    second.locator("#f-city").fill("Puebla")
    second.get_by_role("button", name=re.compile("Save")).click()
    expect(second.locator(".alert-error")).to_contain_text("changed by Ada Admin")
    second.goto(f"/partners/{world.partners['bravo']}")
    expect(second.locator("main")).to_contain_text("Guadalajara")


def test_a_partner_user_on_a_phone_sees_only_their_own_partner(page_as, live_world):
    _url, world = live_world
    page = page_as("ana@abertas.com.br", width=390, height=844)
    page.goto("/partners")
    expect(page.locator("#results")).to_contain_text("Soluções Abertas")
    expect(page.locator("#results")).not_to_contain_text("Nube Bravo")
    expect(page.get_by_role("link", name="+ New partner")).to_have_count(0)

    nav = page.locator("nav.mainnav")  # Ana's menu is labelled in Portuguese
    expect(nav).to_be_hidden()
    page.locator("label.nav-toggle-label").click()
    expect(nav).to_be_visible()

    response = page.goto(f"/partners/{world.partners['bravo']}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")


def test_a_user_changes_their_password_and_signs_in_with_the_new_one(page_as, live_server):
    page = page_as("dora@deltadistribuidora.com.br")
    page.goto("/account")
    page.locator("#f-current_password").fill(DEMO_PASSWORD)
    page.locator("#f-new_password").fill("delta-new-secret-2026")
    page.locator("#f-confirm_password").fill("delta-new-secret-2026")
    page.locator("form[action='/account/password'] button").click()
    expect(page.locator(".alert-ok")).to_contain_text("Senha alterada")  # Dora reads Portuguese
    page.locator("form[action='/logout'] button").click()  # Dora's menu is in Portuguese ("Sair")
    page.get_by_label("E-mail").fill("dora@deltadistribuidora.com.br")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".alert-error")).to_contain_text("Wrong e-mail or password")
    page.get_by_label("Password").fill("delta-new-secret-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/portal")  # partner users land on their portal
