"""FX rates and conversion to the reporting currency: every conversion says which rate it used.

Rates are "units of the reporting currency per 1 unit of `currency`", effective from their date
until the next rate of the same currency. A missing rate is an error (`MissingRate`), never 1:1;
only the reporting currency itself converts 1:1, by definition, and says so.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core import audit
from channelbase.core.config import get_settings
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.core.money import Money, currency_code, format_rate
from channelbase.core.pagination import Page, paginate
from channelbase.deals.models import RATE_SCALE, FxRate
from channelbase.deals.fx_csv import ImportReport, RateRow, check_rate_currency, parse_rate, read_rates
from channelbase.deals.schemas import RateFilter

IDENTITY_SOURCE = "reporting currency: 1:1 by definition"
# Wide enough that amount (< 10^15, up to 4 decimals) x rate (18 digits) is exact before rounding.
_EXACT = Context(prec=50)
HOW_TO_ADD = "load rates with `channelbase fx load FILE.csv` or on the FX rates page"


class MissingRate(InvalidInput):
    """No rate of the currency is effective on the date: convert nothing rather than guess."""

    status = 422


def reporting_currency() -> str:
    """The currency roll-ups convert to (CHANNELBASE_REPORTING_CURRENCY, default USD)."""
    return get_settings().reporting_currency


def require_admin(actor: User, what: str) -> None:
    if not actor.is_admin:
        raise NotPermitted(f"Only admins may {what}.")


def require_staff(actor: User, what: str) -> None:
    if not actor.is_staff:
        raise NotPermitted(f"Only channel managers and admins may {what}.")


# Conversion -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Conversion:
    """An amount converted to the reporting currency, with the rate that did it."""

    original: Money
    on_date: date
    amount_reporting: Money
    rate: Decimal
    rate_date: date
    source: str

    def describe(self) -> str:
        """'1,000.00 BRL on 2026-11-01 = 186.40 USD at 0.1864 (rate of 2026-11-01, source admin)'."""
        return (f"{_plain(self.original)} on {self.on_date.isoformat()} = {_plain(self.amount_reporting)} "
                f"at {format_rate(self.rate)} (rate of {self.rate_date.isoformat()}, source {self.source})")


def _plain(money: Money) -> str:
    code, digits = money.format().split(" ", 1)
    return f"{digits} {code}"


def convert_at(money: Money, on_date: date, rate: FxRate) -> Conversion:
    """Convert with a given rate row: amount x rate, rounded half-to-even to the reporting currency's minor unit."""
    converted = Money.rounded(_EXACT.multiply(money.amount, rate.rate), rate.quote_currency)
    return Conversion(original=money, on_date=on_date, amount_reporting=converted, rate=rate.rate,
                      rate_date=rate.effective_date, source=rate.source)


def _identity(currency: str, on_date: date) -> FxRate:
    # Not added to the session: it only carries "1:1, and why" to the conversion.
    return FxRate(currency=currency, quote_currency=currency, effective_date=on_date,
                  rate=Decimal(1).quantize(Decimal(1).scaleb(-RATE_SCALE)),
                  source=IDENTITY_SOURCE)


def _missing(currency: str, on_date: date, first: date | None = None) -> MissingRate:
    reporting = reporting_currency()
    when = f" (the first {currency} rate is of {first.isoformat()})" if first else ""
    return MissingRate(f"No {currency}→{reporting} FX rate effective on {on_date.isoformat()}{when}: {HOW_TO_ADD}.",
                       field_errors={"currency": f"no {currency} rate on {on_date.isoformat()}"})


def rate_on(session: Session, currency: str, on_date: date) -> FxRate:
    """The rate of `currency` with the latest effective date on or before `on_date`; MissingRate if none."""
    currency, reporting = currency_code(currency), reporting_currency()
    if currency == reporting:
        return _identity(currency, on_date)
    found = session.scalars(
        select(FxRate).where(FxRate.currency == currency, FxRate.quote_currency == reporting,
                             FxRate.effective_date <= on_date)
        .order_by(FxRate.effective_date.desc()).limit(1)
    ).first()
    if found is None:
        first = session.scalar(select(FxRate.effective_date).where(
            FxRate.currency == currency, FxRate.quote_currency == reporting).order_by(FxRate.effective_date).limit(1))
        raise _missing(currency, on_date, first)
    return found


