"""My day: the page a channel manager lands on, with every item's action in place.

Each action posts a small form. With htmx the answer is the re-rendered agenda (the item is gone because
the agenda no longer holds it) and a "Done: …" line; without JavaScript a success redirects back to
/today. A refused action comes back as the agenda with the error beside that item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, NotFound, NotPermitted
from channelbase.deals import opportunities, registrations
from channelbase.deals.deal_schemas import ApproveIn, ExtendIn, MoveIn, RejectIn
from channelbase.deals.models import Opportunity, Registration
from channelbase.deals.stages import list_stages
from channelbase.engagement import activities, agenda, tasks
from channelbase.engagement.models import ACTIVITY_LABELS, Activity, ActivityType, Task
from channelbase.engagement.schemas import ActivityCreate, SnoozeIn
from channelbase.partners import service as partners
from channelbase.partners.web_common import attempt, drop_blank, form, redirect, to_int, wants_fragment
from channelbase.web.deps import SessionDep, StaffActor, is_htmx, render
from channelbase.web.forms import parse

router = APIRouter()

TODAY = "/today"
PAGE, FRAGMENT = "engagement/today/page.html", "engagement/today/_agenda.html"
ActionForm = Annotated[dict[str, Any], form(optional=("days",))]
TOUCH_TYPES = [(t.value, ACTIVITY_LABELS[t]) for t in
               (ActivityType.CALL, ActivityType.MEETING, ActivityType.EMAIL, ActivityType.QBR)]
OPPORTUNITY_KINDS = ("stalled", "past_close", "closing")
EMPTY_TEXTS = {
    "cadence": "Every partner you follow is within its cadence.",
    "tasks": "No tasks due today.",
    "decisions": "No registration is waiting for your decision.",
    "expiring": "No approved registration expires this week.",
    "stalled": "No deal has stalled.",
    "past_close": "No open deal is past its close date.",
    "closing": "Nothing left to close this month.",
    "week": "No trainings or events this week.",
}


@router.get("/today", include_in_schema=False)
def today(request: Request, db: SessionDep, actor: StaffActor):
    response = _agenda(request, db, actor, fragment=wants_fragment(request))
    response.headers["Vary"] = "HX-Request"
    return response


@router.post("/today/log", include_in_schema=False)
def log_touch(request: Request, db: SessionDep, actor: StaffActor, data: ActionForm):
    partner_id = to_int(data.get("partner_id"))
    fields = drop_blank({k: data.get(k) for k in ("partner_id", "type", "summary")}, "type")

    def done(activity: Activity) -> str:
        name = partners.get_partner(db, actor, activity.partner_id).name
        return f"Done: logged a {activity.label.lower()} with {name.rstrip('.')}."  # "… Ltda." ends once
    return _act(request, db, actor, f"cadence:{partner_id}", data, lambda: activities.log_activity(
        db, actor, _parse(ActivityCreate, fields)), done)


@router.post("/today/tasks/{task_id}/complete", include_in_schema=False)
def complete_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: ActionForm):
    # A quick complete carries no version: completing a task twice is harmless.
    return _act(request, db, actor, f"task:{task_id}", data, lambda: tasks.complete_task(db, actor, task_id),
                lambda task: f"Done: completed “{task.title}”.")


@router.post("/today/tasks/{task_id}/snooze", include_in_schema=False)
def snooze_task(request: Request, db: SessionDep, actor: StaffActor, task_id: int, data: ActionForm):
    fields = {"version": data.get("version"), "days": data.get("days") or 1}

    def done(task: Task) -> str:
        return f"Done: snoozed “{task.title}” to {task.due_on:%Y-%m-%d}."
    return _act(request, db, actor, f"task:{task_id}", data, lambda: tasks.snooze_task(
        db, actor, task_id, _parse(SnoozeIn, fields)), done)


@router.post("/today/registrations/{registration_id}/approve", include_in_schema=False)
def approve(request: Request, db: SessionDep, actor: StaffActor, registration_id: int, data: ActionForm):
    def done(reg: Registration) -> str:
        return f"Done: approved {reg.reference}; it holds the deal until {reg.expires_on:%Y-%m-%d}."
    return _act(request, db, actor, f"decision:{registration_id}", data, lambda: registrations.approve(
        db, actor, registration_id, _parse(ApproveIn, {"version": data.get("version")})), done)


@router.post("/today/registrations/{registration_id}/reject", include_in_schema=False)
def reject(request: Request, db: SessionDep, actor: StaffActor, registration_id: int, data: ActionForm):
    fields = {"version": data.get("version"), "reason": data.get("reason") or ""}
    return _act(request, db, actor, f"decision:{registration_id}", data, lambda: registrations.reject(
        db, actor, registration_id, _parse(RejectIn, fields)), lambda reg: f"Done: rejected {reg.reference}.")


@router.post("/today/registrations/{registration_id}/extend", include_in_schema=False)
def extend(request: Request, db: SessionDep, actor: StaffActor, registration_id: int, data: ActionForm):
    # No days: the program's extension length (ExtendIn's default).
    fields = {"version": data.get("version"), "days": data.get("days")}

    def done(reg: Registration) -> str:
        return f"Done: extended {reg.reference} to {reg.expires_on:%Y-%m-%d}."
    return _act(request, db, actor, f"expiring:{registration_id}", data, lambda: registrations.extend(
        db, actor, registration_id, _parse(ExtendIn, fields)), done)


@router.post("/today/opportunities/{opportunity_id}/move", include_in_schema=False)
def move(request: Request, db: SessionDep, actor: StaffActor, opportunity_id: int, data: ActionForm):
    kind = data.get("kind") if data.get("kind") in OPPORTUNITY_KINDS else "stalled"
    fields = drop_blank({"version": data.get("version"), "stage": data.get("stage")}, "stage")

    def done(opportunity: Opportunity) -> str:
        stage = next((s.name for s in list_stages(db) if s.id == opportunity.stage_id), "its new stage")
        return f"Done: moved “{opportunity.name}” to {stage}."
    return _act(request, db, actor, f"{kind}:{opportunity_id}", data, lambda: opportunities.move_stage(
        db, actor, opportunity_id, _parse(MoveIn, fields)), done)


# Helpers ------------------------------------------------------------------------------------------

def _act(request: Request, db: Session, actor: User, key: str, data: dict[str, Any], run: Callable[[], Any],
         done: Callable[[Any], str]):
    """Run one item's action: the agenda (htmx) or a redirect on success, else the agenda with the error."""
    result, error = _attempt(request, db, run)
    if error is None:
        return _agenda(request, db, actor, fragment=True, done=done(result)) if is_htmx(request) else redirect(TODAY)
    return _agenda(request, db, actor, fragment=is_htmx(request), failed=key, error=error, values=data,
                   status=200 if is_htmx(request) else error.status)  # htmx swaps only 2xx answers


