"""Reads the engagement pages need beyond the services: names, option lists, the quick-log panel and
the cadence list. Every query goes through `visible()`, so a page shows only what its actor may read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, InvalidInput
from channelbase.deals.models import Opportunity, Registration, StageOutcome
from channelbase.engagement import activities, cadence, tasks
from channelbase.engagement.models import ACTIVITY_LABELS, Activity, ActivityType, CadenceRule, Task
from channelbase.engagement.schemas import ActivityFilter, TaskFilter
from channelbase.partners import service, territories
from channelbase.partners.models import Partner
from channelbase.partners.schemas import Strict

PICKER_LIMIT = 100
PANEL_ROWS = 5
# The quick-log buttons: the everyday touches. Trainings and events are planned from the full form.
QUICK_TYPES = (ActivityType.CALL, ActivityType.MEETING, ActivityType.EMAIL, ActivityType.QBR, ActivityType.NOTE)
Options = list[tuple[int, str]]


# Time zones: stored in UTC, shown and typed in the user's zone ------------------------------------

def zone_of(actor: User | None) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(actor, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: datetime | None, actor: User | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the actor reads it, e.g. '2026-11-27 10:00'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(zone_of(actor)).strftime(fmt)


def local_input(value: datetime | None, actor: User | None) -> str:
    """The value of a datetime-local input (the actor's wall-clock time, no zone)."""
    return local_time(value or utcnow(), actor, "%Y-%m-%dT%H:%M")


def from_local_input(text: object, actor: User | None) -> object:
    """A datetime-local value read in the actor's zone; anything unreadable goes on for the schema to refuse."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return value if value.tzinfo else value.replace(tzinfo=zone_of(actor))


# Names and options ----------------------------------------------------------------------------------

def partner_names(session: Session, actor: User, ids: Iterable[int | None]) -> dict[int | None, str]:
    return service.partner_names(session, actor, ids)


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    """Names of owners and assignees (staff users) of rows the actor already sees."""
    return service.staff_names(session, ids)


def deal_options(session: Session, actor: User, partner_id: int | None) -> tuple[Options, Options]:
    """The partner's opportunities (open first) and registrations (newest first) for the link selects."""
    if partner_id is None:
        return [], []
    opps = session.execute(visible(select(Opportunity.id, Opportunity.name, Opportunity.outcome), actor, Opportunity)
                           .where(Opportunity.partner_id == partner_id)
                           .order_by((Opportunity.outcome == StageOutcome.OPEN).desc(), Opportunity.close_date.desc())
                           .limit(PICKER_LIMIT)).all()
    regs = session.scalars(visible(select(Registration), actor).where(Registration.partner_id == partner_id)
                           .order_by(Registration.id.desc()).limit(PICKER_LIMIT)).all()
    return ([(o.id, o.name + ("" if o.outcome == StageOutcome.OPEN else f" ({o.outcome})")) for o in opps],
            [(r.id, f"{r.reference} {r.title} ({r.status})") for r in regs])


def deal_names(session: Session, actor: User, rows: Iterable[Activity | Task]) -> dict[str, dict[int, str]]:
    """{'opportunity': {id: name}, 'registration': {id: 'REG-… title'}} for the deals the rows link to."""
    items = list(rows)
    opp_ids = {r.opportunity_id for r in items if r.opportunity_id}
    reg_ids = {r.registration_id for r in items if r.registration_id}
    names: dict[str, dict[int, str]] = {"opportunity": {}, "registration": {}}
    if opp_ids:
        names["opportunity"] = {row.id: row.name for row in session.execute(
            visible(select(Opportunity.id, Opportunity.name), actor, Opportunity).where(Opportunity.id.in_(opp_ids)))}
    if reg_ids:
        names["registration"] = {r.id: f"{r.reference} {r.title}" for r in session.scalars(
            visible(select(Registration), actor).where(Registration.id.in_(reg_ids)))}
    return names


def tasks_from(session: Session, actor: User, activity_id: int) -> list[Task]:
    """The tasks made from an activity's next step."""
    return list(session.scalars(visible(select(Task), actor).where(Task.activity_id == activity_id)
                                .order_by(Task.due_on, Task.id)))


def history_of(session: Session, entity_type: str, entity_id: int) -> list[audit.AuditEntry]:
    """The audit trail of a row the caller has already fetched through its visible getter."""
    return audit.history(session, entity_type, entity_id)


def activity_labels() -> dict[str, str]:
    return {str(k): v for k, v in ACTIVITY_LABELS.items()}


def activity_type_options() -> list[tuple[str, str]]:
    return [(t.value, ACTIVITY_LABELS[t]) for t in ActivityType]


# The quick-log panel --------------------------------------------------------------------------------

@dataclass
class QuickLog:
    """What the quick-log partial shows: the buttons, the partner's (or deal's) latest touches, its open
    tasks and its cadence, plus the outcome of the last attempt."""

    partner_id: int
    partner_name: str
    next_url: str
    compact: bool = False
    opportunity_id: int | None = None
    registration_id: int | None = None
    recent: list[Activity] = field(default_factory=list)
    open_tasks: list[Task] = field(default_factory=list)
    status: cadence.CadenceStatus | None = None
    today: date = field(default_factory=lambda: utcnow().date())
    message: str = ""
    error: DomainError | None = None
    values: dict = field(default_factory=dict)
    types: tuple[ActivityType, ...] = QUICK_TYPES

    @property
    def dom_id(self) -> str:
        deal = f"-o{self.opportunity_id}" if self.opportunity_id else f"-r{self.registration_id}" if self.registration_id else ""
        return f"quick-log-{self.partner_id}{deal}{'-c' if self.compact else ''}"

    @property
    def errors(self) -> dict[str, str]:
        return self.error.field_errors if self.error else {}

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [(t.value, ACTIVITY_LABELS[t]) for t in self.types]

    @property
    def state(self) -> str | None:
        return self.status.state(self.today) if self.status else None


def quick_log_panel(session: Session, actor: User, partner_id: int, *, next_url: str, compact: bool = False,
                    opportunity_id: int | None = None, registration_id: int | None = None,
                    now: datetime | None = None, **outcome) -> QuickLog:
    """The panel for a partner, or for one of its deals (the touches then link to that deal)."""
    now = now or utcnow()
    panel = QuickLog(partner_id=partner_id, partner_name=partner_names(session, actor, [partner_id]).get(partner_id, ""),
                     next_url=next_url, compact=compact, opportunity_id=opportunity_id,
                     registration_id=registration_id, today=cadence.local_today(actor, now), **outcome)
    panel.status = cadence.partner_cadence(session, actor, partner_id, now=now)
    if compact:
        return panel
    if opportunity_id or registration_id:
        deal = {"opportunity_id": opportunity_id, "registration_id": registration_id}
        panel.recent = activities.list_activities(session, actor, ActivityFilter(**deal), per_page=PANEL_ROWS).items
        panel.open_tasks = tasks.list_tasks(session, actor, TaskFilter(**deal, state="open"), per_page=PANEL_ROWS,
                                            today=panel.today).items
    else:
        panel.recent = activities.recent_for_partner(session, actor, partner_id, limit=PANEL_ROWS)
        panel.open_tasks = tasks.list_tasks(session, actor, TaskFilter(partner_id=partner_id, state="open"),
                                            per_page=PANEL_ROWS, today=panel.today).items
    return panel


def logged_message(activity: Activity, task: Task | None) -> str:
    text = f"Logged: {activity.label} “{activity.summary}”"
    if task is not None:
        text += f"; task “{task.title}” due {task.due_on:%Y-%m-%d}"
    return text + "."


# The cadence list -----------------------------------------------------------------------------------

class CadenceFilter(Strict):
    state: Literal["due", "overdue", "all"] = "all"
    priority_only: bool = False
    territory_id: int | None = None
    q: str | None = Field(None, max_length=100)


@dataclass
class CadenceView:
    rows: list[cadence.CadenceStatus]
    coverage: cadence.Coverage
    today: date
    territory_name: str | None = None


def cadence_view(session: Session, actor: User, filters: CadenceFilter, *, now: datetime | None = None) -> CadenceView:
    """The actor's partners under a cadence rule, filtered; coverage counts the chosen territory's priority partners."""
    now = now or utcnow()
    today = cadence.local_today(actor, now)
    statuses = cadence.cadence_statuses(session, actor, now=now)
    territory_name = None
    if filters.territory_id is not None:
        visible_territories = {t.id: t for t in territories.list_territories(session, actor)}
        root = visible_territories.get(filters.territory_id)
        if root is None:
            raise InvalidInput("Pick one of your territories.", field_errors={"territory_id": "not found"})
        paths = {t.id: t.path for t in visible_territories.values()}
        statuses = [s for s in statuses if paths.get(s.territory_id, "").startswith(root.path)]
        territory_name = root.name
    covered = cadence.coverage(statuses, today)
    if filters.state == "due":
        statuses = cadence.overdue(statuses, today, include_today=True)
    elif filters.state == "overdue":
        statuses = cadence.overdue(statuses, today)
    if filters.priority_only:
        statuses = [s for s in statuses if s.is_priority]
    if filters.q:
        needle = filters.q.strip().casefold()
        statuses = [s for s in statuses if needle in s.partner_name.casefold()]
    return CadenceView(statuses, covered, today, territory_name)


def coverage_line(coverage: cadence.Coverage) -> str:
    if not coverage.total:
        return "Cadence coverage: no priority partner follows a cadence rule yet."
    return (f"Cadence coverage: {coverage.within} of {coverage.total} priority partners within cadence "
            f"({coverage.percent:g} %)")


def rule_follower_counts(session: Session, actor: User) -> Counter[int]:
    """How many live, active or onboarding partners each active rule governs now (one pass over partners)."""
    book = cadence.rule_book(session)
    counts: Counter[int] = Counter()
    if not book.rules:
        return counts
    stmt = visible(select(Partner.id, Partner.name, Partner.type, Partner.tier, Partner.is_priority,
                          Partner.territory_id, Partner.created_at), actor, Partner).where(
        Partner.deleted_at.is_(None), Partner.status.in_(cadence.CADENCE_STATUSES))
    for row in session.execute(stmt):
        rule = book.rule_for(cadence._PartnerRow(*row))
        if rule is not None:
            counts[rule.id] += 1
    return counts


def rule_form_values(rule: CadenceRule) -> dict[str, object]:
    """A stored rule as its edit form shows it."""
    priority = "" if rule.is_priority is None else ("yes" if rule.is_priority else "no")
    return {"name": rule.name, "every_days": rule.every_days, "counted_types": list(rule.types),
            "partner_type": rule.partner_type or "", "tier": rule.tier or "", "is_priority": priority,
            "territory_id": rule.territory_id or "", "active": rule.active, "version": rule.version}
