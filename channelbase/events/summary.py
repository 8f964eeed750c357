"""What an event brought in: leads, the accounts and registrations made from them, the pipeline of those
registrations per currency, and what each lead cost; and the totals of a list of events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.money import Money
from channelbase.deals.models import Registration, RegistrationStatus
from channelbase.events.models import CONVERTED_STATUSES, AccountSource, Event, EventLead
from channelbase.events.schemas import EventFilter
from channelbase.events.service import event_query, today_utc

# Registrations that still stand for business: rejected and expired ones are out of the pipeline.
PIPELINE_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED, RegistrationStatus.CONVERTED)


@dataclass(frozen=True)
class EventSummary:
    cost: Money
    leads: int = 0
    converted: int = 0
    accounts_created: int = 0
    accounts_linked: int = 0
    registrations: int = 0
    pipeline: list[Money] = field(default_factory=list)

    @property
    def cost_per_lead(self) -> Money | None:
        return per_lead(self.cost, self.leads)


@dataclass(frozen=True)
class ListTotals:
    events: int
    cost: list[Money]
    leads: int
    converted: int


def _lead_counts(session: Session, actor: User, event_ids: list[int]) -> dict[int, tuple[int, int, int, int, int]]:
    stmt = (visible(select(EventLead.event_id, func.count(),
                           func.count().filter(EventLead.status.in_(CONVERTED_STATUSES)),
                           func.count().filter(EventLead.account_source == AccountSource.CREATED),
                           func.count().filter(EventLead.account_source == AccountSource.LINKED),
                           func.count(EventLead.registration_id)), actor, EventLead)
            .where(EventLead.event_id.in_(event_ids)).group_by(EventLead.event_id))
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}  # type: ignore[misc]


def _pipelines(session: Session, actor: User, event_ids: list[int]) -> dict[int, list[Money]]:
    stmt = (visible(select(EventLead.event_id, Registration.currency, func.sum(Registration.amount_minor))
                    .join(Registration, Registration.id == EventLead.registration_id), actor, Registration)
            .where(EventLead.event_id.in_(event_ids), Registration.status.in_(PIPELINE_STATUSES))
            .group_by(EventLead.event_id, Registration.currency).order_by(Registration.currency))
    result: dict[int, list[Money]] = defaultdict(list)
    for event_id, currency, minor in session.execute(stmt):
        result[event_id].append(Money.from_minor(int(minor), currency))
    return result


def summaries(session: Session, actor: User, events: Iterable[Event]) -> dict[int, EventSummary]:
    """The summary of each of these events (which the actor sees already), in two queries."""
    events = list(events)
    ids = [event.id for event in events]
    counts = _lead_counts(session, actor, ids) if ids else {}
    pipelines = _pipelines(session, actor, ids) if ids else {}
    return {event.id: EventSummary(event.cost, *counts.get(event.id, (0, 0, 0, 0, 0)),
                                   pipeline=pipelines.get(event.id, []))
            for event in events}


def event_summary(session: Session, actor: User, event: Event) -> EventSummary:
    return summaries(session, actor, [event])[event.id]


def list_totals(session: Session, actor: User, filters: EventFilter, today: date | None = None) -> ListTotals:
    """Totals over every event of the list (all pages): count, cost per currency, leads and converted leads."""
    ids = event_query(actor, filters, today or today_utc()).with_only_columns(Event.id)
    costs = session.execute(select(Event.currency, func.count(), func.sum(Event.cost_minor))
                            .where(Event.id.in_(ids)).group_by(Event.currency).order_by(Event.currency)).all()
    leads, converted = session.execute(
        visible(select(func.count(), func.count().filter(EventLead.status.in_(CONVERTED_STATUSES))), actor, EventLead)
        .where(EventLead.event_id.in_(ids))).one()
    return ListTotals(events=sum(count for _currency, count, _minor in costs),
                      cost=[Money.from_minor(int(minor or 0), currency) for currency, _count, minor in costs
                            if minor],
                      leads=leads or 0, converted=converted or 0)


def per_lead(cost: Money, leads: int) -> Money | None:
    return Money.rounded(cost.amount / Decimal(leads), cost.currency) if leads else None
