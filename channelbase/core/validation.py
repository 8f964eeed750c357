"""Validation that knows the Americas: countries, tax ids, web domains, e-mail."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pycountry
from stdnum import luhn
from stdnum.ar import cuit
from stdnum.br import cnpj, cpf
from stdnum.ca import bn
from stdnum.cl import rut
from stdnum.co import nit
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.mx import rfc
from stdnum.pe import ruc
from stdnum.us import ein

# country -> (name of the id, validators tried in order)
TAX_IDS = {
    "BR": ("CNPJ", (cnpj, cpf)),
    "MX": ("RFC", (rfc,)),
    "AR": ("CUIT", (cuit,)),
    "CL": ("RUT", (rut,)),
    "CO": ("NIT", (nit,)),
    "PE": ("RUC", (ruc,)),
    "US": ("EIN", (ein,)),
    "CA": ("Business Number", (bn,)),
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_country(code: str) -> str:
    """ISO 3166-1 alpha-2 code, upper-case; raises ValueError naming the bad code."""
    value = (code or "").strip().upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise ValueError(f"'{code}' is not an ISO 3166 country code (use two letters, e.g. BR, MX, US)")
    return value


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def normalize_tax_id(country: str, value: str) -> str:
    """Compact, validated tax id for the country; raises ValueError with a helpful message."""
    value = (value or "").strip()
    if country not in TAX_IDS:
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        if not 3 <= len(compact) <= 20 or not compact.isalnum():
            raise ValueError("tax id must be 3–20 letters or digits")
        return compact
    label, modules = TAX_IDS[country]
    error: StdnumError | None = None
    for module in modules:
        try:
            return module.validate(value)
        except StdnumError as exc:
            error = error or exc
    raise ValueError(f"'{value}' is not a valid {label} for {country_name(country)}: {error}")


def format_tax_id(country: str, value: str) -> str:
    modules = TAX_IDS.get(country, ("", ()))[1]
    for module in modules:
        if hasattr(module, "format") and module.is_valid(value):
            return module.format(value)
    return value


def domain_from_website(website: str) -> str:
    """The bare host of a website or domain ('https://www.acme.com.br/x' -> 'acme.com.br')."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    parsed = urlparse(text if "://" in text else f"http://{text}")
    if parsed.scheme not in ("http", "https"):
        raise ValueError("website must be an http(s) address or a domain")
    host = (parsed.hostname or "").removeprefix("www.")
    if not _DOMAIN.match(host):
        raise ValueError(f"'{website}' is not a valid web address or domain")
    return host


__all__ = ["luhn", "normalize_country", "normalize_tax_id", "format_tax_id", "domain_from_website", "country_name"]
