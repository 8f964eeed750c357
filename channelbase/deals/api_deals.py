"""The JSON API of deal registrations, opportunities, pipeline totals, stages and programs.

Partner users register deals and follow them; channel managers decide, convert and run the pipeline;
admins set the stages and program terms. The services enforce every rule; this module only parses,
authorises the role early (so a refused role hears 403, not "invalid body") and shapes the JSON."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, field_serializer, field_validator
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.api_errors import ERRORS
from channelbase.core.money import format_rate
from channelbase.deals import conflicts as conflict_check
from channelbase.deals import deal_queries, fx, opportunities, pipeline, registrations, stages
from channelbase.deals.deal_schemas import (
    ApproveIn, ConflictOut, ConvertIn, ExtendIn, ExtensionRequestIn, LineOut, MoveIn, OpportunityCreate,
    OpportunityFilter, OpportunityOut, OpportunityUpdate, ProgramIn, ProgramOut, ProgramUpdate, RegistrationCreate,
    RegistrationFilter, RegistrationOut, RejectIn, StageChangeOut, StageIn, StageOut, StageUpdate,
)
from channelbase.deals.models import Opportunity, Product, Registration, StageOutcome
from channelbase.partners.api import NumberedPage
from channelbase.web.deps import ApiActor, SessionDep

router = APIRouter(responses=ERRORS)


# Roles checked before the body ------------------------------------------------------------------

def api_decider(actor: ApiActor) -> User:
    """Approving, rejecting, extending and converting registrations is the channel team's job."""
    fx.require_staff(actor, "decide on, extend or convert deal registrations")
    return actor


def api_pipeline_staff(actor: ApiActor) -> User:
    fx.require_staff(actor, "create opportunities directly (partners register deals instead)")
    return actor


def api_settings_admin(actor: ApiActor) -> User:
    fx.require_admin(actor, "change pipeline stages or partner programs")
    return actor


Decider = Annotated[User, Depends(api_decider)]
PipelineStaff = Annotated[User, Depends(api_pipeline_staff)]
SettingsAdmin = Annotated[User, Depends(api_settings_admin)]


# Request and response shapes --------------------------------------------------------------------

class RegistrationQuery(RegistrationFilter):
    sort: str = Field("submitted", description="One of: " + ", ".join(registrations.REGISTRATION_SORTS))
    page: int = Field(1, ge=1)
    limit: int = Field(50, ge=1, le=200)

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in registrations.REGISTRATION_SORTS:
            raise ValueError(f"use one of {', '.join(registrations.REGISTRATION_SORTS)}")
        return value


class OpportunityQuery(OpportunityFilter):
    sort: str = Field("close", description="One of: " + ", ".join(opportunities.OPPORTUNITY_SORTS))
    page: int = Field(1, ge=1)
    limit: int = Field(50, ge=1, le=200)

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in opportunities.OPPORTUNITY_SORTS:
            raise ValueError(f"use one of {', '.join(opportunities.OPPORTUNITY_SORTS)}")
        return value


class StageTotalOut(BaseModel):
    stage_id: int
    key: str
    name: str
    count: int
    amount: Decimal
    weighted: Decimal


class RateUsedOut(BaseModel):
    currency: str
    rate: Decimal
    rate_date: date
    source: str
    deals: int
    text: str

    @field_serializer("rate")
    def _rate(self, rate: Decimal) -> str:
        return format_rate(rate)


class PipelineTotalsOut(BaseModel):
    """Amounts in the reporting currency, as exact text; `rates` names every FX rate the totals used."""

    reporting_currency: str
    count: int
    amount: Decimal
    weighted: Decimal
    stages: list[StageTotalOut]
    rates: list[RateUsedOut]


def _numbered(page, items: list) -> dict:
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "next_page": page.page + 1 if page.has_next else None}


def _lines(lines: Iterable[tuple[Product, int]]) -> list[LineOut]:
    return [LineOut(product_id=p.id, sku=p.sku, name=p.name, quantity=q) for p, q in lines]


# Registrations ----------------------------------------------------------------------------------

