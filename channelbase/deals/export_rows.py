"""Rows of the deal exports (registrations, the pipeline list, products, FX rates): the list pages' own
queries, filters and sort, every matching row, with the names the pages show instead of ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.base import utcnow
from channelbase.core.batches import Enricher, RowSource, query_source
from channelbase.core.money import Money
from channelbase.deals import fx, pipeline_views, products as product_service, registration_views, registrations as regs
from channelbase.deals.deal_schemas import OpportunityFilter, RegistrationFilter
from channelbase.deals.models import FxRate, Opportunity, Product, ProductPrice, Registration, Stage
from channelbase.deals.opportunities import OPPORTUNITY_SORTS, is_stalled, opportunity_query
from channelbase.deals.pipeline_views import OpportunityNames
from channelbase.deals.products import PRODUCT_SORTS, product_query
from channelbase.deals.registrations import REGISTRATION_SORTS, Sla, registration_query
from channelbase.deals.schemas import ProductFilter, RateFilter
from channelbase.partners.common import require_staff
from channelbase.partners.export_rows import territory_names

RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class RegistrationRow:
    registration: Registration
    status: str  # as the list shows it: an approved registration past its expiry date is expired
    sla: Sla
    partner: str | None
    distributor: str | None
    territory: str | None

    @property
    def sla_state(self) -> str:
        """The list's SLA column in a word."""
        if self.sla.overdue:
            return "Overdue"
        return {True: "Met", False: "Missed"}.get(self.sla.met, "Due")  # type: ignore[arg-type]

    @property
    def needs_review(self) -> bool:
        return regs.needs_review(self.registration)


@dataclass(frozen=True)
class OpportunityRow:
    opportunity: Opportunity
    names: OpportunityNames | None
    stage: Stage | None
    territory: str | None
    stalled: bool

    @property
    def partner(self) -> str | None:
        return self.names.partner if self.names else None

    @property
    def account(self) -> str | None:
        return self.names.account if self.names else None

    @property
    def distributor(self) -> str | None:
        return self.names.distributor if self.names else None

    @property
    def owner(self) -> str | None:
        return self.names.owner if self.names else None

    @property
    def stage_name(self) -> str | None:
        return self.stage.name if self.stage else None


@dataclass(frozen=True)
class ProductRow:
    product: Product
    prices: dict[str, Money]

    def price(self, currency: str) -> Decimal | None:
        found = self.prices.get(currency)
        return found.amount if found is not None else None


def registrations(actor: User, filters: RegistrationFilter, sort: str, now: datetime | None = None) -> RowSource:
    """The registrations of the list page with these filters, in its order (`list_registrations`)."""
    now = now or utcnow()
    column, descending = REGISTRATION_SORTS.get(sort, REGISTRATION_SORTS["submitted"])
    stmt = registration_query(actor, filters, now).order_by(column.desc() if descending else column.asc(),
                                                           Registration.id.desc())

    def enricher(session: Session) -> Enricher:
        territories = territory_names(session, actor)

        def rows(batch: Sequence[Registration]) -> Iterator[RegistrationRow]:
            names = registration_views.names_of(session, actor, batch)
            return (RegistrationRow(r, regs.effective_status(r, now.date()), regs.sla_of(r, now), names.get(r.partner_id),
                                    names.get(r.distributor_id) if r.distributor_id else None,
                                    territories.get(r.territory_id)) for r in batch)
        return rows

    return query_source(stmt, enricher)


def opportunities(actor: User, filters: OpportunityFilter, sort: str, now: datetime | None = None) -> RowSource:
    """The deals of the pipeline list with these filters, in its order (`list_opportunities`)."""
    now = now or utcnow()
    column, descending = OPPORTUNITY_SORTS.get(sort, OPPORTUNITY_SORTS["close"])
    stmt = opportunity_query(actor, filters, now).order_by(column.desc() if descending else column.asc(),
                                                           Opportunity.id)

    def enricher(session: Session) -> Enricher:
        territories = territory_names(session, actor)
        stages = pipeline_views.stages_by_id(session)

        def rows(batch: Sequence[Opportunity]) -> Iterator[OpportunityRow]:
            names = pipeline_views.names_of(session, actor, (o.id for o in batch))
            return (OpportunityRow(o, names.get(o.id), stages.get(o.stage_id), territories.get(o.territory_id),
                                   is_stalled(o, now)) for o in batch)
        return rows

    return query_source(stmt, enricher)


def price_currencies(session: Session, actor: User) -> list[str]:
    """Currencies of the list prices the actor may see: one price column each in the product export."""
    stmt = visible(select(ProductPrice.currency), actor, ProductPrice).distinct().order_by(ProductPrice.currency)
    return list(session.scalars(stmt))


def products(actor: User, filters: ProductFilter, sort: str) -> RowSource:
    """The products of the catalogue page with these filters, in its order (`products.list_products`)."""
    column, descending = PRODUCT_SORTS.get(sort, PRODUCT_SORTS["name"])
    stmt = product_query(actor, filters).order_by(column.desc() if descending else column.asc(), Product.id)

    def enricher(session: Session) -> Enricher:
        def rows(batch: Sequence[Product]) -> Iterator[ProductRow]:
            prices = product_service.prices_for(session, actor, (p.id for p in batch))
            return (ProductRow(p, dict(prices.get(p.id, {}))) for p in batch)
        return rows

    return query_source(stmt, enricher)


def fx_rates(actor: User, filters: RateFilter) -> RowSource:
    """The rates of the FX page with these filters, newest date first (as `fx.list_rates`)."""
    require_staff(actor, "see FX rates")
    stmt = visible(select(FxRate), actor).where(FxRate.quote_currency == fx.reporting_currency())
    if filters.currency:
        stmt = stmt.where(FxRate.currency == filters.currency)
    if filters.date_from:
        stmt = stmt.where(FxRate.effective_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(FxRate.effective_date <= filters.date_to)
    # Each rate is its own row: the batch needs no names.
    return query_source(stmt.order_by(FxRate.effective_date.desc(), FxRate.currency), lambda _session: iter)


def rate(value: Decimal) -> Decimal:
    """A stored rate without its storage padding (0.186400000000 -> 0.1864)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def inverse_rate(value: Decimal) -> Decimal | None:
    """Units of the currency per unit of the reporting currency, to 4 places as the page shows it."""
    return (1 / value).quantize(RATE_PLACES) if value else None
