"""The catalogue's and FX rates' JSON API: products, list prices, rates, CSV import and conversion."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from channelbase.auth.models import User
from channelbase.core.api_errors import ERRORS
from channelbase.core.base import utcnow
from channelbase.core.money import Money
from channelbase.deals import fx, products
from channelbase.deals.fx import Conversion
from channelbase.deals.models import Product
from channelbase.deals.schemas import (
    ConversionOut, ImportReportOut, PriceIn, PriceOut, ProductCreate, ProductFilter, ProductOut, ProductUpdate,
    RateFilter, RateIn, RateOut, RowErrorOut,
)
from channelbase.partners.api import NumberedPage
from channelbase.web.deps import ApiActor, SessionDep

router = APIRouter(responses=ERRORS)


def api_admin(actor: ApiActor) -> User:
    """Checked before the request body, so a refused role hears 403 rather than 'invalid body'."""
    fx.require_admin(actor, "change the product catalogue or FX rates")
    return actor


def api_staff(actor: ApiActor) -> User:
    fx.require_staff(actor, "see FX rates and conversions")
    return actor


AdminActor = Annotated[User, Depends(api_admin)]
StaffActor = Annotated[User, Depends(api_staff)]


class ProductQuery(ProductFilter):
    page: int = Field(1, ge=1)
    limit: int = Field(50, ge=1, le=200)


class RateQuery(RateFilter):
    page: int = Field(1, ge=1)
    limit: int = Field(100, ge=1, le=500)


class RateImportRejected(BaseModel):
    """A 422 of the import: `errors` lists the bad rows, or maps fields to messages like any other 422."""

    detail: str
    errors: list[RowErrorOut] | dict[str, str] | None = None
    link: str | None = None


def _product_out(product: Product, prices: dict[str, Money]) -> ProductOut:
    out = ProductOut.model_validate(product)
    out.prices = [PriceOut.of(money) for money in prices.values()]
    return out


def _with_prices(db, actor: User, product: Product) -> ProductOut:
    return _product_out(product, products.prices_for(db, actor, [product.id]).get(product.id, {}))


def conversion_out(conversion: Conversion) -> ConversionOut:
    return ConversionOut(amount=conversion.original.amount, currency=conversion.original.currency,
                         on_date=conversion.on_date, amount_reporting=conversion.amount_reporting.amount,
                         reporting_currency=conversion.amount_reporting.currency, rate=conversion.rate,
                         rate_date=conversion.rate_date, source=conversion.source, text=conversion.describe())


# Products ---------------------------------------------------------------------------------------

@router.get("/products", response_model=NumberedPage[ProductOut], tags=["products"])
def list_products(db: SessionDep, actor: ApiActor, query: Annotated[ProductQuery, Query()]):
    """Products you may see (partner users and managers: the active ones), with their list prices."""
    page = products.list_products(db, actor, query, page=query.page, per_page=query.limit)
    prices = products.prices_for(db, actor, [p.id for p in page.items])
    return {"items": [_product_out(p, prices.get(p.id, {})) for p in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page, "next_page": page.page + 1 if page.has_next else None}


@router.post("/products", response_model=ProductOut, status_code=201, tags=["products"])
def create_product(db: SessionDep, actor: AdminActor, data: ProductCreate, request: Request, response: Response):
    """Add a product (admins only); 409 with a link when the SKU exists."""
    product = products.create_product(db, actor, data)
    response.headers["Location"] = request.app.url_path_for("get_product", product_id=product.id)
    return _product_out(product, {})


@router.get("/products/{product_id}", response_model=ProductOut, tags=["products"])
def get_product(db: SessionDep, actor: ApiActor, product_id: int):
    """One product with its list prices."""
    return _with_prices(db, actor, products.get_product(db, actor, product_id))


@router.patch("/products/{product_id}", response_model=ProductOut, tags=["products"])
def update_product(db: SessionDep, actor: AdminActor, product_id: int, data: ProductUpdate):
    """Change the fields given (`active: false` takes it off the catalogue); send the `version` you read."""
    return _with_prices(db, actor, products.update_product(db, actor, product_id, data))


@router.put("/products/{product_id}/prices/{currency}", response_model=PriceOut, tags=["products"])
def set_price(db: SessionDep, actor: AdminActor, product_id: int, currency: str, data: PriceIn):
    """Set the list price in a currency; send the amount as text ("1234.56"), never a JSON float."""
    row = products.set_price(db, actor, product_id, products.price_from(data, currency))
    return PriceOut.of(row.list_price)


# FX rates ---------------------------------------------------------------------------------------

@router.get("/fx-rates", response_model=NumberedPage[RateOut], tags=["fx rates"])
def list_rates(db: SessionDep, actor: StaffActor, query: Annotated[RateQuery, Query()]):
    """Rates to the reporting currency, newest first; filter by currency and date range."""
    page = fx.list_rates(db, actor, query, page=query.page, per_page=query.limit)
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "next_page": page.page + 1 if page.has_next else None}


@router.post("/fx-rates", response_model=RateOut, status_code=201, tags=["fx rates"])
def set_rate(db: SessionDep, actor: AdminActor, data: RateIn):
    """Enter the rate of a currency from a date (replaces the rate of that same date); admins only."""
    return fx.set_rate(db, actor, data.currency, data.effective_date, data.rate, decimal_comma=data.decimal_comma)


@router.post("/fx-rates/import", response_model=ImportReportOut, tags=["fx rates"],
             responses={422: {"model": RateImportRejected, "description": "Bad rows; nothing was saved"}})
def import_rates(db: SessionDep, actor: AdminActor, file: Annotated[UploadFile, File()], dry_run: bool = False):
    """Load a CSV of currency,date,rate all-or-nothing; 422 lists every bad row and column and saves nothing."""
    content, name = file.file.read(), file.filename or "upload.csv"
    if dry_run:
        return fx.check_rates_csv(db, actor, content, name)
    try:
        return fx.load_rates_csv(db, actor, content, name)
    except fx.RatesRejected as exc:
        errors = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.report.errors]
        return JSONResponse({"detail": exc.message, "errors": errors, "link": None}, status_code=422)


@router.get("/fx-rates/convert", response_model=ConversionOut, tags=["fx rates"])
def convert(db: SessionDep, actor: StaffActor, amount: str, currency: str,
            on_date: Annotated[date | None, Query(alias="date")] = None, decimal_comma: bool | None = None):
    """Convert an amount to the reporting currency at the rate effective on `date` (default today), naming the rate."""
    money = Money.parse(amount, currency, decimal_comma=decimal_comma)
    return conversion_out(fx.convert(db, money, on_date or utcnow().date()))
