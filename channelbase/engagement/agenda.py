"""My day: everything a channel manager should act on today, in one agenda.

The web page, `channelbase today` and `GET /api/v1/today` all render this one structure, so they
always agree. Each section lists its first items (oldest or most urgent first) and the full count."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.base import utcnow
from channelbase.deals import registrations
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus, StageOutcome
from channelbase.deals.opportunities import stalled_before
from channelbase.engagement import cadence
from channelbase.engagement.models import ACTIVITY_LABELS, CALENDAR_TYPES, Activity, Task
from channelbase.partners.common import require_staff
from channelbase.partners.models import Partner

SECTION_LIMIT = 10  # per section; each links to its full list (more would bury today's work, and cost)
COUNT_CAP = 1000  # counts stop here ("1000+"): an exact count of thousands of stalled deals costs, tells nothing
EXPIRING_WITHIN_DAYS = 7
WEEK_DAYS = 7
# Section titles in the singular, for "1 task due" in the headline.
SINGULAR = (("Partners", "Partner"), ("Tasks", "Task"), ("Registrations", "Registration"),
            ("Open deals past their", "Open deal past its"), ("Deals", "Deal"),
            ("Trainings and events", "Training or event"))


@dataclass(slots=True)
class AgendaItem:
    kind: str  # cadence, task, decision, expiring, stalled, past_close, closing, event
    id: int  # of the partner (cadence), task, registration, opportunity or activity
    title: str
    detail: str
    url: str
    due: date | None = None
    partner_id: int | None = None
    partner_name: str = ""
    version: int | None = None
    overdue: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "key": self.key, "title": self.title, "detail": self.detail,
                "url": self.url, "due": self.due.isoformat() if self.due else None, "partner_id": self.partner_id,
                "partner_name": self.partner_name, "version": self.version, "overdue": self.overdue}


@dataclass
class AgendaSection:
    key: str
    title: str
    action: str  # what the item's button does, e.g. "Log a touch"
    items: list[AgendaItem] = field(default_factory=list)
    total: int = 0
    more_url: str | None = None

    @property
    def summary(self) -> str:
        """"3 tasks due", "1 task due": the section's count and title, for the headline."""
        title = self.title
        if self.total == 1:
            for many, one in SINGULAR:
                title = title.replace(many, one)
        return f"{self.count_label} {title[0].lower()}{title[1:]}"

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.total)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "total": self.total, "capped": self.capped,
                "more_url": self.more_url, "items": [item.as_dict() for item in self.items]}


@dataclass
class Agenda:
    today: date
    sections: list[AgendaSection]
    coverage: cadence.Coverage

    @property
    def items(self) -> list[AgendaItem]:
        return [item for section in self.sections for item in section.items]

    @property
    def is_empty(self) -> bool:
        return not any(section.total for section in self.sections)

    def section(self, key: str) -> AgendaSection:
        return next(s for s in self.sections if s.key == key)

    def headline(self) -> str:
        """The action-first summary line: what needs doing, largest piles first."""
        parts = [s.summary for s in self.sections if s.total]
        return "; ".join(parts) if parts else "Nothing needs you today."

    def as_dict(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "headline": self.headline(),
                "coverage": {"within": self.coverage.within, "total": self.coverage.total,
                             "percent": self.coverage.percent},
                "sections": [s.as_dict() for s in self.sections]}


def my_day(session: Session, actor: User, *, now: datetime | None = None, limit: int = SECTION_LIMIT) -> Agenda:
    require_staff(actor, "open My day")
    now = now or utcnow()
    today = cadence.local_today(actor, now)
    statuses = cadence.cadence_statuses(session, actor, now=now)
    sections = [
        _cadence_section(statuses, today, limit),
        _task_section(session, actor, today, limit),
        _decision_section(session, actor, now, limit),
        _expiring_section(session, actor, today, limit),
        _stalled_section(session, actor, now, today, limit),
        _past_close_section(session, actor, today, limit),
        _closing_section(session, actor, today, limit),
        _week_section(session, actor, now, today, limit),
    ]
    return Agenda(today=today, sections=sections, coverage=cadence.coverage(statuses, today))


# Sections ------------------------------------------------------------------------------------------

