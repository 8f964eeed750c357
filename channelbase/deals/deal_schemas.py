"""Pydantic input and output shapes of deal registrations, opportunities, stages and programs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from channelbase.core.money import Money
from channelbase.deals.models import OpportunitySource, RegistrationStatus, StageOutcome
from channelbase.deals.schemas import Currency, ExactText, Name, Strict
from channelbase.partners.models import PartnerType
from channelbase.partners.schemas import Country

Notes = Annotated[str, Field(max_length=4000)]
Reason = Annotated[str, Field(min_length=3, max_length=2000)]
# Static bounds only; "not in the distant past" depends on today and is the service's rule.
DealDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
StageKey = Annotated[str, Field(min_length=1, max_length=40)]


class LineIn(Strict):
    product_id: int
    quantity: int = Field(1, ge=1, le=1_000_000)


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int
    sku: str
    name: str
    quantity: int


class MoneyOut(BaseModel):
    amount: Decimal
    currency: str
    formatted: str


# Registrations ----------------------------------------------------------------------------------

class RegistrationCreate(Strict):
    """A deal a partner registers: an existing account, or the customer's name, web domain and country."""

    partner_id: int | None = None  # partner users register for their own partner; staff must say which
    title: Name
    account_id: int | None = None
    customer_name: str | None = Field(None, max_length=200)
    customer_website: str | None = Field(None, max_length=255)
    customer_country: Country | None = None
    customer_tax_id: str | None = Field(None, max_length=40)
    amount: ExactText
    currency: Currency
    decimal_comma: bool | None = None
    expected_close_date: DealDate
    products: list[LineIn] = Field(default_factory=list, max_length=50)
    distributor_id: int | None = None
    hidden_from_distributor: bool = False
    notes: Notes = ""

    @model_validator(mode="after")
    def _customer_given(self) -> RegistrationCreate:
        if self.account_id is None and not (self.customer_name and self.customer_country):
            raise ValueError("pick an existing account, or give the customer's name and country")
        return self


class ApproveIn(Strict):
    version: int
    # Link the registration to this existing account (e.g. one the conflict check found).
    account_id: int | None = None
    note: str = Field("", max_length=2000)


class RejectIn(Strict):
    version: int
    reason: Reason


class ExtendIn(Strict):
    version: int
    days: int | None = Field(None, ge=1, le=365)  # default: the program's extension length


class ExtensionRequestIn(Strict):
    version: int
    reason: Reason


class ConvertIn(Strict):
    version: int
    stage: StageKey | None = None  # default: the first open stage
    owner_id: int | None = None


class RegistrationFilter(Strict):
    """Filters shared by the registration list page, the API and the CLI."""

    q: str = Field("", max_length=200)
    status: RegistrationStatus | None = None
    partner_id: int | None = None
    territory_id: int | None = None
    conflicts: bool | None = None  # only those whose submission check found likely conflicts
    overdue: bool | None = None  # submitted and past their decision SLA
    expiring_days: int | None = Field(None, ge=0, le=365)  # approved and expiring within N days


class ConflictOut(BaseModel):
    kind: str
    id: int
    name: str
    partner: str
    score: float
    reason: str
    status: str
    link: str | None


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    version: int
    status: str
    partner_id: int
    territory_id: int
    distributor_id: int | None
    hidden_from_distributor: bool
    title: str
    account_id: int | None
    customer_name: str
    customer_domain: str | None
    customer_country: str
    customer_tax_id: str | None
    currency: str
    amount_minor: int
    expected_close_date: date
    notes: str
    submitted_at: datetime
    decision_due_at: datetime
    decided_at: datetime | None
    decision_reason: str
    expires_on: date | None
    extensions: int
    extension_requested_at: datetime | None
    extension_request_reason: str
    # What the submission's conflict check found: staff only (null for partner users, who see needs_review).
    conflict_count: int | None
    conflict_score: int | None
    needs_review: bool = False
    effective_status: str | None = None  # "expired" once past expires_on, even before the nightly sweep
    opportunity_id: int | None = None
    products: list[LineOut] = Field(default_factory=list)
    conflicts: list[ConflictOut] | None = None  # staff only, on a single registration

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        """The amount as exact text, e.g. "24000.00" (never a float)."""
        return Money.from_minor(self.amount_minor, self.currency).amount


