"""Quotas: one per territory, manager or partner, fiscal year and metric, split by quarter. Set by admins,
either as an amount or as growth over the prior year's actual (closed-won at actual rates), from which the
amount is derived and kept beside it."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import managed_territory_ids, visible_partner_ids
from channelbase.core import audit
from channelbase.core.errors import Duplicate, InvalidInput, NotFound, NotPermitted
from channelbase.core.money import Money, MoneyError, exact_decimal
from channelbase.deals import fx
from channelbase.deals.schemas import Strict, _no_float
from channelbase.growth import figures as f
from channelbase.growth.fiscal import fiscal_year
from channelbase.growth.models import Quota, QuotaMetric, QuotaScope
from channelbase.growth.standing import Target, standing
from channelbase.partners.common import check_version
from channelbase.partners.models import Partner, Territory

ExactText = Annotated[str | int, BeforeValidator(_no_float)]
EVEN_SPLIT = ("25", "25", "25", "25")


class QuotaIn(Strict):
    """A quota as typed: `amount` (reporting currency) or `growth_pct` over the prior year's actual, not both."""

    fiscal_year: int = Field(ge=2000, le=2100)
    scope: QuotaScope
    target_id: int = Field(gt=0)
    metric: QuotaMetric = QuotaMetric.BOOKINGS
    amount: ExactText | None = None
    growth_pct: ExactText | None = None
    split: tuple[ExactText, ExactText, ExactText, ExactText] = EVEN_SPLIT
    note: str = Field("", max_length=300)

    @model_validator(mode="after")
    def _one_way_of_setting(self) -> QuotaIn:
        given = [name for name in ("amount", "growth_pct") if getattr(self, name) not in (None, "")]
        if len(given) != 1:
            raise ValueError("give either an amount or a growth percentage over the prior year, not "
                             + ("both" if given else "neither"))
        return self


class QuotaUpdate(QuotaIn):
    version: int


def _decimal(value, label: str, field: str) -> Decimal:
    try:
        return exact_decimal(value)
    except MoneyError as exc:
        raise InvalidInput(f"{label}: {exc.message}", field_errors={field: "not a number"}) from None


