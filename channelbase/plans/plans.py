"""Joint business plans: one active plan per partner and fiscal year, drafted by its channel manager, signed by
the partner in the portal (which locks it), revised by staff (a new draft revision; the signed one is
superseded and kept). Every sign and revision stores a snapshot of what the plan said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import get_visible, managed_territory_ids, rule_for, visible, visible_partner_ids
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotPermitted
from channelbase.core.pagination import Page
from channelbase.deals.fx import require_staff
from channelbase.growth import fiscal
from channelbase.partners.common import check_version
from channelbase.partners.models import Partner, Territory
from channelbase.plans.models import BusinessPlan, PlanCommitment, PlanRevision, PlanStatus
from channelbase.plans.schemas import PlanCreate, PlanFilter, PlanUpdate, ReviseIn, SignIn

LOCKED = "signed plans are locked; start a revision"


# Who reads plans: managers those of their territories' partners, partner users their own partner's (drafts
# too: they sign them); admins everything (visibility.condition).

@rule_for(BusinessPlan)
def _plan_rule(actor: User):
    if actor.role == Role.MANAGER:
        return BusinessPlan.partner_id.in_(visible_partner_ids(actor))
    return BusinessPlan.partner_id == actor.partner_id


def _plan_ids(actor: User):
    return select(BusinessPlan.id).where(_plan_rule(actor))


@rule_for(PlanCommitment)
def _commitment_rule(actor: User):
    return PlanCommitment.plan_id.in_(_plan_ids(actor))


@rule_for(PlanRevision)
def _revision_rule(actor: User):
    return PlanRevision.plan_id.in_(_plan_ids(actor))


def active_key(partner_id: int, year: int) -> str:
    """Unique while the plan is not superseded, so the database too refuses a second active plan."""
    return f"{partner_id}:{year}"


# Reading ----------------------------------------------------------------------------------------------

def get_plan(session: Session, actor: User, plan_id: int) -> BusinessPlan:
    return get_visible(session, actor, BusinessPlan, plan_id)


def active_plan(session: Session, actor: User, partner_id: int, year: int) -> BusinessPlan | None:
    """The partner's plan for the fiscal year that is not superseded (draft or signed), if any."""
    return session.scalars(visible(select(BusinessPlan), actor).where(
        BusinessPlan.partner_id == partner_id, BusinessPlan.fiscal_year == year,
        BusinessPlan.status != PlanStatus.SUPERSEDED)).first()


def plan_years(session: Session, actor: User, partner_id: int) -> list[int]:
    """Fiscal years the partner has plans for, newest first."""
    return list(session.scalars(visible(select(BusinessPlan.fiscal_year), actor, BusinessPlan).where(
        BusinessPlan.partner_id == partner_id).distinct().order_by(BusinessPlan.fiscal_year.desc())))


def commitments_of(session: Session, actor: User, plan_id: int) -> list[PlanCommitment]:
    return list(session.scalars(visible(select(PlanCommitment), actor).where(PlanCommitment.plan_id == plan_id)
                                .order_by(PlanCommitment.side, PlanCommitment.position, PlanCommitment.id)))


@dataclass(frozen=True)
class RevisionLine:
    revision: PlanRevision
    by: str


def history(session: Session, actor: User, partner_id: int, year: int) -> list[RevisionLine]:
    """Every signature and revision of the partner's plans for the year, newest first, with who did it."""
    rows = session.execute(
        visible(select(PlanRevision, User.name).join(BusinessPlan, BusinessPlan.id == PlanRevision.plan_id)
                .outerjoin(User, User.id == PlanRevision.changed_by_id), actor, PlanRevision)
        .where(BusinessPlan.partner_id == partner_id, BusinessPlan.fiscal_year == year)
        .order_by(PlanRevision.changed_at.desc(), PlanRevision.id.desc())).all()
    return [RevisionLine(revision, name or "a former user") for revision, name in rows]


@dataclass(frozen=True)
class PlanLine:
    plan: BusinessPlan
    partner: Partner
    commitments: int