# Opportunities ----------------------------------------------------------------------------------

class OpportunityCreate(Strict):
    name: Name
    account_id: int
    partner_id: int
    distributor_id: int | None = None
    hidden_from_distributor: bool = False
    amount: ExactText
    currency: Currency
    decimal_comma: bool | None = None
    close_date: DealDate
    stage: StageKey | None = None  # default: the first open stage
    source: OpportunitySource = OpportunitySource.PARTNER
    owner_id: int | None = None
    next_step: str = Field("", max_length=300)
    products: list[LineIn] = Field(default_factory=list, max_length=50)


class OpportunityUpdate(Strict):
    """Only the fields given change; `version` is the one the editor loaded."""

    version: int
    name: Name | None = None
    amount: ExactText | None = None
    currency: Currency | None = None
    decimal_comma: bool | None = None
    close_date: DealDate | None = None
    stage: StageKey | None = None
    source: OpportunitySource | None = None
    owner_id: int | None = None
    next_step: str | None = Field(None, max_length=300)
    distributor_id: int | None = None
    hidden_from_distributor: bool | None = None


class MoveIn(Strict):
    version: int
    stage: StageKey


class OpportunityFilter(Strict):
    """Filters shared by the pipeline list, the board, the totals, the API and the CLI."""

    q: str = Field("", max_length=200)
    territory_id: int | None = None
    partner_id: int | None = None
    partner_type: PartnerType | None = None
    stage: str | None = Field(None, max_length=40)
    outcome: StageOutcome | None = None
    source: OpportunitySource | None = None
    owner_id: int | None = None
    close_from: date | None = None
    close_to: date | None = None
    created_from: date | None = None   # created on or after this day (UTC)
    created_to: date | None = None     # created on or before this day (UTC)
    stalled: bool | None = None


class OpportunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    name: str
    account_id: int
    partner_id: int
    distributor_id: int | None
    hidden_from_distributor: bool
    territory_id: int
    registration_id: int | None
    currency: str
    amount_minor: int
    close_date: date
    stage_id: int
    outcome: str
    probability: int
    source: str
    owner_id: int | None
    next_step: str
    stage_changed_at: datetime
    stage_key: str | None = None
    products: list[LineOut] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        """The amount as exact text, e.g. "85000.00" (never a float)."""
        return Money.from_minor(self.amount_minor, self.currency).amount


class StageChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_stage_id: int | None
    to_stage_id: int
    at: datetime
    by_id: int | None
    amount_minor: int
    currency: str
    from_stage_key: str | None = None
    to_stage_key: str | None = None
    days_in_stage: float | None = None  # how long the deal stayed (or has stayed so far) in to_stage


# Stages and programs ----------------------------------------------------------------------------

class StageIn(Strict):
    key: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=80)
    position: int = Field(ge=0, le=10_000)
    probability: int = Field(ge=0, le=100)
    outcome: StageOutcome = StageOutcome.OPEN


class StageUpdate(Strict):
    version: int
    name: str | None = Field(None, min_length=1, max_length=80)
    position: int | None = Field(None, ge=0, le=10_000)
    probability: int | None = Field(None, ge=0, le=100)
    active: bool | None = None


class StageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    key: str
    name: str
    position: int
    probability: int
    outcome: str
    active: bool


class ProgramIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    registration_days: int = Field(90, ge=1, le=730)
    extension_days: int = Field(30, ge=1, le=365)
    max_extensions: int = Field(2, ge=0, le=12)
    decision_sla_hours: int = Field(48, ge=1, le=24 * 60)
    is_default: bool = False


class ProgramUpdate(Strict):
    version: int
    name: str | None = Field(None, min_length=1, max_length=120)
    registration_days: int | None = Field(None, ge=1, le=730)
    extension_days: int | None = Field(None, ge=1, le=365)
    max_extensions: int | None = Field(None, ge=0, le=12)
    decision_sla_hours: int | None = Field(None, ge=1, le=24 * 60)
    is_default: bool | None = None


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    name: str
    registration_days: int
    extension_days: int
    max_extensions: int
    decision_sla_hours: int
    is_default: bool