def _cadence_section(statuses: list[cadence.CadenceStatus], today: date, limit: int) -> AgendaSection:
    due = cadence.overdue(statuses, today, include_today=True)
    items = [AgendaItem("cadence", s.partner_id, s.partner_name, f"{s.rule_name}: {s.describe(today)}",
                        f"/partners/{s.partner_id}", s.due_on, s.partner_id, s.partner_name,
                        overdue=s.state(today) == cadence.State.OVERDUE) for s in due[:limit]]
    return AgendaSection("cadence", "Partners to contact", "Log a touch", items, len(due), "/cadence?state=due")


def _task_section(session: Session, actor: User, today: date, limit: int) -> AgendaSection:
    condition = (Task.assignee_id == actor.id, Task.done_at.is_(None), Task.due_on <= today)
    stmt = visible(select(Task, Partner.name), actor, Task).outerjoin(Partner, Partner.id == Task.partner_id).where(
        *condition)
    rows = session.execute(stmt.order_by(Task.due_on, Task.id).limit(limit)).all()
    items = [AgendaItem("task", task.id, task.title, _due_text(task.due_on, today), f"/tasks/{task.id}",
                        task.due_on, task.partner_id, name or "", task.version, overdue=task.due_on < today)
             for task, name in rows]
    total = _total(session, rows, limit, lambda: select(Task.id).where(*condition))
    return AgendaSection("tasks", "Tasks due", "Complete", items, total, "/tasks?state=open")


def _decision_section(session: Session, actor: User, now: datetime, limit: int) -> AgendaSection:
    stmt = visible(select(Registration, Partner.name), actor, Registration).join(
        Partner, Partner.id == Registration.partner_id).where(Registration.status == RegistrationStatus.SUBMITTED)
    rows = session.execute(stmt.order_by(Registration.submitted_at, Registration.id).limit(limit)).all()
    items = []
    for reg, name in rows:
        sla = registrations.sla_of(reg, now)
        items.append(AgendaItem("decision", reg.id, f"{reg.reference} {reg.title}",
                                f"{reg.customer_name} · {reg.amount} · {sla.describe(now)}", f"/registrations/{reg.id}",
                                reg.decision_due_at.date(), reg.partner_id, name, reg.version,
                                overdue=reg.decision_due_at < now))
    total = _total(session, rows, limit, lambda: visible(select(Registration.id), actor, Registration)
                   .where(Registration.status == RegistrationStatus.SUBMITTED))
    return AgendaSection("decisions", "Registrations awaiting a decision", "Approve or reject", items, total,
                         "/registrations?status=submitted&sort=-submitted")


def _expiring_section(session: Session, actor: User, today: date, limit: int) -> AgendaSection:
    window = (Registration.status == RegistrationStatus.APPROVED, Registration.expires_on >= today,
              Registration.expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS))
    stmt = visible(select(Registration, Partner.name), actor, Registration).join(
        Partner, Partner.id == Registration.partner_id).where(*window)
    rows = session.execute(stmt.order_by(Registration.expires_on, Registration.id).limit(limit)).all()
    items = [AgendaItem("expiring", reg.id, f"{reg.reference} {reg.title}",
                        f"{reg.customer_name} · {_due_text(reg.expires_on, today, 'expires')} · "
                        f"{reg.extensions} extension(s) so far", f"/registrations/{reg.id}", reg.expires_on,
                        reg.partner_id, name, reg.version) for reg, name in rows]
    total = _total(session, rows, limit, lambda: visible(select(Registration.id), actor, Registration).where(*window))
    return AgendaSection("expiring", f"Registrations expiring within {EXPIRING_WITHIN_DAYS} days", "Extend", items,
                         total, f"/registrations?expiring_days={EXPIRING_WITHIN_DAYS}&sort=expires")


def _opportunity_section(session: Session, actor: User, key: str, title: str, conditions: tuple, order: tuple,
                         describe, more_url: str, limit: int) -> AgendaSection:
    base = (Opportunity.outcome == StageOutcome.OPEN, *conditions)
    stmt = visible(select(Opportunity, Partner.name), actor, Opportunity).join(
        Partner, Partner.id == Opportunity.partner_id).where(*base)
    rows = session.execute(stmt.order_by(*order, Opportunity.id).limit(limit)).all()
    items = [AgendaItem(key, opp.id, opp.name, describe(opp), f"/opportunities/{opp.id}", opp.close_date,
                        opp.partner_id, name, opp.version, overdue=key != "closing") for opp, name in rows]
    total = _total(session, rows, limit, lambda: visible(select(Opportunity.id), actor, Opportunity).where(*base))
    return AgendaSection(key, title, "Update the stage", items, total, more_url)


