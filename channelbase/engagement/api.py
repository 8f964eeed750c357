"""The JSON API of engagement: activities, tasks, cadence rules and statuses, and My day.

Engagement is the vendor's own notes and to-dos about partners. Partner users are refused the lists and
creates (403) and are told an id does not exist (404), as for any row they may not see; admins alone change
cadence rules. The services enforce every other rule; this module parses, authorises the role early (so a
refused role hears 403 or 404, not "invalid body") and shapes the JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.api_errors import ERRORS
from channelbase.core.errors import NotFound
from channelbase.engagement import activities, agenda, cadence, tasks, views
from channelbase.engagement.models import Activity, ActivityType, Task
from channelbase.engagement.schemas import (
    ActivityCreate, ActivityFilter, ActivityOut, ActivityUpdate, CadenceRuleIn, CadenceRuleOut, CadenceRuleUpdate,
    EveryDays, SnoozeIn, TaskCreate, TaskFilter, TaskOut, TaskUpdate,
)
from channelbase.partners.api import DELETE, NumberedPage
from channelbase.partners.common import require_staff
from channelbase.partners.models import PartnerTier, PartnerType
from channelbase.partners.schemas import Strict
from channelbase.web.deps import ApiActor, SessionDep
from channelbase.web.forms import parse

router = APIRouter(responses=ERRORS)


# Roles checked before the body ------------------------------------------------------------------

def api_staff(actor: ApiActor) -> User:
    """Lists and creates: engagement is the channel team's own record, never shown to partner users."""
    require_staff(actor, "read or record activities, tasks and cadence")
    return actor


def api_row_reader(request: Request, actor: ApiActor) -> User:
    """Rows by id: partner users see none of them, so to them the id does not exist, whatever the method."""
    if actor.is_partner:
        kind, row_id = next(iter(request.path_params.items()))
        raise NotFound(f"No {kind.removesuffix('_id')} #{row_id} here, or you may not see it.")
    return actor


def api_rule_admin(actor: ApiActor) -> User:
    cadence.require_admin(actor)
    return actor


Staff = Annotated[User, Depends(api_staff)]
RowReader = Annotated[User, Depends(api_row_reader)]
RuleAdmin = Annotated[User, Depends(api_rule_admin)]


# Request shapes -----------------------------------------------------------------------------------

def _known(value: str, sorts: dict) -> str:
    if value not in sorts:
        raise ValueError(f"use one of {', '.join(sorts)}")
    return value


class ActivityQuery(ActivityFilter):
    sort: str = Field("-occurred", description="One of: " + ", ".join(activities.ACTIVITY_SORTS))
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        return _known(value, activities.ACTIVITY_SORTS)


class TaskQuery(TaskFilter):
    sort: str = Field("due", description="One of: " + ", ".join(tasks.TASK_SORTS))
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        return _known(value, tasks.TASK_SORTS)


class CadenceQuery(views.CadenceFilter):
    page: int = Field(1, ge=1)
    per_page: int = Field(100, ge=1, le=500)


class VersionIn(Strict):
    """Optional on complete/reopen: with it, a change made since you read the task is refused (409)."""

    version: int | None = None


class CadenceRulePatch(Strict):
    """The fields to change; the others keep their values. Send null to clear a criterion."""

    version: int
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    every_days: EveryDays | None = None
    counted_types: list[ActivityType] | None = Field(None, min_length=1)
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    is_priority: bool | None = None
    territory_id: int | None = None
    active: bool | None = None


# Response shapes ----------------------------------------------------------------------------------

class ActivityApiOut(ActivityOut):
    partner_name: str = ""
    contact_ids: list[int] = Field(default_factory=list)
    task_ids: list[int] | None = Field(None, description="Tasks made from its next step (single reads; null in lists)")


class TaskApiOut(TaskOut):
    partner_name: str = ""
    overdue: bool = False


class CadenceStatusOut(BaseModel):
    partner_id: int
    partner_name: str
    is_priority: bool
    territory_id: int
    rule_id: int
    rule_name: str
    every_days: int
    counted_types: list[str]
    last_touch_at: datetime | None
    due_on: date
    state: str = Field(description="overdue, due_today or ok")
    days_overdue: int
    description: str


