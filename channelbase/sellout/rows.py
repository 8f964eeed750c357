"""A POS file's rows as checked values, with every problem by row and column (no database here).

The fields a distributor's file may carry and the headers they usually go by, the parsing options (decimal
comma, day/month order, one currency for a file without a currency column), and `parse_rows`, which reads
every row and lists every problem instead of stopping at the first: a file is imported all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from channelbase.core.errors import InvalidInput
from channelbase.core.money import MAX_AMOUNT, MoneyError, currency_code, minor_units, parse_number
from channelbase.core.names import company_key
from channelbase.imports.mapping import Field, check_mapping
from channelbase.imports.reader import Sheet, sniff_delimiter

MAX_KEPT_ERRORS = 200
MAX_QUANTITY = 10_000_000
TEXT_LIMITS = {"reseller": 200, "customer": 200, "product_name": 200, "sku": 64, "reseller_tax_id": 32,
               "customer_tax_id": 32, "reseller_domain": 255, "customer_domain": 255}

FIELDS: tuple[Field, ...] = (
    Field("reseller", "Reseller", True, ("Reseller Name", "Partner", "Partner Name", "Dealer", "Dealer Name",
                                         "Revenda", "Revendedor", "Nome da Revenda", "Parceiro", "Canal",
                                         "Distribuidor Cliente", "Reseller Company"),
          "The reseller the distributor sold to."),
    Field("reseller_tax_id", "Reseller tax id", False, ("Reseller CNPJ", "CNPJ Revenda", "Reseller RFC",
                                                        "RFC Revendedor", "Reseller VAT", "Reseller EIN",
                                                        "Reseller NIT", "Reseller RUT", "Reseller CUIT")),
    Field("reseller_domain", "Reseller domain", False, ("Reseller Website", "Reseller Email", "Dominio Revenda")),
    Field("customer", "End customer", True, ("End Customer", "End User", "End Customer Name", "Customer",
                                             "Customer Name", "Cliente Final", "Cliente", "Usuario Final",
                                             "Usuário Final", "Account", "Account Name"),
          "The company that bought from the reseller."),
    Field("customer_tax_id", "Customer tax id", False, ("End Customer Tax ID", "Customer CNPJ", "CNPJ Cliente",
                                                        "Customer RFC", "RFC Cliente", "Customer VAT",
                                                        "Customer EIN", "NIT Cliente", "RUT Cliente",
                                                        "CUIT Cliente", "Tax ID")),
    Field("customer_domain", "Customer domain", False, ("End Customer Domain", "Domain", "Website",
                                                        "Customer Website", "Customer Email", "Dominio",
                                                        "Domínio", "Email")),
    Field("country", "Country", False, ("Customer Country", "Pais", "País", "Country Code", "Ship To Country")),
    Field("sku", "SKU", True, ("Part Number", "Part No", "Part #", "Product Code", "Item", "Item Code",
                               "Material", "Codigo", "Código", "Código do Produto", "Codigo Producto", "PN")),
    Field("product_name", "Product description", False, ("Product", "Product Name", "Description", "Item Description",
                                                         "Descrição", "Descripción", "Produto", "Producto")),
    Field("quantity", "Quantity", True, ("Qty", "Units", "Quantidade", "Qtd", "Qtde", "Cantidad", "Cant")),
    Field("amount", "Amount", True, ("Net Amount", "Total", "Sales Amount", "Extended Price", "Revenue", "Valor",
                                     "Valor Total", "Importe", "Monto", "Total Amount", "Net Sales")),
    Field("currency", "Currency", False, ("Currency Code", "Moeda", "Moneda", "Divisa", "CCY"),
          "Leave blank when every amount is in one currency, and say which below."),
    Field("invoice_date", "Invoice date", True, ("Date", "Invoice Dt", "Data", "Data da Fatura", "Data Fatura",
                                                 "Data de Emissão", "Fecha", "Fecha Factura", "Fecha de Factura",
                                                 "Billing Date", "Sale Date")),
)
FIELD_LABELS = {f.name: f.label for f in FIELDS}
DATE_ORDERS = {"auto": "Work it out from the file", "dmy": "Day first (31/10/2026)",
               "mdy": "Month first (10/31/2026)", "ymd": "Year first (2026-10-31)"}
DECIMAL_MARKS = {"auto": "Work it out from the file", "comma": "Decimal comma (1.234,56)",
                 "point": "Decimal point (1,234.56)"}

_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ T].*)?$")
_MONEY_NOISE = re.compile(r"^[A-Za-z$€£¥\s]*|[A-Za-z$€£¥\s]*$")


@dataclass(frozen=True)
class Options:
    """How to read a distributor's numbers and dates. `decimal_comma` None: decide from the file."""

    decimal: str = "auto"      # auto | comma | point
    date_order: str = "auto"   # auto | dmy | mdy | ymd
    currency: str = ""         # every amount's currency, for files without a currency column

    @classmethod
    def from_dict(cls, data: dict | None) -> Options:
        data = data or {}
        decimal, order = str(data.get("decimal") or "auto"), str(data.get("date_order") or "auto")
        problems = {}
        if decimal not in DECIMAL_MARKS:
            problems["decimal"] = f"one of {', '.join(DECIMAL_MARKS)}"
        if order not in DATE_ORDERS:
            problems["date_order"] = f"one of {', '.join(DATE_ORDERS)}"
        currency = str(data.get("currency") or "").strip().upper()
        if currency:
            try:
                currency = currency_code(currency)
            except MoneyError:
                problems["currency"] = f"'{currency}' is not an ISO 4217 currency code"
        if problems:
            raise InvalidInput("The import options need fixing: " + "; ".join(f"{k}: {v}" for k, v in problems.items())
                               + ".", field_errors=problems)
        return cls(decimal, order, currency)

    def to_dict(self) -> dict[str, str]:
        return {"decimal": self.decimal, "date_order": self.date_order, "currency": self.currency}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the file's header, or "" for the whole row or file
    message: str

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class Row:
    """One checked row: texts stripped, numbers exact, the keys review groups and aliases use."""

    row_number: int
    reseller: str
    reseller_tax_id: str
    reseller_domain: str
    customer: str
    customer_tax_id: str
    customer_domain: str
    country: str
    sku: str
    product_name: str
    quantity: int
    amount_minor: int
    currency: str
    invoice_date: date


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)


