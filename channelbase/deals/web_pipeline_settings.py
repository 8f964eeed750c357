"""Admin pages for the settings deals follow: pipeline stages and partner programs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError, StaleEdit
from channelbase.deals import stages
from channelbase.deals.deal_schemas import ProgramIn, ProgramUpdate, StageIn, StageUpdate
from channelbase.deals.models import Program, StageOutcome
from channelbase.partners.web_common import attempt, form, redirect, values_of
from channelbase.web.deps import AdminActor, SessionDep, render
from channelbase.web.forms import parse

router = APIRouter()

PROGRAM_FIELDS = tuple(ProgramIn.model_fields)
NEW_STAGE_DEFAULTS = {"outcome": StageOutcome.OPEN.value, "probability": "50"}
StageForm = Annotated[dict[str, Any], form()]
StageEditForm = Annotated[dict[str, Any], form(booleans=("active",))]
ProgramForm = Annotated[dict[str, Any], form(booleans=("is_default",))]


# Stages ----------------------------------------------------------------------------------------------

@router.get("/stages", include_in_schema=False)
def stage_list(request: Request, db: SessionDep, actor: AdminActor):
    return _stages_page(request, db, actor)


@router.post("/stages", include_in_schema=False)
def create_stage(request: Request, db: SessionDep, actor: AdminActor, data: StageForm):
    _, error = attempt(db, lambda: stages.create_stage(db, actor, parse(StageIn, data)))
    if error is None:
        return redirect("/stages")
    return _stages_page(request, db, actor, new_values=data, new_error=error)


@router.post("/stages/{stage_id}", include_in_schema=False)
def update_stage(request: Request, db: SessionDep, actor: AdminActor, stage_id: int, data: StageEditForm):
    _, error = attempt(db, lambda: stages.update_stage(db, actor, stage_id, parse(StageUpdate, data)))
    if error is None:
        return redirect(f"/stages#stage-{stage_id}")
    edits = {} if isinstance(error, StaleEdit) else {stage_id: data}  # stale: show the stored values
    return _stages_page(request, db, actor, edits=edits, edit_error=(stage_id, error))


def _stages_page(request: Request, db: Session, actor: User, *, new_values: dict[str, Any] | None = None,
                 new_error: DomainError | None = None, edits: dict[int, dict[str, Any]] | None = None,
                 edit_error: tuple[int, DomainError] | None = None):
    error = new_error or (edit_error[1] if edit_error else None)
    all_stages = stages.list_stages(db, include_inactive=True)
    context = {"stages": all_stages, "edits": edits or {}, "edit_error": edit_error,
               "new_values": new_values or {**NEW_STAGE_DEFAULTS, "position": _next_position(all_stages)},
               "new_error": new_error, "new_errors": new_error.field_errors if new_error else {},
               "outcome_options": [(o.value, o.value.capitalize()) for o in StageOutcome]}
    return render(request, "settings/stages.html", context, status_code=error.status if error else 200)


def _next_position(all_stages) -> int:
    open_positions = [s.position for s in all_stages if s.outcome == StageOutcome.OPEN]
    return (max(open_positions) + 5) if open_positions else 10


# Programs --------------------------------------------------------------------------------------------

@router.get("/programs", include_in_schema=False)
def program_list(request: Request, db: SessionDep, actor: AdminActor):
    return _programs_page(request, db, actor, {})


@router.post("/programs", include_in_schema=False)
def create_program(request: Request, db: SessionDep, actor: AdminActor, data: ProgramForm):
    _, error = attempt(db, lambda: stages.create_program(db, actor, parse(ProgramIn, data)))
    if error is None:
        return redirect("/programs")
    return _programs_page(request, db, actor, data, error)


@router.get("/programs/{program_id}", include_in_schema=False)
def edit_program(request: Request, db: SessionDep, actor: AdminActor, program_id: int):
    program = stages.get_program(db, actor, program_id)
    return _program_form(request, program, _stored(program))


@router.post("/programs/{program_id}", include_in_schema=False)
def update_program(request: Request, db: SessionDep, actor: AdminActor, program_id: int, data: ProgramForm):
    stages.get_program(db, actor, program_id)  # 404 first
    _, error = attempt(db, lambda: stages.update_program(db, actor, program_id, parse(ProgramUpdate, data)))
    if error is None:
        return redirect("/programs")
    program = stages.get_program(db, actor, program_id)
    return _program_form(request, program, _stored(program) if isinstance(error, StaleEdit) else data, error)


def _programs_page(request: Request, db: Session, actor: User, values: dict[str, Any],
                   error: DomainError | None = None):
    defaults = {} if values else {name: f.default for name, f in ProgramIn.model_fields.items() if not f.is_required()}
    context = {"programs": stages.list_programs(db, actor), "values": {**defaults, **values}, "error": error,
               "errors": error.field_errors if error else {}}
    return render(request, "settings/programs.html", context, status_code=error.status if error else 200)


def _program_form(request: Request, program: Program, values: dict[str, Any], error: DomainError | None = None):
    context = {"program": program, "values": values, "error": error, "errors": error.field_errors if error else {}}
    return render(request, "settings/program_form.html", context, status_code=error.status if error else 200)


def _stored(program: Program) -> dict[str, Any]:
    return {**values_of(program, PROGRAM_FIELDS), "version": program.version}