class CoverageOut(BaseModel):
    within: int
    total: int
    percent: float | None


class CadenceOut(BaseModel):
    """Cadence statuses, soonest due first; coverage counts the priority partners before the state filter."""

    today: date
    coverage: CoverageOut
    coverage_text: str
    items: list[CadenceStatusOut]
    total: int
    page: int
    per_page: int
    next_page: int | None


class AgendaItemOut(BaseModel):
    kind: str
    id: int
    key: str = Field(description="kind:id, unique in the agenda")
    title: str
    detail: str
    url: str
    due: date | None
    partner_id: int | None
    partner_name: str
    version: int | None
    overdue: bool


class AgendaSectionOut(BaseModel):
    key: str
    title: str
    total: int
    capped: bool = Field(description="total stopped counting at its cap")
    more_url: str | None
    items: list[AgendaItemOut]


class AgendaOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "My day: the same agenda as the /today page."})

    today: date
    headline: str
    coverage: CoverageOut
    sections: list[AgendaSectionOut]


def _numbered(page, items: list) -> dict:
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "next_page": page.page + 1 if page.has_next else None}


def _located(response: Response, request: Request, route: str, **params) -> None:
    response.headers["Location"] = request.app.url_path_for(route, **params)


# Activities -------------------------------------------------------------------------------------

def _activity_outs(db: Session, actor: User, rows: list[Activity], *, with_tasks: bool = False) -> list[ActivityApiOut]:
    names = views.partner_names(db, actor, [a.partner_id for a in rows])
    contacts = activities.contacts_of(db, actor, [a.id for a in rows])
    outs = []
    for activity in rows:
        out = ActivityApiOut.model_validate(activity)
        out.partner_name = names.get(activity.partner_id, "")
        out.contact_ids = sorted(c.id for c in contacts.get(activity.id, []))
        if with_tasks:
            out.task_ids = [t.id for t in views.tasks_from(db, actor, activity.id)]
        outs.append(out)
    return outs


def _activity_out(db: Session, actor: User, activity: Activity) -> ActivityApiOut:
    return _activity_outs(db, actor, [activity], with_tasks=True)[0]


@router.get("/activities", response_model=NumberedPage[ActivityApiOut], tags=["activities"])
def list_activities(db: SessionDep, actor: Staff, query: Annotated[ActivityQuery, Query()]):
    """Activities with the partners you follow, newest first unless `sort` says otherwise."""
    filters = ActivityFilter.model_validate(query.model_dump(exclude={"sort", "page", "per_page"}))
    page = activities.list_activities(db, actor, filters, sort=query.sort, page=query.page, per_page=query.per_page)
    return _numbered(page, _activity_outs(db, actor, page.items))


@router.post("/activities", response_model=ActivityApiOut, status_code=201, tags=["activities"])
def log_activity(db: SessionDep, actor: Staff, data: ActivityCreate, request: Request, response: Response):
    """Log a call, meeting, e-mail, QBR, training, event or note (`occurred_at` defaults to now). A
    `next_step` with a `next_step_due` date becomes your task; its id is in `task_ids`."""
    activity = activities.log_activity(db, actor, data)
    _located(response, request, "api_get_activity", activity_id=activity.id)
    return _activity_out(db, actor, activity)


@router.get("/activities/{activity_id}", response_model=ActivityApiOut, tags=["activities"],
            name="api_get_activity", summary="Get Activity")
def get_activity(db: SessionDep, actor: RowReader, activity_id: int):
    """One activity, with its contacts and the tasks made from its next step."""
    return _activity_out(db, actor, activities.get_activity(db, actor, activity_id))


@router.patch("/activities/{activity_id}", response_model=ActivityApiOut, tags=["activities"])
def update_activity(db: SessionDep, actor: RowReader, activity_id: int, data: ActivityUpdate):
    """Change the fields given; send the `version` you read (409 if someone saved since)."""
    return _activity_out(db, actor, activities.update_activity(db, actor, activity_id, data))


