"""Task pages: my open tasks with quick complete and snooze (htmx swaps the row), and each task's pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, InvalidInput, StaleEdit
from channelbase.deals.web_opportunities import local_path
from channelbase.engagement import cadence, export_rows, tasks, views
from channelbase.engagement.models import Task
from channelbase.engagement.schemas import SnoozeIn, TaskCreate, TaskFilter, TaskUpdate
from channelbase.engagement.tasks import TASK_SORTS
from channelbase.engagement.web_activities import friendly
from channelbase.partners.web_common import (
    attempt, form, list_links, list_page, owner_options, page_args, partner_choices, redirect, to_int, url_with,
)
from channelbase.web import exports
from channelbase.web.deps import SessionDep, StaffActor, is_htmx, render
from channelbase.web.exports import field, when
from channelbase.web.forms import parse

router = APIRouter()

DEFAULT_SORT = "due"
EVERYONE = "all"
CREATE_FIELDS = tuple(TaskCreate.model_fields)
EDIT_FIELDS = ("title", "due_on", "assignee_id", "notes")
STATE_OPTIONS = [("open", "Open"), ("overdue", "Overdue"), ("done", "Done"), ("all", "All")]
TaskForm = Annotated[dict[str, Any], form()]
EXPORT_COLUMNS = [
    field("ID", "task.id"), field("Due", "task.due_on"), field("Task", "task.title"), field("Notes", "task.notes"),
    field("State", "state"), when("Done", "task.done_at"), field("Partner ID", "task.partner_id"),
    field("Partner", "partner"), field("Opportunity ID", "task.opportunity_id"),
    field("Registration ID", "task.registration_id"), field("Deal", "deal"), field("Assigned to", "assignee"),
]


# The list -----------------------------------------------------------------------------------------

@router.get("/tasks", include_in_schema=False)
def task_list(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = _filters(request, actor)
    sort = request.query_params.get("sort", DEFAULT_SORT)
    args = {**page_args(request, TASK_SORTS), "sort": sort if sort in TASK_SORTS else DEFAULT_SORT}
    today = cadence.local_today(actor)
    page = None if problem else tasks.list_tasks(db, actor, filters, **args, today=today)
    partner_options, partners_truncated = partner_choices(db, actor)
    context = {"partner_options": partner_options, "partners_truncated": partners_truncated,**list_links(request, TASK_SORTS, args["sort"]), **_row_context(db, actor, page.items if page else []),
               "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "state": filters.state or "open", "filtered": set(request.query_params) - {"sort", "page", "per_page"},
               "state_options": STATE_OPTIONS, "assignee_options": [(EVERYONE, "Anyone"), *owner_options(db)],
               "next": url_with(request)}
    return list_page(request, "engagement/tasks/list.html", "engagement/tasks/_table.html", context, problem)


@router.get("/tasks/export", include_in_schema=False)
def export_tasks(request: Request, db: SessionDep, actor: StaffActor):
    """Every task the list shows with these filters and sort, as CSV or XLSX."""
    filters, problem = _filters(request, actor)
    if problem:
        raise problem
    sort = request.query_params.get("sort", DEFAULT_SORT)
    source = export_rows.tasks(actor, filters, sort if sort in TASK_SORTS else DEFAULT_SORT, cadence.local_today(actor))
    return exports.respond(request, db, actor, "tasks", EXPORT_COLUMNS, source)


def _filters(request: Request, actor: User) -> tuple[TaskFilter, InvalidInput | None]:
    """The list filters; the assignee defaults to the actor ('all' for everyone's tasks)."""
    raw = {name: value.strip() for name in TaskFilter.model_fields
           if (value := request.query_params.get(name, "")).strip()}
    assignee = raw.pop("assignee_id", "")
    if assignee != EVERYONE:
        raw["assignee_id"] = assignee or str(actor.id)
    try:
        return parse(TaskFilter, raw), None
    except InvalidInput as exc:
        return TaskFilter(assignee_id=actor.id), exc


def _row_context(db: Session, actor: User, items: list[Task]) -> dict[str, Any]:
    return {"partner_names": views.partner_names(db, actor, (t.partner_id for t in items)),
            "assignee_names": views.user_names(db, (t.assignee_id for t in items)),
            "deal_names": views.deal_names(db, actor, items), "today": cadence.local_today(actor)}


# Creating -----------------------------------------------------------------------------------------

@router.get("/tasks/new", include_in_schema=False)
def new_task(request: Request, db: SessionDep, actor: StaffActor):
    if "csrf_token" in request.query_params:  # the no-JS reload sends the whole form by GET: keep it out of the URL
        return redirect(url_with(request, csrf_token=None))
    values: dict[str, Any] = {k: v for k, v in request.query_params.items() if k in CREATE_FIELDS or k == "next"}
    values.setdefault("assignee_id", actor.id)
    values.setdefault("due_on", (cadence.local_today(actor) + timedelta(days=1)).isoformat())
    return _task_form(request, db, actor, values)


@router.post("/tasks", include_in_schema=False)
def create_task(request: Request, db: SessionDep, actor: StaffActor, data: TaskForm):
    fields = {k: data[k] for k in CREATE_FIELDS if data.get(k) not in (None, "")}
    task, error = attempt(db, lambda: tasks.create_task(db, actor, parse(TaskCreate, fields)))
    if error:
        return _task_form(request, db, actor, data, friendly(error))
    assert task is not None  # attempt() returns the result when there is no error
    return redirect(local_path(str(data.get("next") or ""), f"/tasks/{task.id}"))


# One task -----------------------------------------------------------------------------------------

@router.get("/tasks/{task_id}", include_in_schema=False)
def task_detail(request: Request, db: SessionDep, actor: StaffActor, task_id: int):
    return _detail(request, db, actor, tasks.get_task(db, actor, task_id))


@router.get("/tasks/{task_id}/edit", include_in_schema=False)
def edit_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int):
    task = tasks.get_task(db, actor, task_id)
    return _edit_form(request, db, actor, task, _stored(task))