def _registration_outs(db: Session, actor: User, rows: list[Registration]) -> list[RegistrationOut]:
    """The registrations as JSON: partner users learn only `needs_review` of the conflict check."""
    ids = [r.id for r in rows]
    lines = registrations.lines_of(db, actor, ids)
    converted = deal_queries.opportunity_ids_for(db, actor, ids)
    outs = []
    for registration in rows:
        out = RegistrationOut.model_validate(registration)
        out.needs_review = registrations.needs_review(registration)
        out.effective_status = registrations.effective_status(registration)
        out.products = _lines(lines.get(registration.id, []))
        out.opportunity_id = converted.get(registration.id)
        if actor.is_partner:
            out.conflict_count = out.conflict_score = None
        outs.append(out)
    return outs


def _registration_out(db: Session, actor: User, registration: Registration) -> RegistrationOut:
    return _registration_outs(db, actor, [registration])[0]


def _conflicts(db: Session, actor: User, registration: Registration) -> list[ConflictOut]:
    return [ConflictOut(kind=c.kind, id=c.id, name=c.name, partner=c.partner_name, score=c.score, reason=c.reason,
                        status=c.status, link=conflict_check.visible_link(db, actor, c))
            for c in registrations.conflicts_of(db, actor, registration)]


@router.get("/registrations", response_model=NumberedPage[RegistrationOut], tags=["registrations"])
def list_registrations(db: SessionDep, actor: ApiActor, query: Annotated[RegistrationQuery, Query()]):
    """Deal registrations you may see, filtered (status, partner, territory, conflicts, overdue, expiring)."""
    filters = RegistrationFilter.model_validate(query.model_dump(exclude={"sort", "page", "limit"}))
    page = registrations.list_registrations(db, actor, filters, sort=query.sort, page=query.page,
                                            per_page=query.limit)
    return _numbered(page, _registration_outs(db, actor, page.items))


@router.post("/registrations", response_model=RegistrationOut, status_code=201, tags=["registrations"])
def submit_registration(db: SessionDep, actor: ApiActor, data: RegistrationCreate, request: Request,
                        response: Response):
    """Register a deal: an existing `account_id`, or the customer's name and country (website and tax id help
    the conflict check). Send the amount as text ("1234.56"); a currency without an FX rate is refused."""
    registration = registrations.submit_registration(db, actor, data)
    response.headers["Location"] = request.app.url_path_for("api_get_registration", registration_id=registration.id)
    return _registration_out(db, actor, registration)


@router.get("/registrations/{registration_id}", response_model=RegistrationOut, tags=["registrations"],
            name="api_get_registration", summary="Get Registration")
def get_registration(db: SessionDep, actor: ApiActor, registration_id: int):
    """One registration; channel managers and admins also get the conflicts found now, with score and reason."""
    registration = registrations.get_registration(db, actor, registration_id)
    out = _registration_out(db, actor, registration)
    if actor.is_staff:
        out.conflicts = _conflicts(db, actor, registration)
    return out


@router.get("/registrations/{registration_id}/conflicts", response_model=list[ConflictOut],
            tags=["registrations"])
def registration_conflicts(db: SessionDep, actor: ApiActor, registration_id: int):
    """What the registration may collide with, best match first (staff only; `link` is null for rows you
    may not open)."""
    return _conflicts(db, actor, registrations.get_registration(db, actor, registration_id))


@router.post("/registrations/{registration_id}/approve", response_model=RegistrationOut, tags=["registrations"])
def approve_registration(db: SessionDep, actor: Decider, registration_id: int, data: ApproveIn):
    """Approve a submitted registration (optionally linking it to an existing `account_id`); it then holds the
    deal for the program's registration days."""
    return _registration_out(db, actor, registrations.approve(db, actor, registration_id, data))


@router.post("/registrations/{registration_id}/reject", response_model=RegistrationOut, tags=["registrations"])
def reject_registration(db: SessionDep, actor: Decider, registration_id: int, data: RejectIn):
    """Reject a submitted registration; the `reason` is required and shown to the partner."""
    return _registration_out(db, actor, registrations.reject(db, actor, registration_id, data))


