"""The vendor's news for partners, shown on their portal home in their language."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import audit, i18n
from channelbase.core.errors import NotFound
from channelbase.deals.fx import require_staff
from channelbase.partners.models import PartnerType
from channelbase.portal.models import Announcement


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=4000)
    language: str | None = None  # None: every partner user
    partner_type: PartnerType | None = None  # None: every partner
    published_on: date
    expires_on: date | None = None

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in i18n.LANGUAGES:
            raise ValueError("choose en, es or pt, or leave empty for everyone")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> AnnouncementIn:
        if self.expires_on is not None and self.expires_on < self.published_on:
            raise ValueError("the end date is before the publication date")
        return self


def publish(session: Session, actor: User, data: AnnouncementIn) -> Announcement:
    require_staff(actor, "publish announcements")
    announcement = Announcement(**data.model_dump(), created_by_id=actor.id)
    session.add(announcement)
    session.flush()
    audit.record(session, actor, "create", announcement, None)
    return announcement


def withdraw(session: Session, actor: User, announcement_id: int) -> None:
    require_staff(actor, "withdraw announcements")
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(f"No announcement #{announcement_id}.")
    before = audit.snapshot(announcement)
    session.delete(announcement)
    audit.record(session, actor, "delete", announcement, before)


def list_announcements(session: Session, actor: User) -> list[Announcement]:
    require_staff(actor, "list announcements")
    return list(session.scalars(select(Announcement).order_by(Announcement.published_on.desc(),
                                                              Announcement.id.desc()).limit(200)))
