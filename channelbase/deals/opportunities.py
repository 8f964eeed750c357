"""Opportunities: the channel pipeline, deal by deal, with every stage move kept for velocity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.config import get_settings
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.core.money import Money
from channelbase.core.pagination import Page, paginate
from channelbase.deals.deal_schemas import ConvertIn, MoveIn, OpportunityCreate, OpportunityFilter, OpportunityUpdate
from channelbase.deals.models import (
    Opportunity, OpportunityProduct, Product, Registration, RegistrationProduct, Stage, StageChange, StageOutcome,
)
from channelbase.deals.registrations import (
    check_distributor, positive_money, product_lines, require_rate, years_after,
)
from channelbase.deals.stages import first_open_stage, stage_by_key
from channelbase.partners.common import check_version, require_owner, require_staff
from channelbase.partners.territories import territory_and_below
from channelbase.partners.models import Account, Partner
from channelbase.webhooks import events as webhook_events

DISTANT_PAST_DAYS = 365
MAX_YEARS_AHEAD = 5
# What a partner user may change on its own opportunities; the rest is the channel manager's.
PARTNER_EDITABLE = {"stage", "amount", "currency", "decimal_comma", "close_date", "next_step"}
# Stages sort in board order (their position), not in the order they were added.
_STAGE_POSITION = select(Stage.position).where(Stage.id == Opportunity.stage_id).scalar_subquery()
OPPORTUNITY_SORTS = {
    "close": (Opportunity.close_date, False), "-close": (Opportunity.close_date, True),
    "name": (Opportunity.name, False), "-name": (Opportunity.name, True),
    "amount": (Opportunity.amount_minor, True), "-amount": (Opportunity.amount_minor, False),
    "stage": (_STAGE_POSITION, False), "-stage": (_STAGE_POSITION, True),
    "updated": (Opportunity.updated_at, True), "-updated": (Opportunity.updated_at, False),
    "stalled": (Opportunity.stage_changed_at, False), "-stalled": (Opportunity.stage_changed_at, True),
}


# Up to this many matching deals, a page reads them all and sorts them rather than walking a sort index
# until a page is found: when the filters match few deals (a partner type that sells little, say), the
# walk can read the whole index first (0.5 s at 500,000 deals), while reading a few thousand is bounded.
FEW_MATCHES = 2000


def check_close_date(close: date, today: date) -> None:
    """A close date may be recent history (a deal won last month) but not the distant past or far future."""
    if close < today - timedelta(days=DISTANT_PAST_DAYS):
        raise InvalidInput(f"The close date {close.isoformat()} is more than a year in the past; older deals belong "
                           "in an import, not the pipeline.", field_errors={"close_date": "in the distant past"})
    if close > years_after(today, MAX_YEARS_AHEAD):
        raise InvalidInput(f"The close date {close.isoformat()} is more than {MAX_YEARS_AHEAD} years away.",
                           field_errors={"close_date": f"within {MAX_YEARS_AHEAD} years"})


def _record_move(session: Session, actor: User, opportunity: Opportunity, from_stage: int | None,
                 now: datetime) -> None:
    session.add(StageChange(opportunity_id=opportunity.id, from_stage_id=from_stage, to_stage_id=opportunity.stage_id,
                            at=now, by_id=getattr(actor, "id", None), amount_minor=opportunity.amount_minor,
                            currency=opportunity.currency))


def _place_in_stage(opportunity: Opportunity, stage: Stage, now: datetime) -> None:
    opportunity.stage_id, opportunity.outcome, opportunity.probability = stage.id, stage.outcome, stage.probability
    opportunity.stage_changed_at = now


def _add_lines(session: Session, opportunity: Opportunity, lines: Iterable[tuple[int, int]]) -> None:
    for product_id, quantity in lines:
        session.add(OpportunityProduct(opportunity_id=opportunity.id, product_id=product_id, quantity=quantity))


def create_opportunity(session: Session, actor: User, data: OpportunityCreate, *,
                       now: datetime | None = None) -> Opportunity:
    """Open an opportunity (staff; partners' deals arrive through registrations)."""
    now = now or utcnow()
    require_staff(actor, "create opportunities directly (partners register deals instead)")
    partner = get_visible(session, actor, Partner, data.partner_id)
    account = get_visible(session, actor, Account, data.account_id)
    money = positive_money(data.amount, data.currency, data.decimal_comma, allow_zero=True)
    check_close_date(data.close_date, now.date())
    require_rate(session, money, data.close_date)
    distributor = check_distributor(session, partner, data.distributor_id)
    require_owner(session, data.owner_id)
    stage = stage_by_key(session, data.stage) if data.stage else first_open_stage(session)
    lines = product_lines(session, actor, data.products)
    opportunity = Opportunity(
        name=data.name, account_id=account.id, partner_id=partner.id, territory_id=partner.territory_id,
        distributor_id=distributor.id if distributor else None,
        hidden_from_distributor=bool(distributor) and data.hidden_from_distributor,
        currency=money.currency, amount_minor=money.to_minor(), close_date=data.close_date, source=data.source,
        owner_id=data.owner_id or partner.owner_id, next_step=data.next_step)
    _place_in_stage(opportunity, stage, now)
    session.add(opportunity)
    session.flush()
    _add_lines(session, opportunity, ((p.id, q) for p, q in lines))
    _record_move(session, actor, opportunity, None, now)
    audit.record(session, actor, "create", opportunity, None)
    return opportunity


def create_from_registration(session: Session, actor: User, registration: Registration, account: Account,
                             data: ConvertIn, now: datetime) -> Opportunity:
    """The opportunity of a converted registration: same partner, customer, value, products and distributor."""
    require_owner(session, data.owner_id)
    stage = stage_by_key(session, data.stage) if data.stage else first_open_stage(session)
    partner = session.get_one(Partner, registration.partner_id)
    opportunity = Opportunity(
        name=registration.title, account_id=account.id, partner_id=partner.id, territory_id=registration.territory_id,
        distributor_id=registration.distributor_id, hidden_from_distributor=registration.hidden_from_distributor,
        registration_id=registration.id, currency=registration.currency, amount_minor=registration.amount_minor,
        close_date=registration.expected_close_date, source="partner",
        owner_id=data.owner_id or partner.owner_id, next_step="")
    _place_in_stage(opportunity, stage, now)
    session.add(opportunity)
    session.flush()
    lines = session.execute(select(RegistrationProduct.product_id, RegistrationProduct.quantity)
                            .where(RegistrationProduct.registration_id == registration.id)).all()
    _add_lines(session, opportunity, lines)
    _record_move(session, actor, opportunity, None, now)
    audit.record(session, actor, "create", opportunity, None)
    return opportunity


def get_opportunity(session: Session, actor: User, opportunity_id: int) -> Opportunity:
    return get_visible(session, actor, Opportunity, opportunity_id)


def update_opportunity(session: Session, actor: User, opportunity_id: int, data: OpportunityUpdate, *,
                       now: datetime | None = None) -> Opportunity:
    """Change the fields given. Partner users may move their own deals' stage, amount, close date and next step."""
    now = now or utcnow()
    opportunity = get_opportunity(session, actor, opportunity_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if actor.is_partner:
        if opportunity.partner_id != actor.partner_id:
            raise NotPermitted("Only the selling partner and its channel manager change this opportunity.")
        refused = sorted(set(changes) - PARTNER_EDITABLE)
        if refused:
            raise NotPermitted(f"Ask your channel manager to change {', '.join(refused)}.")
    check_version(session, opportunity, data.version)
    # Check every change before making any: a refused edit leaves the row as it was.
    money = _new_amount(opportunity, changes, data.decimal_comma)
    close_date = changes.get("close_date") or opportunity.close_date
    # A client may send the whole record back: only what actually changes is checked again.
    if close_date != opportunity.close_date:
        check_close_date(close_date, now.date())
    if money != opportunity.amount or close_date != opportunity.close_date:
        require_rate(session, money, close_date)
    if "owner_id" in changes:
        require_owner(session, changes["owner_id"])
    new_distributor = "distributor_id" in changes or "hidden_from_distributor" in changes
    if new_distributor:
        partner = session.get_one(Partner, opportunity.partner_id)
        distributor = check_distributor(session, partner, changes.get("distributor_id", opportunity.distributor_id))
    stage = stage_by_key(session, changes["stage"]) if changes.get("stage") else None
    before = audit.snapshot(opportunity)
    opportunity.currency, opportunity.amount_minor, opportunity.close_date = (money.currency, money.to_minor(),
                                                                              close_date)
    for key in ("name", "source", "next_step"):
        if changes.get(key) is not None:
            setattr(opportunity, key, changes[key])
    if "owner_id" in changes:
        opportunity.owner_id = changes["owner_id"]
    if new_distributor:
        hidden = changes.get("hidden_from_distributor")
        opportunity.distributor_id = distributor.id if distributor else None
        opportunity.hidden_from_distributor = bool(distributor) and (
            opportunity.hidden_from_distributor if hidden is None else hidden)
    moved_from = None
    if stage is not None and stage.id != opportunity.stage_id:
        moved_from = opportunity.stage_id
        _place_in_stage(opportunity, stage, now)
    session.flush()
    if moved_from is not None:
        _record_move(session, actor, opportunity, moved_from, now)
        webhook_events.opportunity_moved(session, opportunity, moved_from)
    audit.record(session, actor, "update", opportunity, before)
    return opportunity


def _new_amount(opportunity: Opportunity, changes: dict, decimal_comma: bool | None) -> Money:
    """The amount after the edit; a null amount or currency leaves that part as it was."""
    amount, currency = changes.get("amount"), changes.get("currency") or opportunity.currency
    if amount is not None:
        return positive_money(amount, currency, decimal_comma, allow_zero=True)
    # A new currency alone keeps the amount as written (10,000.00 USD -> 10,000 CLP), not its minor units.
    return Money(opportunity.amount.amount, currency)


def move_stage(session: Session, actor: User, opportunity_id: int, data: MoveIn, *,
               now: datetime | None = None) -> Opportunity:
    """Move a deal to another stage (the board's drag and its keyboard buttons)."""
    return update_opportunity(session, actor, opportunity_id, OpportunityUpdate(version=data.version,
                                                                                stage=data.stage), now=now)


# Reading ----------------------------------------------------------------------------------------

def stalled_before(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=get_settings().stalled_days)


def is_stalled(opportunity: Opportunity, now: datetime | None = None) -> bool:
    return opportunity.is_open and opportunity.stage_changed_at < stalled_before(now)


def opportunity_query(actor: User, filters: OpportunityFilter, now: datetime | None = None, *, columns=None):
    """The select of the opportunities the actor may see, filtered (default: every outcome)."""
    stmt = visible(select(*(columns or (Opportunity,))).select_from(Opportunity), actor, Opportunity)
    if filters.q:
        stmt = stmt.where(Opportunity.name.icontains(filters.q.strip(), autoescape=True))
    if filters.territory_id is not None:
        stmt = stmt.where(Opportunity.territory_id.in_(territory_and_below(filters.territory_id)))
    if filters.partner_id is not None:
        stmt = stmt.where(Opportunity.partner_id == filters.partner_id)
    if filters.partner_type is not None:
        stmt = stmt.where(Opportunity.partner_id.in_(select(Partner.id).where(Partner.type == filters.partner_type)))
    if filters.stage:
        stmt = stmt.where(Opportunity.stage_id == stage_id_of(filters.stage))
    if filters.outcome is not None:
        stmt = stmt.where(Opportunity.outcome == filters.outcome)
    if filters.source is not None:
        stmt = stmt.where(Opportunity.source == filters.source)
    if filters.owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == filters.owner_id)
    if filters.close_from is not None:
        stmt = stmt.where(Opportunity.close_date >= filters.close_from)
    if filters.close_to is not None:
        stmt = stmt.where(Opportunity.close_date <= filters.close_to)
    if filters.created_from is not None:
        stmt = stmt.where(Opportunity.created_at >= _day_start(filters.created_from))
    if filters.created_to is not None:
        stmt = stmt.where(Opportunity.created_at < _day_start(filters.created_to + timedelta(days=1)))
    if filters.stalled is not None:
        stalled = (Opportunity.outcome == StageOutcome.OPEN) & (Opportunity.stage_changed_at < stalled_before(now))
        stmt = stmt.where(stalled if filters.stalled else ~stalled)
    return stmt


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def check_stage_filter(session: Session, filters: OpportunityFilter) -> None:
    """An unknown stage in a filter is an error naming the stages, not an empty list."""
    if filters.stage and not filters.stage.isdigit():
        stage_by_key(session, filters.stage)


def stage_id_of(key_or_id: str):
    """The id of the stage a filter names, by key or by id, as a scalar subquery."""
    as_id = int(key_or_id) if key_or_id.isdigit() else None
    return select(Stage.id).where(or_(Stage.key == key_or_id, Stage.id == as_id)).scalar_subquery()


def list_opportunities(session: Session, actor: User, filters: OpportunityFilter, *, sort: str = "close",
                       page: int = 1, per_page: int = 25, now: datetime | None = None,
                       total: int | None = None) -> Page[Opportunity]:
    """One page of the deals the actor sees. `total`: how many match, when the caller knows it already
    (`pipeline.opportunity_count`, or the pipeline totals' count); else the page counts them."""
    check_stage_filter(session, filters)
    column, descending = OPPORTUNITY_SORTS.get(sort, OPPORTUNITY_SORTS["close"])
    if total is not None and total <= FEW_MATCHES:
        column = func.coalesce(column, column)  # same order, but no index walk (see FEW_MATCHES)
    stmt = opportunity_query(actor, filters, now).order_by(column.desc() if descending else column.asc(),
                                                           Opportunity.id)
    return paginate(session, stmt, page, per_page, total=total)


def lines_of(session: Session, actor: User, opportunity_ids: Iterable[int]) -> dict[int, list[tuple[Product, int]]]:
    ids = set(opportunity_ids)
    result: dict[int, list[tuple[Product, int]]] = defaultdict(list)
    if not ids:
        return result
    stmt = (visible(select(OpportunityProduct, Product), actor, OpportunityProduct)
            .join(Product, Product.id == OpportunityProduct.product_id)
            .where(OpportunityProduct.opportunity_id.in_(ids)).order_by(Product.sku))
    for line, product in session.execute(stmt):
        result[line.opportunity_id].append((product, line.quantity))
    return result


def stage_history(session: Session, actor: User, opportunity_id: int) -> list[StageChange]:
    """Every stage the deal has been in, oldest first (its creation is the first move)."""
    opportunity = get_opportunity(session, actor, opportunity_id)
    return list(session.scalars(select(StageChange).where(StageChange.opportunity_id == opportunity.id)
                                .order_by(StageChange.at, StageChange.id)))


def days_in_stages(history: list[StageChange], now: datetime | None = None) -> list[tuple[int, float]]:
    """(stage id, days spent) for each stay in the history, the current one up to now: deal velocity."""
    now = now or utcnow()
    stays = []
    for index, change in enumerate(history):
        end = history[index + 1].at if index + 1 < len(history) else now
        stays.append((change.to_stage_id, round((end - change.at).total_seconds() / 86400, 1)))
    return stays


def history_of(session: Session, actor: User, opportunity_id: int) -> list[audit.AuditEntry]:
    opportunity = get_opportunity(session, actor, opportunity_id)
    return audit.history(session, Opportunity.__tablename__, opportunity.id)