@router.post("/registrations/{registration_id}/extend", response_model=RegistrationOut, tags=["registrations"])
def extend_registration(db: SessionDep, actor: Decider, registration_id: int, data: ExtendIn):
    """Give an approved (or expired) registration more `days` (default: the program's extension length)."""
    return _registration_out(db, actor, registrations.extend(db, actor, registration_id, data))


@router.post("/registrations/{registration_id}/request-extension", response_model=RegistrationOut,
             tags=["registrations"])
def request_extension(db: SessionDep, actor: ApiActor, registration_id: int, data: ExtensionRequestIn):
    """The registering partner asks for more time on an approved registration, saying why."""
    return _registration_out(db, actor, registrations.request_extension(db, actor, registration_id, data))


@router.post("/registrations/{registration_id}/convert", response_model=OpportunityOut, status_code=201,
             tags=["registrations", "opportunities"])
def convert_registration(db: SessionDep, actor: Decider, registration_id: int, data: ConvertIn, request: Request,
                         response: Response):
    """Turn an approved registration into an opportunity (default: the first open stage) linked back to it."""
    opportunity = registrations.convert(db, actor, registration_id, data)
    response.headers["Location"] = request.app.url_path_for("api_get_opportunity", opportunity_id=opportunity.id)
    return _opportunity_out(db, actor, opportunity)


# Opportunities ----------------------------------------------------------------------------------

def _stage_keys(db: Session) -> dict[int, str]:
    return {stage.id: stage.key for stage in stages.list_stages(db, include_inactive=True)}


def _opportunity_outs(db: Session, actor: User, rows: list[Opportunity]) -> list[OpportunityOut]:
    keys = _stage_keys(db)
    lines = opportunities.lines_of(db, actor, [o.id for o in rows])
    outs = []
    for opportunity in rows:
        out = OpportunityOut.model_validate(opportunity)
        out.stage_key = keys.get(opportunity.stage_id)
        out.products = _lines(lines.get(opportunity.id, []))
        outs.append(out)
    return outs


def _opportunity_out(db: Session, actor: User, opportunity: Opportunity) -> OpportunityOut:
    return _opportunity_outs(db, actor, [opportunity])[0]


@router.get("/opportunities", response_model=NumberedPage[OpportunityOut], tags=["opportunities"])
def list_opportunities(db: SessionDep, actor: ApiActor, query: Annotated[OpportunityQuery, Query()]):
    """Opportunities you may see, filtered (every outcome unless `outcome` is given)."""
    filters = OpportunityFilter.model_validate(query.model_dump(exclude={"sort", "page", "limit"}))
    page = opportunities.list_opportunities(db, actor, filters, sort=query.sort, page=query.page,
                                            per_page=query.limit, total=pipeline.opportunity_count(db, actor, filters))
    return _numbered(page, _opportunity_outs(db, actor, page.items))


@router.post("/opportunities", response_model=OpportunityOut, status_code=201, tags=["opportunities"])
def create_opportunity(db: SessionDep, actor: PipelineStaff, data: OpportunityCreate, request: Request,
                       response: Response):
    """Open an opportunity directly (channel managers and admins; partners register deals instead)."""
    opportunity = opportunities.create_opportunity(db, actor, data)
    response.headers["Location"] = request.app.url_path_for("api_get_opportunity", opportunity_id=opportunity.id)
    return _opportunity_out(db, actor, opportunity)


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityOut, tags=["opportunities"],
            name="api_get_opportunity", summary="Get Opportunity")
def get_opportunity(db: SessionDep, actor: ApiActor, opportunity_id: int):
    """One opportunity with its products."""
    return _opportunity_out(db, actor, opportunities.get_opportunity(db, actor, opportunity_id))


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityOut, tags=["opportunities"])
def update_opportunity(db: SessionDep, actor: ApiActor, opportunity_id: int, data: OpportunityUpdate):
    """Change the fields given; send the `version` you read (409 if someone saved since). Partner users may
    change the stage, amount, currency, close date and next step of their own deals."""
    return _opportunity_out(db, actor, opportunities.update_opportunity(db, actor, opportunity_id, data))


