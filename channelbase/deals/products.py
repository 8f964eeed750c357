"""The product catalogue: admins write it; managers and partner users read the active products."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Duplicate, NotFound
from channelbase.core.money import Money, MoneyError, currency_code
from channelbase.core.pagination import Page, paginate
from channelbase.deals.fx import require_admin
from channelbase.deals.models import Product, ProductPrice
from channelbase.deals.schemas import PriceIn, ProductCreate, ProductFilter, ProductUpdate
from channelbase.partners.common import check_version

PRODUCT_SORTS = {
    "name": (Product.name, False), "-name": (Product.name, True),
    "sku": (Product.sku, False), "-sku": (Product.sku, True),
    "family": (Product.family, False), "-family": (Product.family, True),
    "term": (Product.term, False), "-term": (Product.term, True),
    "updated": (Product.updated_at, True), "-updated": (Product.updated_at, False),
}


def _refuse_duplicate_sku(session: Session, sku: str, exclude_id: int | None = None) -> None:
    stmt = select(Product).where(Product.sku == sku)
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    existing = session.scalars(stmt.limit(1)).first()
    if existing is not None:
        raise Duplicate(f"SKU {sku} is already '{existing.name}' (#{existing.id}): pick another SKU or edit that product.",
                        field_errors={"sku": "already used"}, link=f"/products/{existing.id}")


def create_product(session: Session, actor: User, data: ProductCreate) -> Product:
    """Add a product to the catalogue (admins only); the SKU must be new."""
    require_admin(actor, "add products")
    _refuse_duplicate_sku(session, data.sku)
    product = Product(**data.model_dump())
    session.add(product)
    audit.record(session, actor, "create", product, None)
    return product


def update_product(session: Session, actor: User, product_id: int, data: ProductUpdate) -> Product:
    """Change the fields given; refused (409) if someone saved the product since `data.version`."""
    require_admin(actor, "edit products")
    product = get_product(session, actor, product_id)
    check_version(session, product, data.version)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True, exclude={"version"}).items() if v is not None}
    if "sku" in changes:
        _refuse_duplicate_sku(session, changes["sku"], exclude_id=product.id)
    before = audit.snapshot(product)
    for key, value in changes.items():
        setattr(product, key, value)
    audit.record(session, actor, "update", product, before)
    return product


def deactivate_product(session: Session, actor: User, product_id: int) -> Product:
    """Take a product off the catalogue partners see; its prices and history stay."""
    require_admin(actor, "deactivate products")
    product = get_product(session, actor, product_id)
    if product.active:
        before = audit.snapshot(product)
        product.active = False
        audit.record(session, actor, "update", product, before)
    return product


def set_price(session: Session, actor: User, product_id: int, price: Money) -> ProductPrice:
    """Set the product's list price in the price's currency (one price per currency; admins only)."""
    require_admin(actor, "set list prices")
    product = get_product(session, actor, product_id)
    if price.is_negative():
        raise MoneyError(f"A list price cannot be negative (got {price}).", field_errors={"amount": "must be ≥ 0"})
    row = session.scalars(select(ProductPrice).where(ProductPrice.product_id == product.id,
                                                     ProductPrice.currency == price.currency)).first()
    if row is None:
        row = ProductPrice(product_id=product.id, currency=price.currency, list_price_minor=price.to_minor())
        session.add(row)
        audit.record(session, actor, "create", row, None)
        return row
    before = audit.snapshot(row)
    row.list_price_minor = price.to_minor()
    audit.record(session, actor, "update", row, before)
    return row


def price_from(data: PriceIn, currency: str) -> Money:
    """The Money of a price form or request: exact, in a known currency."""
    return Money.parse(data.amount, currency_code(currency), decimal_comma=data.decimal_comma)


def get_product(session: Session, actor: User, product_id: int) -> Product:
    return get_visible(session, actor, Product, product_id)


def product_by_sku(session: Session, actor: User, sku: str) -> Product:
    product = session.scalars(visible(select(Product), actor).where(Product.sku == sku.strip().upper())).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku.strip().upper()}: run `channelbase products list`.")
    return product


def list_price(session: Session, actor: User, product_id: int, currency: str) -> Money:
    """The product's list price in `currency`; NotFound when it has none in that currency."""
    product = get_product(session, actor, product_id)
    prices = prices_for(session, actor, [product.id]).get(product.id, {})
    currency = currency_code(currency)
    if currency not in prices:
        raise NotFound(f"{product.sku} has no list price in {currency}; an admin can add one on the product page.")
    return prices[currency]


def prices_for(session: Session, actor: User, product_ids: Iterable[int]) -> dict[int, dict[str, Money]]:
    """{product id: {currency: list price}} for the visible products among `product_ids`, in one query."""
    ids = set(product_ids)
    result: dict[int, dict[str, Money]] = defaultdict(dict)
    if not ids:
        return result
    stmt = visible(select(ProductPrice), actor).where(ProductPrice.product_id.in_(ids)).order_by(ProductPrice.currency)
    for row in session.scalars(stmt):
        result[row.product_id][row.currency] = row.list_price
    return result


def product_query(actor: User, filters: ProductFilter):
    stmt = visible(select(Product), actor)
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(or_(*(column.icontains(text, autoescape=True)
                                for column in (Product.name, Product.sku, Product.family))))
    if filters.family:
        stmt = stmt.where(Product.family == filters.family)
    if filters.term:
        stmt = stmt.where(Product.term == filters.term)
    if filters.active is not None:
        stmt = stmt.where(Product.active.is_(filters.active))
    return stmt


def list_products(session: Session, actor: User, filters: ProductFilter, *, sort: str = "name",
                  page: int = 1, per_page: int = 25) -> Page[Product]:
    """Products the actor may see, filtered and sorted, a numbered page at a time."""
    column, descending = PRODUCT_SORTS.get(sort, PRODUCT_SORTS["name"])
    stmt = product_query(actor, filters).order_by(column.desc() if descending else column.asc(), Product.id)
    return paginate(session, stmt, page, per_page)


def families(session: Session, actor: User) -> list[str]:
    """Product families in use, for filters and the product form."""
    stmt = visible(select(Product.family), actor, Product).distinct().order_by(Product.family)
    return list(session.scalars(stmt))


def product_history(session: Session, actor: User, product_id: int, limit: int = 50) -> list[AuditEntry]:
    """Audit entries of the product and of its list prices, newest first."""
    product = get_product(session, actor, product_id)
    price_ids = select(ProductPrice.id).where(ProductPrice.product_id == product.id)
    stmt = select(AuditEntry).where(or_(
        (AuditEntry.entity_type == Product.__tablename__) & (AuditEntry.entity_id == product.id),
        (AuditEntry.entity_type == ProductPrice.__tablename__) & AuditEntry.entity_id.in_(price_ids),
    )).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(stmt))