def convert(session: Session, money: Money, on_date: date) -> Conversion:
    """`money` in the reporting currency at the rate effective on `on_date`, saying which rate it used."""
    return convert_at(money, on_date, rate_on(session, money.currency, on_date))


class RateBook:
    """Rates of some currencies held in memory, for converting many amounts with one query.

    Build it with `rate_book(session, currencies, up_to)`; `convert(money, on_date)` then needs no
    database and gives exactly what `fx.convert` gives, for any date up to `up_to`."""

    def __init__(self, rates: Iterable[FxRate], reporting: str, up_to: date):
        self.reporting, self.up_to = reporting, up_to
        self._rates: dict[str, list[FxRate]] = defaultdict(list)
        for rate in sorted(rates, key=lambda r: r.effective_date):
            self._rates[rate.currency].append(rate)
        self._dates = {currency: [r.effective_date for r in rows] for currency, rows in self._rates.items()}

    def rate_on(self, currency: str, on_date: date) -> FxRate:
        if currency == self.reporting:
            return _identity(currency, on_date)
        if on_date > self.up_to:
            raise ValueError(f"this rate book holds rates up to {self.up_to}, not {on_date}")
        dates = self._dates.get(currency, [])
        index = bisect_right(dates, on_date)
        if index == 0:
            raise _missing(currency, on_date, dates[0] if dates else None)
        return self._rates[currency][index - 1]

    def convert(self, money: Money, on_date: date) -> Conversion:
        return convert_at(money, on_date, self.rate_on(money.currency, on_date))


def rate_book(session: Session, currencies: Iterable[str], up_to: date) -> RateBook:
    """Every rate of `currencies` effective up to `up_to`, fetched in one query."""
    reporting = reporting_currency()
    wanted = {currency_code(c) for c in currencies} - {reporting}
    rows: Iterable[FxRate] = session.scalars(select(FxRate).where(
        FxRate.currency.in_(wanted), FxRate.quote_currency == reporting, FxRate.effective_date <= up_to)) if wanted else []
    return RateBook(rows, reporting, up_to)


def convert_many(session: Session, items: list[tuple[Money, date]]) -> list[Conversion]:
    """Convert many (money, date) pairs with ONE query for the rates; results are in the order given.

    All or nothing: the first pair without a rate raises MissingRate naming its currency and date.
    Each amount is rounded on its own (half-to-even), so a total is the sum of the lines it shows.
    The query reads every rate of the currencies involved up to the latest date (a few hundred rows
    for years of monthly or daily rates), then each pair is a binary search: cost O(rates + n log rates).
    For streams too large for a list, build a `rate_book` once and call its `convert` per row."""
    if not items:
        return []
    book = rate_book(session, {money.currency for money, _ in items}, max(on for _, on in items))
    return [book.convert(money, on_date) for money, on_date in items]


# Writing rates ----------------------------------------------------------------------------------

def rate_currency(code: str) -> str:
    """A currency that may have a rate: ISO 4217 and not the reporting currency itself."""
    return check_rate_currency(code, reporting_currency())


def upsert_rate(session: Session, actor: User, currency: str, effective_date: date, rate: Decimal,
                source: str) -> tuple[FxRate, str]:
    """Create or update the rate of (currency, date) with checked values; returns it and what happened."""
    reporting = reporting_currency()
    existing = session.scalars(select(FxRate).where(FxRate.currency == currency, FxRate.quote_currency == reporting,
                                                    FxRate.effective_date == effective_date)).first()
    if existing is None:
        row = FxRate(currency=currency, quote_currency=reporting, effective_date=effective_date, rate=rate,
                     source=source)
        session.add(row)
        audit.record(session, actor, "create", row, None)
        return row, "created"
    if existing.rate == rate and existing.source == source:
        return existing, "unchanged"
    before = audit.snapshot(existing)
    existing.rate, existing.source = rate, source
    audit.record(session, actor, "update", existing, before)
    return existing, "updated"


