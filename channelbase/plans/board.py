"""A plan against what happened: each commitment's target and actual per quarter, its progress to date and
the plan's attainment — what the staff page, the portal, the scorecard and the QBR pack show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core.base import utcnow
from channelbase.core.money import Money, minor_units
from channelbase.deals.fx import reporting_currency
from channelbase.growth import fiscal
from channelbase.growth.fiscal import FiscalYear, Period
from channelbase.partners.models import Partner
from channelbase.plans import actuals as measured
from channelbase.plans import plans
from channelbase.plans.attainment import Progress, custom_quarterly, plan_percent, progress
from channelbase.plans.models import (
    KIND_LABELS, LEVEL_KINDS, BusinessPlan, CommitmentKind, PlanCommitment, PlanStatus,
)


@dataclass(frozen=True)
class Cell:
    """One quarter of one commitment."""

    quarter: Period
    target: int
    actual: int | None  # None: not started, or not known (a missing exchange rate, a custom figure not typed)
    started: bool

    @property
    def percent(self) -> int:
        """actual / target for the bar, 0-100 (the number beside it says more)."""
        if not self.target or self.actual is None:
            return 0
        return min(100, round(self.actual * 100 / self.target))

    @property
    def met(self) -> bool:
        return self.actual is not None and self.actual >= self.target


@dataclass(frozen=True)
class Line:
    commitment: PlanCommitment
    cells: list[Cell]
    progress: Progress
    currency: str | None  # the reporting currency for money commitments

    @property
    def label(self) -> str:
        return self.commitment.label

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(CommitmentKind(self.commitment.kind), self.commitment.kind)

    @property
    def is_level(self) -> bool:
        return self.commitment.kind in LEVEL_KINDS

    def amount(self, value: int | Decimal | None) -> Money | int | Decimal | None:
        """A value of this line as shown: Money for money commitments (stored in minor units), else the count."""
        if value is None or self.currency is None:
            return value
        if isinstance(value, Decimal):
            return Money.rounded(value.scaleb(-minor_units(self.currency)), self.currency)
        return Money.from_minor(value, self.currency)

    @property
    def year_target(self) -> int:
        targets = self.commitment.targets
        return targets[3] if self.is_level else sum(targets)


@dataclass(frozen=True)
class Board:
    plan: BusinessPlan
    partner: Partner
    year: FiscalYear
    today: date
    reporting: str
    lines: list[Line]
    attainment: Decimal | None

    @property
    def vendor_lines(self) -> list[Line]:
        return [line for line in self.lines if line.commitment.side == "vendor"]

    @property
    def partner_lines(self) -> list[Line]:
        return [line for line in self.lines if line.commitment.side == "partner"]

    @property
    def is_signed(self) -> bool:
        return self.plan.status == PlanStatus.SIGNED


def build(session: Session, plan: BusinessPlan, commitments: list[PlanCommitment], today: date) -> Board:
    """The board of a plan the caller has already read (so visibility was checked)."""
    year = fiscal.fiscal_year(session, plan.fiscal_year)
    partner = session.get_one(Partner, plan.partner_id)
    kinds = {c.kind for c in commitments}
    found = measured.actuals(session, [plan.partner_id], year, today, kinds)
    reporting = reporting_currency()
    lines = []
    for commitment in commitments:
        if commitment.kind == CommitmentKind.CUSTOM:
            quarterly = custom_quarterly(commitment, year, today)
        else:
            quarterly = found[commitment.kind][plan.partner_id]
        cells = [Cell(quarter, target, value, quarter.start <= today)
                 for quarter, target, value in zip(year.quarters(), commitment.targets, quarterly, strict=True)]
        lines.append(Line(commitment, cells, progress(commitment.kind, commitment.targets, quarterly, year, today),
                          reporting if commitment.is_money else None))
    return Board(plan, partner, year, today, reporting, lines, plan_percent([line.progress for line in lines]))


def plan_board(session: Session, actor: User, plan_id: int, *, today: date | None = None) -> Board:
    plan = plans.get_plan(session, actor, plan_id)
    return build(session, plan, plans.commitments_of(session, actor, plan.id), today or utcnow().date())


def partner_board(session: Session, actor: User, partner_id: int, year: int | None = None, *,
                  today: date | None = None) -> tuple[Partner, FiscalYear, Board | None]:
    """The partner (NotFound unless visible), the fiscal year asked (default: the running one) and the board of
    its active plan that year, if it has one."""
    partner = get_visible(session, actor, Partner, partner_id)
    today = today or utcnow().date()
    fiscal_year = fiscal.fiscal_year(session, year) if year else fiscal.current_year(session, today)
    plan = plans.active_plan(session, actor, partner.id, fiscal_year.year)
    if plan is None:
        return partner, fiscal_year, None
    return partner, fiscal_year, build(session, plan, plans.commitments_of(session, actor, plan.id), today)
