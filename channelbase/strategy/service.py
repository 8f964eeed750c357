"""Channel strategies: one per territory and fiscal year, written by the territory's manager (or an admin),
read by the managers who see the territory. Saving again edits the same row, with optimistic locking."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import get_visible, managed_territory_ids, rule_for, visible
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, StaleEdit
from channelbase.deals.fx import require_staff
from channelbase.deals.models import Product
from channelbase.growth import fiscal
from channelbase.partners.common import check_version
from channelbase.partners.models import Territory
from channelbase.strategy.models import TerritoryStrategy
from channelbase.strategy.schemas import StrategyIn

EDITED = ("partner_mix", "industries", "products", "goals")


@rule_for(TerritoryStrategy)
def _strategy_rule(actor: User):
    # The vendor's own plan for a territory: its managers (and those above them) read it, partner users never.
    if actor.role == Role.MANAGER:
        return TerritoryStrategy.territory_id.in_(managed_territory_ids(actor))
    return false()


def get_strategy(session: Session, actor: User, territory_id: int, fiscal_year: int) -> TerritoryStrategy | None:
    """The territory's strategy for the year, or None when none is written (NotFound for a hidden territory)."""
    require_staff(actor, "read channel strategies")
    territory = get_visible(session, actor, Territory, territory_id)
    return _stored(session, actor, territory.id, fiscal_year)


def _stored(session: Session, actor: User, territory_id: int, fiscal_year: int) -> TerritoryStrategy | None:
    return session.scalars(visible(select(TerritoryStrategy), actor).where(
        TerritoryStrategy.territory_id == territory_id, TerritoryStrategy.fiscal_year == fiscal_year)).first()


def list_strategies(session: Session, actor: User, fiscal_year: int | None = None) -> list[TerritoryStrategy]:
    """The strategies of the territories the actor sees (one fiscal year, or every year), oldest year first."""
    require_staff(actor, "read channel strategies")
    stmt = visible(select(TerritoryStrategy), actor)
    if fiscal_year is not None:
        stmt = stmt.where(TerritoryStrategy.fiscal_year == fiscal_year)
    return list(session.scalars(stmt.order_by(TerritoryStrategy.fiscal_year, TerritoryStrategy.territory_id)))


def save_strategy(session: Session, actor: User, territory_id: int, data: StrategyIn) -> TerritoryStrategy:
    """Write the territory's strategy for the year, or edit the one written (managers in their territories and
    below, admins anywhere). `data.version` is the version the editor saw; None means they saw none."""
    require_staff(actor, "write channel strategies")
    territory = get_visible(session, actor, Territory, territory_id)
    fiscal.fiscal_year(session, data.fiscal_year)  # a year the fiscal calendar names, or a clear refusal
    values = {"partner_mix": data.partner_mix, "industries": data.industries,
              "products": resolve_products(session, data.products), "goals": data.goals}
    existing = _stored(session, actor, territory.id, data.fiscal_year)
    if existing is None:
        return _create(session, actor, territory, data.fiscal_year, values)
    if data.version is None:
        raise _written_meanwhile(session, existing, territory)
    check_version(session, existing, data.version)
    if all(getattr(existing, name) == value for name, value in values.items()):
        return existing  # nothing changed: nothing to audit
    before = audit.snapshot(existing)
    for name, value in values.items():
        setattr(existing, name, value)
    existing.updated_by_id = actor.id
    audit.record(session, actor, "update", existing, before)
    return existing


def _create(session: Session, actor: User, territory: Territory, year: int, values: dict) -> TerritoryStrategy:
    strategy = TerritoryStrategy(territory_id=territory.id, fiscal_year=year, updated_by_id=actor.id, **values)
    try:
        with session.begin_nested():
            session.add(strategy)
            session.flush()
    except IntegrityError:
        # Someone else wrote this year's strategy between our read and our insert.
        stored = _stored(session, actor, territory.id, year)
        if stored is None:
            raise
        raise _written_meanwhile(session, stored, territory) from None
    audit.record(session, actor, "create", strategy, None)
    return strategy


def _written_meanwhile(session: Session, stored: TerritoryStrategy, territory: Territory) -> StaleEdit:
    """A save made on the empty form when a strategy exists: an edit of that one, made without having seen it."""
    change = audit.last_change(session, TerritoryStrategy.__tablename__, stored.id)
    who = change.actor_label if change else "someone"
    when = change.at.strftime("%Y-%m-%d %H:%M UTC") if change else "a moment ago"
    return StaleEdit(f"{who} saved {territory.name}'s FY{stored.fiscal_year} strategy at {when}, after you opened "
                     "the page. The form now shows that strategy: review it, re-apply your changes and save again.")


def resolve_products(session: Session, entries: Iterable[str]) -> list[str]:
    """Each focus product as the catalogue knows it: a product (by SKU or name) becomes its SKU, a product family
    its name. Unknown entries and products no longer sold are refused, all of them named."""
    entries = list(entries)
    if not entries:
        return []
    rows = session.execute(select(Product.sku, Product.name, Product.family, Product.active)).all()
    by_sku = {row.sku.casefold(): row for row in rows}
    by_name = {row.name.casefold(): row for row in rows}
    families = {row.family.casefold(): row.family for row in rows if row.active}
    resolved: list[str] = []
    unknown: list[str] = []
    retired: list[str] = []
    for entry in entries:
        key = entry.casefold()
        product = by_sku.get(key) or by_name.get(key)
        if product is not None and not product.active:
            retired.append(product.sku)
        value = product.sku if product is not None else families.get(key)
        if value is None:
            unknown.append(entry)
        elif value not in resolved:
            resolved.append(value)
    if unknown or retired:
        problem = _product_problem(unknown, retired)
        raise InvalidInput(f"Focus products: {problem}.", field_errors={"products": problem})
    return resolved


def _product_problem(unknown: list[str], retired: list[str]) -> str:
    quoted = ", ".join(f"'{entry[:60]}'" for entry in (unknown or retired)[:5])
    if unknown:
        return (f"not in the product catalogue: {quoted}. Write one per line a SKU (e.g. KPP-1Y), a product name "
                "or a product family, as the Products page shows them")
    return f"no longer sold: {quoted}. Remove it, or pick the product that replaced it"


def product_labels(session: Session, values: Iterable[str]) -> dict[str, str]:
    """How to show a strategy's focus products: 'Name (SKU)' for products, 'Family (family)' for families."""
    wanted = list(values)
    if not wanted:
        return {}
    products = {row.sku: row for row in session.execute(
        select(Product.sku, Product.name, Product.active).where(Product.sku.in_(wanted)))}
    labels = {}
    for value in wanted:
        row = products.get(value)
        if row is None:
            labels[value] = f"{value} (product family)"
        else:
            labels[value] = f"{row.name} ({row.sku})" + ("" if row.active else " — no longer sold")
    return labels


def history(session: Session, actor: User, strategy: TerritoryStrategy) -> list[AuditEntry]:
    """Who wrote and changed the strategy, newest first (the actor already reads the strategy)."""
    require_staff(actor, "read channel strategies")
    return audit.history(session, TerritoryStrategy.__tablename__, strategy.id)

