"""Pydantic input and output shapes of activities, tasks and cadence rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from channelbase.engagement.models import ActivityType
from channelbase.partners.models import PartnerTier, PartnerType
from channelbase.partners.schemas import Strict

Summary = Annotated[str, Field(min_length=1, max_length=500)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(max_length=4000)]
NextStep = Annotated[str, Field(max_length=300)]
# Static bounds; "not in the distant past" for due dates depends on today and is the service's rule.
TaskDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
EveryDays = Annotated[int, Field(ge=1, le=365)]


class ActivityCreate(Strict):
    partner_id: int
    type: ActivityType
    summary: Summary
    occurred_at: datetime | None = None  # default: now
    outcome: LongText = ""
    next_step: NextStep = ""
    next_step_due: TaskDate | None = None  # with a next step: it becomes a task due that day
    contact_ids: list[int] = Field(default_factory=list, max_length=20)
    opportunity_id: int | None = None
    registration_id: int | None = None


class ActivityUpdate(Strict):
    version: int
    type: ActivityType | None = None
    summary: Summary | None = None
    occurred_at: datetime | None = None
    outcome: LongText | None = None
    next_step: NextStep | None = None


class ActivityFilter(Strict):
    partner_id: int | None = None
    type: ActivityType | None = None
    owner_id: int | None = None
    opportunity_id: int | None = None
    registration_id: int | None = None
    since: date | None = None
    until: date | None = None
    q: str | None = Field(None, max_length=100)


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    partner_id: int
    type: str
    occurred_at: datetime
    summary: str
    outcome: str
    next_step: str
    owner_id: int | None
    opportunity_id: int | None
    registration_id: int | None
    version: int


class TaskCreate(Strict):
    title: Title
    due_on: TaskDate
    assignee_id: int | None = None  # default: the actor
    notes: LongText = ""
    partner_id: int | None = None
    opportunity_id: int | None = None
    registration_id: int | None = None


class TaskUpdate(Strict):
    version: int
    title: Title | None = None
    due_on: TaskDate | None = None
    assignee_id: int | None = None
    notes: LongText | None = None


class SnoozeIn(Strict):
    version: int
    days: int | None = Field(None, ge=1, le=90)
    until: TaskDate | None = None


class TaskFilter(Strict):
    assignee_id: int | None = None
    partner_id: int | None = None
    opportunity_id: int | None = None
    registration_id: int | None = None
    state: str | None = Field(None, pattern=r"^(open|done|overdue|all)$")
    due_before: date | None = None
    q: str | None = Field(None, max_length=100)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    notes: str
    due_on: date
    assignee_id: int
    partner_id: int | None
    opportunity_id: int | None
    registration_id: int | None
    activity_id: int | None
    done_at: datetime | None
    snoozes: int
    version: int


class CadenceRuleIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    every_days: EveryDays
    counted_types: list[ActivityType] = Field(min_length=1)
    partner_type: PartnerType | None = None
    tier: PartnerTier | None = None
    is_priority: bool | None = None
    territory_id: int | None = None
    active: bool = True

    @field_validator("counted_types")
    @classmethod
    def _distinct(cls, value: list[ActivityType]) -> list[ActivityType]:
        return list(dict.fromkeys(value))


class CadenceRuleUpdate(CadenceRuleIn):
    version: int


class CadenceRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    every_days: int
    types: list[str]
    partner_type: str | None
    tier: str | None
    is_priority: bool | None
    territory_id: int | None
    active: bool
    version: int
