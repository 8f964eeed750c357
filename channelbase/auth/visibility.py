"""The one place that decides which rows an actor may read. Every read goes through `visible`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, exists, false, select, true
from sqlalchemy.orm import Session, aliased

from channelbase.auth.models import Role, User
from channelbase.core.base import TimestampedMixin
from channelbase.core.errors import NotFound
from channelbase.deals.models import (
    FxRate, Opportunity, OpportunityProduct, PipelineRollup, Product, ProductPrice, Program, Registration,
    RegistrationProduct, Stage, StageChange,
)
from channelbase.engagement.models import Activity, CadenceRule, CalendarFeed, Job, Task
from channelbase.enablement.models import Certification, Course, Enrolment, TrainingSession
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory

T = TypeVar("T", bound=TimestampedMixin)
Rule = Callable[[User], Any]
_RULES: dict[type, Rule] = {}


def rule_for(model: type) -> Callable[[Rule], Rule]:
    """Register the visibility condition of a model: a function actor -> SQL boolean."""

    def register(func: Rule) -> Rule:
        _RULES[model] = func
        return func

    return register


# Built once: aliasing per call made SQLAlchemy compile a fresh statement for every request.
_OWNED = aliased(Territory, name="owned_territory")


def managed_territory_ids(actor: User) -> Select:
    """Ids of the territories the manager owns, and every territory below them."""
    return (
        select(Territory.id)
        .join(_OWNED, Territory.path.startswith(_OWNED.path))
        .where(_OWNED.owner_id == actor.id)
    )


def visible_partner_ids(actor: User) -> Select:
    return select(Partner.id).where(condition(Partner, actor))


def system_actor() -> User:
    """An actor that sees every row, for checks that must look beyond the user's own view (the deal
    conflict check, the expiry sweep). Never returned to an adapter; not stored."""
    return User(email="system@channelbase", name="Channelbase (system)", role=Role.ADMIN, is_active=True)


def condition(model: type, actor: User | None):
    """SQL condition limiting `model` rows to what `actor` may read."""
    if actor is None or not actor.is_active:
        return false()
    if actor.role == Role.ADMIN:
        return true()
    try:
        return _RULES[model](actor)
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None


def visible(stmt: Select, actor: User | None, model: type | None = None) -> Select:
    """Add the actor's visibility condition to a select of `model` (default: its first entity)."""
    model = model or stmt.column_descriptions[0]["entity"]
    return stmt.where(condition(model, actor))


def get_visible(session: Session, actor: User, model: type[T], id_: int, *, include_deleted: bool = False) -> T:
    """Fetch one row the actor may read, or NotFound (never 'forbidden': ids must leak nothing)."""
    stmt = visible(select(model).where(model.id == id_), actor, model)
    deleted_at = getattr(model, "deleted_at", None)  # only soft-deletable models have it
    if deleted_at is not None and not include_deleted:
        stmt = stmt.where(deleted_at.is_(None))
    obj = session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"No {model.__name__.lower()} #{id_} here, or you may not see it.")
    return obj


@rule_for(Territory)
def _territory_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Territory.id.in_(managed_territory_ids(actor))
    return Territory.id.in_(select(Partner.territory_id).where(Partner.id == actor.partner_id))


@rule_for(Partner)
def _partner_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Partner.territory_id.in_(managed_territory_ids(actor))
    return Partner.id == actor.partner_id


@rule_for(Contact)
def _contact_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Contact.partner_id.in_(visible_partner_ids(actor))
    return Contact.partner_id == actor.partner_id


@rule_for(PartnerLink)
def _link_rule(actor: User):
    ids = visible_partner_ids(actor)
    return PartnerLink.distributor_id.in_(ids) | PartnerLink.reseller_id.in_(ids)


@rule_for(Account)
def _account_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Account.territory_id.in_(managed_territory_ids(actor))
    return Account.partner_id == actor.partner_id


@rule_for(User)
def _user_rule(actor: User):
    if actor.role == Role.MANAGER:
        return (User.role != Role.PARTNER) | User.partner_id.in_(visible_partner_ids(actor))
    return User.partner_id == actor.partner_id


