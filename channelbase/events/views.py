"""Read helpers for the event pages: form values of a stored event, and the names and options they show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.deals import products
from channelbase.deals.schemas import ProductFilter
from channelbase.events.models import Event
from channelbase.partners import service as partners

EVENT_FIELDS = ("name", "kind", "starts_on", "ends_on", "place", "url", "currency", "cost", "territory_id",
                "owner_id", "description", "version")


def event_form_values(event: Event) -> dict[str, Any]:
    """The edit form's values of a stored event (the cost as exact text, e.g. '1500.00')."""
    values = {name: getattr(event, name) for name in EVENT_FIELDS if name != "cost"}
    values["cost"] = str(event.cost.amount)
    values["starts_on"], values["ends_on"] = event.starts_on.isoformat(), event.ends_on.isoformat()
    return values


def product_options(session: Session, actor: User) -> list[tuple[int, str]]:
    page = products.list_products(session, actor, ProductFilter(active=True), per_page=200)
    return [(product.id, f"{product.sku} — {product.name}") for product in page.items]


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    return partners.staff_names(session, ids)


def partner_names(session: Session, actor: User, ids: Iterable[int | None]) -> dict[int | None, str]:
    return partners.partner_names(session, actor, ids)
