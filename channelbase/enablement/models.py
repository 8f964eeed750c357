"""Courses, their sessions, who is enrolled (or waiting), and the certifications passing grants."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin


class CourseKind(StrEnum):
    SALES = "sales"
    PRESALES = "presales"
    TECHNICAL = "technical"


COURSE_KIND_LABELS = {CourseKind.SALES: "Sales", CourseKind.PRESALES: "Pre-sales", CourseKind.TECHNICAL: "Technical"}


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Result(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class Course(VersionedMixin, Base):
    __tablename__ = "courses"

    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="en")
    duration_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Passing grants a certification valid this many months; None: the course certifies nothing.
    certification_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class TrainingSession(VersionedMixin, Base):
    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_sessions_starts_at", "starts_at"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    location: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # a place, for classrooms
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # the link, for virtual sessions
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    trainer: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Enrolment(VersionedMixin, Base):
    """A partner's person in a session: enrolled, or waiting for a seat (first come, first served)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("session_id", "contact_id"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=EnrolmentStatus.ENROLLED)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    result: Mapped[str | None] = mapped_column(String(8), nullable=True)


class Certification(VersionedMixin, Base):
    __tablename__ = "certifications"
    __table_args__ = (Index("ix_certifications_expires_on", "expires_on"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), nullable=False)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"), nullable=True)
    certified_on: Mapped[date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The renewal task made for it, so the reminder is made once.
    reminder_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True)


class TierRequirement(VersionedMixin, Base):
    """The minimum a tier asks of one measure (bookings, won deals, certified people…), set by the program.
    A tier with no rows asks the defaults in channelbase/enablement/tiers.py."""

    __tablename__ = "tier_requirements"
    __table_args__ = (UniqueConstraint("tier", "key"), CheckConstraint("minimum >= 0", name="minimum_not_negative"))

    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    key: Mapped[str] = mapped_column(String(30), nullable=False)
    # Whole units: people, deals, or the reporting currency for bookings (large programs pass 2^31).
    minimum: Mapped[int] = mapped_column(BigInteger, nullable=False)