def set_rate(session: Session, actor: User, currency: str, effective_date: date, rate: Decimal | int | str,
             *, decimal_comma: bool | None = None, source: str = "admin") -> FxRate:
    """Enter (or correct) the rate of a currency from a date; admins only."""
    require_admin(actor, "enter FX rates")
    if not isinstance(effective_date, date):
        raise InvalidInput("Give the rate's effective date as a date.", field_errors={"effective_date": "required"})
    row, _ = upsert_rate(session, actor, rate_currency(currency), effective_date,
                         parse_rate(rate, decimal_comma=decimal_comma), source)
    return row


class RatesRejected(InvalidInput):
    """A rate file with problems: nothing was written; `report.errors` lists them by row and column."""

    def __init__(self, report: ImportReport):
        count = len(report.errors)
        super().__init__(f"{report.filename}: {count} problem{'s' if count != 1 else ''} found, so no rate was saved. "
                         "Fix the rows listed and load the file again.",
                         field_errors={f"row {e.row}: {e.column or 'file'}": e.message for e in report.errors})
        self.report = report


Progress = Callable[[int, int], None]


def check_rates_csv(session: Session, actor: User, file_bytes: bytes, filename: str) -> ImportReport:
    """A dry run of `load_rates_csv`: every problem by row and column, and what would change; writes nothing."""
    report, _plan = _plan_import(session, actor, file_bytes, filename)
    return report


def load_rates_csv(session: Session, actor: User, file_bytes: bytes, filename: str,
                   progress: Progress | None = None) -> ImportReport:
    """Load a rate CSV all-or-nothing (RatesRejected if any row is bad); loading it again updates, never duplicates."""
    report, plan = _plan_import(session, actor, file_bytes, filename)
    if not report.ok:
        raise RatesRejected(report)
    source = _source(filename)
    for done, row in enumerate(plan, start=1):
        upsert_rate(session, actor, row.currency, row.effective_date, row.rate, source)
        if progress:
            progress(done, len(plan))
    report.written = True
    return report


def _source(filename: str) -> str:
    name = (filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    return f"csv:{name}"[:200]


def _plan_import(session: Session, actor: User, file_bytes: bytes, filename: str) -> tuple[ImportReport, list[RateRow]]:
    """The checked rows and a report counting what loading them would create, update or leave alone."""
    require_admin(actor, "load FX rates")
    rows, errors = read_rates(file_bytes, reporting_currency())
    report = ImportReport(filename=filename, rows=len(rows) + len({e.row for e in errors if e.row > 1}),
                          errors=errors)
    existing = _existing_rates(session, rows)
    source = _source(filename)
    for row in rows:
        stored = existing.get((row.currency, row.effective_date))
        if stored is None:
            report.created += 1
        elif stored == (row.rate, source):
            report.unchanged += 1
        else:
            report.updated += 1
    return report, rows


def _existing_rates(session: Session, rows: list[RateRow]) -> dict[tuple[str, date], tuple[Decimal, str]]:
    """Stored (rate, source) of the file's currencies over the file's dates, in one query."""
    if not rows:
        return {}
    stmt = select(FxRate.currency, FxRate.effective_date, FxRate.rate, FxRate.source).where(
        FxRate.quote_currency == reporting_currency(), FxRate.currency.in_({r.currency for r in rows}),
        FxRate.effective_date.between(min(r.effective_date for r in rows), max(r.effective_date for r in rows)))
    return {(c, d): (rate, source) for c, d, rate, source in session.execute(stmt)}


# Reading rates ----------------------------------------------------------------------------------

def list_rates(session: Session, actor: User, filters: RateFilter, *, page: int = 1,
               per_page: int = 50) -> Page[FxRate]:
    """Rates of the reporting currency, newest date first, then by currency."""
    require_staff(actor, "see FX rates")
    stmt = visible(select(FxRate), actor).where(FxRate.quote_currency == reporting_currency())
    if filters.currency:
        stmt = stmt.where(FxRate.currency == filters.currency)
    if filters.date_from:
        stmt = stmt.where(FxRate.effective_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(FxRate.effective_date <= filters.date_to)
    return paginate(session, stmt.order_by(FxRate.effective_date.desc(), FxRate.currency), page, per_page)


def rate_currencies(session: Session, actor: User) -> list[str]:
    """Currencies that have at least one rate, for filters and pickers."""
    stmt = visible(select(FxRate.currency), actor, FxRate).where(FxRate.quote_currency == reporting_currency())
    return list(session.scalars(stmt.distinct().order_by(FxRate.currency)))
