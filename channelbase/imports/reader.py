"""Reading an uploaded CSV or XLSX file into a header and rows of text, or one clear error (no database here).

Rows are numbered as a spreadsheet shows them: the header is row 1. Blank lines are skipped but keep their
numbers, so a reported row is the row people see when they open the file. What is refused, and why:
- a file that is not text or a workbook (NUL bytes, an old .xls, an image): nothing in it can be read safely;
- text that is not UTF-8 (unless an encoding is given): guessing turns "São" into "SÃ£o" without a word;
- more than MAX_COLUMNS columns or a cell longer than MAX_CELL: junk, or a file glued onto one line;
- two columns with the same name: a mapping could not say which one it means.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from channelbase.core.errors import InvalidInput

MAX_BYTES = 200_000_000
MAX_COLUMNS = 500
MAX_CELL = 10_000
MAX_ROWS = 1_000_000
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "cp1252", "latin-1", "utf-16")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container


@dataclass
class Sheet:
    """A file's header and its non-blank rows, each exactly as wide as the header: read all at once
    (`read_sheet`), or as they are checked (`open_sheet`, then `numbered()` once)."""

    filename: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    # (row, message) for rows that could not be laid out under the header (more cells than columns)
    problems: list[tuple[int, str]] = field(default_factory=list)
    estimated_rows: int = 0
    pending: Iterator[tuple[int, list[str]]] | None = None  # the rows not read yet (open_sheet)
    close: Callable[[], None] | None = None

    def numbered(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every row: the ones read already, then the rest as they are read."""
        yield from zip(self.row_numbers, self.rows)
        if self.pending is not None:
            pending, self.pending = self.pending, None
            try:
                yield from _laid_out(self, pending)
            finally:
                if self.close:
                    self.close()

    def column_index(self, header: str) -> int | None:
        wanted = header.strip().casefold()
        for index, name in enumerate(self.headers):
            if name.strip().casefold() == wanted:
                return index
        return None


def read_sheet(filename: str, data: bytes, *, encoding: str | None = None) -> Sheet:
    """The whole file as a Sheet; InvalidInput with one clear sentence when it cannot be read as a table."""
    sheet = open_sheet(filename, data, encoding=encoding)
    numbers, rows = sheet.row_numbers, sheet.rows
    for number, row in list(sheet.numbered()):
        numbers.append(number)
        rows.append(row)
    return sheet


def open_sheet(filename: str, data: bytes, *, encoding: str | None = None) -> Sheet:
    """The file's header, checked; its rows are read when `numbered()` is walked (an import checks each row
    as it is read, while the rows before it are written). InvalidInput as read_sheet, later for the rows."""
    if not data:
        raise InvalidInput(f"{filename} is empty: it needs a header row and at least one row.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{filename} is {len(data) / 1e6:.0f} MB; the limit is {MAX_BYTES // 1_000_000} MB: "
                           "split it into smaller files.")
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(filename, data)
    if data.startswith(_OLE_MAGIC):
        raise InvalidInput(f"{filename} is an old Excel (.xls) file: save it as .xlsx or as CSV UTF-8 and try again.")
    text = decode(filename, data, encoding)
    return _read_csv(filename, text)


def decode(filename: str, data: bytes, encoding: str | None = None) -> str:
    if encoding:
        if encoding.lower() not in ENCODINGS:
            raise InvalidInput(f"Unknown encoding '{encoding}': use one of {', '.join(ENCODINGS)}.")
        return data.decode(encoding.lower(), errors="strict").lstrip("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:65536]:
        raise InvalidInput(f"{filename} is not a CSV or XLSX file (it holds binary data).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"{filename} is not UTF-8 text (line {line} has the byte 0x{data[exc.start]:02x}). Save it as "
            "\"CSV UTF-8\", or choose its encoding (Windows Excel in the Americas usually writes cp1252).",
            field_errors={"encoding": "not UTF-8"}) from None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter seen most often in the header line outside quotes (',' for a one-column file)."""
    unquoted = "".join(part for i, part in enumerate(header_line.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(filename: str, text: str) -> Sheet:
    first_line = text[:text.find("\n")] if "\n" in text else text
    csv.field_size_limit(MAX_CELL * 10)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line.split("\r")[0]))

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise InvalidInput(f"{filename} is not a readable CSV file (line {reader.line_num}: {exc}).") from None
    rows = numbered()
    sheet = Sheet(filename, _header(filename, rows), pending=rows)
    sheet.estimated_rows = max(text.count("\n") - 1, 1)
    return sheet


def _read_xlsx(filename: str, data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{filename} is not a readable XLSX workbook ({exc}).") from None
    try:
        worksheet = workbook.worksheets[0]
        rows = enumerate(([_cell_text(value) for value in row] for row in worksheet.iter_rows(values_only=True)),
                         start=1)
        sheet = Sheet(filename, _header(filename, rows), pending=rows, close=workbook.close)
        sheet.estimated_rows = max((worksheet.max_row or 2) - 1, 1)
        return sheet
    except BaseException:
        workbook.close()
        raise


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _laid_out(sheet: Sheet, numbered: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows padded to the header's width; wider ones go to sheet.problems."""
    filename, width = sheet.filename, len(sheet.headers)
    count = 0
    for number, row in numbered:
        if len(row) == width:
            if not any(row):
                continue
        elif len(row) < width:
            if not any(cell.strip() for cell in row):
                continue
            row = row + [""] * (width - len(row))
        elif any(cell.strip() for cell in row[width:]):
            sheet.problems.append((number, f"has {len(row)} cells but the header has {width} columns"))
            continue
        else:
            row = row[:width]
        count += 1
        if count > MAX_ROWS:
            raise InvalidInput(f"{filename} has more than {MAX_ROWS:,} rows: split it into smaller files.")
        yield number, row
    if not count and not sheet.problems:
        raise InvalidInput(f"{filename} has a header row but no rows to import.")


def _header(filename: str, numbered: Iterator[tuple[int, list[str]]]) -> list[str]:
    for _number, row in numbered:
        if len(row) > MAX_COLUMNS:
            raise InvalidInput(f"{filename} has {len(row):,} columns; at most {MAX_COLUMNS} can be imported. "
                               "Is it really a table of rows?")
        if not any(cell.strip() for cell in row):
            continue
        headers = [cell.replace("\ufeff", "").strip() or f"Column {i + 1}" for i, cell in enumerate(row)]
        seen: dict[str, int] = {}
        for index, name in enumerate(headers):
            key = name.casefold()
            if key in seen:
                raise InvalidInput(f"{filename} has two columns named '{name}' (columns {_letters(seen[key])} and "
                                   f"{_letters(index)}): rename one.")
            seen[key] = index
        return headers
    raise InvalidInput(f"{filename} is empty: it needs a header row and at least one row.")


def _letters(index: int) -> str:
    """A column's spreadsheet letters: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


column_letters = _letters
