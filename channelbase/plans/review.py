"""The joint business plan as a quarterly review shows it (the scorecard page and the QBR pack): each
commitment's target and actual for the quarter and for the year to date, with its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.money import Money
from channelbase.growth.fiscal import FiscalYear
from channelbase.plans import board, plans
from channelbase.plans.models import CommitmentKind, PlanStatus

Value = Money | int | None
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class PlanRow:
    kind: str               # a CommitmentKind
    side: str               # vendor | partner
    description: str
    unit: str               # money | count (as scorecard.Comparison.kind)
    quarter_target: Value
    quarter_actual: Value   # None: not known (a missing rate, an untyped custom figure) or not started
    year_target: Value
    to_date: Value
    due: Value              # what was due by the review's day
    percent: Decimal | None  # to date against due (capped as attainment.CAP); None: not counted


@dataclass(frozen=True)
class PlanSection:
    plan_id: int
    status: str
    revision: int
    attainment: Decimal | None
    rows: list[PlanRow]

    @property
    def signed(self) -> bool:
        return self.status == PlanStatus.SIGNED

    def row(self, kind: str) -> PlanRow | None:
        return next((row for row in self.rows if row.kind == kind), None)


def _value(line: board.Line, value: int | Decimal | None) -> Value:
    shown = line.amount(value)
    if isinstance(shown, Decimal):
        return int(shown.to_integral_value())
    return shown


def plan_section(session: Session, actor: User, partner_id: int, fiscal_year: FiscalYear, quarter_number: int,
                 as_of: date) -> PlanSection | None:
    """The partner's active plan of the year (signed, or a draft awaiting signature) measured up to `as_of`, or
    None without one. The caller has checked the actor sees the partner."""
    plan = plans.active_plan(session, actor, partner_id, fiscal_year.year)
    if plan is None:
        return None
    shown = board.build(session, plan, plans.commitments_of(session, actor, plan.id), as_of)
    rows = []
    for line in shown.lines:
        cell = line.cells[quarter_number - 1]
        rows.append(PlanRow(
            kind=line.commitment.kind, side=line.commitment.side, description=line.commitment.description,
            unit="money" if line.currency else "count", quarter_target=_value(line, cell.target),
            quarter_actual=_value(line, cell.actual) if cell.started else None,
            year_target=_value(line, line.year_target), to_date=_value(line, line.progress.actual),
            due=_value(line, line.progress.due.quantize(Decimal(1))),
            percent=None if line.progress.percent is None else line.progress.percent.quantize(_TENTH)))
    return PlanSection(plan.id, plan.status, plan.revision, shown.attainment, rows)


def certified_target(section: PlanSection | None) -> int | None:
    """The plan's certified-people target for the quarter (the partner side's), if the plan has one."""
    if section is None:
        return None
    row = next((r for r in section.rows if r.kind == CommitmentKind.CERTIFIED_PEOPLE and r.side == "partner"),
               section.row(CommitmentKind.CERTIFIED_PEOPLE))
    return row.quarter_target if row is not None and isinstance(row.quarter_target, int) else None
