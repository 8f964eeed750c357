"""Sell-out files through the services: matching, all-or-nothing checks, re-uploads, review and visibility."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound, NotPermitted
from channelbase.sellout import review, service
from channelbase.sellout.models import FileStatus, Kind, LineState, SelloutFile, SelloutLine
from channelbase.sellout.rows import Options
from tests.sellout.conftest import DELTA_MAPPING, DELTA_ROWS, OCTOBER, atlas_workbook, delta_file


def _lines(db, file_id: int) -> list[SelloutLine]:
    return list(db.scalars(select(SelloutLine).where(SelloutLine.file_id == file_id).order_by(SelloutLine.row_number)))


def _import_delta(db, who, content: bytes | None = None, month=OCTOBER, **kwargs):
    _prepared, file = service.import_file(db, who, kwargs.pop("distributor", None) or who.partner_id, month,
                                          "delta-2026-10.csv", content or delta_file(), mapping=DELTA_MAPPING, **kwargs)
    return file


def test_a_semicolon_file_with_decimal_commas_is_matched_by_tax_id_domain_name_and_similar_name(db, channel):
    file = _import_delta(db, channel.dora)
    lines = _lines(db, file.id)
    assert [line.row_number for line in lines] == [2, 3, 4, 5, 6]
    first, second, third, ghost, _ = lines
    assert (first.reseller_partner_id, first.reseller_reason) == (channel.abertas, "tax id")
    assert (first.account_id, first.customer_reason) == (channel.accounts["metalurgica"], "tax id")
    assert (first.product_id, first.product_reason) == (channel.products["ELS-STD-1Y"], "sku")
    assert (first.amount_minor, first.currency, first.quantity) == (123456, "BRL", 2)
    assert first.invoice_date.isoformat() == "2026-10-03"  # day first, as the file's 15/10 and 20/10 prove
    assert (second.reseller_reason, second.customer_reason) == ("same name", "domain")
    assert second.account_id == channel.accounts["horizonte"] and second.amount_minor == 1_000_000
    assert second.product_id == channel.products["KPP-1Y"]  # the SKU whatever its case
    assert third.reseller_partner_id == channel.abertas and third.reseller_reason.startswith("similar name ")
    assert 80 <= int(third.reseller_reason.rsplit(" ", 1)[1]) < 100
    assert (third.account_id, third.customer_reason) == (channel.accounts["horizonte"], "same name")
    assert (ghost.reseller_partner_id, ghost.account_id, ghost.product_id) == (None, None, None)
    assert [line.state for line in lines] == [LineState.MATCHED] * 3 + [LineState.REVIEW] * 2
    assert (file.status, file.line_count, file.matched_lines, file.review_lines) == (FileStatus.IMPORTED, 5, 3, 2)


def test_an_xlsx_file_with_real_dates_and_numbers_is_matched(db, channel):
    prepared, file = service.import_file(db, channel.carla, channel.atlas, "2026-10", "atlas.xlsx", atlas_workbook())
    assert prepared.mapping["reseller_tax_id"] == "Reseller RFC"  # suggested from the headers
    bravo, northwind = _lines(db, file.id)
    assert (bravo.reseller_partner_id, bravo.reseller_reason) == (channel.bravo, "tax id")
    assert (bravo.account_id, bravo.customer_reason) == (channel.accounts["regia"], "same name")
    assert (bravo.quantity, bravo.amount_minor, bravo.currency) == (10, 450050, "MXN")
    assert bravo.invoice_date.isoformat() == "2026-10-07"
    assert northwind.reseller_partner_id == channel.northwind and northwind.customer_reason == "domain"
    assert northwind.amount_minor == 79900 and northwind.state == LineState.MATCHED


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(db, channel):
    rows = [list(row) for row in DELTA_ROWS]
    rows[0][8] = "12,3,4"        # amount
    rows[1][9] = "REAL"          # currency
    rows[2][10] = "31/09/2026"   # no such date
    rows[3][0] = ""              # reseller
    rows[4][10] = "05/11/2026"   # another month
    with pytest.raises(service.SelloutRejected) as rejected:
        _import_delta(db, channel.dora, delta_file(rows))
    found = {(e.row, e.column): e.message for e in rejected.value.prepared.errors}
    assert set(found) == {(2, "Valor"), (3, "Moeda"), (4, "Data da Fatura"), (5, "Revenda"), (6, "Data da Fatura")}
    assert found[(2, "Valor")].startswith("bad amount")
    assert "unknown currency 'REAL'" in found[(3, "Moeda")]
    assert "bad date '31/09/2026'" in found[(4, "Data da Fatura")]
    assert found[(5, "Revenda")] == "missing reseller"
    assert "not in the file's month (October 2026)" in found[(6, "Data da Fatura")]
    assert db.scalar(select(func.count()).select_from(SelloutFile)) == 0
    assert db.scalar(select(func.count()).select_from(SelloutLine)) == 0


def test_the_same_file_again_is_refused_and_a_corrected_file_replaces_the_month_once_confirmed(db, channel):
    first = _import_delta(db, channel.dora)
    with pytest.raises(Duplicate, match="already imported"):
        _import_delta(db, channel.dora)
    corrected = delta_file(DELTA_ROWS[:2])
    with pytest.raises(Conflict, match="Confirm to replace"):
        _import_delta(db, channel.dora, corrected)
    second = _import_delta(db, channel.dora, corrected, replace=True)
    assert first.status == FileStatus.REPLACED and second.status == FileStatus.IMPORTED
    assert _lines(db, first.id) == [] and len(_lines(db, second.id)) == 2


def test_the_web_steps_store_check_and_commit_the_upload(db, channel):
    file = service.upload_file(db, channel.dora, channel.delta, "2026-10", "delta.csv", delta_file())
    assert file.status == FileStatus.UPLOADED and file.mapping["reseller"] == "Revenda"
    assert service.upload_file(db, channel.dora, channel.delta, "2026-10", "delta.csv", delta_file()).id == file.id
    with pytest.raises(InvalidInput, match="amount"):
        service.check_file(db, channel.dora, file.id, {**DELTA_MAPPING, "amount": ""}, Options())
    prepared = service.check_file(db, channel.dora, file.id, DELTA_MAPPING, Options())
    assert prepared.ok and file.status == FileStatus.CHECKED and file.line_count == 5
    assert prepared.unmatched() == {Kind.RESELLER: 1, Kind.CUSTOMER: 1, Kind.PRODUCT: 1}
    assert _lines(db, file.id) == []  # the check writes no line
    service.commit_file(db, channel.dora, file.id)
    assert file.status == FileStatus.IMPORTED and len(_lines(db, file.id)) == 5
    assert service.saved_mapping(db, channel.dora, channel.delta).columns == DELTA_MAPPING


def test_review_resolves_a_text_once_for_the_file_and_remembers_it_for_the_next(db, channel):
    file = _import_delta(db, channel.dora)
    groups = review.review_groups(db, channel.lucia, file.id, Kind.RESELLER)
    assert [(g.key, g.lines, g.quantity) for g in groups] == [("revendafantasma", 2, 5)]
    assert review.resolve(db, channel.lucia, file.id, Kind.RESELLER, "revendafantasma", channel.abertas) == 2
    review.resolve(db, channel.lucia, file.id, Kind.CUSTOMER, "padariadoze", None)  # not an account we track
    assert file.review_lines == 2  # the product is still unknown
    review.resolve(db, channel.lucia, file.id, Kind.PRODUCT, "xyz-999", channel.products["TRN-EXAM"])
    ghosts = _lines(db, file.id)[3:]
    assert {(g.reseller_partner_id, g.reseller_reason, g.customer_reason, g.state) for g in ghosts} == {
        (channel.abertas, "review", "not tracked", LineState.MATCHED)}
    assert (file.review_lines, file.matched_lines) == (0, 5)
    november = [["Revenda Fantasma", "", "Padaria do Ze", "", "", "BR", "XYZ-999", "1", "10,00", "BRL", "02/11/2026"]]
    _prepared, next_file = service.import_file(db, channel.dora, channel.delta, "2026-11", "delta-11.csv",
                                               delta_file(november))
    line = _lines(db, next_file.id)[0]
    assert (line.reseller_partner_id, line.reseller_reason) == (channel.abertas, "alias")
    assert (line.account_id, line.customer_reason) == (None, "not tracked")
    assert (line.product_id, line.product_reason, line.state) == (channel.products["TRN-EXAM"], "alias", "matched")


def test_review_is_for_staff_who_see_the_distributor_and_targets_they_see(db, channel):
    file = _import_delta(db, channel.dora)
    with pytest.raises(NotPermitted):
        review.review_groups(db, channel.dora, file.id, Kind.RESELLER)
    with pytest.raises(NotFound):
        review.review_groups(db, channel.nathan, file.id, Kind.RESELLER)  # North America: not Delta's manager
    with pytest.raises(NotFound):
        review.resolve(db, channel.lucia, file.id, Kind.RESELLER, "revendafantasma", channel.northwind)


def test_a_distributor_user_sees_only_its_own_files_and_resellers_see_none(db, channel):
    delta_file_ = _import_delta(db, channel.dora)
    _prepared, atlas_file = service.import_file(db, channel.carla, channel.atlas, "2026-10", "atlas.xlsx",
                                                atlas_workbook())
    listed = service.list_files(db, channel.carla, service.FileFilter())
    assert [f.id for f in listed.items] == [atlas_file.id]
    with pytest.raises(NotFound):
        service.get_file(db, channel.carla, delta_file_.id)
    with pytest.raises(NotFound):
        service.file_lines(db, channel.carla, delta_file_.id)
    with pytest.raises(NotFound):  # nor upload for another distributor
        service.upload_file(db, channel.carla, channel.delta, "2026-10", "x.csv", delta_file())
    with pytest.raises(NotPermitted):
        service.list_files(db, channel.ana, service.FileFilter())
    assert {f.id for f in service.list_files(db, channel.lucia, service.FileFilter()).items} == {
        delta_file_.id, atlas_file.id}
    assert service.list_files(db, channel.nathan, service.FileFilter()).items == []
