"""Malformed and unusual files: each gets one clear sentence, or is read right."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from channelbase.core.errors import InvalidInput
from channelbase.imports.reader import MAX_COLUMNS, read_sheet


def test_csv_with_semicolons_a_bom_blank_lines_and_quoted_commas():
    data = "\ufeffNome;País;Site\r\n\"Silva, Souza & Cia\";BR;silva.com.br\r\n;;\r\nOutra;BR;\r\n".encode("utf-8")
    sheet = read_sheet("c.csv", data)
    assert sheet.headers == ["Nome", "País", "Site"]
    assert sheet.rows == [["Silva, Souza & Cia", "BR", "silva.com.br"], ["Outra", "BR", ""]]
    assert sheet.row_numbers == [2, 4]  # the blank line keeps its number


def test_an_xlsx_workbook_reads_like_the_csv(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Account Name", "Employees", "Since"])
    sheet.append(["Soluções Ágeis", 120, None])
    sheet.append(["=HYPERLINK(\"http://x\",\"y\")", 3.5, None])
    out = io.BytesIO()
    book.save(out)
    read = read_sheet("book.xlsx", out.getvalue())
    assert read.headers == ["Account Name", "Employees", "Since"]
    # A formula comes in as the value Excel last computed for it (none here: openpyxl computes nothing),
    # never as the formula itself.
    assert read.rows == [["Soluções Ágeis", "120", ""], ["", "3.5", ""]]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a CSV or XLSX file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel (.xls) file"),
    (b"PK\x03\x04 this is no workbook", "not a readable XLSX workbook"),
    ("Name,País\nJosé,BR\n".encode("cp1252"), "not UTF-8 text (line 1 has the byte 0xed)"),
    (b"Name,Name\nA,B\n", "two columns named 'Name' (columns A and B)"),
    (b"Name,Country\n", "has a header row but no rows to import"),
    (b"Name\n\"" + b"x" * 200_000 + b"\"\n", "not a readable CSV file"),
])
def test_unreadable_files_get_one_clear_sentence(data, message):
    with pytest.raises(InvalidInput) as caught:
        read_sheet("upload.csv", data)
    assert message in caught.value.message


def test_a_million_columns_is_refused_before_anything_else():
    data = (",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 10 + "\n").encode()
    with pytest.raises(InvalidInput) as caught:
        read_sheet("wide.csv", data)
    assert f"has 1,000,000 columns; at most {MAX_COLUMNS} can be imported" in caught.value.message


def test_a_file_in_windows_encoding_reads_when_its_encoding_is_named():
    data = "Name,País\nJosé Peña Ltda.,BR\n".encode("cp1252")
    assert read_sheet("w.csv", data, encoding="cp1252").rows == [["José Peña Ltda.", "BR"]]
    with pytest.raises(InvalidInput, match="Unknown encoding 'ebcdic'"):
        read_sheet("w.csv", data, encoding="ebcdic")


def test_a_row_with_more_cells_than_the_header_is_a_problem_of_that_row():
    sheet = read_sheet("r.csv", b"Name,Country\nA,BR\nB,MX,extra\nC,CL,\n")
    assert sheet.rows == [["A", "BR"], ["C", "CL"]]  # an empty trailing cell is no problem
    assert sheet.problems == [(3, "has 3 cells but the header has 2 columns")]