@lru_cache(maxsize=65_536)  # a file repeats its texts on many lines
def name_key(text: str) -> str:
    """Review groups and aliases of resellers and customers: 'ACME LTDA' and 'Acme Ltda.' share one."""
    return (company_key(text) or text.strip().casefold())[:200]


@lru_cache(maxsize=65_536)
def sku_key(text: str) -> str:
    return " ".join(text.split()).casefold()[:200]


def checked_mapping(mapping: dict[str, str], sheet: Sheet, options: Options) -> dict[str, str]:
    """The mapping with blanks dropped, or InvalidInput naming each problem (currency: a column or a default)."""
    cleaned = check_mapping(mapping, sheet.headers, FIELDS)
    if "currency" not in cleaned and not options.currency:
        raise InvalidInput("The column mapping needs fixing: currency: pick the column that holds the currency, "
                           "or say which currency every amount is in.",
                           field_errors={"currency": "pick a column, or one currency for the whole file"})
    return cleaned


def decimal_comma_for(sheet_kind: str, header_line: str, options: Options) -> bool | None:
    """True/False when the file (or the person) settles it; None: each amount must be unambiguous."""
    if options.decimal != "auto":
        return options.decimal == "comma"
    if sheet_kind == "xlsx":
        return False  # numbers in a workbook come as numbers, written with a point
    delimiter = sniff_delimiter(header_line)
    return True if delimiter == ";" else False if delimiter == "," else None


