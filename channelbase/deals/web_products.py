"""Product pages: the searchable catalogue, a product with its list prices, admin forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Conflict, InvalidInput, StaleEdit
from channelbase.deals import export_rows, fx, products
from channelbase.core.money import Money
from channelbase.deals.models import Product, ProductPrice, ProductTerm
from channelbase.deals.products import PRODUCT_SORTS
from channelbase.deals.schemas import PriceIn, ProductCreate, ProductFilter, ProductUpdate
from channelbase.partners.web_common import (
    CURRENCIES, attempt, form, list_links, list_page, page_args, parse_filters, redirect, values_of,
)
from channelbase.web import exports
from channelbase.web.deps import AdminActor, CurrentActor, SessionDep, render
from channelbase.web.exports import Column, field
from channelbase.web.forms import parse

router = APIRouter()

PRODUCT_FIELDS = tuple(ProductCreate.model_fields)
NEW_PRODUCT_DEFAULTS = {"term": "annual", "is_subscription": True, "active": True}
ProductForm = Annotated[dict[str, Any], form(booleans=("is_subscription", "active"))]
# No `booleans`: an unticked "decimal comma" box must mean "not said" (ambiguous input refused), not "decimal point".
PriceForm = Annotated[dict[str, Any], form()]


def choices(db: Session, actor: User) -> dict[str, Any]:
    """Option lists of the product pages."""
    families = products.families(db, actor)
    return {"term_options": [(t.value, t.value.capitalize()) for t in ProductTerm],
            "families": families, "family_options": [(f, f) for f in families], "currencies": CURRENCIES,
            "reporting_currency": fx.reporting_currency()}


@router.get("/products", include_in_schema=False)
def product_list(request: Request, db: SessionDep, actor: CurrentActor):
    filters, problem = parse_filters(ProductFilter, request)
    args = page_args(request, PRODUCT_SORTS)
    page = None if problem else products.list_products(db, actor, filters, **args)
    context = {**choices(db, actor), **list_links(request, PRODUCT_SORTS, args["sort"]),
               "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "filtered": filters != ProductFilter(),
               "prices": products.prices_for(db, actor, [p.id for p in page.items] if page else [])}
    return list_page(request, "deals/products.html", "deals/_product_table.html", context, problem)


@router.get("/products/export", include_in_schema=False)
def export_products(request: Request, db: SessionDep, actor: CurrentActor):
    """Every product the catalogue shows with these filters and sort, with a list-price column per currency."""
    filters, problem = parse_filters(ProductFilter, request)
    if problem:
        raise problem
    source = export_rows.products(actor, filters, page_args(request, PRODUCT_SORTS)["sort"])
    columns = [field("ID", "product.id"), field("SKU", "product.sku"), field("Name", "product.name"),
               field("Family", "product.family"), Column("Term", lambda r: r.product.term.capitalize()),
               field("Subscription", "product.is_subscription"), field("Active", "product.active"),
               *(_price_column(currency) for currency in export_rows.price_currencies(db, actor))]
    return exports.respond(request, db, actor, "products", columns, source)


def _price_column(currency: str) -> Column:
    return Column(f"List price {currency}", lambda row: row.price(currency))


@router.get("/products/new", include_in_schema=False)
def new_product(request: Request, db: SessionDep, actor: AdminActor):
    return _product_form(request, db, actor, dict(NEW_PRODUCT_DEFAULTS))


@router.post("/products", include_in_schema=False)
def create_product(request: Request, db: SessionDep, actor: AdminActor, data: ProductForm):
    product, error = attempt(db, lambda: products.create_product(db, actor, parse(ProductCreate, data)))
    if error:
        return _product_form(request, db, actor, data, error)
    assert product is not None  # attempt() returns the result when there is no error
    return redirect(f"/products/{product.id}")


@router.get("/products/{product_id}", include_in_schema=False)
def product_detail(request: Request, db: SessionDep, actor: CurrentActor, product_id: int):
    product = products.get_product(db, actor, product_id)
    return render(request, "deals/product_detail.html", _detail_context(db, actor, product))


@router.get("/products/{product_id}/edit", include_in_schema=False)
def edit_product(request: Request, db: SessionDep, actor: AdminActor, product_id: int):
    product = products.get_product(db, actor, product_id)
    return _product_form(request, db, actor, _stored(product), product=product)


@router.post("/products/{product_id}", include_in_schema=False)
def update_product(request: Request, db: SessionDep, actor: AdminActor, product_id: int, data: ProductForm):
    product = products.get_product(db, actor, product_id)
    _, error = attempt(db, lambda: products.update_product(db, actor, product_id, parse(ProductUpdate, data)))
    if error is None:
        return redirect(f"/products/{product_id}")
    values = _stored(products.get_product(db, actor, product_id)) if isinstance(error, StaleEdit) else data
    return _product_form(request, db, actor, values, error, product=product)


@router.post("/products/{product_id}/prices", include_in_schema=False)
def set_price(request: Request, db: SessionDep, actor: AdminActor, product_id: int, data: PriceForm):
    product = products.get_product(db, actor, product_id)
    currency = str(data.pop("currency", ""))
    _, error = attempt(db, lambda: products.set_price(
        db, actor, product_id, products.price_from(parse(PriceIn, data), currency)))
    if error is None:
        return redirect(f"/products/{product_id}#prices")
    context = _detail_context(db, actor, products.get_product(db, actor, product.id),
                              price_values={**data, "currency": currency}, price_error=error)
    return render(request, "deals/product_detail.html", context, status_code=error.status)


def _detail_context(db: Session, actor: User, product: Product, **extra: Any) -> dict[str, Any]:
    return {**choices(db, actor), "product": product,
            "prices": products.prices_for(db, actor, [product.id]).get(product.id, {}),
            "history": [(entry, _price_change(entry)) for entry in products.product_history(db, actor, product.id)],
            "price_values": {}, "price_error": None, **extra}


def _price_change(entry: AuditEntry) -> str | None:
    """'BRL list price: BRL 1,200.00 → BRL 1,290.00' for a price entry; None for the product's own entries."""
    if entry.entity_type != ProductPrice.__tablename__ or not entry.after:
        return None
    currency = entry.after["currency"]
    old = (entry.before or {}).get("list_price_minor")
    before = Money.from_minor(old, currency).format() if old is not None else "—"
    return f"{currency} list price: {before} → {Money.from_minor(entry.after['list_price_minor'], currency).format()}"


def _stored(product: Product) -> dict[str, Any]:
    return {**values_of(product, PRODUCT_FIELDS), "version": product.version}


def _product_form(request: Request, db: Session, actor: User, values: dict[str, Any],
                  error: InvalidInput | Conflict | None = None, *, product: Product | None = None):
    context = {**choices(db, actor), "values": values, "product": product, "error": error,
               "errors": error.field_errors if error else {}}
    return render(request, "deals/product_form.html", context, status_code=error.status if error else 200)
