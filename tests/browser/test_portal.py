"""The partner portal in real Chromium, in Spanish: a distributor's user signs in with an e-mailed link,
registers a deal for a reseller it supplies, sees it with its expiry date once approved; another
partner's user cannot reach it by URL. axe-core checks every portal page on the way (no serious or
critical violations)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.dates import format_date
from playwright.sync_api import expect

from channelbase.auth.models import User
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import ApproveIn

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING = ("serious", "critical")


def assert_accessible(page, checked: list[str]) -> None:
    violations = [v for v in AXE.run(page).response["violations"] if v.get("impact") in BLOCKING]
    details = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert not details, f"{page.url}: " + "; ".join(details)
    checked.append(re.sub(r"/\d+", "/{id}", page.url.split("://", 1)[1].split("/", 1)[1] if "/" in page.url else ""))


def _with_session(live_world, work):
    url, world = live_world
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            return work(session, world)
    finally:
        engine.dispose()


@pytest.fixture
def dora_reads_spanish(live_world):
    def set_language(code):
        def work(session, world):
            session.get_one(User, world.users["dora"]).language = code
        _with_session(live_world, work)

    set_language("es")
    yield
    set_language("pt")


def test_a_distributor_signs_in_with_a_link_and_registers_a_deal_for_a_reseller_in_spanish(
        browser, live_server, live_world, live_inbox, page_as, dora_reads_spanish):
    _port, inbox = live_inbox
    checked: list[str] = []
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()

    # The sign-in page follows the browser's language; the link is asked for there.
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="¿Sin contraseña? Envíame un enlace de acceso por correo").click()
    assert_accessible(page, checked)
    page.get_by_label("Correo electrónico").fill("dora@deltadistribuidora.com.br")
    page.get_by_role("button", name=re.compile("enlace")).click()
    expect(page.get_by_role("status")).to_contain_text("dora@deltadistribuidora.com.br")
    [mail] = inbox.to("dora@deltadistribuidora.com.br")
    assert mail["Subject"] == "Tu enlace de acceso"
    link = re.search(r"https?://\S+/login/link/[A-Za-z0-9_-]+", mail.get_body(("plain",)).get_content()).group(0)

    page.goto(link)
    assert_accessible(page, checked)
    page.get_by_role("button", name="Iniciar sesión como dora@deltadistribuidora.com.br").click()
    page.wait_for_url(re.compile(r"/portal$"))
    expect(page.locator("h1")).to_have_text("Distribuidora Delta S.A.")
    assert_accessible(page, checked)

    # One page to register a deal, for Soluções Abertas, which Delta supplies.
    page.get_by_role("link", name="Registrar una oportunidad").first.click()
    assert_accessible(page, checked)
    page.get_by_label("Registrar en nombre de").select_option(label="Soluções Abertas Ltda.")
    close = date.today() + timedelta(days=40)
    page.get_by_label("Título de la oportunidad").fill("Gobierno de Goiás — servidores")
    page.get_by_label("Nombre del cliente").fill("Secretaria da Fazenda de Goiás")
    page.get_by_label("País").fill("BR")
    page.get_by_label("Monto").fill("36.500,00")
    page.get_by_label("Moneda").fill("USD")
    page.get_by_label("Fecha de cierre prevista").fill(close.isoformat())
    page.get_by_role("button", name="Enviar registro").click()
    page.wait_for_url(re.compile(r"/portal/registrations/\d+\?registered=1"))
    expect(page.get_by_role("status").first).to_contain_text("Registro enviado")
    expect(page.locator("main")).to_contain_text("36.500,00")  # the amount, written the Spanish way
    assert_accessible(page, checked)
    registration_id = int(re.search(r"/portal/registrations/(\d+)", page.url).group(1))

    # The channel manager approves it; the distributor sees its expiry date, written the Spanish way.
    def approve(session, world):
        lucia = session.get_one(User, world.users["lucia"])
        registration = registrations.get_registration(session, lucia, registration_id)
        registrations.approve(session, lucia, registration_id, ApproveIn(version=registration.version))
        return registration.expires_on

    expires_on = _with_session(live_world, approve)
    page.reload()
    expiry = page.locator("time.expires-on")
    expect(expiry).to_have_attribute("datetime", expires_on.isoformat())
    expect(expiry).to_have_text(format_date(expires_on, "medium", locale="es"))
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Mis registros").click()
    expect(page.locator("main")).to_contain_text("Secretaria da Fazenda de Goiás")
    expect(page.locator("main")).to_contain_text("Soluções Abertas Ltda.")
    assert_accessible(page, checked)
    for path in ("/portal/opportunities", "/portal/team", "/portal/trainings"):
        page.goto(path)
        assert_accessible(page, checked)
    page.goto("/portal/opportunities")
    page.locator("main table a").first.click()
    assert_accessible(page, checked)

    # Nube Bravo's user cannot reach it by URL, through the portal or the vendor's pages.
    bruno = page_as("bruno@nubebravo.mx")
    for url in (f"/portal/registrations/{registration_id}", f"/registrations/{registration_id}"):
        response = bruno.goto(url)
        assert response.status == 404
        expect(bruno.locator("main")).not_to_contain_text("Secretaria da Fazenda")
    context.close()
    assert len(set(checked)) >= 8, checked
