"""Sell-out reports in the reporting currency (USD here), to the cent, and sell-out per partner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from channelbase.core.errors import NotPermitted
from channelbase.core.money import Money
from channelbase.deals.fx import MissingRate
from channelbase.sellout import service
from channelbase.sellout.reports import ReportFilter, report_csv, sellout_by_partner, sellout_report
from tests.sellout.conftest import DELTA_MAPPING, atlas_workbook, delta_file

NOVEMBER_ROW = ["Soluções Abertas", "", "Banco Horizonte", "", "", "BR", "KPP-1Y", "1", "10,00", "BRL", "02/11/2026"]


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


@pytest.fixture
def imported(db, channel):
    """Delta's October file (BRL and USD lines at 0.18), Atlas's (MXN at 0.05, USD), Delta's November (BRL at 0.20)."""
    service.import_file(db, channel.dora, channel.delta, "2026-10", "delta-10.csv", delta_file(), mapping=DELTA_MAPPING)
    service.import_file(db, channel.carla, channel.atlas, "2026-10", "atlas.xlsx", atlas_workbook())
    service.import_file(db, channel.dora, channel.delta, "2026-11", "delta-11.csv", delta_file([NOVEMBER_ROW]),
                        mapping=DELTA_MAPPING)
    return channel


def test_by_reseller_converts_each_line_at_its_dates_rate_and_rounds_each_figure_once(db, imported):
    report = sellout_report(db, imported.admin, ReportFilter(by="reseller", end=date(2026, 10, 31)))
    rows = {row.label: (row.lines, row.quantity, row.amount) for row in report.rows}
    # 1,234.56 x 0.18 = 222.2208; 10,000.00 x 0.18 = 1,800; 500 USD: 2,522.2208
    assert rows["Soluções Abertas Ltda."] == (3, 6, usd("2522.22"))
    assert rows["Nube Bravo S.A. de C.V."] == (1, 10, usd("225.02"))  # 4,500.50 x 0.05 = 225.025: half to even
    assert rows["Northwind Systems Inc."] == (1, 1, usd("799.00"))
    assert rows["Not matched yet"] == (2, 5, usd("89.91"))  # (99.90 + 399.60) x 0.18
    # The exact total (3,636.1558) rounded once: a cent more than the rows' rounded figures add up to.
    assert (report.lines, report.total) == (7, usd("3636.16"))
    assert [row.label for row in report.rows][0] == "Soluções Abertas Ltda."  # the largest first


def test_filters_by_distributor_and_period_and_groups_by_product_and_month(db, imported):
    delta = sellout_report(db, imported.lucia, ReportFilter(by="product", distributor_id=imported.delta))
    products = {row.label.split(" — ")[0]: row.amount for row in delta.rows}
    assert products == {"ELS-STD-1Y": usd("722.22"), "KPP-1Y": usd("1802.00"), "Not matched yet": usd("89.91")}
    assert delta.total == usd("2614.13")  # 2,612.1308 in October + 2.00 in November (10.00 BRL at 0.20)
    months = sellout_report(db, imported.admin, ReportFilter(by="month"))
    assert [(row.label, row.amount) for row in months.rows] == [("2026-10", usd("3636.16")), ("2026-11", usd("2.00"))]
    november = sellout_report(db, imported.admin, ReportFilter(by="month", start=date(2026, 11, 1)))
    assert november.total == usd("2.00")
    assert sellout_report(db, imported.nathan, ReportFilter()).rows == []  # no distributor of his


def test_the_csv_has_the_same_figures(db, imported):
    text = report_csv(sellout_report(db, imported.admin, ReportFilter(by="month")))
    assert text.splitlines() == ["Month,Lines,Quantity,Sell-out (USD)", "2026-10,7,22,3636.16", "2026-11,1,1,2.00",
                                 "Total,8,23,3638.16"]


def test_sellout_by_partner_credits_the_resellers_the_actor_sees(db, imported):
    october = (date(2026, 10, 1), date(2026, 10, 31))
    assert sellout_by_partner(db, imported.admin, *october) == {
        imported.abertas: usd("2522.22"), imported.bravo: usd("225.02"), imported.northwind: usd("799.00")}
    assert sellout_by_partner(db, imported.lucia, *october) == {imported.abertas: usd("2522.22"),
                                                                 imported.bravo: usd("225.02")}
    assert sellout_by_partner(db, imported.ana, date(2026, 10, 1), date(2026, 11, 30)) == {
        imported.abertas: usd("2524.22")}


def test_a_missing_rate_is_an_error_never_one_to_one(db, channel):
    row = ["Soluções Abertas", "", "Banco Horizonte", "", "", "BR", "KPP-1Y", "1", "1000", "CLP", "02/10/2026"]
    service.import_file(db, channel.dora, channel.delta, "2026-10", "clp.csv", delta_file([row]), mapping=DELTA_MAPPING)
    with pytest.raises(MissingRate, match="No CLP→USD FX rate effective on 2026-10-02"):
        sellout_report(db, channel.admin, ReportFilter())


def test_reports_are_for_staff(db, imported):
    with pytest.raises(NotPermitted):
        sellout_report(db, imported.dora, ReportFilter())
