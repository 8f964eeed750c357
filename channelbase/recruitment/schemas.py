"""What coverage targets, prospects, stage moves, fit inputs and fit criteria take, checked at the edge.
(The public application form has its own schema, in applications.py, with messages in the reader's language.)"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from channelbase.core.validation import domain_from_website
from channelbase.partners.models import PartnerType
from channelbase.partners.schemas import Country, Name, Strict
from channelbase.recruitment.models import Source, Stage

LIST_TEXT = 2000  # a comma-separated list: industries, skills, vendors, wanted values


def split_list(text: str | None) -> list[str]:
    """'Linux,  cloud ,,Kubernetes' -> ['Linux', 'cloud', 'Kubernetes'] (as typed, blanks dropped, no repeats)."""
    seen: dict[str, str] = {}
    for part in (text or "").split(","):
        value = " ".join(part.split())
        if value and value.lower() not in seen:
            seen[value.lower()] = value
    return list(seen.values())


def tidy_list(text: str | None) -> str:
    return ", ".join(split_list(text))


class TargetIn(Strict):
    territory_id: int
    partner_type: PartnerType
    target: int = Field(ge=0, le=100_000)
    version: int | None = None  # the version the editor saw, when the target existed already


class ProspectIn(Strict):
    name: Name
    type: PartnerType
    territory_id: int
    country: Country
    city: str = Field("", max_length=120)
    website: str = Field("", max_length=255)
    owner_id: int | None = None
    source: Source = Source.MANUAL
    notes: str = Field("", max_length=4000)
    industries: str = Field("", max_length=LIST_TEXT)
    skills: str = Field("", max_length=LIST_TEXT)
    vendors: str = Field("", max_length=LIST_TEXT)
    employees: int | None = Field(None, ge=1, le=10_000_000)

    @field_validator("industries", "skills", "vendors")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return tidy_list(value)

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        if value:
            domain_from_website(value)
        return value


class StageMoveIn(Strict):
    version: int
    stage: Stage
    # When the agreement was signed, for a move to "signed" (default: today).
    signed_on: date | None = None


class FitInputsIn(Strict):
    version: int
    industries: str = Field("", max_length=LIST_TEXT)
    skills: str = Field("", max_length=LIST_TEXT)
    vendors: str = Field("", max_length=LIST_TEXT)
    employees: int | None = Field(None, ge=1, le=10_000_000)
    notes: str = Field("", max_length=4000)

    @field_validator("industries", "skills", "vendors")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return tidy_list(value)


class CriterionIn(Strict):
    key: str
    weight: int = Field(ge=0, le=100)
    wanted: str = Field("", max_length=LIST_TEXT)
