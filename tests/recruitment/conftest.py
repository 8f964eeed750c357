"""Helpers for recruitment tests: prospects added through the service at controlled moments, partners of a
given type and status, and a counter of the SQL statements a block runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from channelbase.partners import service as partners
from channelbase.partners.schemas import PartnerCreate
from channelbase.recruitment import funnel
from channelbase.recruitment.schemas import ProspectIn

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=40)


@pytest.fixture
def add_prospect(db, actor, world):
    """add_prospect('Name', type='var', territory='brazil', now=..., **fit inputs) -> RecruitmentRecord (as Lucía)."""
    def add(name: str, *, type: str = "var", territory: str = "brazil", country: str = "BR", now=None,
            who: str = "lucia", **fields):
        record = funnel.add_prospect(db, actor(who), ProspectIn(
            name=name, type=type, territory_id=world.territories[territory], country=country, **fields),
            now=now or START)
        db.flush()
        return record
    return add


@pytest.fixture
def add_partner(db, actor, world):
    """add_partner('Name', type='var', status='active', territory='brazil') -> Partner (as the admin)."""
    def add(name: str, *, type: str = "var", status: str = "active", territory: str = "brazil", country: str = "BR"):
        partner = partners.create_partner(db, actor("admin"), PartnerCreate(
            name=name, type=type, status=status, territory_id=world.territories[territory], country=country))
        db.flush()
        return partner
    return add


@contextmanager
def counted_statements(db) -> Iterator[list[str]]:
    """The SELECT statements run inside the block, in order."""
    seen: list[str] = []
    engine = db.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
