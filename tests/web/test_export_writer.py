"""The one CSV/XLSX writer every list export uses: typed cells, formula injection made inert, the sheet limit."""

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from channelbase.core.errors import InvalidInput
from channelbase.web import exports
from channelbase.web.exports import Column, csv_chunks, neutralise, when, write_xlsx

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
AT = datetime(2026, 11, 27, 13, 30, tzinfo=timezone.utc)  # 10:30 in São Paulo
COLUMNS = [Column("Name", lambda r: r["name"]), Column("Amount", lambda r: r["amount"]),
           Column("Count", lambda r: r["count"]), Column("Priority", lambda r: r["priority"]),
           Column("Close", lambda r: r["close"]), when("Changed", lambda r: r["changed"]),
           Column("Note", lambda r: r["note"])]
ROW = {"name": "Soluções Tecnología", "amount": Decimal("-1234.50"), "count": -3, "priority": True,
       "close": date(2026, 12, 31), "changed": AT, "note": None}


def _csv(rows, columns=COLUMNS, zone=SAO_PAULO) -> tuple[bytes, list[list[str]]]:
    data = b"".join(csv_chunks(columns, rows, zone))
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx(rows, columns=COLUMNS, zone=SAO_PAULO):
    out = io.BytesIO()
    write_xlsx(columns, rows, zone, "Partners", out)
    return load_workbook(io.BytesIO(out.getvalue())).active


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Soluções Abertas", "a=b", "", "'quoted", "100%"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


def test_csv_starts_with_a_bom_and_writes_each_type_plainly():
    data, rows = _csv([ROW])
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["Name", "Amount", "Count", "Priority", "Close", "Changed (America/Sao_Paulo)", "Note"]
    # Negative numbers are numbers, not formulas: no apostrophe.
    assert rows[1] == ["Soluções Tecnología", "-1234.50", "-3", "Yes", "2026-12-31", "2026-11-27 10:30", ""]


def test_csv_neutralises_formulas_and_never_writes_exponents():
    columns = [Column("Name", lambda r: r[0]), Column("Rate", lambda r: r[1])]
    _, rows = _csv([('=HYPERLINK("http://x","y")', Decimal("1E+3")), ("-cmd", Decimal("0.1864"))], columns)
    assert rows[1:] == [["'=HYPERLINK(\"http://x\",\"y\")", "1000"], ["'-cmd", "0.1864"]]


def test_csv_streams_in_chunks_not_one_write_per_row():
    rows = [{**ROW, "name": f"Partner {n:06d}"} for n in range(5000)]
    chunks = list(csv_chunks(COLUMNS, rows, SAO_PAULO))
    assert 1 < len(chunks) < 100
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 5001


def test_xlsx_has_a_bold_frozen_header_and_typed_cells():
    sheet = _xlsx([ROW])
    header, row = list(sheet.iter_rows(min_row=1, max_row=2))
    assert [c.value for c in header][:2] == ["Name", "Amount"] and all(c.font.bold for c in header)
    assert sheet.freeze_panes == "A2"
    name, amount, count, priority, close, changed, note = row
    assert name.value == "Soluções Tecnología"
    assert amount.data_type == "n" and amount.value == Decimal("-1234.50") and amount.number_format == "#,##0.00"
    assert count.data_type == "n" and count.value == -3
    assert priority.value == "Yes"
    assert close.is_date and close.value == datetime(2026, 12, 31)
    assert changed.is_date and changed.value == datetime(2026, 11, 27, 10, 30)  # the reader's wall clock
    assert note.value is None


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-1+2", "#N/A"])
def test_xlsx_text_is_a_plain_string_never_a_formula_or_an_error(text):
    cell = next(_xlsx([{**ROW, "name": text}]).iter_rows(min_row=2, max_row=2))[0]
    assert cell.data_type == "s"
    assert cell.value == neutralise(text)
    assert not str(cell.value).startswith("=")


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    cell = next(_xlsx([{**ROW, "name": "Bell\x07 Partner\x00"}]).iter_rows(min_row=2, max_row=2))[0]
    assert cell.value == "Bell Partner"


def test_xlsx_refuses_rows_beyond_the_sheet_limit(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # the header and two rows
    _xlsx([ROW, ROW])
    with pytest.raises(InvalidInput, match="more than an XLSX sheet holds"):
        _xlsx([ROW, ROW, ROW])
