"""Activities with partners, tasks, contact-cadence rules, calendar feeds and the background job queue."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, UTCDateTime, VersionedMixin, utcnow


class ActivityType(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    QBR = "qbr"
    TRAINING = "training"
    EVENT = "event"
    NOTE = "note"


ACTIVITY_LABELS: dict[str, str] = {
    ActivityType.CALL: "Call", ActivityType.MEETING: "Meeting", ActivityType.EMAIL: "E-mail",
    ActivityType.QBR: "QBR", ActivityType.TRAINING: "Training", ActivityType.EVENT: "Event",
    ActivityType.NOTE: "Note",
}

# Scheduled ahead and shown in "this week" and the calendar feed; the others record what happened.
CALENDAR_TYPES = (ActivityType.MEETING, ActivityType.QBR, ActivityType.TRAINING, ActivityType.EVENT)

activity_contacts = Table(
    "activity_contacts", Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(VersionedMixin, Base):
    """A touch with a partner: a call, meeting, e-mail, QBR, training, event or note.

    `occurred_at` may lie ahead (a planned meeting or event); it counts towards cadence once it has passed."""

    __tablename__ = "activities"
    __table_args__ = (
        # The cadence's "last qualifying touch": walk one partner's touches backwards from now.
        Index("ix_activities_partner_occurred", "partner_id", "occurred_at", "type"),
        # My day's "this week" and the calendar feed: one user's scheduled activities by date.
        Index("ix_activities_owner_occurred", "owner_id", "occurred_at"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    type: Mapped[str] = mapped_column(String(10), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_step: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"), nullable=True, index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), nullable=True, index=True)

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS.get(self.type, self.type)


class Task(VersionedMixin, Base):
    """Something someone has to do by a date, often the next step of an activity."""

    __tablename__ = "tasks"
    __table_args__ = (
        # My day: one assignee's open tasks, soonest first.
        Index("ix_tasks_assignee_open_due", "assignee_id", "done_at", "due_on"),
        Index("ix_tasks_partner", "partner_id", "done_at"),
    )

    title: Mapped[str] = mapped_column(String(300), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"), nullable=True, index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), nullable=True, index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    snoozes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CadenceRule(VersionedMixin, Base):
    """How often partners matching some criteria must be contacted, and which activity types count.

    A criterion left empty matches every partner; a partner follows the matching rule with the most
    criteria set (ties: the rule of the deeper territory, then the shortest interval, then the oldest)."""

    __tablename__ = "cadence_rules"

    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    every_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # Comma-separated ActivityType values, e.g. "call,meeting".
    counted_types: Mapped[str] = mapped_column(String(120), nullable=False)
    partner_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    is_priority: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t in self.counted_types.split(",") if t)

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.partner_type, self.tier, self.is_priority, self.territory_id))


class CalendarFeed(TimestampedMixin, Base):
    """A user's private iCalendar URL. Only the token's hash is kept; revoking ends the URL."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One unit of background work. `key` is unique, so a job scheduled twice (two workers, two web
    processes) exists once; claiming flips pending→running in one statement, so it runs once."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=JobStatus.PENDING)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