@router.post("/opportunities/{opportunity_id}/move", response_model=OpportunityOut, tags=["opportunities"])
def move_opportunity(db: SessionDep, actor: ApiActor, opportunity_id: int, data: MoveIn):
    """Move the deal to another stage (by key); the move is kept in its stage history."""
    return _opportunity_out(db, actor, opportunities.move_stage(db, actor, opportunity_id, data))


@router.get("/opportunities/{opportunity_id}/history", response_model=list[StageChangeOut], tags=["opportunities"])
def opportunity_history(db: SessionDep, actor: ApiActor, opportunity_id: int):
    """Every stage the deal has been in, oldest first, with the days it spent there (deal velocity)."""
    history = opportunities.stage_history(db, actor, opportunity_id)
    keys = _stage_keys(db)
    days = opportunities.days_in_stages(history)
    return [StageChangeOut.model_validate(change).model_copy(update={
        "from_stage_key": keys.get(change.from_stage_id) if change.from_stage_id else None,
        "to_stage_key": keys.get(change.to_stage_id), "days_in_stage": stay})
        for change, (_stage, stay) in zip(history, days, strict=True)]


# Pipeline totals --------------------------------------------------------------------------------

@router.get("/pipeline/totals", response_model=PipelineTotalsOut, tags=["pipeline"],
            responses={422: {"description": "A deal's currency has no FX rate on its close date (named)"}})
def pipeline_totals(db: SessionDep, actor: ApiActor, query: Annotated[OpportunityFilter, Query()]):
    """Count, amount and probability-weighted amount per stage in the reporting currency (open deals unless
    `outcome` is given), with the FX rates used."""
    filters = query if query.outcome is not None else query.model_copy(update={"outcome": StageOutcome.OPEN})
    totals = pipeline.pipeline_totals(db, actor, filters)
    return PipelineTotalsOut(
        reporting_currency=totals.reporting, count=totals.count, amount=totals.amount.amount,
        weighted=totals.weighted.amount,
        stages=[StageTotalOut(stage_id=t.stage.id, key=t.stage.key, name=t.stage.name, count=t.count,
                              amount=t.amount.amount, weighted=t.weighted.amount) for t in totals.stages],
        rates=[RateUsedOut(currency=r.currency, rate=r.rate, rate_date=r.rate_date, source=r.source, deals=r.deals,
                           text=r.describe()) for r in totals.rates])


# Stages and programs ----------------------------------------------------------------------------

@router.get("/stages", response_model=list[StageOut], tags=["stages"])
def list_stages(db: SessionDep, actor: ApiActor, include_inactive: bool = False):
    """Pipeline stages in board order (retired ones too with `include_inactive=true`)."""
    return stages.list_stages(db, include_inactive=include_inactive)


@router.post("/stages", response_model=StageOut, status_code=201, tags=["stages"])
def create_stage(db: SessionDep, actor: SettingsAdmin, data: StageIn):
    """Add a pipeline stage (admins); 409 when the key is taken."""
    return stages.create_stage(db, actor, data)


@router.patch("/stages/{stage_id}", response_model=StageOut, tags=["stages"])
def update_stage(db: SessionDep, actor: SettingsAdmin, stage_id: int, data: StageUpdate):
    """Rename, reorder, re-weight or retire (`active: false`) a stage; send the `version` you read (admins)."""
    return stages.update_stage(db, actor, stage_id, data)


@router.get("/programs", response_model=list[ProgramOut], tags=["programs"])
def list_programs(db: SessionDep, actor: ApiActor):
    """Partner programs and their registration terms (partner users: the program that applies to them)."""
    return stages.list_programs(db, actor)


@router.post("/programs", response_model=ProgramOut, status_code=201, tags=["programs"])
def create_program(db: SessionDep, actor: SettingsAdmin, data: ProgramIn):
    """Add a partner program (admins); `is_default: true` makes it the default for partners without one."""
    return stages.create_program(db, actor, data)


@router.patch("/programs/{program_id}", response_model=ProgramOut, tags=["programs"])
def update_program(db: SessionDep, actor: SettingsAdmin, program_id: int, data: ProgramUpdate):
    """Change a program's terms; send the `version` you read (admins)."""
    return stages.update_program(db, actor, program_id, data)
