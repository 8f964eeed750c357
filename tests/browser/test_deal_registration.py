"""The deal-registration journey in real Chromium: two partners claim one customer, the manager sees
the conflict with its reason, rejects one claim, approves the other, converts it and works the board."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from channelbase.auth.models import User
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import RegistrationCreate

pytestmark = pytest.mark.browser


@pytest.fixture
def delta_claim(live_world) -> int:
    """Distribuidora Delta has already registered the customer, under its full legal name."""
    url, world = live_world
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            dora = session.get_one(User, world.users["dora"])
            claim = registrations.submit_registration(session, dora, RegistrationCreate(
                title="Metalúrgica Paulista — ERP migration", customer_name="Metalúrgica Paulista Ltda.",
                customer_country="BR", customer_website="metalurgicapaulista.com.br", amount="52000.00",
                currency="USD", expected_close_date=date.today() + timedelta(days=45)))
            return claim.id
    finally:
        engine.dispose()


def test_a_conflicting_registration_is_reviewed_approved_converted_and_moved_on_the_board(page_as, delta_claim):
    close = (date.today() + timedelta(days=30)).isoformat()

    # Ana (Soluções Abertas) registers the same customer: accent lost, a typo, another legal form.
    ana = page_as("ana@abertas.com.br")
    ana.goto("/registrations/new")
    for field, value in (("title", "Metalúrgica — Linux servers"), ("customer_name", "Metalurgica Paulsta S.A."),
                         ("customer_country", "BR"), ("amount", "48000"), ("currency", "USD"),
                         ("expected_close_date", close)):
        ana.locator(f"#f-{field}").fill(value)
    ana.get_by_role("button", name="Submit registration").click()
    expect(ana.locator("h1")).to_contain_text("Metalúrgica — Linux servers")
    expect(ana.get_by_role("status")).to_contain_text("needs review")
    expect(ana.locator("main")).not_to_contain_text("Distribuidora Delta")  # nothing of the other partner's deal
    reference = re.search(r"/registrations/(\d+)", ana.url).group(1)

    # Lucía sees the conflict, with its score and reason, before she decides.
    lucia = page_as("lucia@channelbase.demo")
    lucia.goto(f"/registrations/{reference}")
    conflicts = lucia.locator("#conflicts")
    delta_row = conflicts.locator("tr", has_text="Distribuidora Delta")
    expect(delta_row).to_contain_text("Metalúrgica Paulista Ltda.")
    expect(delta_row).to_contain_text("similar name")
    expect(delta_row.locator("td.num")).to_have_text(re.compile(r"^(8\d|9\d)(\.\d)?$"))

    # She rejects Delta's claim (a reason is required) ...
    delta_row.get_by_role("link", name="Metalúrgica Paulista Ltda.").click()
    expect(lucia).to_have_url(re.compile(rf"/registrations/{delta_claim}$"))
    lucia.get_by_role("button", name="Reject").click()  # the browser refuses it: the reason is required
    expect(lucia).to_have_url(re.compile(rf"/registrations/{delta_claim}$"))
    lucia.get_by_label("Reason (shown to the partner)").fill("Soluções Abertas has worked this customer since March.")
    lucia.get_by_role("button", name="Reject").click()
    expect(lucia.locator("h1 .badge").first).to_have_text("Rejected")

    # ... approves Ana's, and converts it to an opportunity.
    lucia.goto(f"/registrations/{reference}")
    lucia.get_by_role("button", name="Approve").click()
    expect(lucia.locator("h1 .badge").first).to_have_text("Approved")
    lucia.get_by_role("button", name="Convert").click()
    expect(lucia).to_have_url(re.compile(r"/opportunities/\d+$"))
    expect(lucia.locator("h1")).to_contain_text("Metalúrgica — Linux servers")

    # The deal is on the board, first column; she moves it on with the keyboard.
    lucia.goto("/opportunities/board")
    card = lucia.locator(".deal-card", has_text="Metalúrgica — Linux servers")
    expect(card).to_have_count(1)
    first_column = lucia.locator("[data-stage]").first
    expect(first_column).to_contain_text("Metalúrgica — Linux servers")
    card.get_by_label(re.compile("Move to", re.I)).select_option(label="Discover")
    card.get_by_role("button", name=re.compile("Move", re.I)).press("Enter")
    discover = lucia.locator("[data-stage='discover']")
    expect(discover).to_contain_text("Metalúrgica — Linux servers")
    expect(first_column).not_to_contain_text("Metalúrgica — Linux servers")

    # Dragging the card onto another column does the same, through the card's own form.
    moved = discover.locator(".deal-card", has_text="Metalúrgica — Linux servers")
    propose = lucia.locator("[data-stage='propose']")
    moved.drag_to(propose)
    expect(propose).to_contain_text("Metalúrgica — Linux servers")
    expect(discover).not_to_contain_text("Metalúrgica — Linux servers")

    # The pipeline list finds it and totals it in the reporting currency, per stage.
    lucia.goto("/opportunities")
    lucia.locator("#f-q").fill("Metalúrgica")
    results = lucia.locator("#results")
    expect(results.locator("table").last).to_contain_text("Metalúrgica — Linux servers")
    propose_total = results.locator(".totals-table tr", has_text="Propose")
    expect(propose_total).to_contain_text("USD 48,000.00")
    expect(propose_total.locator("td.num").first).to_have_text("1")
