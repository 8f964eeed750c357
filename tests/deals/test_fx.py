"""FX rates: entry, effective-date selection, conversions that name their rate, and all-or-nothing CSV loads."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from channelbase.core.audit import AuditEntry, history
from channelbase.core.errors import NotPermitted
from channelbase.core.money import Money, MoneyError
from channelbase.deals import fx
from channelbase.deals.models import FxRate
from channelbase.deals.schemas import RateFilter

NOV, OCT, SEP = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)


def _rates(db) -> int:
    return db.scalar(select(func.count()).select_from(FxRate))


@pytest.fixture
def brl(db, actor):
    admin = actor("admin")
    fx.set_rate(db, admin, "BRL", SEP, "0.18")
    fx.set_rate(db, admin, "BRL", OCT, "0.1850")
    fx.set_rate(db, admin, "BRL", NOV, "0.1864")
    db.flush()
    return admin


# Entering rates ---------------------------------------------------------------------------------

def test_an_admin_enters_a_rate_and_the_audit_log_records_it(db, actor):
    rate = fx.set_rate(db, actor("admin"), "brl", NOV, "0.1864")
    db.flush()
    assert (rate.currency, rate.quote_currency, rate.rate, rate.source) == ("BRL", "USD", Decimal("0.1864"), "admin")
    assert [e.action for e in history(db, "fx_rates", rate.id)] == ["create"]


def test_entering_a_rate_for_the_same_day_again_corrects_it(db, actor):
    admin = actor("admin")
    first = fx.set_rate(db, admin, "BRL", NOV, "0.18")
    again = fx.set_rate(db, admin, "BRL", NOV, "0.1864")
    db.flush()
    assert first.id == again.id and again.rate == Decimal("0.1864")
    assert [e.action for e in history(db, "fx_rates", first.id)] == ["update", "create"]


@pytest.mark.parametrize("currency, rate, message", [
    ("BRL", "0", "greater than 0"),
    ("BRL", "-0.18", "greater than 0"),
    ("BRL", "0.1234567890123", "more than 12 decimals"),
    ("XXY", "0.18", "not an ISO 4217"),
    ("USD", "1", "reporting currency"),
    ("BRL", "abc", "not a number"),
])
def test_bad_rates_are_refused_and_nothing_is_written(db, actor, currency, rate, message):
    with pytest.raises(MoneyError, match=message):
        fx.set_rate(db, actor("admin"), currency, NOV, rate)
    assert _rates(db) == 0


def test_rates_never_come_from_floats(db, actor):
    with pytest.raises(MoneyError, match="float"):
        fx.set_rate(db, actor("admin"), "BRL", NOV, 0.1864)


@pytest.mark.parametrize("persona", ["lucia", "ana"])
def test_only_admins_enter_rates(db, actor, persona):
    with pytest.raises(NotPermitted):
        fx.set_rate(db, actor(persona), "BRL", NOV, "0.18")


# Choosing the rate ------------------------------------------------------------------------------

@pytest.mark.parametrize("on_date, expected", [
    (date(2026, 9, 1), date(2026, 9, 1)),
    (date(2026, 9, 30), date(2026, 9, 1)),
    (date(2026, 10, 15), date(2026, 10, 1)),
    (date(2027, 3, 1), date(2026, 11, 1)),
])
def test_the_rate_used_is_the_latest_on_or_before_the_date(db, brl, on_date, expected):
    assert fx.rate_on(db, "BRL", on_date).effective_date == expected


def test_a_date_before_the_first_rate_is_a_clear_error_not_one_to_one(db, brl):
    with pytest.raises(fx.MissingRate) as caught:
        fx.convert(db, Money("100", "BRL"), date(2026, 8, 31))
    message = caught.value.message
    assert "BRL" in message and "2026-08-31" in message and "2026-09-01" in message
    assert "channelbase fx load" in message and "FX rates page" in message
    assert caught.value.status == 422


def test_a_currency_without_rates_is_a_clear_error(db, brl):
    with pytest.raises(fx.MissingRate, match="No MXN→USD FX rate effective on 2026-11-01"):
        fx.convert(db, Money("100", "MXN"), NOV)


def test_the_reporting_currency_converts_one_to_one_and_says_so(db):
    conversion = fx.convert(db, Money("1234.56", "USD"), NOV)
    assert conversion.amount_reporting == Money("1234.56", "USD") and conversion.rate == 1
    assert "1:1 by definition" in conversion.source


def test_a_conversion_names_the_rate_it_used(db, brl):
    conversion = fx.convert(db, Money("1000.00", "BRL"), date(2026, 11, 20))
    assert conversion.amount_reporting == Money("186.40", "USD")
    assert (conversion.rate, conversion.rate_date, conversion.source) == (Decimal("0.1864"), NOV, "admin")
    assert conversion.describe() == ("1,000.00 BRL on 2026-11-20 = 186.40 USD at 0.1864 "
                                     "(rate of 2026-11-01, source admin)")


def test_conversions_round_half_to_even_to_the_reporting_minor_unit(db, actor):
    fx.set_rate(db, actor("admin"), "CLP", NOV, "0.00105")
    # 5 CLP x 0.00105 = 0.00525 USD: more than half a cent, so up
    assert fx.convert(db, Money("5", "CLP"), NOV).amount_reporting == Money("0.01", "USD")
    # 2500 CLP x 0.00105 = 2.625 USD: exactly half a cent, to the even cent
    assert fx.convert(db, Money("2500", "CLP"), NOV).amount_reporting == Money("2.62", "USD")
    assert fx.convert(db, Money("7500", "CLP"), NOV).amount_reporting == Money("7.88", "USD")  # 7.875


def test_converting_into_a_zero_decimal_reporting_currency(db, actor, monkeypatch):
    monkeypatch.setattr(fx, "reporting_currency", lambda: "CLP")
    fx.set_rate(db, actor("admin"), "USD", NOV, "950.5")
    assert fx.convert(db, Money("10", "USD"), NOV).amount_reporting == Money("9505", "CLP")
    assert fx.convert(db, Money("1", "USD"), NOV).amount_reporting == Money("950", "CLP")  # 950.5, half to even


def test_rates_of_another_reporting_currency_are_missing_not_reused(db, brl, monkeypatch):
    monkeypatch.setattr(fx, "reporting_currency", lambda: "EUR")
    with pytest.raises(fx.MissingRate, match="BRL→EUR"):
        fx.convert(db, Money("1", "BRL"), NOV)


def test_convert_many_gives_what_convert_gives_in_the_order_given(db, brl, actor):
    fx.set_rate(db, actor("admin"), "MXN", OCT, "0.05")
    db.flush()
    items = [(Money("1000", "BRL"), date(2026, 9, 15)), (Money("10", "USD"), NOV), (Money("99.99", "MXN"), NOV),
             (Money("1000", "BRL"), date(2026, 11, 2))]
    many = fx.convert_many(db, items)
    assert many == [fx.convert(db, money, on) for money, on in items]
    assert [c.amount_reporting for c in many] == [Money("180.00", "USD"), Money("10.00", "USD"),
                                                  Money("5.00", "USD"), Money("186.40", "USD")]


def test_convert_many_uses_a_single_query(db, brl):
    book_queries = []
    original = db.scalars

    def counting(*args, **kwargs):
        book_queries.append(args[0])
        return original(*args, **kwargs)

    db.scalars = counting
    fx.convert_many(db, [(Money(str(n), "BRL"), date(2026, 9 + n % 3, 5)) for n in range(500)])
    assert len(book_queries) == 1


def test_convert_many_is_all_or_nothing_and_names_the_missing_pair(db, brl):
    with pytest.raises(fx.MissingRate, match="No BRL→USD FX rate effective on 2026-01-01"):
        fx.convert_many(db, [(Money("1", "BRL"), NOV), (Money("1", "BRL"), date(2026, 1, 1))])
    assert fx.convert_many(db, []) == []


# Listing ----------------------------------------------------------------------------------------

def test_rates_list_newest_first_and_filter_by_currency_and_dates(db, brl):
    fx.set_rate(db, brl, "MXN", OCT, "0.05")
    page = fx.list_rates(db, brl, RateFilter())
    assert [(r.currency, r.effective_date) for r in page.items][:2] == [("BRL", NOV), ("BRL", OCT)]
    page = fx.list_rates(db, brl, RateFilter(currency="BRL", date_from=OCT, date_to=OCT))
    assert [r.rate for r in page.items] == [Decimal("0.185")]
    assert fx.rate_currencies(db, brl) == ["BRL", "MXN"]


def test_managers_read_rates_and_partner_users_do_not(db, brl, actor):
    assert fx.list_rates(db, actor("lucia"), RateFilter()).total == 3
    with pytest.raises(NotPermitted):
        fx.list_rates(db, actor("ana"), RateFilter())


# CSV import -------------------------------------------------------------------------------------

GOOD = b"currency,date,rate\nBRL,2026-10-01,0.1850\nBRL,2026-11-01,0.1864\nMXN,2026-11-01,0.0495\n"


def test_a_good_file_loads_every_row_with_the_file_as_source(db, actor):
    report = fx.load_rates_csv(db, actor("admin"), GOOD, "rates-2026-11.csv")
    assert (report.rows, report.created, report.updated, report.unchanged, report.written) == (3, 3, 0, 0, True)
    assert fx.rate_on(db, "MXN", NOV).source == "csv:rates-2026-11.csv"
    assert db.scalar(select(func.count()).where(AuditEntry.entity_type == "fx_rates")) == 3


def test_loading_the_same_file_again_updates_instead_of_duplicating(db, actor):
    admin = actor("admin")
    fx.load_rates_csv(db, admin, GOOD, "rates.csv")
    again = fx.load_rates_csv(db, admin, GOOD, "rates.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = fx.load_rates_csv(db, admin, GOOD.replace(b"0.1864", b"0.1870"), "rates.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert _rates(db) == 3 and fx.rate_on(db, "BRL", NOV).rate == Decimal("0.187")


def test_one_bad_row_rejects_the_whole_file_with_every_problem_by_row_and_column(db, actor):
    content = (b"currency,date,rate\nBRL,2026-10-01,0.1850\nBRX,2026-11-01,-1\nMXN,01/11/2026,0.0495\n"
               b"CLP,2026-11-01,\nBRL,2026-10-01,0.19\n")
    with pytest.raises(fx.RatesRejected) as caught:
        fx.load_rates_csv(db, actor("admin"), content, "bad.csv")
    problems = {(e.row, e.column): e.message for e in caught.value.report.errors}
    assert set(problems) == {(3, "currency"), (3, "rate"), (4, "date"), (5, "rate"), (6, "date")}
    assert "'BRX' is not an ISO 4217" in problems[(3, "currency")]
    assert "greater than 0" in problems[(3, "rate")]
    assert "YYYY-MM-DD" in problems[(4, "date")]
    assert problems[(5, "rate")] == "required"
    assert "row 2" in problems[(6, "date")]
    assert "nothing" in caught.value.message.lower() or "no rate was saved" in caught.value.message
    assert _rates(db) == 0


def test_a_dry_run_reports_without_writing(db, actor):
    report = fx.check_rates_csv(db, actor("admin"), GOOD, "rates.csv")
    assert report.ok and report.created == 3 and not report.written
    assert _rates(db) == 0


def test_semicolon_files_with_a_bom_and_decimal_commas_load(db, actor):
    content = "\ufeffCurrency;Effective_Date;Rate;Note\nBRL;2026-11-01;0,1864;BCB PTAX\nCOP;2026-11-01;0,00025;\n"
    report = fx.load_rates_csv(db, actor("admin"), content.encode("utf-8"), "bcb.csv")
    assert report.created == 2
    assert fx.rate_on(db, "COP", NOV).rate == Decimal("0.00025")


def test_a_decimal_comma_that_could_be_a_thousands_separator_is_refused(db, actor):
    report = fx.check_rates_csv(db, actor("admin"), b"currency;date;rate\nUSD;2026-11-01;1\nEUR;2026-11-01;1,085\n",
                                "eu.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "currency"), (3, "rate")]
    assert "ambiguous" in report.errors[1].message


@pytest.mark.parametrize("content, message", [
    (b"cur,date,rate\nBRL,2026-11-01,0.18\n", "Missing column(s) currency"),
    (b"currency,date,rate\n", "no rates"),
    ("currency,date,rate\nBRL,2026-11-01,0.18\n".encode("utf-16"), "not UTF-8"),
    (b"", "Missing column"),
])
def test_file_level_problems_are_reported(db, actor, content, message):
    report = fx.check_rates_csv(db, actor("admin"), content, "x.csv")
    assert not report.ok and message in report.errors[0].message


def test_only_admins_load_rates(db, actor):
    with pytest.raises(NotPermitted):
        fx.load_rates_csv(db, actor("lucia"), GOOD, "rates.csv")
