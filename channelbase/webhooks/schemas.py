"""Input shapes of webhook subscriptions; the service checks the URL and the event names."""

from __future__ import annotations

from pydantic import Field

from channelbase.partners.schemas import Strict
from channelbase.webhooks.models import DeliveryStatus


class SubscriptionIn(Strict):
    url: str = Field(min_length=1, max_length=2000)
    description: str = Field("", max_length=200)
    events: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True


class SubscriptionUpdate(SubscriptionIn):
    version: int


class DeliveryFilter(Strict):
    status: DeliveryStatus | None = None