# Products and FX rates: a catalogue and a rate table, not partner-owned rows. Admins see everything
# (above); everyone else sees the active products, and only staff see FX rates.

@rule_for(Product)
def _product_rule(actor: User):
    return Product.active.is_(True)


@rule_for(ProductPrice)
def _product_price_rule(actor: User):
    return ProductPrice.product_id.in_(select(Product.id).where(Product.active.is_(True)))


@rule_for(FxRate)
def _fx_rate_rule(actor: User):
    return true() if actor.role == Role.MANAGER else false()


# Deals: a manager sees the deals of their territories; a partner user sees its own partner's deals,
# and a distributor's users also see the deals of resellers that name it, unless hidden from it.

def _deal_rule(model):
    def rule(actor: User):
        if actor.role == Role.MANAGER:
            return model.territory_id.in_(managed_territory_ids(actor))
        return (model.partner_id == actor.partner_id) | (
            (model.distributor_id == actor.partner_id) & model.hidden_from_distributor.is_(False))
    return rule


rule_for(Registration)(_deal_rule(Registration))
rule_for(Opportunity)(_deal_rule(Opportunity))


# Rows of a deal are visible with their deal. A correlated EXISTS reads one deal per row; an
# `IN (SELECT id ...)` made SQLite list every visible deal (200,000+) on each call.

@rule_for(RegistrationProduct)
def _registration_product_rule(actor: User):
    return exists().where(Registration.id == RegistrationProduct.registration_id, condition(Registration, actor))


@rule_for(OpportunityProduct)
def _opportunity_product_rule(actor: User):
    return exists().where(Opportunity.id == OpportunityProduct.opportunity_id, condition(Opportunity, actor))


@rule_for(StageChange)
def _stage_change_rule(actor: User):
    return exists().where(Opportunity.id == StageChange.opportunity_id, condition(Opportunity, actor))


@rule_for(Stage)
def _stage_rule(actor: User):
    return true()


@rule_for(Program)
def _program_rule(actor: User):
    if actor.role == Role.MANAGER:
        return true()
    own = select(Partner.program_id).where(Partner.id == actor.partner_id).scalar_subquery()
    return (Program.id == own) | (Program.is_default.is_(True) & own.is_(None))


@rule_for(PipelineRollup)
def _rollup_rule(actor: User):
    # Sums over whole territories: managers read their territories' rows; partner users read deals instead.
    if actor.role == Role.MANAGER:
        return PipelineRollup.territory_id.in_(managed_territory_ids(actor))
    return false()


# Engagement: the vendor's own notes and to-dos about partners, so partner users never read them.

@rule_for(Activity)
def _activity_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Activity.partner_id.in_(visible_partner_ids(actor))
    return false()


@rule_for(Task)
def _task_rule(actor: User):
    if actor.role == Role.MANAGER:
        return (Task.assignee_id == actor.id) | Task.partner_id.in_(visible_partner_ids(actor))
    return false()


@rule_for(CadenceRule)
def _cadence_rule_rule(actor: User):
    return true() if actor.role == Role.MANAGER else false()


@rule_for(CalendarFeed)
def _calendar_feed_rule(actor: User):
    return CalendarFeed.user_id == actor.id


@rule_for(Job)
def _job_rule(actor: User):
    return false()


# Enablement: the course catalogue and its sessions are for everyone signed in (partners enrol from the
# portal); enrolments and certifications belong to a partner, like its contacts.

@rule_for(Course)
def _course_rule(actor: User):
    return Course.active.is_(True)


@rule_for(TrainingSession)
def _training_session_rule(actor: User):
    return true()


def partner_row_rule(model):
    """The rule of rows that belong to a partner: managers see their territories' partners', partner users their own."""
    def rule(actor: User):
        if actor.role == Role.MANAGER:
            return model.partner_id.in_(visible_partner_ids(actor))
        return model.partner_id == actor.partner_id
    return rule


rule_for(Enrolment)(partner_row_rule(Enrolment))
rule_for(Certification)(partner_row_rule(Certification))
