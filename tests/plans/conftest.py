"""A known year of partner A (Soluções Abertas) in FY2026 (the calendar year: no fiscal calendar is set), seen on
2026-08-15, half-way through Q3: deals in USD and BRL (BRL at 0.20), registrations, certifications, an event
activity and an event, with the actuals each quarter must show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from channelbase.core.money import Money
from channelbase.deals import fx
from channelbase.deals.models import Opportunity, Registration, Stage
from channelbase.enablement.models import Certification, Course
from channelbase.engagement.models import Activity
from channelbase.events.models import Event, EventPartner
from channelbase.partners.models import Contact
from channelbase.plans import commitments, plans
from channelbase.plans.schemas import CommitmentIn, PlanCreate, SignIn

TODAY = date(2026, 8, 15)  # FY2026 Q3 runs 2026-07-01 to 2026-09-30: 46 of its 92 days have elapsed


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=timezone.utc)


@dataclass
class Known:
    partner_id: int
    deals: dict[str, Opportunity]


def _deal(db, world, stages, partner_id, name, currency, amount, stage, close, created) -> Opportunity:
    chosen = stages[stage]
    deal = Opportunity(name=f"Plan {name}", account_id=world.accounts["brazil"], partner_id=partner_id,
                       territory_id=world.territories["brazil"], currency=currency,
                       amount_minor=Money(Decimal(amount), currency).to_minor(), close_date=close,
                       stage_id=chosen.id, outcome=chosen.outcome, probability=chosen.probability,
                       stage_changed_at=at(close), created_at=at(created))
    db.add(deal)
    return deal


def _registration(db, world, partner_id, status, submitted) -> None:
    db.add(Registration(partner_id=partner_id, territory_id=world.territories["brazil"], title=f"Plan {status}",
                        customer_name="Cliente Plano", customer_key="clienteplano", customer_country="BR",
                        currency="USD", amount_minor=100000, expected_close_date=date(2026, 12, 1), status=status,
                        submitted_at=at(submitted), decision_due_at=at(submitted + timedelta(days=2))))


@pytest.fixture
def known(db, world, actor) -> Known:
    admin = actor("admin")
    partner_id = world.partners["abertas"]
    fx.set_rate(db, admin, "BRL", date(2026, 1, 1), "0.20")
    stages = {stage.key: stage for stage in db.scalars(select(Stage))}
    deals = {}
    for name, currency, amount, stage, close, created in (
            ("won Q1", "USD", "1000.00", "won", date(2026, 2, 10), date(2026, 1, 15)),
            ("lost Q2", "USD", "9999.00", "lost", date(2026, 5, 1), date(2026, 2, 1)),
            ("won Q2 in BRL", "BRL", "5000.00", "won", date(2026, 5, 20), date(2026, 4, 1)),
            ("won Q3", "USD", "500.00", "won", date(2026, 8, 10), date(2026, 7, 1)),
            ("open", "USD", "2000.00", "commit", date(2026, 11, 30), date(2026, 7, 10)),
            ("last year", "USD", "7000.00", "won", date(2025, 12, 20), date(2025, 11, 1))):
        deals[name] = _deal(db, world, stages, partner_id, name, currency, amount, stage, close, created)
    for status, submitted in (("submitted", date(2026, 2, 2)), ("rejected", date(2026, 3, 3)),
                              ("approved", date(2026, 5, 5)), ("converted", date(2026, 7, 7))):
        _registration(db, world, partner_id, status, submitted)
    course = Course(name="Plan certification", kind="sales", language="pt", duration_hours=4,
                    certification_months=12)
    db.add(course)
    other = Contact(partner_id=partner_id, name="Carla Mendes", email="carla.plan@abertas.com.br", role="sales")
    db.add(other)
    db.flush()
    db.add(Certification(contact_id=world.contacts["ana"], partner_id=partner_id, course_id=course.id,
                         certified_on=date(2026, 1, 10), expires_on=date(2026, 6, 30)))
    db.add(Certification(contact_id=other.id, partner_id=partner_id, course_id=course.id,
                         certified_on=date(2026, 5, 1), expires_on=None))
    for kind, day in (("event", date(2026, 2, 20)), ("call", date(2026, 2, 21)), ("event", date(2026, 9, 1))):
        db.add(Activity(partner_id=partner_id, type=kind, occurred_at=at(day), summary=f"Plan {kind}"))
    event = Event(name="Plan summit", kind="event", starts_on=date(2026, 7, 20), ends_on=date(2026, 7, 21),
                  currency="USD", territory_id=world.territories["brazil"])
    db.add(event)
    db.flush()
    db.add(EventPartner(event_id=event.id, partner_id=partner_id, role="exhibitor"))
    db.flush()
    return Known(partner_id, deals)


def draft_plan(db, lucia, partner_id: int, lines: list[CommitmentIn], *, year: int = 2026):
    """A draft plan of the partner with these commitments (made by its manager)."""
    plan = plans.create_plan(db, lucia, PlanCreate(partner_id=partner_id, fiscal_year=year, objectives="Grow"),
                             today=TODAY)
    for line in lines:
        commitments.add_commitment(db, lucia, plan.id, line)
    db.flush()
    return plan


def signed_plan(db, lucia, ana, partner_id: int, lines: list[CommitmentIn], *, year: int = 2026):
    plan = draft_plan(db, lucia, partner_id, lines, year=year)
    plans.sign_plan(db, ana, SignIn(plan_id=plan.id, version=plan.version, agree=True))
    db.flush()
    return plan


def line(kind: str, q1="0", q2="0", q3="0", q4="0", *, side: str = "partner", description: str = "") -> CommitmentIn:
    return CommitmentIn(side=side, kind=kind, description=description, q1=q1, q2=q2, q3=q3, q4=q4)
