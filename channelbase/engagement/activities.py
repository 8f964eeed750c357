"""Activities: the calls, meetings, e-mails, QBRs, trainings, events and notes of a partner relationship.

Logging one is the daily gesture of a channel manager, so it is cheap: a partner, a type and a line of
summary. A next step with a date becomes a task for the person who logged it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import InvalidInput, NotFound
from channelbase.core.names import company_key
from channelbase.core.pagination import Page, paginate
from channelbase.engagement import tasks
from channelbase.engagement.models import Activity, Task, activity_contacts
from channelbase.engagement.schemas import ActivityCreate, ActivityFilter, ActivityUpdate
from channelbase.partners.common import check_version, require_staff
from channelbase.partners.models import Contact, Partner

# A logged activity may be planned up to a year ahead, or recorded up to five years late.
MAX_AHEAD = timedelta(days=366)
MAX_BEHIND = timedelta(days=5 * 366)
PARTNER_MATCH_MIN = 70  # rapidfuzz WRatio: below this a typed name is "not found", not a guess
ACTIVITY_SORTS = {
    "-occurred": (Activity.occurred_at, True), "occurred": (Activity.occurred_at, False),
    "type": (Activity.type, False), "-type": (Activity.type, True),
}


def log_activity(session: Session, actor: User, data: ActivityCreate, *, now: datetime | None = None) -> Activity:
    """Record a touch with a partner; its next step with a date becomes the actor's task."""
    require_staff(actor, "log activities")
    now = now or utcnow()
    partner = get_visible(session, actor, Partner, data.partner_id)
    occurred_at = _check_when(data.occurred_at or now, now)
    tasks.check_links(session, actor, partner.id, data.opportunity_id, data.registration_id)
    contacts = _contacts_of(session, actor, partner.id, data.contact_ids)
    if data.next_step_due and not data.next_step:
        raise InvalidInput("A next-step date needs the next step itself.",
                           field_errors={"next_step": "say what the next step is"})
    activity = Activity(partner_id=partner.id, type=data.type, occurred_at=occurred_at, summary=data.summary,
                        outcome=data.outcome, next_step=data.next_step, owner_id=actor.id,
                        opportunity_id=data.opportunity_id, registration_id=data.registration_id)
    session.add(activity)
    session.flush()
    if contacts:
        session.execute(activity_contacts.insert(), [{"activity_id": activity.id, "contact_id": c} for c in contacts])
    audit.record(session, actor, "create", activity, None)
    if data.next_step and data.next_step_due:
        tasks.task_from_next_step(session, actor, activity, data.next_step_due, now=now)
    return activity


def update_activity(session: Session, actor: User, activity_id: int, data: ActivityUpdate, *,
                    now: datetime | None = None) -> Activity:
    require_staff(actor, "edit activities")
    activity = get_activity(session, actor, activity_id)
    check_version(session, activity, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "occurred_at" in changes:
        changes["occurred_at"] = _check_when(changes["occurred_at"], now or utcnow())
    before = audit.snapshot(activity)
    for name, value in changes.items():
        if value is not None:
            setattr(activity, name, value)
    audit.record(session, actor, "update", activity, before)
    return activity


def delete_activity(session: Session, actor: User, activity_id: int) -> None:
    require_staff(actor, "delete activities")
    activity = get_activity(session, actor, activity_id)
    before = audit.snapshot(activity)
    for task in session.scalars(select(Task).where(Task.activity_id == activity.id)):
        task.activity_id = None
    audit.record(session, actor, "purge", activity, before)
    session.delete(activity)
    session.flush()


def get_activity(session: Session, actor: User, activity_id: int) -> Activity:
    return get_visible(session, actor, Activity, activity_id)


def activity_query(actor: User, filters: ActivityFilter):
    stmt = visible(select(Activity), actor)
    for name in ("partner_id", "type", "owner_id", "opportunity_id", "registration_id"):
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(getattr(Activity, name) == value)
    if filters.since:
        stmt = stmt.where(Activity.occurred_at >= datetime.combine(filters.since, datetime.min.time(), utcnow().tzinfo))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), utcnow().tzinfo)
        stmt = stmt.where(Activity.occurred_at < end)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(Activity.summary.ilike(like), Activity.outcome.ilike(like),
                              Activity.next_step.ilike(like)))
    return stmt


