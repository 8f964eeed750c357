"""Pipeline stages and partner programs: the settings admins change and deals follow."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import Duplicate, InvalidInput, NotFound
from channelbase.deals.deal_schemas import ProgramIn, ProgramUpdate, StageIn, StageUpdate
from channelbase.deals.fx import require_admin
from channelbase.deals.models import Opportunity, Program, Stage, StageOutcome
from channelbase.partners.common import check_version
from channelbase.partners.models import Partner

# Stages ----------------------------------------------------------------------------------------------


def list_stages(session: Session, *, include_inactive: bool = False) -> list[Stage]:
    """Stages in board order (every signed-in actor may read them)."""
    stmt = select(Stage).order_by(Stage.position, Stage.id)
    if not include_inactive:
        stmt = stmt.where(Stage.active.is_(True))
    return list(session.scalars(stmt))


def stage_by_key(session: Session, key: str) -> Stage:
    """The active stage with this key (or name, ignoring case); a clear error naming the valid keys."""
    wanted = key.strip().lower()
    stages = list_stages(session)
    for stage in stages:
        if wanted in (stage.key, stage.name.lower()):
            return stage
    raise InvalidInput(f"Unknown stage '{key}': use one of {', '.join(s.key for s in stages)}.",
                       field_errors={"stage": "unknown stage"})


def first_open_stage(session: Session) -> Stage:
    for stage in list_stages(session):
        if stage.outcome == StageOutcome.OPEN:
            return stage
    raise InvalidInput("No open pipeline stage is active: an admin must add one on the Stages page.")


def create_stage(session: Session, actor: User, data: StageIn) -> Stage:
    require_admin(actor, "add pipeline stages")
    if session.scalar(select(Stage.id).where(Stage.key == data.key)) is not None:
        raise Duplicate(f"A stage with key '{data.key}' exists.", field_errors={"key": "already used"})
    stage = Stage(**data.model_dump(), active=True)
    session.add(stage)
    audit.record(session, actor, "create", stage, None)
    return stage


def update_stage(session: Session, actor: User, stage_id: int, data: StageUpdate) -> Stage:
    """Rename, reorder, re-weight or retire a stage. Retiring one that still holds open deals is refused."""
    require_admin(actor, "change pipeline stages")
    stage = get_visible(session, actor, Stage, stage_id)
    check_version(session, stage, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("active") is False and stage.active:
        in_use = session.scalar(select(Opportunity.id).where(Opportunity.stage_id == stage.id).limit(1))
        if in_use is not None:
            raise InvalidInput(f"Stage '{stage.name}' still holds opportunities: move them before retiring it.",
                               field_errors={"active": "stage in use"})
    before = audit.snapshot(stage)
    for key, value in changes.items():
        if value is not None:
            setattr(stage, key, value)
    audit.record(session, actor, "update", stage, before)
    return stage


# Programs --------------------------------------------------------------------------------------------

def list_programs(session: Session, actor: User) -> list[Program]:
    return list(session.scalars(visible(select(Program), actor).order_by(Program.name)))


def get_program(session: Session, actor: User, program_id: int) -> Program:
    return get_visible(session, actor, Program, program_id)


def default_program(session: Session) -> Program:
    program = session.scalars(select(Program).where(Program.is_default.is_(True)).limit(1)).first()
    if program is None:
        raise NotFound("No default partner program: an admin must mark one as the default on the Programs page.")
    return program


def program_of(session: Session, partner: Partner) -> Program:
    """The program whose registration terms apply to the partner (its own, else the default)."""
    if partner.program_id is not None:
        program = session.get(Program, partner.program_id)
        if program is not None:
            return program
    return default_program(session)


def _refuse_duplicate_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Program).where(Program.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Program.id != exclude_id)
    existing = session.scalars(stmt.limit(1)).first()
    if existing is not None:
        raise Duplicate(f"Program '{name}' exists.", field_errors={"name": "already used"},
                        link=f"/programs/{existing.id}")


def _only_default(session: Session, program: Program) -> None:
    # One default program: marking this one unmarks the others.
    session.execute(update(Program).where(Program.id != program.id, Program.is_default.is_(True))
                    .values(is_default=False, version=Program.version + 1))


def create_program(session: Session, actor: User, data: ProgramIn) -> Program:
    require_admin(actor, "add partner programs")
    _refuse_duplicate_name(session, data.name)
    program = Program(**data.model_dump())
    session.add(program)
    session.flush()
    if program.is_default:
        _only_default(session, program)
    audit.record(session, actor, "create", program, None)
    return program


def update_program(session: Session, actor: User, program_id: int, data: ProgramUpdate) -> Program:
    require_admin(actor, "change partner programs")
    program = get_program(session, actor, program_id)
    check_version(session, program, data.version)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True, exclude={"version"}).items() if v is not None}
    if "name" in changes:
        _refuse_duplicate_name(session, changes["name"], exclude_id=program.id)
    if changes.get("is_default") is False and program.is_default:
        raise InvalidInput("Mark another program as the default instead; one program must be the default.",
                           field_errors={"is_default": "one program must be the default"})
    before = audit.snapshot(program)
    for key, value in changes.items():
        setattr(program, key, value)
    session.flush()
    if program.is_default:
        _only_default(session, program)
    audit.record(session, actor, "update", program, before)
    return program