def parse_rows(sheet: Sheet, mapping: dict[str, str], options: Options, month: date, *,
               decimal_comma: bool | None, progress: Callable[[int], None] | None = None) -> Parsed:
    """Every row of the sheet as a Row, or its problems; `mapping` is already checked."""
    parsed = Parsed()
    for number, message in sheet.problems:
        parsed.add_error(RowError(number, "", message))
    reader = _RowReader(sheet, mapping, options, month, decimal_comma)
    for done, (number, cells) in enumerate(zip(sheet.row_numbers, sheet.rows, strict=True), start=1):
        row = reader.read(number, cells)
        if row is None:
            for problem in reader.problems:
                parsed.add_error(problem)
        else:
            parsed.rows.append(row)
        if progress and done % 1000 == 0:
            progress(done)
    if progress:
        progress(len(sheet.rows))
    return parsed


class _RowReader:
    """Reads rows of one file; what repeats (currencies and their decimals) is worked out once."""

    def __init__(self, sheet: Sheet, mapping: dict[str, str], options: Options, month: date,
                 decimal_comma: bool | None):
        self.mapping, self.options, self.decimal_comma = mapping, options, decimal_comma
        self.columns = {name: sheet.column_index(header) for name, header in mapping.items()}
        date_column = self.columns.get("invoice_date")
        self.dates = DateReader(options.date_order, month,
                                [] if date_column is None else [cells[date_column] for cells in sheet.rows])
        self.currencies: dict[str, tuple[str, int] | None] = {}  # text -> (code, decimals), None: unknown
        self.problems: list[RowError] = []
        self.number = 0

    def _problem(self, name: str, message: str) -> None:
        self.problems.append(RowError(self.number, self.mapping.get(name, ""), message))

    def _text(self, cells: list[str], name: str, required: bool = False) -> str:
        index = self.columns.get(name)
        value = " ".join(cells[index].split()) if index is not None else ""
        limit = TEXT_LIMITS.get(name, 200)
        if len(value) > limit:
            self._problem(name, f"longer than {limit} characters")
        elif required and not value:
            self._problem(name, f"missing {FIELD_LABELS[name].lower()}")
        return value

    def read(self, number: int, cells: list[str]) -> Row | None:
        self.number, self.problems = number, []
        text = self._text
        reseller, customer, sku = text(cells, "reseller", True), text(cells, "customer", True), text(cells, "sku", True)
        country = self._country(text(cells, "country"))
        currency = self._currency(text(cells, "currency") or self.options.currency)
        quantity = self._quantity(text(cells, "quantity", True))
        amount = self._amount(text(cells, "amount", True), currency)
        invoice_date = self.dates.read(text(cells, "invoice_date", True), number, self.mapping["invoice_date"],
                                       self.problems)
        if self.problems:
            return None
        assert quantity is not None and amount is not None and invoice_date is not None and currency
        return Row(number, reseller, text(cells, "reseller_tax_id"), text(cells, "reseller_domain"), customer,
                   text(cells, "customer_tax_id"), text(cells, "customer_domain"), country, sku,
                   text(cells, "product_name"), quantity, amount, currency[0], invoice_date)

    def _country(self, value: str) -> str:
        if value and (len(value) != 2 or not value.isalpha()):
            self._problem("country", f"'{value}' is not a two-letter country code (e.g. BR)")
            return ""
        return value.upper()

    def _currency(self, value: str) -> tuple[str, int] | None:
        if not value:
            self._problem("currency", "missing currency")
            return None
        if value not in self.currencies:
            try:
                code = currency_code(value)
                self.currencies[value] = (code, minor_units(code))
            except MoneyError:
                self.currencies[value] = None
        found = self.currencies[value]
        if found is None:
            self._problem("currency", f"unknown currency '{value}': use an ISO 4217 code such as USD, BRL or MXN")
        return found

    def _quantity(self, value: str) -> int | None:
        if not value:
            return None
        if value.isdigit():  # the usual case, without the general number reader
            quantity = Decimal(int(value))
        else:
            try:
                quantity = _number(value, self.decimal_comma)
            except MoneyError as exc:
                self._problem("quantity", f"bad quantity: {exc.message}")
                return None
        if quantity != quantity.to_integral_value() or abs(quantity) > MAX_QUANTITY:
            self._problem("quantity", f"bad quantity '{value}': use a whole number of units")
            return None
        return int(quantity)

    def _amount(self, value: str, currency: tuple[str, int] | None) -> int | None:
        """Minor units, checked as Money checks them: not too large, no more decimals than the currency has."""
        if not value or currency is None:
            return None
        code, places = currency
        try:
            amount = _number(value, self.decimal_comma)
        except MoneyError as exc:
            self._problem("amount", f"bad amount: {exc.message}")
            return None
        minor = amount.scaleb(places)
        if abs(amount) >= MAX_AMOUNT:
            self._problem("amount", f"bad amount: {amount} {code} is too large")
        elif minor != minor.to_integral_value():
            what = "no decimals" if places == 0 else f"at most {places} decimals"
            self._problem("amount", f"bad amount: {code} amounts have {what} (got {amount})")
        else:
            return int(minor)
        return None