@router.api_route("/activities/{activity_id}", methods=DELETE, tags=["activities"],
                  status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_activity(db: SessionDep, actor: RowReader, activity_id: int):
    """Delete an activity (its tasks stay; the audit log keeps its last values)."""
    activities.delete_activity(db, actor, activity_id)


# Tasks ------------------------------------------------------------------------------------------

def _task_outs(db: Session, actor: User, rows: list[Task]) -> list[TaskApiOut]:
    names = views.partner_names(db, actor, [t.partner_id for t in rows])
    today = cadence.local_today(actor)
    outs = []
    for task in rows:
        out = TaskApiOut.model_validate(task)
        out.partner_name = names.get(task.partner_id, "")
        out.overdue = task.done_at is None and task.due_on < today
        outs.append(out)
    return outs


def _task_out(db: Session, actor: User, task: Task) -> TaskApiOut:
    return _task_outs(db, actor, [task])[0]


@router.get("/tasks", response_model=NumberedPage[TaskApiOut], tags=["tasks"])
def list_tasks(db: SessionDep, actor: Staff, query: Annotated[TaskQuery, Query()]):
    """Tasks you may see (yours, and those about your partners); `state` is open (default), overdue, done or
    all. Pass `assignee_id` for one person's."""
    filters = TaskFilter.model_validate(query.model_dump(exclude={"sort", "page", "per_page"}))
    page = tasks.list_tasks(db, actor, filters, sort=query.sort, page=query.page, per_page=query.per_page,
                            today=cadence.local_today(actor))
    return _numbered(page, _task_outs(db, actor, page.items))


@router.post("/tasks", response_model=TaskApiOut, status_code=201, tags=["tasks"])
def create_task(db: SessionDep, actor: Staff, data: TaskCreate, request: Request, response: Response):
    """Add a task (assigned to you unless `assignee_id` names another manager or admin); a linked deal sets
    its partner."""
    task = tasks.create_task(db, actor, data)
    db.flush()
    _located(response, request, "api_get_task", task_id=task.id)
    return _task_out(db, actor, task)


@router.get("/tasks/{task_id}", response_model=TaskApiOut, tags=["tasks"], name="api_get_task",
            summary="Get Task")
def get_task(db: SessionDep, actor: RowReader, task_id: int):
    """One task."""
    return _task_out(db, actor, tasks.get_task(db, actor, task_id))


@router.patch("/tasks/{task_id}", response_model=TaskApiOut, tags=["tasks"])
def update_task(db: SessionDep, actor: RowReader, task_id: int, data: TaskUpdate):
    """Change the fields given; send the `version` you read (409 if someone saved since)."""
    return _task_out(db, actor, tasks.update_task(db, actor, task_id, data))


@router.api_route("/tasks/{task_id}", methods=DELETE, tags=["tasks"],
                  status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_task(db: SessionDep, actor: RowReader, task_id: int):
    """Delete a task (the audit log keeps its last values)."""
    tasks.delete_task(db, actor, task_id)


@router.post("/tasks/{task_id}/complete", response_model=TaskApiOut, tags=["tasks"])
def complete_task(db: SessionDep, actor: RowReader, task_id: int,
                  data: Annotated[VersionIn | None, Body()] = None):
    """Mark a task done. Without a body completing twice is harmless; with a `version`, a task already done
    or changed since is a 409."""
    return _task_out(db, actor, tasks.complete_task(db, actor, task_id, data.version if data else None))


@router.post("/tasks/{task_id}/reopen", response_model=TaskApiOut, tags=["tasks"])
def reopen_task(db: SessionDep, actor: RowReader, task_id: int, data: Annotated[VersionIn | None, Body()] = None):
    """Mark a done task open again."""
    return _task_out(db, actor, tasks.reopen_task(db, actor, task_id, data.version if data else None))


@router.post("/tasks/{task_id}/snooze", response_model=TaskApiOut, tags=["tasks"])
def snooze_task(db: SessionDep, actor: RowReader, task_id: int, data: SnoozeIn):
    """Move an open task's due date: `days` after today (or after its due date, if later) or `until` a date."""
    return _task_out(db, actor, tasks.snooze_task(db, actor, task_id, data))


# Cadence ----------------------------------------------------------------------------------------

@router.get("/cadence/rules", response_model=list[CadenceRuleOut], tags=["cadence"])
def list_rules(db: SessionDep, actor: Staff, active_only: bool = False):
    """The contact-cadence rules, most specific first (a partner follows the first that matches)."""
    return cadence.list_rules(db, actor, active_only=active_only)


@router.post("/cadence/rules", response_model=CadenceRuleOut, status_code=201, tags=["cadence"])
def create_rule(db: SessionDep, actor: RuleAdmin, data: CadenceRuleIn):
    """Add a rule (admins): every how many days (1-365) partners matching its criteria must be touched, and
    which activity types count. Criteria left out match every partner."""
    rule = cadence.create_rule(db, actor, data)
    db.flush()
    return rule


@router.patch("/cadence/rules/{rule_id}", response_model=CadenceRuleOut, tags=["cadence"])
def update_rule(db: SessionDep, actor: RuleAdmin, rule_id: int, data: CadenceRulePatch):
    """Change the fields given (admins); send the `version` you read."""
    rule = cadence.get_rule(db, actor, rule_id)
    current = {"name": rule.name, "every_days": rule.every_days, "counted_types": list(rule.types),
               "partner_type": rule.partner_type, "tier": rule.tier, "is_priority": rule.is_priority,
               "territory_id": rule.territory_id, "active": rule.active}
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "every_days", "counted_types", "active"):  # null cannot clear these
        if changes.get(required, "") is None:
            changes.pop(required)
    return cadence.update_rule(db, actor, rule_id, parse(CadenceRuleUpdate, {**current, **changes}))


@router.api_route("/cadence/rules/{rule_id}", methods=DELETE, tags=["cadence"],
                  status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_rule(db: SessionDep, actor: RuleAdmin, rule_id: int):
    """Delete a rule (admins); its partners then follow the next matching rule, if any."""
    cadence.delete_rule(db, actor, rule_id)


def _status_out(status_: cadence.CadenceStatus, today: date) -> CadenceStatusOut:
    return CadenceStatusOut(
        partner_id=status_.partner_id, partner_name=status_.partner_name, is_priority=status_.is_priority,
        territory_id=status_.territory_id, rule_id=status_.rule_id, rule_name=status_.rule_name,
        every_days=status_.every_days, counted_types=list(status_.counted_types), last_touch_at=status_.last_touch_at,
        due_on=status_.due_on, state=status_.state(today), days_overdue=status_.days_overdue(today),
        description=status_.describe(today))


@router.get("/cadence", response_model=CadenceOut, tags=["cadence"])
def cadence_statuses(db: SessionDep, actor: Staff, query: Annotated[CadenceQuery, Query()]):
    """Your partners against their cadence rules: `state` due (overdue or due today), overdue or all;
    `priority_only`, a `territory_id` or part of the name (`q`) narrow it. Coverage is the share of priority
    partners within cadence."""
    filters = views.CadenceFilter.model_validate(query.model_dump(exclude={"page", "per_page"}))
    view = views.cadence_view(db, actor, filters)
    start = (query.page - 1) * query.per_page
    rows = view.rows[start:start + query.per_page]
    covered = view.coverage
    return CadenceOut(today=view.today, coverage=CoverageOut(within=covered.within, total=covered.total,
                                                             percent=covered.percent),
                      coverage_text=views.coverage_line(covered), items=[_status_out(s, view.today) for s in rows],
                      total=len(view.rows), page=query.page, per_page=query.per_page,
                      next_page=query.page + 1 if start + query.per_page < len(view.rows) else None)


# My day -----------------------------------------------------------------------------------------

@router.get("/today", response_model=AgendaOut, tags=["today"])
def today(db: SessionDep, actor: Staff):
    """My day: cadence touches due, tasks due, registrations awaiting a decision or expiring, stalled,
    late and closing deals, and this week's events. The same agenda as the /today page and
    `channelbase today`; each section lists its first items and the full `total`."""
    return agenda.my_day(db, actor).as_dict()
