"""Tasks: what someone must do by a date, about a partner, an opportunity or a registration."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.core.pagination import Page, paginate
from channelbase.deals.models import Opportunity, Registration
from channelbase.engagement.models import Activity, Task
from channelbase.engagement.schemas import SnoozeIn, TaskCreate, TaskFilter, TaskUpdate
from channelbase.partners.common import check_version, require_staff
from channelbase.partners.models import Partner

MAX_DAYS_BEHIND = 366  # a new due date further back than a year is a typo, not a plan
MAX_DAYS_AHEAD = 5 * 366
TASK_SORTS = {
    "due": (Task.due_on, False), "-due": (Task.due_on, True),
    "title": (Task.title, False), "-title": (Task.title, True),
    "created": (Task.created_at, True), "-created": (Task.created_at, False),
}


def create_task(session: Session, actor: User, data: TaskCreate, *, now: datetime | None = None,
                activity: Activity | None = None) -> Task:
    require_staff(actor, "create tasks")
    today = (now or utcnow()).date()
    _check_due(data.due_on, today)
    assignee_id = data.assignee_id or actor.id
    _check_assignee(session, assignee_id)
    partner_id = check_links(session, actor, data.partner_id, data.opportunity_id, data.registration_id)
    task = Task(title=data.title, notes=data.notes, due_on=data.due_on, assignee_id=assignee_id,
                partner_id=partner_id, opportunity_id=data.opportunity_id, registration_id=data.registration_id,
                activity_id=activity.id if activity else None, created_by_id=actor.id)
    session.add(task)
    audit.record(session, actor, "create", task, None)
    return task


def task_from_next_step(session: Session, actor: User, activity: Activity, due_on: date, *,
                        now: datetime | None = None) -> Task:
    data = TaskCreate(title=activity.next_step, due_on=due_on, partner_id=activity.partner_id,
                      opportunity_id=activity.opportunity_id, registration_id=activity.registration_id)
    try:
        return create_task(session, actor, data, now=now, activity=activity)
    except InvalidInput as exc:  # the form shows the task's due date as the next step's date
        if "due_on" in exc.field_errors:
            exc.field_errors["next_step_due"] = exc.field_errors.pop("due_on")
        raise


def update_task(session: Session, actor: User, task_id: int, data: TaskUpdate, *, now: datetime | None = None) -> Task:
    require_staff(actor, "edit tasks")
    task = get_task(session, actor, task_id)
    check_version(session, task, data.version)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True, exclude={"version"}).items() if v is not None}
    if "due_on" in changes and changes["due_on"] != task.due_on:
        _check_due(changes["due_on"], (now or utcnow()).date())
    if "assignee_id" in changes:
        _check_assignee(session, changes["assignee_id"])
    before = audit.snapshot(task)
    for name, value in changes.items():
        setattr(task, name, value)
    audit.record(session, actor, "update", task, before)
    return task


def complete_task(session: Session, actor: User, task_id: int, version: int | None = None, *,
                  now: datetime | None = None) -> Task:
    """Mark a task done. Without a version (a quick-complete click), completing twice is harmless."""
    task = _for_change(session, actor, task_id, version)
    if task.done_at is not None:
        if version is not None:
            raise Conflict(f"'{task.title}' is already done.")
        return task
    before = audit.snapshot(task)
    task.done_at = now or utcnow()
    audit.record(session, actor, "complete", task, before)
    return task


def reopen_task(session: Session, actor: User, task_id: int, version: int | None = None) -> Task:
    task = _for_change(session, actor, task_id, version)
    if task.done_at is None:
        return task
    before = audit.snapshot(task)
    task.done_at = None
    audit.record(session, actor, "reopen", task, before)
    return task


def snooze_task(session: Session, actor: User, task_id: int, data: SnoozeIn, *, now: datetime | None = None) -> Task:
    """Move an open task's due date later: by N days from today (or from its due date if that is later)."""
    task = _for_change(session, actor, task_id, data.version)
    if task.done_at is not None:
        raise Conflict(f"'{task.title}' is done; reopen it to snooze it.")
    today = (now or utcnow()).date()
    if data.until is None and data.days is None:
        raise InvalidInput("Snooze by a number of days or until a date.", field_errors={"days": "required"})
    new_due = data.until or max(today, task.due_on) + timedelta(days=data.days or 1)
    if new_due <= today:
        raise InvalidInput("Snooze to a day after today.", field_errors={"until": "must be after today"})
    _check_due(new_due, today)
    before = audit.snapshot(task)
    task.due_on = new_due
    task.snoozes += 1
    audit.record(session, actor, "snooze", task, before)
    return task


