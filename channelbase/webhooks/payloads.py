"""The `data` of each event: ids, names, the partner, amounts with their currency, and the object's URL.

Plain JSON values only: amounts as exact decimal strings plus minor units (never floats), dates as ISO
8601 text. Built inside the action's transaction, so a payload shows the row as the action left it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from channelbase.core.config import get_settings
from channelbase.core.money import Money
from channelbase.deals.models import Opportunity, Registration, Stage
from channelbase.partners.models import Partner


def url_of(path: str) -> str:
    """An absolute link into the app, from the configured public base URL."""
    return get_settings().base_url + path


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(amount_minor: int, currency: str) -> dict[str, Any]:
    return {"amount": str(Money.from_minor(amount_minor, currency).amount), "amount_minor": amount_minor,
            "currency": currency}


def partner_ref(session: Session, partner_id: int) -> dict[str, Any]:
    partner = session.get_one(Partner, partner_id)
    return {"id": partner.id, "name": partner.name, "url": url_of(f"/partners/{partner.id}")}


def registration(session: Session, row: Registration) -> dict[str, Any]:
    return {
        "registration": {
            "id": row.id, "reference": row.reference, "title": row.title, "status": row.status,
            "customer": {"name": row.customer_name, "country": row.customer_country},
            "amount": money(row.amount_minor, row.currency),
            "expected_close_date": _iso(row.expected_close_date), "submitted_at": _iso(row.submitted_at),
            "decided_at": _iso(row.decided_at), "decision_reason": row.decision_reason,
            "expires_on": _iso(row.expires_on), "url": url_of(f"/registrations/{row.id}"),
        },
        "partner": partner_ref(session, row.partner_id),
    }


def _stage(session: Session, stage_id: int | None) -> dict[str, Any] | None:
    stage = session.get(Stage, stage_id) if stage_id is not None else None
    return {"key": stage.key, "name": stage.name, "outcome": stage.outcome} if stage else None


def opportunity(session: Session, row: Opportunity, from_stage_id: int | None = None) -> dict[str, Any]:
    return {
        "opportunity": {
            "id": row.id, "name": row.name, "amount": money(row.amount_minor, row.currency),
            "close_date": _iso(row.close_date), "outcome": row.outcome, "probability": row.probability,
            "stage": _stage(session, row.stage_id), "previous_stage": _stage(session, from_stage_id),
            "registration_id": row.registration_id, "url": url_of(f"/opportunities/{row.id}"),
        },
        "partner": partner_ref(session, row.partner_id),
    }


def partner(row: Partner) -> dict[str, Any]:
    return {
        "partner": {
            "id": row.id, "name": row.name, "type": row.type, "tier": row.tier, "status": row.status,
            "country": row.country, "city": row.city, "website": row.website, "territory_id": row.territory_id,
            "url": url_of(f"/partners/{row.id}"),
        },
    }