def list_plans(session: Session, actor: User, filters: PlanFilter, *, today: date, page: int = 1,
               per_page: int = 25) -> tuple[int, Page[PlanLine]]:
    """(fiscal year, a page of the visible partners' plans of that year), by partner name then revision."""
    require_staff(actor, "list business plans")
    year = filters.fiscal_year or fiscal.current_year(session, today).year
    stmt = (visible(select(BusinessPlan, Partner).join(Partner, Partner.id == BusinessPlan.partner_id), actor,
                    BusinessPlan)
            .where(BusinessPlan.fiscal_year == year, Partner.deleted_at.is_(None)))
    if filters.status:
        stmt = stmt.where(BusinessPlan.status == filters.status)
    if filters.territory_id:
        stmt = stmt.where(Partner.territory_id.in_(_territory_and_below(actor, filters.territory_id)))
    if filters.q:
        stmt = stmt.where(Partner.name.ilike(f"%{_like(filters.q)}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    rows = session.execute(stmt.order_by(Partner.name, BusinessPlan.revision.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all() if total else []
    counts = dict(session.execute(select(PlanCommitment.plan_id, func.count()).where(
        PlanCommitment.plan_id.in_([plan.id for plan, _p in rows])).group_by(PlanCommitment.plan_id)).all())
    items = [PlanLine(plan, partner, counts.get(plan.id, 0)) for plan, partner in rows]
    return year, Page(items=items, total=total, page=page, per_page=per_page)


def _territory_and_below(actor: User, territory_id: int):
    top = select(Territory.path).where(Territory.id == territory_id).scalar_subquery()
    below = select(Territory.id).where(Territory.path.startswith(top))
    return below.where(Territory.id.in_(managed_territory_ids(actor))) if actor.role == Role.MANAGER else below


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Writing ----------------------------------------------------------------------------------------------

def create_plan(session: Session, actor: User, data: PlanCreate, *, today: date | None = None) -> BusinessPlan:
    """A draft plan for a partner the staff member sees, for a fiscal year (default: the one running)."""
    require_staff(actor, "create business plans")
    partner = get_visible(session, actor, Partner, data.partner_id)
    today = today or utcnow().date()
    year = fiscal.fiscal_year(session, data.fiscal_year) if data.fiscal_year else fiscal.current_year(session, today)
    existing = active_plan(session, actor, partner.id, year.year)
    if existing is not None:
        raise Duplicate(f"{partner.name} already has a plan for {year.label} ({existing.status}): edit it or "
                        "revise it", field_errors={"fiscal_year": "has a plan already"},
                        link=f"/partners/{partner.id}/plan?year={year.year}")
    plan = BusinessPlan(partner_id=partner.id, fiscal_year=year.year, status=PlanStatus.DRAFT, revision=1,
                        active_key=active_key(partner.id, year.year), objectives=data.objectives, locked=False,
                        created_by_id=actor.id)
    session.add(plan)
    session.flush()
    audit.record(session, actor, "create", plan, None)
    return plan


def require_draft(plan: BusinessPlan) -> None:
    """Refuse changes to a plan that is no longer a draft."""
    if plan.status == PlanStatus.SIGNED:
        raise Conflict(f"This {plan.label} is signed: {LOCKED}.")
    if plan.status == PlanStatus.SUPERSEDED:
        raise Conflict(f"This {plan.label} was superseded by a later revision: change the current revision.")


def editable_plan(session: Session, actor: User, plan_id: int) -> BusinessPlan:
    """A draft plan a staff member may change."""
    require_staff(actor, "change business plans")
    plan = get_plan(session, actor, plan_id)
    require_draft(plan)
    return plan


def touch(plan: BusinessPlan) -> None:
    """Mark the plan changed (its version moves on), so a signature on what was read before is refused."""
    plan.updated_at = utcnow()


def update_plan(session: Session, actor: User, plan_id: int, data: PlanUpdate) -> BusinessPlan:
    plan = editable_plan(session, actor, plan_id)
    check_version(session, plan, data.version)
    before = audit.snapshot(plan)
    plan.objectives = data.objectives
    touch(plan)
    audit.record(session, actor, "update", plan, before)
    return plan


def snapshot(session: Session, plan: BusinessPlan) -> dict[str, Any]:
    """What the plan says: objectives and commitments, as JSON for plan_revisions."""
    commitments = session.scalars(select(PlanCommitment).where(PlanCommitment.plan_id == plan.id)
                                  .order_by(PlanCommitment.position, PlanCommitment.id))
    return {"fiscal_year": plan.fiscal_year, "revision": plan.revision, "objectives": plan.objectives,
            "commitments": [{"side": c.side, "kind": c.kind, "description": c.description,
                             "targets": list(c.targets)} for c in commitments]}


def _record_revision(session: Session, actor: User, plan: BusinessPlan, action: str, now: datetime,
                     reason: str = "") -> PlanRevision:
    row = PlanRevision(plan_id=plan.id, revision=plan.revision, action=action, snapshot=snapshot(session, plan),
                       changed_by_id=actor.id, changed_at=now, reason=reason)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", row, None)
    return row


def sign_plan(session: Session, actor: User, data: SignIn, *, now: datetime | None = None) -> BusinessPlan:
    """A partner user agrees to its partner's draft plan, as read (its version): the plan is signed and locked."""
    plan = get_plan(session, actor, data.plan_id)
    partner = session.get_one(Partner, plan.partner_id)
    if not actor.is_partner or actor.partner_id != plan.partner_id:
        raise NotPermitted(f"Only a user of {partner.name} signs its plan, in the partner portal.")
    require_draft(plan)
    check_version(session, plan, data.version)
    if not data.agree:
        raise InvalidInput(f"Tick “I agree to this plan on behalf of {partner.name}” to sign it.",
                           field_errors={"agree": "tick to agree"})
    if session.scalar(select(func.count()).where(PlanCommitment.plan_id == plan.id)) == 0:
        raise Conflict("This plan has no commitments yet: ask your channel manager to add them before signing.")
    now = now or utcnow()
    before = audit.snapshot(plan)
    plan.status, plan.locked, plan.signed_at, plan.signed_by_id = PlanStatus.SIGNED, True, now, actor.id
    audit.record(session, actor, "sign", plan, before)
    _record_revision(session, actor, plan, "signed", now)
    return plan


def revise_plan(session: Session, actor: User, plan_id: int, data: ReviseIn, *,
                now: datetime | None = None) -> BusinessPlan:
    """Staff start a new revision of a signed plan: a draft copying its commitments; the signed one is superseded."""
    require_staff(actor, "revise business plans")
    plan = get_plan(session, actor, plan_id)
    if plan.status == PlanStatus.DRAFT:
        raise Conflict("Only a signed plan is revised; this one is a draft: edit it as it is.")
    if plan.status == PlanStatus.SUPERSEDED:
        raise Conflict(f"This {plan.label} was superseded already: revise the current revision.")
    check_version(session, plan, data.version)
    now = now or utcnow()
    before = audit.snapshot(plan)
    plan.status, plan.active_key = PlanStatus.SUPERSEDED, None
    session.flush()  # the active key is free before the new revision takes it
    audit.record(session, actor, "supersede", plan, before)
    revised = BusinessPlan(partner_id=plan.partner_id, fiscal_year=plan.fiscal_year, status=PlanStatus.DRAFT,
                           revision=plan.revision + 1, active_key=active_key(plan.partner_id, plan.fiscal_year),
                           objectives=plan.objectives, locked=False, created_by_id=actor.id)
    session.add(revised)
    session.flush()
    for old in session.scalars(select(PlanCommitment).where(PlanCommitment.plan_id == plan.id)
                               .order_by(PlanCommitment.position, PlanCommitment.id)):
        session.add(PlanCommitment(
            plan_id=revised.id, side=old.side, kind=old.kind, description=old.description, position=old.position,
            q1_target=old.q1_target, q2_target=old.q2_target, q3_target=old.q3_target, q4_target=old.q4_target,
            q1_actual=old.q1_actual, q2_actual=old.q2_actual, q3_actual=old.q3_actual, q4_actual=old.q4_actual))
    session.flush()
    audit.record(session, actor, "create", revised, None)
    _record_revision(session, actor, revised, "revised", now, data.reason)
    return revised