def delete_task(session: Session, actor: User, task_id: int) -> None:
    require_staff(actor, "delete tasks")
    task = get_task(session, actor, task_id)
    audit.record(session, actor, "purge", task, audit.snapshot(task))
    session.delete(task)
    session.flush()


def get_task(session: Session, actor: User, task_id: int) -> Task:
    return get_visible(session, actor, Task, task_id)


def task_query(actor: User, filters: TaskFilter, today: date | None = None):
    today = today or utcnow().date()
    stmt = visible(select(Task), actor)
    for name in ("assignee_id", "partner_id", "opportunity_id", "registration_id"):
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(getattr(Task, name) == value)
    state = filters.state or "open"
    if state == "open":
        stmt = stmt.where(Task.done_at.is_(None))
    elif state == "done":
        stmt = stmt.where(Task.done_at.is_not(None))
    elif state == "overdue":
        stmt = stmt.where(Task.done_at.is_(None), Task.due_on < today)
    if filters.due_before:
        stmt = stmt.where(Task.due_on <= filters.due_before)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(Task.title.ilike(like), Task.notes.ilike(like)))
    return stmt


def list_tasks(session: Session, actor: User, filters: TaskFilter, *, sort: str = "due", page: int = 1,
               per_page: int = 25, today: date | None = None) -> Page[Task]:
    column, descending = TASK_SORTS.get(sort, TASK_SORTS["due"])
    order = (column.desc(), Task.id.desc()) if descending else (column.asc(), Task.id.asc())
    return paginate(session, task_query(actor, filters, today).order_by(*order), page, per_page)


# Checks ------------------------------------------------------------------------------------------

def _for_change(session: Session, actor: User, task_id: int, version: int | None) -> Task:
    require_staff(actor, "change tasks")
    task = get_task(session, actor, task_id)
    if version is not None:
        check_version(session, task, version)
    return task


def _check_due(due_on: date, today: date) -> None:
    if due_on < today - timedelta(days=MAX_DAYS_BEHIND):
        raise InvalidInput(f"A due date more than a year ago ({due_on:%Y-%m-%d}) looks like a typo; check the year.",
                           field_errors={"due_on": "more than a year ago"})
    if due_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(f"A due date more than five years ahead ({due_on:%Y-%m-%d}) looks like a typo.",
                           field_errors={"due_on": "more than five years ahead"})


def _check_assignee(session: Session, assignee_id: int) -> None:
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.is_staff or not assignee.is_active:
        raise InvalidInput("Tasks go to an active manager or admin.", field_errors={"assignee_id": "not a manager"})


def check_links(session: Session, actor: User, partner_id: int | None, opportunity_id: int | None,
                 registration_id: int | None) -> int | None:
    """The task's partner: given, or the linked deal's; a linked deal must be that partner's."""
    deals: list[tuple[Opportunity | Registration, str]] = []
    if opportunity_id is not None:
        deals.append((get_visible(session, actor, Opportunity, opportunity_id), "opportunity_id"))
    if registration_id is not None:
        deals.append((get_visible(session, actor, Registration, registration_id), "registration_id"))
    for deal, field in deals:
        if partner_id is not None and deal.partner_id != partner_id:
            raise InvalidInput(f"That {type(deal).__name__.lower()} belongs to another partner.",
                               field_errors={field: "another partner's deal"})
        partner_id = deal.partner_id
    if partner_id is not None:
        get_visible(session, actor, Partner, partner_id)
    return partner_id
