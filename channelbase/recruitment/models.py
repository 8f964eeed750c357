"""Tables of recruitment: coverage targets per territory and partner type, each prospect's place in the
recruitment funnel with its stage history, the fit criteria, and the applications sent from the public form."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin


class Stage(StrEnum):
    IDENTIFIED = "identified"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    AGREEMENT_SENT = "agreement_sent"
    SIGNED = "signed"
    DECLINED = "declined"


# The funnel in order; "declined" leaves it from any stage.
FUNNEL: tuple[Stage, ...] = (Stage.IDENTIFIED, Stage.CONTACTED, Stage.QUALIFIED, Stage.AGREEMENT_SENT, Stage.SIGNED)
STAGES: tuple[Stage, ...] = (*FUNNEL, Stage.DECLINED)
STAGE_LABELS: dict[str, str] = {
    Stage.IDENTIFIED: "Identified", Stage.CONTACTED: "Contacted", Stage.QUALIFIED: "Qualified",
    Stage.AGREEMENT_SENT: "Agreement sent", Stage.SIGNED: "Signed", Stage.DECLINED: "Declined",
}


class Source(StrEnum):
    MANUAL = "manual"
    APPLICATION = "application"
    EVENT = "event"


SOURCE_LABELS: dict[str, str] = {Source.MANUAL: "Added by hand", Source.APPLICATION: "Application",
                                 Source.EVENT: "Event"}


class CoverageTarget(VersionedMixin, Base):
    """How many active (or onboarding) partners of a type the territory should have, sub-territories included."""

    __tablename__ = "coverage_targets"
    __table_args__ = (UniqueConstraint("territory_id", "partner_type"),
                      CheckConstraint("target >= 0", name="target_not_negative"))

    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), nullable=False)
    partner_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target: Mapped[int] = mapped_column(Integer, nullable=False)


class RecruitmentRecord(VersionedMixin, Base):
    """A prospective partner's place in the funnel, and what the fit score reads about it."""

    __tablename__ = "recruitment_records"
    __table_args__ = (Index("ix_recruitment_records_stage", "stage", "stage_changed_at"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, unique=True)
    stage: Mapped[str] = mapped_column(String(20), nullable=False, default=Stage.IDENTIFIED)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(12), nullable=False, default=Source.MANUAL)
    # Comma-separated, as typed: "Government, Healthcare"; "linux, kubernetes"; "AWS, Microsoft".
    industries: Mapped[str] = mapped_column(Text, nullable=False, default="")
    skills: Mapped[str] = mapped_column(Text, nullable=False, default="")
    vendors: Mapped[str] = mapped_column(Text, nullable=False, default="")
    employees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RecruitmentStageChange(Base):
    """One move in the funnel (the first row, from no stage, is the prospect's arrival): conversion and the
    time spent in each stage are computed from these."""

    __tablename__ = "recruitment_stage_changes"
    __table_args__ = (Index("ix_recruitment_stage_changes_partner", "partner_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    from_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_stage: Mapped[str] = mapped_column(String(20), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class FitCriterion(VersionedMixin, Base):
    """One criterion of the fit score: its weight, and what is wanted (comma-separated values or a number)."""

    __tablename__ = "fit_criteria"

    key: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    wanted: Mapped[str] = mapped_column(Text, nullable=False, default="")


class PartnerApplication(Base):
    """An application from the public form. The sender's address is kept only as a keyed hash, for the rate limit."""

    __tablename__ = "partner_applications"
    __table_args__ = (Index("ix_partner_applications_address", "address_hash", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), nullable=True,
                                                   index=True)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    domain: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    address_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