def list_activities(session: Session, actor: User, filters: ActivityFilter, *, sort: str = "-occurred",
                    page: int = 1, per_page: int = 25) -> Page[Activity]:
    column, descending = ACTIVITY_SORTS.get(sort, ACTIVITY_SORTS["-occurred"])
    order = (column.desc(), Activity.id.desc()) if descending else (column.asc(), Activity.id.asc())
    return paginate(session, activity_query(actor, filters).order_by(*order), page, per_page)


def recent_for_partner(session: Session, actor: User, partner_id: int, limit: int = 10) -> list[Activity]:
    stmt = visible(select(Activity), actor).where(Activity.partner_id == partner_id)
    return list(session.scalars(stmt.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit)))


def contacts_of(session: Session, actor: User, activity_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """The contacts each activity involved, for lists and detail pages."""
    ids = list(activity_ids)
    if not ids:
        return {}
    stmt = visible(select(activity_contacts.c.activity_id, Contact), actor, Contact).join(
        activity_contacts, activity_contacts.c.contact_id == Contact.id).where(activity_contacts.c.activity_id.in_(ids))
    found: dict[int, list[Contact]] = {}
    for activity_id, contact in session.execute(stmt):
        found.setdefault(activity_id, []).append(contact)
    return found


def find_partner(session: Session, actor: User, text: str) -> Partner:
    """The visible partner a person means by TEXT: an id, an exact name, or the closest fuzzy match.

    Ambiguity is an error listing the candidates: logging against the wrong partner is worse than asking."""
    text = text.strip()
    if not text:
        raise InvalidInput("Say which partner: a name or an id.", field_errors={"partner": "required"})
    live = visible(select(Partner), actor).where(Partner.deleted_at.is_(None))
    if text.lstrip("#").isdigit():
        partner = session.scalars(live.where(Partner.id == int(text.lstrip("#")))).first()
        if partner:
            return partner
    key = company_key(text)
    exact = list(session.scalars(live.where(Partner.name_key == key).limit(2)))
    if len(exact) == 1:
        return exact[0]
    names = dict(session.execute(visible(select(Partner.id, Partner.name_key), actor, Partner)
                                 .where(Partner.deleted_at.is_(None))).all())
    scored = process.extract(key, names, scorer=fuzz.WRatio, limit=3, score_cutoff=PARTNER_MATCH_MIN)
    if not scored:
        raise NotFound(f"No partner you can see matches '{text}'. Try part of its name, or its id.")
    best_score, best_id = scored[0][1], scored[0][2]
    close = [pid for _, score, pid in scored if score >= best_score - 3]
    if len(close) > 1 and not any(names[pid] == key for pid in close):
        labels = ", ".join(f"{p.name} (#{p.id})" for p in session.scalars(select(Partner).where(Partner.id.in_(close))))
        raise InvalidInput(f"'{text}' could be several partners: {labels}. Use more of the name, or the id.",
                           field_errors={"partner": "ambiguous"})
    return session.get_one(Partner, best_id)


# Checks ------------------------------------------------------------------------------------------

def _check_when(occurred_at: datetime, now: datetime) -> datetime:
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=now.tzinfo)
    if occurred_at > now + MAX_AHEAD:
        raise InvalidInput("An activity can be planned at most a year ahead.",
                           field_errors={"occurred_at": "more than a year ahead"})
    if occurred_at < now - MAX_BEHIND:
        raise InvalidInput("An activity can be recorded at most five years late.",
                           field_errors={"occurred_at": "more than five years ago"})
    return occurred_at


def _contacts_of(session: Session, actor: User, partner_id: int, contact_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    found = set(session.scalars(visible(select(Contact.id), actor, Contact)
                                .where(Contact.id.in_(ids), Contact.partner_id == partner_id)))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"Contact(s) {', '.join(map(str, missing))} are not this partner's.",
                           field_errors={"contact_ids": "not this partner's contacts"})
    return ids
