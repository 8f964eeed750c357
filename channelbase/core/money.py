"""Exact money: a Decimal amount in a currency's minor units, parsed and formatted without floats.

Rounding: only conversions round (`Money.rounded`), half-to-even ("banker's rounding") to the
currency's minor unit, so that summing many converted amounts carries no upward bias. Amounts typed
by people are never rounded: more decimals than the currency has is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

import pycountry

from channelbase.core.errors import InvalidInput

# ISO 4217 minor units that differ from the usual 2 (CLP and JPY have none; KWD-like dinars have 3).
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
# Symbol and decimal comma for the local display style; other currencies show their code.
_LOCAL_STYLE = {
    "BRL": ("R$", True), "ARS": ("$", True), "CLP": ("$", True), "COP": ("$", True), "EUR": ("€", True),
    "UYU": ("$", True), "MXN": ("$", False), "USD": ("US$", False), "CAD": ("CA$", False), "PEN": ("S/", False),
}
MAX_AMOUNT = Decimal(10) ** 15  # a quadrillion: far beyond any deal, and its minor units fit a BigInteger
_GROUPING = re.compile(r"^\d{1,3}(,\d{3})+$")
_SPACES = re.compile(r"[ \u00a0\u202f']")


class MoneyError(InvalidInput, ValueError):
    """Bad amount or currency; a ValueError too, so Pydantic validators report it beside the field."""


@lru_cache(maxsize=512)
def _is_iso_currency(value: str) -> bool:
    # Cached: roll-ups build hundreds of thousands of Money values, and the lookup dominated.
    return len(value) == 3 and pycountry.currencies.get(alpha_3=value) is not None


def currency_code(code: str) -> str:
    """The upper-case ISO 4217 code, or MoneyError naming the bad one."""
    value = (code or "").strip().upper() if isinstance(code, str) else ""
    if not _is_iso_currency(value):
        raise MoneyError(f"'{code}' is not an ISO 4217 currency code (e.g. USD, BRL, MXN).",
                         field_errors={"currency": "not an ISO 4217 currency code"})
    return value


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: 2 for most, 0 for CLP and JPY, 3 for KWD."""
    return _MINOR_UNITS.get(currency_code(currency), 2)


