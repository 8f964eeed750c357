"""Reading POS rows: decimal marks, day/month order, one currency for a file, and the problems reported."""

from __future__ import annotations

from datetime import date

import pytest

from channelbase.core.errors import InvalidInput
from channelbase.imports.reader import read_sheet
from channelbase.sellout.rows import DateReader, Options, checked_mapping, decimal_comma_for, parse_rows

HEADER = ["Reseller", "End Customer", "SKU", "Qty", "Amount", "Invoice Date"]
MAPPING = {"reseller": "Reseller", "customer": "End Customer", "sku": "SKU", "quantity": "Qty", "amount": "Amount",
           "invoice_date": "Invoice Date"}
OCTOBER = date(2026, 10, 1)


def _parse(rows: list[list[str]], delimiter: str = "\t", options: Options = Options(currency="BRL")):
    text = "\n".join(delimiter.join(row) for row in [HEADER, *rows])
    sheet = read_sheet("pos.csv", text.encode())
    mapping = checked_mapping(MAPPING, sheet, options)
    return parse_rows(sheet, mapping, options, OCTOBER,
                      decimal_comma=decimal_comma_for("csv", text.split("\n")[0], options))


def test_amounts_as_distributors_write_them():
    parsed = _parse([["A", "B", "S", "1", "(1.234,56)", "2026-10-01"], ["A", "B", "S", "-2", "R$ 1.234,56", "2026-10-02"]],
                    delimiter=";")
    assert [(row.quantity, row.amount_minor) for row in parsed.rows] == [(1, -123456), (-2, 123456)]


def test_an_ambiguous_amount_is_refused_unless_the_decimal_mark_is_said():
    ambiguous = _parse([["A", "B", "S", "1", "1.234", "2026-10-01"]])  # a tab file: no decimal mark implied
    assert ambiguous.errors[0].column == "Amount" and "ambiguous" in ambiguous.errors[0].message
    said = _parse([["A", "B", "S", "1", "1.234", "2026-10-01"]], options=Options(decimal="point", currency="BRL"))
    assert said.errors[0].message.startswith("bad amount: BRL amounts have at most 2 decimals")
    assert _parse([["A", "B", "S", "1", "1.234", "2026-10-01"]],
                  options=Options(decimal="comma", currency="BRL")).rows[0].amount_minor == 123400


def test_quantities_are_whole_units():
    parsed = _parse([["A", "B", "S", "2.5", "10.00", "2026-10-01"]])
    assert parsed.errors[0].message == "bad quantity '2.5': use a whole number of units"


@pytest.mark.parametrize("texts, order", [
    (["03/10/2026", "25/10/2026"], "dmy"),       # a day past 12 first
    (["10/03/2026", "10/25/2026"], "mdy"),       # a day past 12 second
    (["10/03/2026", "10/05/2026"], "mdy"),       # only month first puts them all in October
    (["03/10/2026", "05/10/2026"], "dmy"),
])
def test_the_day_month_order_is_worked_out_from_the_file(texts, order):
    assert DateReader("auto", OCTOBER, texts).order == order


def test_a_file_without_a_currency_column_needs_one_currency():
    text = "\n".join("\t".join(row) for row in [HEADER, ["A", "B", "S", "1", "10.00", "2026-10-01"]])
    sheet = read_sheet("pos.csv", text.encode())
    with pytest.raises(InvalidInput, match="say which currency every amount is in"):
        checked_mapping(MAPPING, sheet, Options())
    assert _parse([["A", "B", "S", "1", "10.00", "2026-10-01"]]).rows[0].currency == "BRL"
    with pytest.raises(InvalidInput, match="'RE' is not an ISO 4217"):
        Options.from_dict({"currency": "re"})