@router.post("/tasks/{task_id}", include_in_schema=False)
def update_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: TaskForm):
    task = tasks.get_task(db, actor, task_id)
    fields = {k: data[k] for k in (*EDIT_FIELDS, "version") if k in data and not (k == "assignee_id" and not data[k])}
    _, error = attempt(db, lambda: tasks.update_task(db, actor, task_id, parse(TaskUpdate, fields)))
    if error is None:
        return redirect(f"/tasks/{task_id}")
    if isinstance(error, StaleEdit):
        stored = _stored(tasks.get_task(db, actor, task_id))
        unsaved = [(k, data.get(k), stored[k]) for k in EDIT_FIELDS if k in data and str(data[k]) != str(stored[k])]
        return _edit_form(request, db, actor, task, stored, error, unsaved=unsaved)
    return _edit_form(request, db, actor, task, data, friendly(error))


@router.post("/tasks/{task_id}/complete", include_in_schema=False)
def complete_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: TaskForm):
    return _act(request, db, actor, task_id, data, lambda: tasks.complete_task(db, actor, task_id, _version(data)),
                lambda t: "Done.")


@router.post("/tasks/{task_id}/reopen", include_in_schema=False)
def reopen_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: TaskForm):
    return _act(request, db, actor, task_id, data, lambda: tasks.reopen_task(db, actor, task_id, _version(data)),
                lambda t: "Reopened.")


@router.post("/tasks/{task_id}/snooze", include_in_schema=False)
def snooze_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: TaskForm):
    fields = {k: data[k] for k in SnoozeIn.model_fields if data.get(k) not in (None, "")}
    return _act(request, db, actor, task_id, data, lambda: tasks.snooze_task(db, actor, task_id, parse(SnoozeIn, fields)),
                lambda t: f"Snoozed to {t.due_on:%Y-%m-%d}.")


@router.post("/tasks/{task_id}/delete", include_in_schema=False)
def delete_task(db: SessionDep, actor: StaffActor, task_id: int):
    tasks.delete_task(db, actor, task_id)
    return redirect("/tasks")


# Helpers ------------------------------------------------------------------------------------------

def _version(data: dict[str, Any]) -> int | None:
    return to_int(data.get("version")) or None


def _act(request: Request, db: Session, actor: User, task_id: int, data: dict[str, Any], run: Callable[[], Task],
         done: Callable[[Task], str]):
    """Run a row action: htmx gets the row back (with the outcome), a plain form a redirect or the task page."""
    tasks.get_task(db, actor, task_id)  # "not found" before anything else: ids leak nothing
    _, error = attempt(db, run)
    if is_htmx(request):
        task = tasks.get_task(db, actor, task_id)
        context = {**_row_context(db, actor, [task]), "t": task, "next": str(data.get("next") or ""),
                   "row_error": error, "row_message": None if error else done(task)}
        return render(request, "engagement/tasks/_row.html", context)
    if error is not None:
        return _detail(request, db, actor, tasks.get_task(db, actor, task_id), error)
    return redirect(local_path(str(data.get("next") or ""), f"/tasks/{task_id}"))


def _detail(request: Request, db: Session, actor: User, task: Task, error: DomainError | None = None):
    context = {**_row_context(db, actor, [task]), "task": task, "error": error,
               "errors": error.field_errors if error else {}, "history": views.history_of(db, "tasks", task.id)}
    return render(request, "engagement/tasks/detail.html", context, status_code=error.status if error else 200)


def _stored(task: Task) -> dict[str, Any]:
    return {"title": task.title, "due_on": task.due_on.isoformat(), "assignee_id": task.assignee_id,
            "notes": task.notes, "version": task.version}


def _task_form(request: Request, db: Session, actor: User, values: dict[str, Any], error: DomainError | None = None):
    partner_id = to_int(values.get("partner_id")) or None
    partner_options, truncated = partner_choices(db, actor)
    opportunity_options, registration_options = views.deal_options(db, actor, partner_id)
    context = {"values": values, "error": error, "errors": error.field_errors if error else {},
               "partner_id": partner_id, "partner_options": partner_options, "partners_truncated": truncated,
               "opportunity_options": opportunity_options, "registration_options": registration_options,
               "assignee_options": owner_options(db), "next": local_path(str(values.get("next") or ""), "")}
    return render(request, "engagement/tasks/form.html", context, status_code=error.status if error else 200)


def _edit_form(request: Request, db: Session, actor: User, task: Task, values: dict[str, Any],
               error: DomainError | None = None, *, unsaved: list | None = None):
    context = {"task": task, "values": values, "error": error, "errors": error.field_errors if error else {},
               "unsaved": unsaved or [], "assignee_options": owner_options(db)}
    return render(request, "engagement/tasks/edit.html", context, status_code=error.status if error else 200)
