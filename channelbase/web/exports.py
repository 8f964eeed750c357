"""Every list view downloads the same way: a streamed CSV (UTF-8 with a BOM, so Excel reads accents) or an
XLSX workbook, from the list's own filters and sort, every matching row.

Cells are data, never instructions: a text starting with =, +, -, @, a tab or a carriage return is what a
spreadsheet would run as a formula (a partner named `=HYPERLINK(...)` turns into a phishing link in whoever
opens the file), so it gets a leading apostrophe, and XLSX text cells are always plain strings. Numbers that
are numbers (amounts, counts) stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import tempfile
from contextlib import suppress
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from operator import attrgetter
from typing import IO, Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.batches import RowSource
from channelbase.core.db import unit_of_work
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money
from channelbase.engagement.views import zone_of
from channelbase.web.deps import templates

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_576  # Excel's hard limit per sheet, the header row included
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text openpyxl would store as an error value rather than as text.
EXCEL_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
CHUNK_BYTES = 64 * 1024
BOM = "\ufeff".encode()


@dataclass(frozen=True)
class Column:
    """One column: its header and how to read its value from a row. `local_time`: a datetime shown in the
    reader's time zone, which the header then names."""

    label: str
    get: Callable[[Any], Any]
    local_time: bool = False


def field(label: str, path: str) -> Column:
    """A column reading an attribute of the row, dotted for nested ones: field("Name", "partner.name")."""
    return Column(label, attrgetter(path))


def when(label: str, get: Callable[[Any], Any] | str) -> Column:
    """A datetime column, shown in the reader's time zone."""
    return Column(label, attrgetter(get) if isinstance(get, str) else get, local_time=True)


def money(label: str, get: Callable[[Any], Money | None], currency_label: str = "Currency") -> list[Column]:
    """An amount as a number, and its currency in the next column."""
    def amount(row: Any) -> Decimal | None:
        value = get(row)
        return value.amount if value is not None else None

    def currency(row: Any) -> str | None:
        value = get(row)
        return value.currency if value is not None else None

    return [Column(label, amount), Column(currency_label, currency)]


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# CSV ------------------------------------------------------------------------------------------------

class _Line:
    """csv.writer's target: hands back the formatted line instead of writing it."""

    def write(self, line: str) -> str:
        return line


def _csv_value(value: Any, zone: tzinfo) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation (1E+3)
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(columns: Sequence[Column], rows: Iterable[Any], zone: tzinfo) -> Iterator[bytes]:
    """The CSV file, BOM first, in chunks of about CHUNK_BYTES (one send per row would be slow)."""
    writer = csv.writer(_Line())
    buffer = [BOM.decode(), writer.writerow(header_labels(columns, zone))]
    size = 0
    for row in rows:
        line = writer.writerow([_csv_value(column.get(row), zone) for column in columns])
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    yield "".join(buffer).encode()


def header_labels(columns: Sequence[Column], zone: tzinfo) -> list[str]:
    return [f"{c.label} ({zone})" if c.local_time else c.label for c in columns]


# XLSX -----------------------------------------------------------------------------------------------

def _number_format(value: Decimal) -> str:
    """Thousands grouped, and as many decimals as the amount has (2 for USD, 0 for CLP)."""
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Any, zone: tzinfo) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _number_format(value)
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(zone).replace(tzinfo=None))  # Excel has no zones
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        return value  # openpyxl gives dates a date format itself
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    safe = neutralise(text)
    if safe == text and text not in EXCEL_ERRORS:
        return text
    cell = WriteOnlyCell(sheet, value=safe)
    cell.data_type = "s"  # a plain string, whatever openpyxl would have guessed
    return cell


def write_xlsx(columns: Sequence[Column], rows: Iterable[Any], zone: tzinfo, title: str, out: IO[bytes]) -> None:
    """The workbook, one sheet with a bold, frozen header; rows go to disk as they come (write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    labels = header_labels(columns, zone)
    for index, label in enumerate(labels, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(40, max(12, len(label) + 2))
    header = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    try:
        for written, row in enumerate(rows, start=2):
            if written > XLSX_MAX_ROWS:  # rows added since they were counted
                raise InvalidInput(_too_many(written))
            sheet.append([_xlsx_value(sheet, column.get(row), zone) for column in columns])
    except BaseException:
        _discard(sheet)
        raise
    book.save(out)


def _discard(sheet: WriteOnlyWorksheet) -> None:
    """An unfinished sheet: end its stream and delete the temporary file its rows went to."""
    with suppress(Exception):
        sheet.close()
    writer = getattr(sheet, "_writer", None)
    if writer is not None:
        with suppress(Exception):
            writer.cleanup()


def _too_many(rows: int) -> str:
    return (f"{rows:,} rows match, more than an XLSX sheet holds ({XLSX_MAX_ROWS - 1:,} below its header). "
            "Narrow the filters, or download CSV, which has no limit.")


# Responses ------------------------------------------------------------------------------------------

def respond(request: Request, db: Session, actor: User, name: str, columns: Sequence[Column], source: RowSource,
            *, title: str | None = None):
    """The download the query string asks for (?format=csv, the default, or xlsx) of every row of `source`."""
    fmt = request.query_params.get("format", "csv").strip().lower() or "csv"
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format '{fmt[:20]}': use format=csv or format=xlsx.",
                           field_errors={"format": "csv or xlsx"})
    zone = zone_of(actor)
    filename = f"{name}-{utcnow().astimezone(zone).date().isoformat()}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "private, no-store"}
    if fmt == "xlsx":
        return _xlsx_response(db, columns, source, zone, title or name.replace("-", " ").capitalize(), headers)
    factory = request.app.state.sessionmaker

    def chunks() -> Iterator[bytes]:
        # The request's own session is closed once the view returns: the stream reads in its own unit of work.
        with unit_of_work(factory) as session:
            yield from csv_chunks(columns, source.rows(session), zone)

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers=headers)


def _xlsx_response(db: Session, columns: Sequence[Column], source: RowSource, zone: tzinfo, title: str,
                   headers: dict[str, str]) -> StreamingResponse:
    # Built before answering, so that a refusal (too many rows) is a clear error page, not a broken download.
    matching = source.count(db)
    if not xlsx_holds(matching):
        raise InvalidInput(_too_many(matching))
    out = tempfile.TemporaryFile()
    try:
        write_xlsx(columns, source.rows(db), zone, title, out)
    except BaseException:
        out.close()
        raise
    size = out.tell()
    out.seek(0)

    def chunks() -> Iterator[bytes]:
        with out:
            while chunk := out.read(1024 * 1024):
                yield chunk

    return StreamingResponse(chunks(), media_type=XLSX_TYPE, headers={**headers, "Content-Length": str(size)})


def export_url(request: Request, path: str, fmt: str) -> str:
    """The download link of a list: the list's own query (the export ignores its page) and the format.

    Kept whole, blanks included: on the pipeline list an empty query means the open deals, while a blank
    outcome means every outcome."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    return f"{path}?{urlencode([*params, ('format', fmt)])}"


def xlsx_holds(rows: int) -> bool:
    """Whether an XLSX sheet can take this many rows below its header."""
    return rows <= XLSX_MAX_ROWS - 1


templates.env.globals.setdefault("export_url", export_url)
templates.env.globals.setdefault("xlsx_holds", xlsx_holds)
