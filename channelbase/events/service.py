"""Events and webinars: channel managers plan them in their territories, with a cost, an owner and a place
or a link; the list splits them into upcoming and past."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

import channelbase.events.access  # noqa: F401  (registers the visibility rules of the event tables)
from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.pagination import Page, paginate
from channelbase.events.models import Event
from channelbase.events.schemas import TAB_PAST, EventFilter, EventIn, EventUpdate
from channelbase.partners.common import check_version, require_owner, require_staff, require_territory_in_scope
from channelbase.partners.territories import territory_and_below

# The first sort of each tab is its default: the next event first, or the latest past one first.
EVENT_SORTS = {
    "starts": (Event.starts_on, False), "-starts": (Event.starts_on, True),
    "name": (Event.name, False), "-name": (Event.name, True),
    "kind": (Event.kind, False), "-kind": (Event.kind, True),
    "cost": (Event.cost_minor, False), "-cost": (Event.cost_minor, True),
}
DEFAULT_SORT = {"upcoming": "starts", "past": "-starts"}


def today_utc() -> date:
    return utcnow().date()


def _values(data: EventIn) -> dict:
    values = data.model_dump(exclude={"cost", "version"})
    values["cost_minor"] = data.cost_money().to_minor()
    values["kind"] = data.kind.value
    return values


def _check_scope(session: Session, actor: User, data: EventIn) -> None:
    require_territory_in_scope(session, actor, data.territory_id)
    require_owner(session, data.owner_id)


def create_event(session: Session, actor: User, data: EventIn) -> Event:
    """Plan an event in one of the actor's territories; the actor owns it unless another owner is named."""
    require_staff(actor, "plan events")
    _check_scope(session, actor, data)
    event = Event(**_values(data))
    event.owner_id = data.owner_id or actor.id
    session.add(event)
    session.flush()
    audit.record(session, actor, "create", event, None)
    return event


def update_event(session: Session, actor: User, event_id: int, data: EventUpdate) -> Event:
    """Change an event, unless someone saved it after the editor opened it."""
    event = get_event(session, actor, event_id)
    check_version(session, event, data.version)
    _check_scope(session, actor, data)
    before = audit.snapshot(event)
    values = _values(data)
    values["owner_id"] = data.owner_id or event.owner_id
    for key, value in values.items():
        setattr(event, key, value)
    audit.record(session, actor, "update", event, before)
    return event


def get_event(session: Session, actor: User, event_id: int) -> Event:
    """An event the actor sees (staff only: partner users are refused, other regions' managers get NotFound)."""
    require_staff(actor, "see events")
    return get_visible(session, actor, Event, event_id)


def event_query(actor: User, filters: EventFilter, today: date) -> Select:
    """Visible events on the filter's tab: upcoming ones have not ended yet, past ones have."""
    stmt = visible(select(Event), actor)
    stmt = stmt.where(Event.ends_on < today) if filters.tab == TAB_PAST else stmt.where(Event.ends_on >= today)
    if filters.territory_id is not None:
        stmt = stmt.where(Event.territory_id.in_(territory_and_below(filters.territory_id)))
    if filters.kind is not None:
        stmt = stmt.where(Event.kind == filters.kind.value)
    if filters.q:
        stmt = stmt.where(Event.name.icontains(filters.q, autoescape=True))
    return stmt


def list_events(session: Session, actor: User, filters: EventFilter, *, sort: str = "", page: int = 1,
                per_page: int = 25, today: date | None = None) -> Page[Event]:
    """A page of the tab's events, sorted (by default the next event first, or the latest past one first)."""
    require_staff(actor, "see events")
    column, descending = EVENT_SORTS.get(sort) or EVENT_SORTS[DEFAULT_SORT[filters.tab]]
    stmt = event_query(actor, filters, today or today_utc())
    stmt = stmt.order_by(column.desc() if descending else column.asc(), Event.id.desc() if descending else Event.id)
    return paginate(session, stmt, page, per_page)
