"""Surveys (the fixed NPS question first, then up to five of the survey's own), the invitations sent to
partner contacts (by e-mail, or in the portal) and their answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from channelbase.core.base import Base, UTCDateTime, VersionedMixin


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    RATING = "rating"  # 1 to 5
    TEXT = "text"      # free text, up to 2000 characters


class Channel(StrEnum):
    EMAIL = "email"
    PORTAL = "portal"


MAX_EXTRA_QUESTIONS = 5


class Survey(VersionedMixin, Base):
    __tablename__ = "surveys"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    intro: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The survey's own questions after the fixed NPS one: [{"kind": "rating" | "text", "text": "..."}].
    questions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=SurveyStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SurveyInvitation(VersionedMixin, Base):
    """One contact asked to answer one survey; the link's secret is only in the e-mail, its digest here."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "contact_id"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False, index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="en")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False, default=Channel.EMAIL)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class SurveyAnswer(VersionedMixin, Base):
    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("nps >= 0 AND nps <= 10", name="nps_0_to_10"),
        # NPS by partner over a window: partner_nps reads these two columns.
        Index("ix_survey_answers_partner_answered", "partner_id", "answered_at"),
    )

    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id", ondelete="CASCADE"),
                                               unique=True, nullable=False)
    # Copied from the invitation so reports and visibility need no join.
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    nps: Mapped[int] = mapped_column(Integer, nullable=False)
    answers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # one per extra question: int | str
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    follow_up_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"),
                                                          nullable=True)
