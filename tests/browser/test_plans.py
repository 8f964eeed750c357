"""A joint business plan in real Chromium: the manager's draft is signed by the partner in the portal, the
manager sees it locked, and a deal closed won afterwards shows up as the bookings actual of the running
quarter. The portal is checked with locators, not words (Ana reads Portuguese); axe-core checks both pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from channelbase.auth.models import User
from channelbase.core.i18n import format_money
from channelbase.deals import opportunities
from channelbase.deals.deal_schemas import OpportunityCreate, OpportunityUpdate
from channelbase.deals.fx import reporting_currency
from channelbase.growth import fiscal
from channelbase.plans import board, commitments, plans
from channelbase.plans.schemas import CommitmentIn, PlanCreate
from tests.browser.test_portal import _with_session, assert_accessible

pytestmark = pytest.mark.browser


def _draft_plan(session, world) -> tuple[int, int]:
    """Partner A's plan for the running fiscal year, drafted by Lucía: (partner id, running quarter number)."""
    lucia = session.get_one(User, world.users["lucia"])
    partner_id = world.partners["abertas"]
    today = date.today()
    plan = plans.active_plan(session, lucia, partner_id, fiscal.current_year(session, today).year) or \
        plans.create_plan(session, lucia, PlanCreate(partner_id=partner_id, objectives="Browser plan"))
    for kind, target in (("bookings", "50000.00"), ("registrations", "3")):
        commitments.add_commitment(session, lucia, plan.id, CommitmentIn(side="partner", kind=kind, q1=target,
                                                                         q2=target, q3=target, q4=target))
    year = fiscal.current_year(session, today)
    return partner_id, year.quarter_of(today)


def _close_a_deal_won(session, world) -> str:
    """A new deal of partner A, closed won today; returns the quarter's bookings actual as the page writes it."""
    lucia = session.get_one(User, world.users["lucia"])
    currency = reporting_currency()
    deal = opportunities.create_opportunity(session, lucia, OpportunityCreate(
        name="Plan browser deal", account_id=world.accounts["brazil"], partner_id=world.partners["abertas"],
        amount="12345.00", currency=currency, close_date=date.today()))
    opportunities.update_opportunity(session, lucia, deal.id, OpportunityUpdate(version=deal.version, stage="won"))
    session.flush()
    _partner, _year, shown = board.partner_board(session, lucia, world.partners["abertas"])
    assert shown is not None
    line = next(line for line in shown.lines if line.commitment.kind == "bookings")
    actual = line.cells[fiscal.current_year(session, date.today()).quarter_of(date.today()) - 1].actual
    assert actual is not None and actual >= 1234500
    return format_money(line.amount(actual).amount, currency)


def test_the_partner_signs_the_plan_and_a_won_deal_fills_in_its_bookings(page_as, live_world):
    checked: list[str] = []
    partner_id, quarter = _with_session(live_world, _draft_plan)

    ana = page_as("ana@abertas.com.br")
    ana.goto("/portal/plan")
    expect(ana.locator("main")).to_contain_text("Browser plan")
    assert_accessible(ana, checked)
    ana.locator('input[name="agree"]').check()
    ana.locator('form[action="/portal/plan/sign"] button[type="submit"]').click()
    ana.wait_for_url(re.compile(r"/portal/plan\?year=\d+&signed=1"))
    expect(ana.locator('input[name="agree"]')).to_have_count(0)

    lucia = page_as("lucia@channelbase.demo")
    lucia.goto(f"/partners/{partner_id}/plan")
    expect(lucia.locator("#plan-status")).to_have_text("Signed")
    expect(lucia.locator("#plan-locked")).to_be_visible()
    expect(lucia.locator("#plan-history")).to_contain_text("Revision 1 signed by Ana Souza")
    assert_accessible(lucia, checked)
    cell = lucia.locator(f'tr[data-kind="bookings"] td[data-quarter="{quarter}"] .actual')
    before = cell.inner_text()

    expected = _with_session(live_world, _close_a_deal_won)
    lucia.reload()
    expect(cell).to_have_text(expected)
    assert cell.inner_text() != before and Decimal(re.sub(r"[^\d.]", "", expected)) >= Decimal("12345.00")
