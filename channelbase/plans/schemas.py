"""What plans, commitments, signatures and revisions take, checked at the edge."""

from __future__ import annotations

from pydantic import Field

from channelbase.partners.schemas import Strict
from channelbase.plans.models import CommitmentKind, PlanStatus, Side

QUARTERS = ("q1", "q2", "q3", "q4")


class PlanCreate(Strict):
    partner_id: int
    fiscal_year: int | None = Field(None, ge=2000, le=2100)  # None: the fiscal year running today
    objectives: str = Field("", max_length=4000)


class PlanUpdate(Strict):
    version: int
    objectives: str = Field("", max_length=4000)


class CommitmentIn(Strict):
    """A commitment's targets by quarter as typed: money in the reporting currency (e.g. 50000.00) for bookings
    and pipeline created, whole numbers otherwise. The service turns them into minor units or counts."""

    side: Side
    kind: CommitmentKind
    description: str = Field("", max_length=300)
    q1: str = Field("0", max_length=24)
    q2: str = Field("0", max_length=24)
    q3: str = Field("0", max_length=24)
    q4: str = Field("0", max_length=24)


class CommitmentUpdate(CommitmentIn):
    version: int


class ActualsIn(Strict):
    """What a custom commitment achieved each quarter, typed by staff (blank: not known yet)."""

    version: int
    q1: int | None = Field(None, ge=0, le=10**12)
    q2: int | None = Field(None, ge=0, le=10**12)
    q3: int | None = Field(None, ge=0, le=10**12)
    q4: int | None = Field(None, ge=0, le=10**12)


class VersionIn(Strict):
    version: int


class SignIn(Strict):
    plan_id: int
    version: int
    agree: bool = False


class ReviseIn(Strict):
    version: int
    reason: str = Field(min_length=3, max_length=1000)


class PlanFilter(Strict):
    fiscal_year: int | None = Field(None, ge=2000, le=2100)
    status: PlanStatus | None = None
    territory_id: int | None = None
    q: str = Field("", max_length=100)
