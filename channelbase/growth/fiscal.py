"""The fiscal calendar: which dates make fiscal year 2027 and its quarter 3.

A fiscal year is named by the calendar year it ends in: with the year starting in March, FY2027 runs from
2026-03-01 to 2027-02-28 (with January, FY2026 is the calendar year 2026). Quarters are three months each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.errors import InvalidInput
from channelbase.deals import fx
from channelbase.growth.models import FiscalCalendar
from channelbase.partners.common import check_version

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUARTER = re.compile(r"^\s*(?:FY)?(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class FiscalYear:
    year: int
    start_month: int

    @property
    def start(self) -> date:
        year, month = _add_months(self.year, self.start_month, -12) if self.start_month != 1 else (self.year, 1)
        return date(year, month, 1)

    @property
    def end(self) -> date:
        year, month = _add_months(self.start.year, self.start.month, 12)
        return date(year, month, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"FY{self.year}"

    @property
    def period(self) -> Period:
        return Period(self.label, self.start, self.end)

    def prior(self) -> FiscalYear:
        return FiscalYear(self.year - 1, self.start_month)

    def quarter(self, number: int) -> Period:
        if number not in (1, 2, 3, 4):
            raise InvalidInput(f"A fiscal year has quarters 1 to 4, not {number}.")
        year, month = _add_months(self.start.year, self.start.month, 3 * (number - 1))
        end_year, end_month = _add_months(year, month, 3)
        return Period(f"{self.year}Q{number}", date(year, month, 1), date(end_year, end_month, 1) - timedelta(days=1))

    def quarters(self) -> list[Period]:
        return [self.quarter(number) for number in (1, 2, 3, 4)]

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of each of its twelve months, in order."""
        return [_add_months(self.start.year, self.start.month, i) for i in range(12)]

    def quarter_of(self, day: date) -> int:
        months = (day.year * 12 + day.month) - (self.start.year * 12 + self.start.month)
        return months // 3 + 1

    def same_day_last_year(self, day: date) -> date:
        """The day a year earlier (29 February becomes the 28th): where year-to-date stops in the prior year."""
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)


def start_month(session: Session) -> int:
    return session.scalar(select(FiscalCalendar.start_month).order_by(FiscalCalendar.id).limit(1)) or 1


def fiscal_year(session: Session, year: int) -> FiscalYear:
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"{year} is not a fiscal year Channelbase plans for (2000 to 2100).",
                           field_errors={"fiscal_year": "between 2000 and 2100"})
    return FiscalYear(year, start_month(session))


def year_of(start: int, day: date) -> int:
    """The fiscal year (by its name) that `day` falls in, for a year starting in month `start`."""
    return day.year if start == 1 or day.month < start else day.year + 1


def current_year(session: Session, today: date) -> FiscalYear:
    start = start_month(session)
    return FiscalYear(year_of(start, today), start)


def parse_quarter(session: Session, text: str) -> tuple[FiscalYear, Period]:
    """'2026Q4' (or 'FY2026-Q4'): the fiscal year and its quarter."""
    found = _QUARTER.match(text or "")
    if not found:
        raise InvalidInput(f"'{text}' is not a fiscal quarter: write it as 2026Q4.",
                           field_errors={"quarter": "like 2026Q4"})
    year = fiscal_year(session, int(found.group(1)))
    return year, year.quarter(int(found.group(2)))


def set_start_month(session: Session, actor: User, month: int, version: int | None = None) -> FiscalCalendar:
    fx.require_admin(actor, "change the fiscal calendar")
    if not 1 <= month <= 12:
        raise InvalidInput(f"The fiscal year starts in a month from 1 to 12, not {month}.",
                           field_errors={"start_month": "1 to 12"})
    calendar = session.scalar(select(FiscalCalendar).order_by(FiscalCalendar.id).limit(1))
    if calendar is None:
        calendar = FiscalCalendar(start_month=month)
        session.add(calendar)
        audit.record(session, actor, "create", calendar, None)
        return calendar
    if version is not None:
        check_version(session, calendar, version)
    before = audit.snapshot(calendar)
    calendar.start_month = month
    audit.record(session, actor, "update", calendar, before)
    return calendar
