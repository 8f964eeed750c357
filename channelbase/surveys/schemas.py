"""What surveys, sending and the NPS report take, checked at the edge. Answers are checked in answering.py:
their messages are shown to partners in their own language."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from channelbase.partners.models import ContactRole, PartnerTier, PartnerType
from channelbase.partners.schemas import Strict
from channelbase.surveys.models import MAX_EXTRA_QUESTIONS, Channel, QuestionKind


class QuestionIn(Strict):
    kind: QuestionKind
    text: str = Field(min_length=1, max_length=300)


class SurveyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    intro: str = Field("", max_length=2000)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_EXTRA_QUESTIONS)


class SurveyUpdate(SurveyIn):
    version: int


class Audience(StrEnum):
    PRIMARY = "primary"  # each partner's primary contact
    ALL = "all"          # every contact, optionally of one role


class SendIn(Strict):
    """Which partners (the visible ones matching the filters) and which of their contacts to ask."""

    survey_id: int
    territory_id: int | None = None
    type: PartnerType | None = None
    tier: PartnerTier | None = None
    audience: Audience = Audience.PRIMARY
    role: ContactRole | None = None
    channel: Channel = Channel.EMAIL


class NpsFilter(Strict):
    territory_id: int | None = None
    type: PartnerType | None = None
    tier: PartnerTier | None = None
    survey_id: int | None = None
    quarters: int = Field(4, ge=1, le=12)


def questions_from_form(data: dict[str, Any]) -> list[dict[str, str]]:
    """The survey form's question rows (q1_text, q1_kind … q5_…), blank rows left out."""
    rows = []
    for number in range(1, MAX_EXTRA_QUESTIONS + 1):
        text = str(data.get(f"q{number}_text") or "").strip()
        if text:
            rows.append({"text": text, "kind": str(data.get(f"q{number}_kind") or QuestionKind.RATING)})
    return rows


def survey_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": data.get("name") or "", "intro": data.get("intro") or "",
                              "questions": questions_from_form(data)}
    if "version" in data:
        fields["version"] = data.get("version")
    return fields
