"""A trade show in Brazil next month, planned by Lucía (manager of Latin America), and helpers to add leads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from channelbase.events import leads, service
from channelbase.events.models import Event, EventLead
from channelbase.events.schemas import EventIn, LeadIn


@pytest.fixture
def summit(db, actor, world) -> Event:
    start = date.today() + timedelta(days=30)
    event = service.create_event(db, actor("lucia"), EventIn(
        name="Linux Summit São Paulo", kind="trade_show", starts_on=start, ends_on=start + timedelta(days=1),
        place="Expo Center Norte, São Paulo", currency="BRL", cost="30000.00",
        territory_id=world.territories["brazil"]))
    db.flush()
    return event


@pytest.fixture
def add_lead(db, actor, summit):
    """add_lead('Banco Sol S.A.', domain='bancosol.com.br') -> a new lead of the summit, added by Lucía."""
    def add(company: str, **fields) -> EventLead:
        values = {"country": "BR", **fields}
        return leads.add_lead(db, actor("lucia"), summit.id, LeadIn(company=company, **values))
    return add
