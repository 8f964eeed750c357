"""FX rates as import rows: a currency, the date the rate takes effect and the rate in the reporting currency.

The same rules as entering a rate on the FX rates page (`deals.fx_csv`): ISO 4217, not the reporting currency,
a positive rate with at most RATE_SCALE decimals, a YYYY-MM-DD date; admins only. A rate is the same record as
a stored one of that currency, reporting currency and date: importing it again updates the rate instead of
adding a second one. A decimal comma is taken when it cannot be read otherwise ("5,1234"); "1,234" is refused
as ambiguous, as everywhere else amounts are read."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.money import MoneyError
from channelbase.deals import fx
from channelbase.deals.fx_csv import check_rate_currency, parse_rate
from channelbase.deals.models import FxRate
from channelbase.imports import values as v
from channelbase.imports.entities import Cells, EntitySpec, Errors
from channelbase.imports.lookups import Lookups
from channelbase.imports.mapping import Field
from channelbase.imports.pipeline_entities import parse_day

SOURCE = "import"
MIN_YEAR = 1990  # older rates are a typo (a two-digit year read as 00xx), not history anyone converts at


def require_fx_importer(actor: User) -> None:
    fx.require_admin(actor, "import FX rates")


def _prepare_rates(session: Session, lookups: Lookups) -> None:
    require_fx_importer(lookups.actor)
    lookups.extra["reporting"] = fx.reporting_currency()


def _rate_date(text: str) -> date:
    day = parse_day(v.required(text, "The date"))
    if day.year < MIN_YEAR:
        raise v.CellError(f"the date {day.isoformat()} is before {MIN_YEAR}: check the year")
    return day


def _money_cell(cells: Cells, errors: Errors, name: str, parse: Any) -> Any:
    try:
        return parse(v.required(cells.get(name, ""), f"The {name}"))
    except MoneyError as exc:
        errors[name] = exc.message
    except v.CellError as exc:
        errors[name] = str(exc)
    return None


def _parse_rate_row(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    reporting = lookups.extra["reporting"]
    values: dict[str, Any] = {"quote_currency": reporting, "source": SOURCE}
    values["currency"] = _money_cell(cells, errors, "currency", lambda t: check_rate_currency(t, reporting))
    values["rate"] = _money_cell(cells, errors, "rate", parse_rate)
    try:
        values["effective_date"] = _rate_date(cells.get("effective_date", ""))
    except v.CellError as exc:
        errors["effective_date"] = str(exc)
    return values


def _rate_keys(values: dict[str, Any]) -> list[tuple]:
    if values.get("currency") and values.get("effective_date"):
        return [("currency and date", values["currency"], values.get("quote_currency"), values["effective_date"])]
    return []


FX_RATES = EntitySpec(
    name="fx_rates", label="FX rate", model=FxRate,
    fields=(
        Field("currency", "Currency", required=True, synonyms=(
            "currency code", "from currency", "iso code", "moneda", "moeda", "divisa", "código de moneda")),
        Field("effective_date", "Date", required=True, synonyms=(
            "date", "effective date", "valid from", "as of", "rate date", "fecha", "data", "vigencia")),
        Field("rate", "Rate", required=True, synonyms=(
            "exchange rate", "conversion rate", "fx rate", "tasa", "tasa de cambio", "tipo de cambio", "taxa",
            "taxa de câmbio", "cotización", "cotação")),
    ),
    parse=_parse_rate_row, keys=_rate_keys,
    compared=("rate", "source"),
    key_columns=("currency", "quote_currency", "effective_date"),
    scope_column="", url="/fx-rates",
    prepare=_prepare_rates, require=require_fx_importer,
)