def _attempt(request: Request, db: Session, run: Callable[[], Any]) -> tuple[Any, DomainError | None]:
    """attempt(), plus, for htmx, an item that is gone or no longer ours shown on the agenda, not as a page."""
    try:
        return attempt(db, run)
    except (NotFound, NotPermitted) as exc:
        if not is_htmx(request):
            raise
        db.rollback()
        return None, exc


def _parse(schema: type[BaseModel], fields: dict[str, Any]) -> Any:
    return parse(schema, {k: v for k, v in fields.items() if v is not None})


def _agenda(request: Request, db: Session, actor: User, *, fragment: bool, done: str | None = None,
            failed: str | None = None, error: DomainError | None = None, values: dict[str, Any] | None = None,
            status: int = 200):
    day = agenda.my_day(db, actor)
    shown = {item.key for item in day.items}
    context = {"agenda": day, "done": done, "failed": failed, "error": error, "values": values or {},
               "errors": error.field_errors if error else {},
               # An error about an item no longer on the agenda (decided meanwhile, or gone) shows at the top.
               "stray_error": error if error is not None and failed not in shown else None,
               "touch_types": TOUCH_TYPES, "stage_options": [(s.key, s.name) for s in list_stages(db)],
               "empty_texts": EMPTY_TEXTS}
    return render(request, FRAGMENT if fragment else PAGE, context, status_code=status)
