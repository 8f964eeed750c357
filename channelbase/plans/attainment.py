"""How far partners are along their signed plan: one percentage per partner, for health scores and lists.

Rule (documented here, shown on the plan page):
- the plan is the partner's signed plan for the fiscal year containing `today` (a draft, a superseded plan or
  no plan at all gives None);
- each commitment is "due to date": the targets of the quarters already over, plus the running quarter's
  target pro-rated by its days elapsed (today included). For certified people, a level rather than a sum, the
  due level ramps from the previous quarter's target to the running quarter's, and the actual is today's level;
- each commitment's attainment is actual / due, capped at 150 % so one runaway commitment cannot hide the
  misses of the others; commitments with nothing due yet, or whose actual is not known (an exchange rate is
  missing, a custom commitment nobody filled in), are left out;
- the plan's attainment is the mean of its commitments', in %, rounded half-even to 1 decimal; None when no
  commitment could be counted (e.g. the plan only has targets in later quarters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.growth import fiscal
from channelbase.growth.fiscal import FiscalYear
from channelbase.plans import actuals as measured
from channelbase.plans.models import LEVEL_KINDS, BusinessPlan, CommitmentKind, PlanCommitment, PlanStatus

CAP = Decimal(150)
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Progress:
    """One commitment to date: what was due, what happened, and the share (None: not counted)."""

    due: Decimal
    actual: int | None
    percent: Decimal | None


def quarter_fraction(year: FiscalYear, today: date) -> tuple[int, Decimal]:
    """The running quarter (1-4; 0 before the year, 5 after it) and the share of its days elapsed."""
    if today < year.start:
        return 0, Decimal(0)
    if today > year.end:
        return 5, Decimal(0)
    number = year.quarter_of(today)
    quarter = year.quarter(number)
    days = (quarter.end - quarter.start).days + 1
    return number, Decimal((today - quarter.start).days + 1) / Decimal(days)


def due_to_date(kind: str, targets: Sequence[int], year: FiscalYear, today: date) -> Decimal:
    """What a commitment should have reached by `today`."""
    number, share = quarter_fraction(year, today)
    if number == 0:
        return Decimal(0)
    if number == 5:
        return Decimal(targets[3] if kind in LEVEL_KINDS else sum(targets))
    current = Decimal(targets[number - 1])
    if kind in LEVEL_KINDS:
        previous = Decimal(targets[number - 2]) if number > 1 else Decimal(0)
        return previous + (current - previous) * share
    return Decimal(sum(targets[:number - 1])) + current * share


def achieved_to_date(kind: str, quarterly: Sequence[int | None], year: FiscalYear, today: date) -> int | None:
    """The actual so far: the sum of the started quarters, or the latest level; None if any is not known."""
    number, _share = quarter_fraction(year, today)
    started = list(quarterly[:min(number, 4)])
    if not started:
        return 0
    if kind in LEVEL_KINDS:
        return started[-1]
    if any(value is None for value in started):
        return None
    return sum(value for value in started if value is not None)


def progress(kind: str, targets: Sequence[int], quarterly: Sequence[int | None], year: FiscalYear,
             today: date) -> Progress:
    due = due_to_date(kind, targets, year, today)
    actual = achieved_to_date(kind, quarterly, year, today)
    if due <= 0 or actual is None:
        return Progress(due, actual, None)
    return Progress(due, actual, min(CAP, Decimal(actual) * 100 / due))


def plan_percent(progresses: Sequence[Progress]) -> Decimal | None:
    counted = [p.percent for p in progresses if p.percent is not None]
    if not counted:
        return None
    return (sum(counted, Decimal(0)) / len(counted)).quantize(_TENTH, rounding=ROUND_HALF_EVEN)


def custom_quarterly(commitment: PlanCommitment, year: FiscalYear, today: date) -> list[int | None]:
    """Typed actuals of a custom commitment by quarter: None for quarters not started; a started quarter left
    empty counts 0 once any quarter has a figure, and everything is unknown while none has."""
    started = [year.quarter(n).start <= today for n in (1, 2, 3, 4)]
    typed = commitment.typed_actuals
    if not any(value is not None for value, begun in zip(typed, started) if begun):
        return [None] * 4
    return [(value or 0) if begun else None for value, begun in zip(typed, started)]


def _percents(session: Session, plans: Sequence[BusinessPlan], today: date) -> dict[int, Decimal | None]:
    """{plan_id: attainment to `today`} of plans of any years, a few grouped queries per fiscal year."""
    result: dict[int, Decimal | None] = {plan.id: None for plan in plans}
    rows = list(session.scalars(select(PlanCommitment).where(PlanCommitment.plan_id.in_(list(result))))) \
        if result else []
    by_plan: dict[int, list[PlanCommitment]] = {}
    for commitment in rows:
        by_plan.setdefault(commitment.plan_id, []).append(commitment)
    start = fiscal.start_month(session)
    for year_number in {plan.fiscal_year for plan in plans}:
        year = FiscalYear(year_number, start)
        of_year = [plan for plan in plans if plan.fiscal_year == year_number and plan.id in by_plan]
        kinds = {c.kind for plan in of_year for c in by_plan[plan.id]}
        found = measured.actuals(session, {plan.partner_id for plan in of_year}, year, today, kinds)
        for plan in of_year:
            result[plan.id] = plan_percent([
                progress(c.kind, c.targets, custom_quarterly(c, year, today) if c.kind == CommitmentKind.CUSTOM
                         else found[c.kind][plan.partner_id], year, today) for c in by_plan[plan.id]])
    return result


def plan_attainment_of(session: Session, plans: Sequence[BusinessPlan], today: date) -> dict[int, Decimal | None]:
    """{plan_id: % attained to date (1 decimal), or None when nothing could be counted}, whatever their status."""
    return _percents(session, plans, today)


def plan_attainment(session: Session, partner_ids: Sequence[int], today: date) -> dict[int, Decimal | None]:
    """{partner_id: % of its signed plan attained to date (1 decimal), or None without a signed plan}."""
    ids = sorted(set(partner_ids))
    result: dict[int, Decimal | None] = dict.fromkeys(ids)
    if not ids:
        return result
    year = fiscal.current_year(session, today)
    signed = list(session.scalars(select(BusinessPlan).where(
        BusinessPlan.partner_id.in_(ids), BusinessPlan.fiscal_year == year.year,
        BusinessPlan.status == PlanStatus.SIGNED)))
    percents = _percents(session, signed, today)
    for plan in signed:
        result[plan.partner_id] = percents[plan.id]
    return result