def quarter_split(amount_minor: int, split) -> tuple[int, int, int, int]:
    """Minor units per quarter from four percentages summing to 100; the last quarter takes the rounding."""
    shares = [_decimal(share, "A quarter's share", "split") for share in split]
    if any(share < 0 for share in shares) or sum(shares) != 100:
        shown = " + ".join(str(share) for share in shares)
        raise InvalidInput(f"The quarterly split must be four shares of at least 0 adding up to 100 % ({shown} = "
                           f"{sum(shares)}).", field_errors={"split": "must add up to 100"})
    firsts = [int((amount_minor * share / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) for share in shares[:3]]
    return (firsts[0], firsts[1], firsts[2], amount_minor - sum(firsts))


def _target(session: Session, scope: QuotaScope, target_id: int) -> Target:
    """The quota's territory, manager or partner; an unknown one is a clear error, not a dangling quota."""
    if scope == QuotaScope.TERRITORY:
        territory = session.get(Territory, target_id)
        if territory is None:
            raise InvalidInput(f"Territory #{target_id} does not exist: pick one from the Territories page.",
                               field_errors={"target_id": "unknown territory"})
        return Target(scope, territory.id, territory.name)
    if scope == QuotaScope.PARTNER:
        partner = session.get(Partner, target_id)
        if partner is None or partner.deleted_at is not None:
            raise InvalidInput(f"Partner #{target_id} does not exist (or was deleted).",
                               field_errors={"target_id": "unknown partner"})
        return Target(scope, partner.id, partner.name)
    manager = session.get(User, target_id)
    if manager is None or manager.role != Role.MANAGER or not manager.is_active:
        raise InvalidInput(f"User #{target_id} is not an active channel manager.",
                           field_errors={"target_id": "not a manager"})
    return Target(scope, manager.id, manager.name)


def _amount(session: Session, actor: User, data: QuotaIn, target: Target) -> tuple[int, Decimal | None, int | None]:
    reporting = fx.reporting_currency()
    if data.amount not in (None, ""):
        amount = Money.parse(data.amount, reporting)
        if amount.amount <= 0:
            raise InvalidInput("The quota must be more than 0.", field_errors={"amount": "must be > 0"})
        return amount.to_minor(), None, None
    growth = _decimal(data.growth_pct, "The growth target", "growth_pct")
    if growth <= -100 or growth > 1000:
        raise InvalidInput(f"A growth target of {growth} % is out of range (more than -100 %, at most 1000 %).",
                           field_errors={"growth_pct": "out of range"})
    prior = fiscal_year(session, data.fiscal_year).prior()
    # Quotas are set by admins, who see every deal: the actual is the whole target's.
    base = standing(session, actor, target, f.Window(prior, prior.end), metric=data.metric).won_full_year
    if not base.amount:
        raise InvalidInput(f"{target.label} closed nothing in FY{prior.year}, so a growth target has nothing to grow "
                           "from: give the quota as an amount.", field_errors={"growth_pct": "no prior-year actual"})
    derived = Money.rounded(base.amount * (100 + growth) / 100, reporting)
    return derived.to_minor(), growth, base.to_minor()


def _refuse_overlap(session: Session, data: QuotaIn, target: Target, exclude_id: int | None = None) -> None:
    stmt = select(Quota).where(Quota.fiscal_year == data.fiscal_year, Quota.metric == data.metric,
                               Quota.target_key == target.key)
    existing = session.scalars(stmt).first()
    if existing is not None and existing.id != exclude_id:
        raise Duplicate(f"FY{data.fiscal_year} already has a {data.metric} quota for {data.scope} {target.label}: "
                        f"edit that one (/growth/quotas/{existing.id}) instead of adding a second.",
                        field_errors={"target_id": "already has a quota this year"})


def _columns(session: Session, actor: User, data: QuotaIn, target: Target) -> dict:
    """Every column of the quota as `data` sets it, with the amount derived and split by quarter."""
    amount_minor, growth, base = _amount(session, actor, data, target)
    quarters = quarter_split(amount_minor, data.split)
    return dict(fiscal_year=data.fiscal_year, metric=data.metric, scope=data.scope, target_key=target.key,
                territory_id=target.id if data.scope == QuotaScope.TERRITORY else None,
                user_id=target.id if data.scope == QuotaScope.MANAGER else None,
                partner_id=target.id if data.scope == QuotaScope.PARTNER else None,
                currency=fx.reporting_currency(), amount_minor=amount_minor, q1_minor=quarters[0],
                q2_minor=quarters[1], q3_minor=quarters[2], q4_minor=quarters[3], growth_pct=growth,
                base_minor=base, note=data.note)


def set_quota(session: Session, actor: User, data: QuotaIn) -> Quota:
    _require_admin(actor)
    target = _target(session, data.scope, data.target_id)
    _refuse_overlap(session, data, target)
    quota = Quota(**_columns(session, actor, data, target))
    session.add(quota)
    audit.record(session, actor, "create", quota, None)
    return quota


def update_quota(session: Session, actor: User, quota_id: int, data: QuotaUpdate) -> Quota:
    _require_admin(actor)
    quota = get_quota(session, actor, quota_id)
    check_version(session, quota, data.version)
    target = _target(session, data.scope, data.target_id)
    _refuse_overlap(session, data, target, exclude_id=quota.id)
    columns = _columns(session, actor, data, target)
    before = audit.snapshot(quota)
    for name, value in columns.items():
        setattr(quota, name, value)
    audit.record(session, actor, "update", quota, before)
    return quota


def delete_quota(session: Session, actor: User, quota_id: int, version: int) -> None:
    _require_admin(actor)
    quota = get_quota(session, actor, quota_id)
    check_version(session, quota, version)
    before = audit.snapshot(quota)
    audit.record(session, actor, "delete", quota, before)
    session.delete(quota)


def _require_admin(actor: User) -> None:
    fx.require_admin(actor, "set quotas")


def quota_visibility(actor: User):
    """Admins read every quota; a manager reads their own, their territories' and their partners'."""
    if actor.is_admin:
        return None
    if actor.role != Role.MANAGER:
        return False
    return ((Quota.user_id == actor.id) | Quota.territory_id.in_(managed_territory_ids(actor))
            | Quota.partner_id.in_(visible_partner_ids(actor)))


def list_quotas(session: Session, actor: User, fiscal_year: int | None = None, scope: str | None = None) -> list[Quota]:
    rule = quota_visibility(actor)
    if rule is False:
        raise NotPermitted("Only channel managers and admins may read quotas.")
    stmt = select(Quota)
    if rule is not None:
        stmt = stmt.where(rule)
    if fiscal_year is not None:
        stmt = stmt.where(Quota.fiscal_year == fiscal_year)
    if scope:
        stmt = stmt.where(Quota.scope == scope)
    return list(session.scalars(stmt.order_by(Quota.fiscal_year.desc(), Quota.scope, Quota.target_key)))


def get_quota(session: Session, actor: User, quota_id: int) -> Quota:
    rule = quota_visibility(actor)
    stmt = select(Quota).where(Quota.id == quota_id)
    if rule is False:
        raise NotFound(f"Quota #{quota_id} not found.")
    if rule is not None:
        stmt = stmt.where(rule)
    quota = session.scalars(stmt).first()
    if quota is None:
        raise NotFound(f"Quota #{quota_id} not found.")
    return quota


def target_label(session: Session, quota: Quota) -> str:
    if quota.territory_id is not None:
        return session.get_one(Territory, quota.territory_id).name
    if quota.partner_id is not None:
        return session.get_one(Partner, quota.partner_id).name
    return session.get_one(User, quota.user_id).name

