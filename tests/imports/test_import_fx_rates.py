"""FX rates through the generic importer: mapped headers in Spanish, a decimal comma, XLSX dates, every bad row
reported with nothing written, a second import changing nothing, a corrected rate updated and audited; admins only."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import NotPermitted
from channelbase.deals import fx
from channelbase.deals.models import FxRate
from channelbase.imports.models import ImportStatus

from tests.imports.helpers import count, csv_bytes, run_import

HEADER = ["Moneda", "Fecha", "Tipo de cambio"]


def _rates(db, currency: str) -> list[tuple[date, Decimal, str]]:
    rows = db.execute(select(FxRate.effective_date, FxRate.rate, FxRate.source)
                      .where(FxRate.currency == currency).order_by(FxRate.effective_date))
    return [(day, Decimal(rate).normalize(), source) for day, rate, source in rows]


def test_rates_import_with_mapped_headers_and_a_second_import_changes_nothing(session_factory, db, actor):
    rows = [["BRL", "2031-01-01", "0,1975"], ["mxn", "2031-01-01", "0,0583"], ["BRL", "2031-02-01", "0,2010"]]
    data = csv_bytes(HEADER, rows, delimiter=";")
    run = run_import(session_factory, actor("admin"), "fx_rates", data, filename="tasas.csv")
    assert run.status == ImportStatus.DONE, run.errors
    assert run.mapping == {"currency": "Moneda", "effective_date": "Fecha", "rate": "Tipo de cambio"}
    assert (run.created, run.updated, run.unchanged) == (3, 0, 0)
    db.expire_all()
    assert _rates(db, "BRL") == [(date(2031, 1, 1), Decimal("0.1975"), "import"),
                                 (date(2031, 2, 1), Decimal("0.201"), "import")]
    assert fx.rate_on(db, "MXN", date(2031, 3, 15)).rate == Decimal("0.0583")
    created = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "fx_rates",
                                                  AuditEntry.action == "create")).all()
    assert len(created) >= 3 and all(entry.after["import_run"] == run.id for entry in created[-3:])

    again = run_import(session_factory, actor("admin"), "fx_rates", data, filename="tasas.csv")
    assert (again.status, again.created, again.updated, again.unchanged) == (ImportStatus.DONE, 0, 0, 3)

    rows[2][2] = "0,2050"  # the February rate corrected
    fixed = run_import(session_factory, actor("admin"), "fx_rates", csv_bytes(HEADER, rows, delimiter=";"))
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 2)
    db.expire_all()
    assert _rates(db, "BRL")[1] == (date(2031, 2, 1), Decimal("0.205"), "import")
    change = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "fx_rates", AuditEntry.action == "update")
                        .order_by(AuditEntry.id.desc())).first()
    assert Decimal(str(change.before["rate"])) == Decimal("0.201")
    assert Decimal(str(change.after["rate"])) == Decimal("0.205") and change.after["import_run"] == fixed.id


def test_every_bad_rate_is_reported_by_row_and_column_and_nothing_is_written(session_factory, db, actor):
    before = count(db, FxRate)
    rows = [["BRL", "2031-05-01", "0.19"],          # good
            [fx.reporting_currency(), "2031-05-01", "1"],
            ["XYZ", "2031-05-01", "2"],
            ["BRL", "01/05/2031", "0.19"],
            ["CLP", "2031-05-01", "-0.001"],
            ["COP", "2031-05-01", "0.0001234567891"],
            ["ARS", "1931-05-01", "0.001"],
            ["BRL", "2031-05-01", "0.2"],           # the same currency and date as row 2
            ["CAD", "2031-05-01", ""]]
    run = run_import(session_factory, actor("admin"), "fx_rates",
                     csv_bytes(["Currency", "Effective date", "Exchange rate"], rows))
    assert run.status == ImportStatus.FAILED
    problems = [(error["row"], error["column"]) for error in run.errors]
    assert problems == [(3, "Currency"), (4, "Currency"), (5, "Effective date"), (6, "Exchange rate"),
                        (7, "Exchange rate"), (8, "Effective date"), (9, ""), (10, "Exchange rate")]
    messages = {error["row"]: error["message"] for error in run.errors}
    assert "reporting currency" in messages[3]
    assert "YYYY-MM-DD" in messages[5]
    assert "greater than 0" in messages[6]
    assert "decimals" in messages[7]
    assert "before 1990" in messages[8]
    assert "row 2" in messages[9]
    assert "required" in messages[10]
    assert count(db, FxRate) == before


def test_an_xlsx_of_rates_with_date_cells_and_number_rates_imports(session_factory, db, actor):
    book = Workbook()
    sheet = book.active
    sheet.append(["Currency", "Date", "Rate"])
    sheet.append(["CAD", datetime(2031, 7, 1), 0.73])
    sheet.append(["COP", date(2031, 7, 1), 0.00025])
    buffer = io.BytesIO()
    book.save(buffer)
    run = run_import(session_factory, actor("admin"), "fx_rates", buffer.getvalue(), filename="rates.xlsx")
    assert (run.status, run.created) == (ImportStatus.DONE, 2), run.errors
    db.expire_all()
    assert _rates(db, "CAD")[-1] == (date(2031, 7, 1), Decimal("0.73"), "import")
    assert _rates(db, "COP")[-1] == (date(2031, 7, 1), Decimal("0.00025"), "import")


def test_only_admins_import_rates(session_factory, db, actor):
    with pytest.raises(NotPermitted, match="Only admins may import FX rates"):
        run_import(session_factory, actor("lucia"), "fx_rates", csv_bytes(HEADER, [["BRL", "2031-01-01", "0.2"]]))
