"""My day in real Chromium: the manager signs in, lands on her agenda, logs a call to an overdue priority
partner from it (the partner leaves the list), approves a registration in place, and completes a task."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo.world import DEMO_PASSWORD
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import RegistrationCreate
from channelbase.engagement import activities, cadence, tasks
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate

pytestmark = pytest.mark.browser


@pytest.fixture
def agenda_data(live_world) -> dict[str, int]:
    """A cadence rule for priority partners, Soluções Abertas last called 30 days ago, a registration
    waiting for Lucía's decision, and a task of hers due today."""
    url, world = live_world
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            admin = session.get_one(User, world.users["admin"])
            lucia = session.get_one(User, world.users["lucia"])
            ana = session.get_one(User, world.users["ana"])
            cadence.create_rule(session, admin, CadenceRuleIn(
                name="Browser: priority partners", every_days=14, counted_types=["call", "meeting"], is_priority=True))
            activities.log_activity(session, lucia, ActivityCreate(
                partner_id=world.partners["abertas"], type="call", summary="Last quarter's review",
                occurred_at=utcnow() - timedelta(days=30)))
            registration = registrations.submit_registration(session, ana, RegistrationCreate(
                title="Usina Solar — Kubernetes pilot", customer_name="Usina Solar Paulista Ltda.",
                customer_country="BR", customer_website="usinasolarpaulista.com.br", amount="31000.00",
                currency="USD", expected_close_date=date.today() + timedelta(days=40)))
            task = tasks.create_task(session, lucia, TaskCreate(title="Send Delta the Q1 price list",
                                                                due_on=date.today(),
                                                                partner_id=world.partners["delta"]))
            return {"abertas": world.partners["abertas"], "registration": registration.id, "task": task.id}
    finally:
        engine.dispose()


def test_the_manager_works_her_day_from_the_agenda(browser, live_server, agenda_data):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("lucia@channelbase.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/today")  # managers land on My day
    expect(page.locator("h1")).to_contain_text("My day")

    # Soluções Abertas is overdue: a priority partner last called 30 days ago, on a 14-day cadence.
    overdue = page.locator(f'[data-item="cadence:{agenda_data["abertas"]}"]')
    expect(overdue).to_contain_text("Soluções Abertas")
    expect(overdue.locator(".badge.overdue")).to_be_visible()

    # She logs the call from the agenda, keyboard only: the partner leaves the list in place (htmx).
    overdue.get_by_label("Summary").fill("Called Ana: pilot approved, quote next week")
    overdue.get_by_label("Summary").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Done")
    expect(page.locator(f'[data-item="cadence:{agenda_data["abertas"]}"]')).to_have_count(0)
    assert page.url == f"{live_server}/today"

    # She approves the waiting registration where it stands.
    decision = page.locator(f'[data-item="decision:{agenda_data["registration"]}"]')
    expect(decision).to_contain_text("Usina Solar")
    expect(decision).to_contain_text("SLA")
    decision.get_by_role("button", name="Approve").click()
    expect(page.locator(f'[data-item="decision:{agenda_data["registration"]}"]')).to_have_count(0)

    # And completes the task due today.
    task = page.locator(f'[data-item="task:{agenda_data["task"]}"]')
    task.get_by_role("button", name="Complete").click()
    expect(page.locator(f'[data-item="task:{agenda_data["task"]}"]')).to_have_count(0)

    # What she did is recorded: the call on the partner's page, the registration approved.
    page.goto(f"/partners/{agenda_data['abertas']}")
    expect(page.locator("main")).to_contain_text("Called Ana: pilot approved, quote next week")
    page.goto(f"/registrations/{agenda_data['registration']}")
    expect(page.locator("main")).to_contain_text("Approved")
    context.close()
