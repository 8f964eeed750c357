"""Reading an FX-rate CSV into checked rows and a per-row, per-column error list (no database here).

Columns `currency,date,rate` (`effective_date` may name the date), in any order, extra columns
ignored. UTF-8 with or without a BOM; `,` or `;` between fields; dates as YYYY-MM-DD (day-first and
month-first are both common, so no other form is guessed). A `;` file may write rates with a decimal
comma. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from channelbase.core.money import MoneyError, currency_code, exact_decimal
from channelbase.deals.models import RATE_SCALE

MAX_BYTES = 5_000_000
MAX_RATE = Decimal(10) ** 10
DATE_COLUMNS = ("date", "effective_date")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RateRow:
    row: int
    currency: str
    effective_date: date
    rate: Decimal


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do); `errors` non-empty means nothing was written."""

    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rate(value: Decimal | int | str, *, decimal_comma: bool | None = None) -> Decimal:
    """A positive rate with at most RATE_SCALE decimals (the column's scale: more would be rounded silently)."""
    rate = exact_decimal(value, decimal_comma=decimal_comma)
    if rate <= 0:
        raise MoneyError(f"The rate must be greater than 0 (got {rate}).", field_errors={"rate": "must be > 0"})
    if rate >= MAX_RATE:
        raise MoneyError(f"The rate {rate} is too large.", field_errors={"rate": "too large"})
    scaled = rate.quantize(Decimal(1).scaleb(-RATE_SCALE))
    if scaled != rate:
        raise MoneyError(f"The rate {rate} has more than {RATE_SCALE} decimals: round it (e.g. {scaled}).",
                         field_errors={"rate": f"at most {RATE_SCALE} decimals"})
    return scaled


def check_rate_currency(code: str, reporting: str) -> str:
    """An ISO 4217 currency other than the reporting one (which converts 1:1 and takes no rate)."""
    currency = currency_code(code)
    if currency == reporting:
        raise MoneyError(f"{currency} is the reporting currency: it converts 1:1 by definition and takes no rate.",
                         field_errors={"currency": "the reporting currency needs no rate"})
    return currency


def parse_iso_date(text: str) -> date:
    if not _ISO_DATE.match(text.strip()):
        raise ValueError(f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-01.")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a real date.") from None


def read_rates(file_bytes: bytes, reporting: str) -> tuple[list[RateRow], list[RowError]]:
    """Every row checked: the good rows and, for the bad ones, each problem by row and column."""
    text, problem = _decode(file_bytes)
    if problem:
        return [], [problem]
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns, problem = _columns(next(reader, []))
    if problem:
        return [], [problem]
    rows: list[RateRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, date], int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        row, row_errors = _check_row(reader.line_num, values, reporting, delimiter == ";", seen)
        errors += row_errors
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "", "The file has a header but no rates."))
    return rows, errors


def _decode(file_bytes: bytes) -> tuple[str, RowError | None]:
    if len(file_bytes) > MAX_BYTES:
        return "", RowError(0, "", f"The file is larger than {MAX_BYTES // 1_000_000} MB: split it.")
    try:
        return file_bytes.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return "", RowError(0, "", f"The file is not UTF-8 (byte {exc.start}): save it as 'CSV UTF-8' and retry.")


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def _columns(header: list[str]) -> tuple[dict[str, int], RowError | None]:
    """{currency, date, rate: index}; a date column may be called `date` or `effective_date`."""
    names = [cell.strip().lower().replace(" ", "_") for cell in header]
    found = {name: i for i, name in reversed(list(enumerate(names)))}
    date_column = next((name for name in DATE_COLUMNS if name in found), None)
    missing = [name for name in ("currency", "rate") if name not in found] + ([] if date_column else ["date"])
    if not names or missing:
        return {}, RowError(1, ", ".join(missing) or "header",
                            f"Missing column(s) {', '.join(missing) or 'currency, date, rate'}: the first row must "
                            "name the columns currency,date,rate (or effective_date instead of date).")
    assert date_column is not None  # `missing` names "date" otherwise
    return {"currency": found["currency"], "date": found[date_column], "rate": found["rate"]}, None


def _check_row(number: int, values: dict[str, str], reporting: str, semicolons: bool,
               seen: dict[tuple[str, date], int]) -> tuple[RateRow | None, list[RowError]]:
    errors: list[RowError] = []
    checks = {"currency": lambda v: check_rate_currency(v, reporting), "date": parse_iso_date,
              # With `,` between fields a comma cannot be decimal; with `;` it may be (ambiguity is refused).
              "rate": lambda v: parse_rate(v, decimal_comma=None if semicolons else False)}
    parsed: dict[str, Any] = {}
    for column, check in checks.items():
        if not values[column]:
            errors.append(RowError(number, column, "required"))
            continue
        try:
            parsed[column] = check(values[column])
        except ValueError as exc:
            errors.append(RowError(number, column, str(getattr(exc, "message", exc))))
    if errors:
        return None, errors
    key = (parsed["currency"], parsed["date"])
    if key in seen:
        return None, [RowError(number, "date", f"{key[0]} already has a rate of {key[1].isoformat()} in row {seen[key]}.")]
    seen[key] = number
    return RateRow(number, parsed["currency"], parsed["date"], parsed["rate"]), []
