"""Sell-out reports by reseller, product and month in the reporting currency, and sell-out per partner.

Amounts convert at the FX rate effective on each line's invoice date (deals/fx.py: a missing rate is an error,
never 1:1). The database sums the lines per (group, currency, invoice date); each sum converts exactly (no
rounding), and each figure shown is its exact sum rounded once, half-to-even, to the reporting currency's minor
unit. So the total is the exact grand total rounded once, the same in every report, and rows may differ from it
by a cent or so of rounding, never more.

`sellout_by_partner(session, actor, start, end)` is what partner attainment will call (growth, a later issue):
the sell-out that imported POS files credit to each reseller over the period, for the resellers the actor may
see, whichever distributor reported it. Lines still waiting for their reseller in the review queue count for
nobody until a reviewer picks it. A program setting ("sell-out counts towards attainment") will decide whether
a partner's attainment adds it to its own bookings; nothing here depends on that setting.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Context, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible, visible_partner_ids
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money, minor_units
from channelbase.deals import fx
from channelbase.deals.models import Product
from channelbase.partners.service import partner_names
from channelbase.sellout.access import require_staff
from channelbase.sellout.models import SelloutLine

BY = {"reseller": "Reseller", "product": "Product", "month": "Month"}
UNMATCHED = "Not matched yet"
_EXACT = Context(prec=50)


@dataclass(frozen=True)
class ReportFilter:
    by: str = "reseller"
    distributor_id: int | None = None
    start: date | None = None  # first day of the first month
    end: date | None = None    # last day of the last month


@dataclass
class ReportRow:
    key: int | str | None
    label: str
    lines: int = 0
    quantity: int = 0
    exact: Decimal = Decimal(0)
    amount: Money | None = None


@dataclass
class Report:
    filters: ReportFilter
    currency: str
    rows: list[ReportRow] = field(default_factory=list)
    lines: int = 0
    quantity: int = 0
    total: Money | None = None


def month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _sums(session: Session, actor: User, group_column, filters: ReportFilter):
    """(group, currency, invoice date, lines, quantity, minor units) rows of the visible lines."""
    columns = [SelloutLine.currency, SelloutLine.invoice_date]
    if group_column is not None:
        columns.insert(0, group_column)
    stmt = visible(select(*columns, func.count(), func.sum(SelloutLine.quantity), func.sum(SelloutLine.amount_minor)),
                   actor, SelloutLine)
    if filters.distributor_id is not None:
        stmt = stmt.where(SelloutLine.distributor_id == filters.distributor_id)
    if filters.start is not None:
        stmt = stmt.where(SelloutLine.invoice_date >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(SelloutLine.invoice_date <= filters.end)
    return session.execute(stmt.group_by(*columns)).all()


def _exact_reporting(book: fx.RateBook, minor: int, currency: str, on: date) -> Decimal:
    rate = book.rate_on(currency, on).rate
    return _EXACT.multiply(Decimal(minor).scaleb(-minor_units(currency)), rate)


def _convert(session: Session, rows, key_of: Callable) -> tuple[dict, int, int, Decimal]:
    """Per key: [lines, quantity, exact amount]; and the totals. MissingRate names the first rate missing."""
    rows = list(rows)
    book = fx.rate_book(session, {row.currency for row in rows}, max((row.invoice_date for row in rows),
                                                                    default=date.today()))
    per_key: dict = defaultdict(lambda: [0, 0, Decimal(0)])
    lines = quantity = 0
    total = Decimal(0)
    for row in rows:
        exact = _exact_reporting(book, int(row[-1] or 0), row.currency, row.invoice_date)
        bucket = per_key[key_of(row)]
        bucket[0] += row[-3]
        bucket[1] += int(row[-2] or 0)
        bucket[2] += exact
        lines, quantity, total = lines + row[-3], quantity + int(row[-2] or 0), total + exact
    return per_key, lines, quantity, total


def sellout_report(session: Session, actor: User, filters: ReportFilter) -> Report:
    """Sell-out of the imported files the actor may see, grouped by reseller, product or month."""
    require_staff(actor, "see sell-out reports")
    if filters.by not in BY:
        raise InvalidInput(f"Report by one of: {', '.join(BY)}.", field_errors={"by": "unknown"})
    group_column = {"reseller": SelloutLine.reseller_partner_id, "product": SelloutLine.product_id,
                    "month": None}[filters.by]
    rows = _sums(session, actor, group_column, filters)
    key_of = (lambda row: row.invoice_date.replace(day=1)) if group_column is None else (lambda row: row[0])
    per_key, lines, quantity, total = _convert(session, rows, key_of)
    currency = fx.reporting_currency()
    labels = _labels(session, actor, filters.by, per_key.keys())
    report = Report(filters, currency, lines=lines, quantity=quantity, total=Money.rounded(total, currency))
    for key, (count, units, exact) in per_key.items():
        report.rows.append(ReportRow(key, labels.get(key, UNMATCHED if key is None else f"#{key}"), count, units,
                                     exact, Money.rounded(exact, currency)))
    if filters.by == "month":
        report.rows.sort(key=lambda row: str(row.key))
    else:
        report.rows.sort(key=lambda row: (-row.exact, row.label))
    return report


def _labels(session: Session, actor: User, by: str, keys: Iterable) -> dict:
    wanted = {key for key in keys if key is not None}
    if by == "month":
        return {key: key.strftime("%Y-%m") for key in wanted}
    if by == "reseller":
        return {key: name for key, name in partner_names(session, actor, wanted).items() if key is not None}
    stmt = visible(select(Product.id, Product.sku, Product.name), actor, Product).where(Product.id.in_(wanted))
    return {row.id: f"{row.sku} — {row.name}" for row in session.execute(stmt)}


def sellout_by_partner(session: Session, actor: User, start: date, end: date) -> dict[int, Money]:
    """Sell-out credited to each reseller the actor may see, invoiced from `start` to `end` (both included), in
    the reporting currency. Resellers without sell-out are left out."""
    if end < start:
        raise InvalidInput("The period ends before it starts.", field_errors={"end": "before the start"})
    stmt = (select(SelloutLine.reseller_partner_id, SelloutLine.currency, SelloutLine.invoice_date, func.count(),
                   func.sum(SelloutLine.quantity), func.sum(SelloutLine.amount_minor))
            .where(SelloutLine.reseller_partner_id.in_(visible_partner_ids(actor)),
                   SelloutLine.invoice_date >= start, SelloutLine.invoice_date <= end)
            .group_by(SelloutLine.reseller_partner_id, SelloutLine.currency, SelloutLine.invoice_date))
    # Visibility keys on the reseller here, not on the distributor: attainment is the reseller's.
    per_key, _lines, _quantity, _total = _convert(session, session.execute(stmt).all(), lambda row: row[0])
    currency = fx.reporting_currency()
    return {partner_id: Money.rounded(exact, currency) for partner_id, (_n, _q, exact) in per_key.items()}


def report_csv(report: Report) -> str:
    """The report as CSV text (the caller adds a BOM for Excel); text cells cannot start a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([BY[report.filters.by], "Lines", "Quantity", f"Sell-out ({report.currency})"])
    for row in report.rows:
        amount = row.amount.amount if row.amount else Decimal(0)
        writer.writerow([_safe(row.label), row.lines, row.quantity, f"{amount}"])
    total = report.total.amount if report.total else Decimal(0)
    writer.writerow(["Total", report.lines, report.quantity, f"{total}"])
    return out.getvalue()


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
