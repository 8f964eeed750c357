"""Webhook subscriptions (where to send which events) and deliveries (the outbox and its log)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin, utcnow

ALL_EVENTS = "*"  # in `events`: every event, including ones added later


class DeliveryStatus(StrEnum):
    PENDING = "pending"      # waiting for its first attempt or its next retry
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"        # out of attempts, or the receiver answered 410 Gone


class WebhookSubscription(VersionedMixin, Base):
    """A receiver URL and the events it wants; payloads are signed with its secret."""

    __tablename__ = "webhook_subscriptions"

    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    events: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # event names, or [ALL_EVENTS]
    # Kept as is (signing needs it); left out of exports and audit entries, shown once when created.
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    paused_reason: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class WebhookDelivery(Base):
    """One event for one subscription: pending until delivered, or failed after its last attempt.

    While a worker sends it, the row stays pending with `next_attempt_at` pushed a lease ahead, so a
    worker that dies mid-send leaves it due again later rather than stuck."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_log", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
                                                 nullable=False)
    event: Mapped[str] = mapped_column(String(60), nullable=False)
    event_id: Mapped[str] = mapped_column(String(32), nullable=False)  # uuid4 hex: receivers dedupe on it
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)        # the event's `data`
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
