"""Onboarding journeys: templates of steps, and each partner's journey with its own copy of the steps."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin


class StepRule(StrEnum):
    """What ticks a step by itself; a step without a rule is ticked by staff."""

    AGREEMENT_SIGNED = "agreement_signed"
    PORTAL_USERS_INVITED = "portal_users_invited"
    SALES_TRAINING_PASSED = "sales_training_passed"
    PRESALES_TRAINING_PASSED = "presales_training_passed"
    FIRST_REGISTRATION = "first_registration"
    FIRST_QBR = "first_qbr"


RULE_LABELS: dict[str, str] = {
    StepRule.AGREEMENT_SIGNED: "Agreement signed (ticked at start when the signing date is known)",
    StepRule.PORTAL_USERS_INVITED: "A portal user exists for the partner",
    StepRule.SALES_TRAINING_PASSED: "A sales course passed or certified",
    StepRule.PRESALES_TRAINING_PASSED: "A pre-sales course passed or certified",
    StepRule.FIRST_REGISTRATION: "The partner's first deal registration",
    StepRule.FIRST_QBR: "A QBR activity logged with the partner",
}


class JourneyTemplate(VersionedMixin, Base):
    __tablename__ = "journey_templates"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # None: fits a partner of any type (used when no template names the partner's type).
    partner_type: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class JourneyTemplateStep(Base):
    __tablename__ = "journey_template_steps"
    __table_args__ = (UniqueConstraint("template_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("journey_templates.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    rule: Mapped[str | None] = mapped_column(String(40), nullable=True)


class PartnerJourney(VersionedMixin, Base):
    __tablename__ = "partner_journeys"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, unique=True)
    # The template the steps were copied from; None: the built-in default steps.
    template_id: Mapped[int | None] = mapped_column(ForeignKey("journey_templates.id", ondelete="SET NULL"),
                                                    nullable=True)
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)


class PartnerJourneyStep(VersionedMixin, Base):
    """A journey's own copy of a template step, so editing the template never rewrites running journeys."""

    __tablename__ = "partner_journey_steps"
    __table_args__ = (UniqueConstraint("journey_id", "position"),)

    journey_id: Mapped[int] = mapped_column(ForeignKey("partner_journeys.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    rule: Mapped[str | None] = mapped_column(String(40), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who ticked it; None while done means the step ticked itself from the evidence.
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
