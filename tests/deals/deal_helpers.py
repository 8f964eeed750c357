"""Shared pieces of the deal service tests: a fixed clock, new customers, deals, and row counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.deals import opportunities, registrations
from channelbase.deals.deal_schemas import ApproveIn, OpportunityCreate, RegistrationCreate
from channelbase.deals.models import Opportunity, Registration
from channelbase.matching.service import forget_account_indexes

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
CLOSE = TODAY + timedelta(days=60)
# Valid CNPJs (check digits computed), besides Soluções Abertas' own 11.444.777/0001-61.
CNPJ_A, CNPJ_B = "12.345.678/0001-95", "98.765.432/0001-98"


@pytest.fixture(autouse=True)
def fresh_indexes():
    """Each test rolls its rows back and SQLite reuses their ids: start every test with no cached name index."""
    forget_account_indexes()
    yield
    forget_account_indexes()


def new_customer(**overrides) -> RegistrationCreate:
    """A registration of a customer that is not an account yet (Brazil, in the reporting currency)."""
    fields: dict = dict(title="Metalúrgica — Linux estate", customer_name="Metalúrgica Paulista Ltda.",
                        customer_country="BR", customer_website="https://www.metalurgicapaulista.com.br",
                        amount="50000.00", currency="USD", expected_close_date=CLOSE)
    return RegistrationCreate(**{**fields, **overrides})


def submit(db: Session, who: User, *, now: datetime = NOW, **overrides) -> Registration:
    registration = registrations.submit_registration(db, who, new_customer(**overrides), now=now)
    db.flush()
    return registration


def approve(db: Session, staff: User, registration: Registration, *, now: datetime = NOW,
            **fields) -> Registration:
    registrations.approve(db, staff, registration.id, ApproveIn(version=registration.version, **fields), now=now)
    db.flush()
    return registration


def new_opportunity(world, **overrides) -> OpportunityCreate:
    fields: dict = dict(name="Banco Horizonte — observability", account_id=world.accounts["brazil"],
                        partner_id=world.partners["abertas"], amount="10000.00", currency="USD", close_date=CLOSE)
    return OpportunityCreate(**{**fields, **overrides})


def open_deal(db: Session, staff: User, world, *, now: datetime = NOW, **overrides) -> Opportunity:
    opportunity = opportunities.create_opportunity(db, staff, new_opportunity(world, **overrides), now=now)
    db.flush()
    return opportunity


def rows(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def audit_rows(db: Session) -> int:
    return rows(db, AuditEntry)


def actions(db: Session, table: str, entity_id: int) -> list[str]:
    """The audited actions on one row, oldest first."""
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == table,
                                                            AuditEntry.entity_id == entity_id)
                           .order_by(AuditEntry.id)))


def later(days: int = 0, hours: int = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours)


def day(days: int) -> date:
    return TODAY + timedelta(days=days)