def _number(value: str, decimal_comma: bool | None) -> Decimal:
    """A number as distributors write it: '(1.234,56)' and 'R$ -1.234,56' included."""
    negative = value.startswith("(") and value.endswith(")")
    body = _MONEY_NOISE.sub("", value.strip("()").strip())
    try:
        number = parse_number(body, decimal_comma=decimal_comma)
    except MoneyError as exc:  # name the cell as written, not what was left of it
        raise MoneyError(exc.message.replace(f"'{body}'", f"'{value}'")) from None
    return -number if negative else number


class DateReader:
    """Invoice dates in one order for the whole file: ISO, or day/month/year in the order the person chose, or
    (auto) the order the file itself proves (a day past 12) or, failing that, the one that puts its dates in
    the file's month. A date outside the file's month is an error: the month's file is its month's sell-out."""

    def __init__(self, order: str, month: date, texts: Iterable[str]):
        self.month = month
        self.order = order if order != "auto" else _guess_order(texts, month)

    def read(self, value: str, number: int, column: str, problems: list[RowError]) -> date | None:
        if not value:
            return None
        try:
            found = self._parse(value)
        except ValueError:
            hint = {"dmy": "DD/MM/YYYY", "mdy": "MM/DD/YYYY"}.get(self.order, "YYYY-MM-DD")
            problems.append(RowError(number, column, f"bad date '{value}': write it as {hint} or YYYY-MM-DD"))
            return None
        if (found.year, found.month) != (self.month.year, self.month.month):
            problems.append(RowError(number, column, f"invoice date {found.isoformat()} is not in the file's month "
                                                     f"({self.month.strftime('%B %Y')})"))
            return None
        return found

    def _parse(self, value: str) -> date:
        match = _NUMERIC_DATE.match(value.strip())
        if not match:
            raise ValueError(value)
        a, b, c = match.groups()
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        year = int(c) + (2000 if len(c) == 2 else 0)
        if len(c) not in (2, 4):
            raise ValueError(value)
        day, month_ = (int(a), int(b)) if self.order != "mdy" else (int(b), int(a))
        return date(year, month_, day)


def _guess_order(texts: Iterable[str], month: date) -> str:
    firsts, seconds = [], []
    for value in texts:
        match = _NUMERIC_DATE.match(value.strip())
        if match and len(match.group(1)) <= 2:
            firsts.append(int(match.group(1)))
            seconds.append(int(match.group(2)))
    if any(first > 12 for first in firsts):
        return "dmy"
    if any(second > 12 for second in seconds):
        return "mdy"
    if firsts and all(first == month.month for first in firsts) and not all(s == month.month for s in seconds):
        return "mdy"
    return "dmy"  # the Americas south of the US write the day first
