"""Money: exact amounts in minor units, careful parsing of both decimal styles, honest formatting."""

from decimal import Decimal

import pytest

from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money, MoneyError, currency_code, minor_units, parse_number


def test_tenths_add_up_exactly_where_floats_drift():
    assert 0.1 + 0.2 != 0.3
    assert Money.parse("0.10", "USD") + Money.parse("0.20", "USD") == Money.parse("0.30", "USD")
    total = Money.zero("USD")
    for _ in range(1000):
        total += Money("0.01", "USD")
    assert total == Money("10.00", "USD")


def test_it_refuses_floats_everywhere():
    with pytest.raises(MoneyError, match="float"):
        Money(0.1, "USD")
    with pytest.raises(MoneyError, match="float"):
        Money.parse(19.99, "USD")
    with pytest.raises(MoneyError, match="float"):
        Money.rounded(1.5, "USD")


def test_amounts_take_the_minor_units_of_their_currency():
    assert (minor_units("USD"), minor_units("BRL"), minor_units("CLP"), minor_units("JPY"), minor_units("KWD")) \
        == (2, 2, 0, 0, 3)
    assert Money("5", "USD").amount == Decimal("5.00")
    assert str(Money("1234", "CLP").amount) == "1234"


def test_typed_amounts_with_more_decimals_than_the_currency_are_refused_not_rounded():
    with pytest.raises(MoneyError, match="CLP amounts have no decimals"):
        Money.parse("1500.5", "CLP")
    with pytest.raises(MoneyError, match="at most 2 decimals"):
        Money.parse("10.005", "USD", decimal_comma=False)
    assert Money.parse("1.250", "KWD", decimal_comma=False).to_minor() == 1250


def test_conversions_round_half_to_even():
    assert Money.rounded(Decimal("0.125"), "USD") == Money("0.12", "USD")
    assert Money.rounded(Decimal("0.135"), "USD") == Money("0.14", "USD")
    assert Money.rounded(Decimal("2.5"), "CLP") == Money("2", "CLP")
    assert Money.rounded(Decimal("3.5"), "CLP") == Money("4", "CLP")


def test_it_stores_and_restores_integer_minor_units():
    assert Money.parse("1234.56", "BRL").to_minor() == 123456
    assert Money.from_minor(123456, "BRL") == Money("1234.56", "BRL")
    assert Money.from_minor(1500, "CLP").amount == Decimal("1500")
    assert Money.from_minor(-5, "USD").amount == Decimal("-0.05")
    with pytest.raises(MoneyError):
        Money.from_minor(1.5, "USD")


@pytest.mark.parametrize("text, decimal_comma, expected", [
    ("1.234,56", True, "1234.56"),
    ("1.234,56", None, "1234.56"),
    ("1,234.56", False, "1234.56"),
    ("1,234.56", None, "1234.56"),
    ("1.234.567,89", None, "1234567.89"),
    ("1 234,56", True, "1234.56"),
    ("1234,5", None, "1234.5"),
    ("0,125", None, "0.125"),
    ("1.234", True, "1234"),
    ("1.234", False, "1.234"),
    ("1,234", True, "1.234"),
    ("1.234.567", None, "1234567"),
    ("-1.234,56", True, "-1234.56"),
    ("1234.567", None, "1234.567"),
])
def test_it_parses_decimal_commas_and_decimal_points(text, decimal_comma, expected):
    assert parse_number(text, decimal_comma=decimal_comma) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234", "1,234", "12.500", "999,999"])
def test_a_lone_group_of_three_digits_is_ambiguous_without_a_hint(text):
    with pytest.raises(MoneyError, match="ambiguous"):
        parse_number(text)


@pytest.mark.parametrize("text, decimal_comma", [
    ("1,234.56", True), ("1.234,56", False), ("12.34", True), ("1.23.4", None), ("abc", None), ("", None),
    ("1,2", False), ("--1", None), ("1e5", None), ("NaN", None),
])
def test_it_refuses_numbers_that_do_not_match_the_style(text, decimal_comma):
    with pytest.raises(MoneyError):
        parse_number(text, decimal_comma=decimal_comma)


def test_unknown_currencies_are_refused_with_the_code_named():
    with pytest.raises(MoneyError, match="'XYZ' is not an ISO 4217"):
        Money("1", "XYZ")
    assert currency_code(" brl ") == "BRL"


def test_money_errors_are_invalid_input_and_value_errors():
    with pytest.raises(InvalidInput):
        Money("1", "nope")
    with pytest.raises(ValueError):
        Money("1", "nope")


def test_it_formats_with_the_code_or_the_local_style():
    assert Money.parse("1234.56", "BRL").format() == "BRL 1,234.56"
    assert Money.parse("1234.56", "BRL").format(local=True) == "R$ 1.234,56"
    assert Money.parse("1234567", "CLP").format(local=True) == "$ 1.234.567"
    assert Money.parse("-1234.5", "USD").format() == "-USD 1,234.50"
    assert Money.parse("1234.56", "MXN").format(local=True) == "$ 1,234.56"
    assert str(Money.parse("3.1", "KWD")) == "KWD 3.100"


def test_it_refuses_to_add_different_currencies():
    with pytest.raises(MoneyError, match="convert first"):
        Money("1", "USD") + Money("1", "BRL")


def test_absurdly_large_amounts_are_refused():
    with pytest.raises(MoneyError, match="too large"):
        Money(Decimal(10) ** 16, "USD")
