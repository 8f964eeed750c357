"""What courses, sessions, enrolments and results take, checked at the edge."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from channelbase.core.i18n import LANGUAGES
from channelbase.enablement.models import CourseKind, Result
from channelbase.partners.schemas import Strict


class CourseIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: CourseKind
    language: str = "en"
    duration_hours: int = Field(ge=1, le=200)
    description: str = Field("", max_length=4000)
    certification_months: int | None = Field(None, ge=1, le=60)

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("choose en, es or pt")
        return value


class SessionIn(Strict):
    course_id: int
    starts_at: datetime  # local time in `timezone` when given without an offset
    timezone: str = Field("UTC", max_length=64)
    capacity: int = Field(ge=1, le=10_000)
    location: str = Field("", max_length=300)
    url: str = Field("", max_length=500)
    trainer: str = Field("", max_length=200)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone: use a name such as America/Sao_Paulo") from None
        return value

    @field_validator("url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("the link must start with https://")
        return value

    @model_validator(mode="after")
    def _somewhere(self) -> SessionIn:
        if not self.location.strip() and not self.url.strip():
            raise ValueError("give the place, or the link of a virtual session")
        return self


class EnrolIn(Strict):
    contact_id: int


class ResultIn(Strict):
    version: int
    attended: bool
    result: Result | None = None

    @model_validator(mode="after")
    def _attended_first(self) -> ResultIn:
        if self.result is not None and not self.attended:
            raise ValueError("only someone who attended passes or fails")
        return self