def _stalled_section(session: Session, actor: User, now: datetime, today: date, limit: int) -> AgendaSection:
    before = stalled_before(now)
    days = (now - before).days
    return _opportunity_section(
        session, actor, "stalled", f"Deals with no stage change for {days} days",
        (Opportunity.stage_changed_at < before, Opportunity.close_date >= today), (Opportunity.stage_changed_at,),
        lambda o: f"{o.amount} · stage unchanged since {o.stage_changed_at:%Y-%m-%d} · closes {o.close_date:%Y-%m-%d}",
        "/opportunities?stalled=true&outcome=open&sort=stalled", limit)


def _past_close_section(session: Session, actor: User, today: date, limit: int) -> AgendaSection:
    return _opportunity_section(
        session, actor, "past_close", "Open deals past their close date", (Opportunity.close_date < today,),
        (Opportunity.close_date,), lambda o: f"{o.amount} · {_due_text(o.close_date, today, 'close date')}",
        f"/opportunities?outcome=open&close_to={(today - timedelta(days=1)).isoformat()}&sort=close", limit)


def _closing_section(session: Session, actor: User, today: date, limit: int) -> AgendaSection:
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return _opportunity_section(
        session, actor, "closing", "Closing this month", (Opportunity.close_date >= today,
                                                          Opportunity.close_date <= month_end),
        (Opportunity.close_date,), lambda o: f"{o.amount} · {_due_text(o.close_date, today, 'closes')}",
        f"/opportunities?outcome=open&close_from={today.isoformat()}&close_to={month_end.isoformat()}&sort=close",
        limit)


def _week_section(session: Session, actor: User, now: datetime, today: date, limit: int) -> AgendaSection:
    """The trainings, events, meetings and QBRs the user runs this week (today and the next six days)."""
    start = datetime.combine(today, datetime.min.time(), now.tzinfo)
    window = (Activity.owner_id == actor.id, Activity.occurred_at >= start,
              Activity.occurred_at < start + timedelta(days=WEEK_DAYS), Activity.type.in_(list(CALENDAR_TYPES)))
    # Visibility through the joined partner: the same rows as the activity rule (the partner is one the
    # staff actor sees), but SQLite then walks the user's own week (ix_activities_owner_occurred) instead of
    # listing every visible partner's id and probing each one's touches (0.35 ms instead of 3.4 at large).
    stmt = visible(select(Activity, Partner.name), actor, Partner).join(
        Partner, Partner.id == Activity.partner_id).where(*window)
    rows = session.execute(stmt.order_by(Activity.occurred_at, Activity.id).limit(limit)).all()
    items = [AgendaItem("event", act.id, f"{ACTIVITY_LABELS.get(act.type, act.type)}: {act.summary}",
                        f"{act.occurred_at:%a %d %b %H:%M} UTC", f"/activities/{act.id}", act.occurred_at.date(),
                        act.partner_id, name, act.version) for act, name in rows]
    total = _total(session, rows, limit, lambda: visible(
        select(Activity.id).join(Partner, Partner.id == Activity.partner_id), actor, Partner).where(*window))
    return AgendaSection("week", "Trainings and events this week", "Open", items, total,
                         f"/activities?owner_id={actor.id}&since={today.isoformat()}")


# Helpers ---------------------------------------------------------------------------------------------

def _total(session: Session, rows: Sequence, limit: int, ids: Callable[[], Select]) -> int:
    """A section's count: its rows when they did not fill the page (the count has the list's conditions),
    else counted up to the cap."""
    return min(len(rows), COUNT_CAP) if len(rows) < limit else _capped_count(session, ids())


def _capped_count(session: Session, ids) -> int:
    return session.scalar(select(func.count()).select_from(ids.limit(COUNT_CAP).subquery())) or 0


def _due_text(day: date, today: date, verb: str = "due") -> str:
    delta = (day - today).days
    if delta == 0:
        return f"{verb} today"
    if delta == 1:
        return f"{verb} tomorrow"
    if delta > 0:
        return f"{verb} in {delta} days ({day:%Y-%m-%d})"
    return f"{verb} {day:%Y-%m-%d} ({-delta} day{'s' if delta != -1 else ''} ago)"