def exact_decimal(value: Decimal | int | str, *, decimal_comma: bool | None = None) -> Decimal:
    """A Decimal from a Decimal, an int or a written number; floats are refused (they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"{value!r} is a float, which is not exact: pass the amount as text, e.g. \"1234.56\".")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"'{value}' is not a number.")
        return value
    if isinstance(value, str):
        return parse_number(value, decimal_comma=decimal_comma)
    raise MoneyError(f"{value!r} is not an amount: pass a Decimal, an int or text.")


def parse_number(text: str, *, decimal_comma: bool | None = None) -> Decimal:
    """Read '1.234,56' or '1,234.56' exactly.

    `decimal_comma` says which separator marks decimals (True: comma, False: point). Without it the
    number must be unambiguous: '1.234' or '1,234' could be a thousand or one and a bit, so it is refused.
    """
    raw = text.strip()
    sign, body = ("-", raw[1:]) if raw[:1] == "-" else ("", raw.removeprefix("+"))
    body = _SPACES.sub("", body)
    if not body or not re.fullmatch(r"[\d.,]+", body) or not body[0].isdigit() or not body[-1].isdigit():
        raise MoneyError(f"'{text}' is not a number: use digits with one decimal separator, e.g. 1234.56.")
    normalised = _swap_to_point(body, _decimal_separator(body, decimal_comma, text))
    whole, _, decimals = normalised.partition(".")
    if whole.count(",") and not _GROUPING.match(whole):
        raise MoneyError(f"'{text}' has misplaced thousands separators: group digits in threes, e.g. 1.234.567,89.")
    try:
        return Decimal(sign + whole.replace(",", "") + ("." + decimals if decimals else ""))
    except InvalidOperation:
        raise MoneyError(f"'{text}' is not a number.") from None


def _decimal_separator(body: str, decimal_comma: bool | None, text: str) -> str | None:
    """The character that separates decimals in `body`, or None for a whole number."""
    commas, points = body.count(","), body.count(".")
    mark: str | None
    if decimal_comma is not None:
        mark, other = ("," if decimal_comma else "."), ("." if decimal_comma else ",")
        if body.count(mark) > 1 or (body.count(mark) == 1 and other in body.split(mark)[1]):
            style = "decimal comma (1.234,56)" if decimal_comma else "decimal point (1,234.56)"
            raise MoneyError(f"'{text}' does not match the {style} you said the amount uses.")
        return mark if mark in body else None
    if commas and points:
        return "," if body.rfind(",") > body.rfind(".") else "."
    mark = "," if commas else "." if points else None
    if mark is None or body.count(mark) > 1:
        return None  # several of one separator can only be thousands groups
    head, tail = body.split(mark)
    if len(tail) == 3 and 1 <= len(head) <= 3 and head != "0":
        raise MoneyError(f"'{text}' is ambiguous: it could be {head}{tail} or {head}.{tail}. "
                         "Say whether the amount uses a decimal comma, or write its decimals (e.g. 1.234,00).")
    return mark


def _swap_to_point(body: str, decimal_mark: str | None) -> str:
    """'1.234,56' -> '1,234.56': thousands as commas, decimals after a point."""
    if decimal_mark is None:
        return body.replace(".", ",")
    whole, decimals = body.rsplit(decimal_mark, 1)
    return whole.replace(".", ",") + "." + decimals


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount with its currency; the amount always has the currency's number of decimals."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        currency = currency_code(self.currency)
        amount = exact_decimal(self.amount)
        places = minor_units(currency)
        if abs(amount) >= MAX_AMOUNT:
            raise MoneyError(f"{amount} {currency} is too large.", field_errors={"amount": "too large"})
        quantised = amount.quantize(Decimal(1).scaleb(-places))
        if quantised != amount:
            what = "no decimals" if places == 0 else f"at most {places} decimals"
            raise MoneyError(f"{currency} amounts have {what} (got {amount}).",
                             field_errors={"amount": f"{currency} amounts have {what}"})
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", quantised)

    @classmethod
    def parse(cls, text: str | int | Decimal, currency: str, *, decimal_comma: bool | None = None) -> Money:
        """Money from what a person typed, e.g. Money.parse('1.234,56', 'BRL', decimal_comma=True)."""
        if not isinstance(text, str):
            return cls(exact_decimal(text), currency)
        return cls(parse_number(text, decimal_comma=decimal_comma), currency)

    @classmethod
    def rounded(cls, amount: Decimal | int, currency: str) -> Money:
        """Money rounded half-to-even to the currency's minor unit (for computed amounts, not typed ones)."""
        places = minor_units(currency)
        return cls(exact_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Money from stored integer minor units (cents, or whole pesos for CLP)."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise MoneyError(f"{minor!r}: minor units must be an integer.")
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def to_minor(self) -> int:
        """The integer number of minor units, for a BigInteger column."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def is_negative(self) -> bool:
        return self.amount < 0

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}: convert first.")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def format(self, *, local: bool = False) -> str:
        """'BRL 1,234.56', or with local=True the way the currency's home writes it: 'R$ 1.234,56'."""
        places = minor_units(self.currency)
        digits = f"{abs(self.amount):,.{places}f}"
        sign = "-" if self.amount < 0 else ""
        symbol, comma = _LOCAL_STYLE.get(self.currency, (self.currency, False)) if local else (self.currency, False)
        if comma:
            digits = digits.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return f"{sign}{symbol} {digits}"

    def __str__(self) -> str:
        return self.format()


def format_rate(rate: Decimal, min_places: int = 4) -> str:
    """A rate without its storage padding: 0.186400000000 -> '0.1864', 0.000561420000 -> '0.00056142'."""
    text = format(rate.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(min_places, '0')}"
