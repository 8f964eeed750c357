"""Tables of plans: a joint business plan per partner and fiscal year, its commitments by quarter, its revisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, TimestampedMixin, UTCDateTime, VersionedMixin


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


PLAN_STATUS_LABELS: dict[str, str] = {PlanStatus.DRAFT: "Draft", PlanStatus.SIGNED: "Signed", PlanStatus.SUPERSEDED: "Superseded"}


class Side(StrEnum):
    VENDOR = "vendor"
    PARTNER = "partner"


SIDE_LABELS: dict[str, str] = {Side.VENDOR: "Vendor", Side.PARTNER: "Partner"}


class CommitmentKind(StrEnum):
    BOOKINGS = "bookings"
    PIPELINE_CREATED = "pipeline_created"
    REGISTRATIONS = "registrations"
    CERTIFIED_PEOPLE = "certified_people"
    MARKETING_ACTIVITIES = "marketing_activities"
    CUSTOM = "custom"


KIND_LABELS: dict[str, str] = {
    CommitmentKind.BOOKINGS: "Bookings", CommitmentKind.PIPELINE_CREATED: "Pipeline created",
    CommitmentKind.REGISTRATIONS: "Deal registrations", CommitmentKind.CERTIFIED_PEOPLE: "Certified people",
    CommitmentKind.MARKETING_ACTIVITIES: "Marketing activities", CommitmentKind.CUSTOM: "Custom",
}
# Targets of these kinds are money in minor units of the reporting currency; the others are counts.
MONEY_KINDS = (CommitmentKind.BOOKINGS, CommitmentKind.PIPELINE_CREATED)
# Measured at a point in time (people holding a certification), not summed over the quarters.
LEVEL_KINDS = (CommitmentKind.CERTIFIED_PEOPLE,)


class BusinessPlan(VersionedMixin, Base):
    """A partner's joint business plan for one fiscal year. Signing locks it; a revision supersedes it.

    At most one plan per partner and year is not superseded (the active one): the service enforces it, and
    `active_key` (partner:year while active, NULL once superseded) makes the database refuse a second."""

    __tablename__ = "business_plans"
    __table_args__ = (
        Index("ix_business_plans_partner_year", "partner_id", "fiscal_year"),
        Index("ix_business_plans_year_status", "fiscal_year", "status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PlanStatus.DRAFT)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    active_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    objectives: Mapped[str] = mapped_column(Text, nullable=False, default="")
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year} plan, revision {self.revision}"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


class PlanCommitment(VersionedMixin, Base):
    """One commitment of a plan, by quarter: money (minor units of the reporting currency) or a count."""

    __tablename__ = "plan_commitments"
    __table_args__ = (
        CheckConstraint("q1_target >= 0 AND q2_target >= 0 AND q3_target >= 0 AND q4_target >= 0",
                        name="targets_not_negative"),
    )

    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    side: Mapped[str] = mapped_column(String(8), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    q1_target: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    q2_target: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    q3_target: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    q4_target: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Typed by staff for custom commitments only: nothing in Channelbase measures them.
    q1_actual: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    q2_actual: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    q3_actual: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    q4_actual: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    @property
    def targets(self) -> tuple[int, int, int, int]:
        return (self.q1_target, self.q2_target, self.q3_target, self.q4_target)

    @property
    def typed_actuals(self) -> tuple[int | None, int | None, int | None, int | None]:
        return (self.q1_actual, self.q2_actual, self.q3_actual, self.q4_actual)

    @property
    def is_money(self) -> bool:
        return self.kind in MONEY_KINDS

    @property
    def label(self) -> str:
        return self.description or KIND_LABELS.get(self.kind, self.kind)


class PlanRevision(TimestampedMixin, Base):
    """What a plan said when it was signed or revised: objectives and commitments as JSON, and who and why."""

    __tablename__ = "plan_revisions"
    __table_args__ = (Index("ix_plan_revisions_plan_revision", "plan_id", "revision"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="CASCADE"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)  # signed | revised
    snapshot: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
