"""The kinds of rows an import takes (accounts, partners, contacts): their fields, how a row's cells become
column values, and which keys say "this row is that existing record"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channelbase.core.names import company_key
from channelbase.core.validation import normalize_tax_id
from channelbase.imports import values as v
from channelbase.imports.lookups import Lookups
from channelbase.imports.mapping import Field
from channelbase.partners.models import (
    PARTNER_TYPE_LABELS, Account, Contact, ContactRole, Partner, PartnerStatus, PartnerTier,
)

Cells = dict[str, str]
Errors = dict[str, str]

EXTERNAL_ID = Field("external_id", "External id", synonyms=(
    "id", "record id", "account id", "contact id", "opportunity id", "deal id", "activity id", "partner id",
    "salesforce id", "hubspot id", "crm id", "codigo", "código"))
NAME_SYNONYMS = ("account name", "company name", "company", "name", "razon social", "razão social", "nombre",
                 "nome", "empresa", "cliente", "customer", "customer name")
COUNTRY_SYNONYMS = ("billing country", "billing country/region", "country/region", "shipping country", "pais",
                    "país", "country code")
WEBSITE_SYNONYMS = ("website", "website url", "company domain name", "domain", "web", "sitio web", "site", "url")
TAX_SYNONYMS = ("tax id", "tax number", "vat", "vat number", "cnpj", "rfc", "cuit", "nit", "rut", "ruc", "ein",
                "tax id number")

_PARTNER_TYPES = v.choices_from({str(t): label for t, label in PARTNER_TYPE_LABELS.items()}, {
    "reseller": "var", "value added reseller": "var", "large account reseller": "lvar", "distribuidor": "distributor",
    "mayorista": "distributor", "distribuidora": "distributor", "revendedor": "var", "integrador": "si",
    "system integrator": "si", "managed service provider": "msp", "public sector": "public_sector",
    "gobierno": "public_sector", "governo": "public_sector"})
_TIERS = v.choices_from({t.value: t.value.title() for t in PartnerTier}, {"registrado": "registered",
                                                                          "plata": "silver", "prata": "silver",
                                                                          "oro": "gold", "ouro": "gold",
                                                                          "platino": "platinum", "platina": "platinum"})
_STATUSES = v.choices_from({s.value: s.value.title() for s in PartnerStatus}, {"activo": "active", "ativo": "active",
                                                                               "inactivo": "inactive",
                                                                               "inativo": "inactive",
                                                                               "prospecto": "prospect"})
_ROLES = v.choices_from({r.value: r.value.title() for r in ContactRole}, {"pre-sales": "presales",
                                                                         "ventas": "sales", "vendas": "sales",
                                                                         "preventa": "presales"})
_LANGUAGES = v.choices_from({"en": "English", "es": "Spanish", "pt": "Portuguese"}, {
    "espanol": "es", "español": "es", "portugues": "pt", "português": "pt", "ingles": "en", "inglés": "en",
    "pt-br": "pt", "pt_br": "pt", "es-mx": "es", "en-us": "en"})


@dataclass(frozen=True)
class EntitySpec:
    name: str                      # "accounts"
    label: str                     # "account"
    model: Any                     # the mapped class (its __table__ is written to)
    fields: tuple[Field, ...]
    parse: Callable[[Cells, Lookups, Errors], dict[str, Any]]
    keys: Callable[[dict[str, Any]], list[tuple]]          # identity keys, strongest first
    compared: tuple[str, ...]      # columns an update may change (derived ones included)
    key_columns: tuple[str, ...]   # columns the existing rows are loaded with to compute their keys
    scope_column: str              # territory_id or partner_id: the actor must manage it
    url: str                       # where one record lives: f"{url}/{id}"
    prepare: Callable[[Any, Lookups], None] | None = None        # loads what parse looks up beyond Lookups
    after_write: Callable[..., None] | None = None               # keeps derived tables in step
    stamped_on_create: tuple[str, ...] = ()                      # columns set to the import's time on new rows
    require: Callable[[Any], None] | None = None                 # refuses an actor who may not import these


def _cell(cells: Cells, errors: Errors, name: str, parser: Callable[[str], Any], default: Any = None) -> Any:
    """Parse one mapped cell, recording a message instead of raising; unmapped cells give `default`."""
    text = cells.get(name)
    if text is None:
        return default
    try:
        return parser(text)
    except v.CellError as exc:
        errors[name] = str(exc)
        return default


def _name(cells: Cells, errors: Errors, label: str, max_length: int = 200) -> str:
    text = cells["name"]
    if not text:
        errors["name"] = f"{label} is required"
    elif len(text) > max_length:
        errors["name"] = f"{label} is {len(text)} characters long; at most {max_length}"
    return text


def _tax_id(country: str | None, text: str) -> str | None:
    if not text or country is None:
        return None
    try:
        return normalize_tax_id(country, text)
    except ValueError as exc:
        raise v.CellError(str(exc)) from None


def _territory(cells: Cells, errors: Errors, lookups: Lookups, country: str | None) -> int | None:
    if "territory" not in cells and "country" not in cells or "country" in errors:
        return None
    if country and not cells.get("territory"):
        found = lookups.by_country.get(country)
        if found is not None:
            return found
    try:
        return lookups.territory(cells.get("territory", ""), country)
    except v.CellError as exc:
        errors["territory" if "territory" in cells else "country"] = str(exc)
        return None


_NAME_LABELS = {"account": "The account name", "partner": "The partner name"}


def _company_values(cells: Cells, errors: Errors, lookups: Lookups, label: str) -> dict[str, Any]:
    """Name, country, territory, tax id, website and external id: only the mapped ones (and what they derive).
    Written out by hand, without a helper per cell: an import runs this for every row of the file."""
    values: dict[str, Any] = {}
    if "name" in cells:
        values["name"] = name = _name(cells, errors, _NAME_LABELS[label])
        values["name_key"] = company_key(name) if name else ""
    country = None
    if "country" in cells:
        text = cells["country"]
        country = v.COUNTRIES.get(text.casefold())
        if country is None:
            try:
                country = _required_country(text)
            except v.CellError as exc:
                errors["country"] = str(exc)
        values["country"] = country
    if "territory" not in cells and country is not None:  # the usual file: the country's territory, known
        found = lookups.by_country.get(country)
        values["territory_id"] = found if found is not None else _territory(cells, errors, lookups, country)
    elif "territory" in cells or "country" in cells:
        values["territory_id"] = _territory(cells, errors, lookups, country)
    if "tax_id" in cells:
        try:
            values["tax_id"] = _tax_id(country, cells["tax_id"])
        except v.CellError as exc:
            errors["tax_id"] = str(exc)
    if "website" in cells:
        try:
            values["domain"] = v.domain(cells["website"])
        except v.CellError as exc:
            errors["website"] = str(exc)
        if label == "partner":
            values["website"] = cells["website"][:255]
    if "external_id" in cells:
        external_id = cells["external_id"]
        if len(external_id) > 120:
            errors["external_id"] = f"The external id is {len(external_id)} characters long; at most 120"
        values["external_id"] = external_id or None
    return values


def _required_country(text: str) -> str:
    return v.country(v.required(text, "The country"))


def _external_id(text: str) -> str | None:
    return v.text_of(text, max_length=120, label="The external id") or None


def _company_keys(values: dict[str, Any]) -> list[tuple]:
    get = values.get  # every row of a file and every existing company passes here
    keys: list[tuple] = []
    if external_id := get("external_id"):
        keys.append(("external_id", external_id))
    if tax_id := get("tax_id"):
        keys.append(("tax id", tax_id))
    if domain := get("domain"):
        keys.append(("domain", domain))
    if name_key := get("name_key"):
        keys.append(("name", name_key))
    return keys


def _parse_account(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    values = _company_values(cells, errors, lookups, "account")
    if "industry" in cells:  # written out: every row of an accounts file passes here
        industry = cells["industry"]
        if len(industry) > 80:
            errors["industry"] = f"The industry is {len(industry)} characters long; at most 80"
            industry = ""
        values["industry"] = industry
    if "is_public_sector" in cells:
        values["is_public_sector"] = _cell(cells, errors, "is_public_sector", v.boolean, False)
    if "partner" in cells:
        values["partner_id"] = _cell(cells, errors, "partner", lambda t: lookups.partner(t) if t else None)
    return values


def _parse_partner(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    values = _company_values(cells, errors, lookups, "partner")
    values["type"] = _cell(cells, errors, "type", lambda t: v.choice(v.required(t, "The partner type"),
                                                                     _PARTNER_TYPES, "partner type"))
    for name, table in (("tier", _TIERS), ("status", _STATUSES)):
        if name in cells:  # blank (None): the default for a new partner, unchanged for an existing one
            try:
                values[name] = v.choice(cells[name], table, name) if cells[name] else None
            except v.CellError as exc:
                errors[name] = str(exc)
    for name, limit in (("legal_name", 250), ("city", 120)):
        if name in cells:
            try:
                values[name] = v.text_of(cells[name], max_length=limit, label=f"The {name.replace('_', ' ')}")
            except v.CellError as exc:
                errors[name] = str(exc)
    if "currency" in cells:
        values["currency"] = _cell(cells, errors, "currency", _currency)
    if "is_priority" in cells:
        values["is_priority"] = _cell(cells, errors, "is_priority", v.boolean, False)
    if "owner" in cells:
        values["owner_id"] = _cell(cells, errors, "owner", lookups.owner)
    return values


def _currency(text: str) -> str:
    from channelbase.core.money import MoneyError, currency_code
    try:
        return currency_code(text or "USD")
    except MoneyError as exc:
        raise v.CellError(str(exc)) from None


def _parse_contact(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    values: dict[str, Any] = {}
    values["partner_id"] = _cell(cells, errors, "partner", lambda t: lookups.partner(v.required(t, "The partner")))
    if "name" in cells or "first_name" in cells or "last_name" in cells:
        joined = " ".join(part for part in (cells.get("first_name", ""), cells.get("last_name", "")) if part)
        if "name" not in cells:
            cells = {**cells, "name": joined}
        values["name"] = _name(cells, errors, "The contact's name")
    else:
        errors["name"] = "map a name column, or first-name and last-name columns"
    values["email"] = _cell(cells, errors, "email", lambda t: v.email(v.required(t, "The e-mail")))
    if "phone" in cells:
        values["phone"] = _cell(cells, errors, "phone", lambda t: v.text_of(t, max_length=40, label="The phone"), "")
    if "role" in cells:
        values["role"] = _cell(cells, errors, "role", lambda t: v.choice(t, _ROLES, "role") if t else "sales")
    if "language" in cells:
        values["language"] = _cell(cells, errors, "language",
                                   lambda t: v.choice(t, _LANGUAGES, "language") if t else "en")
    if "is_primary" in cells:  # blank: unchanged (a new contact is not primary)
        values["is_primary"] = _cell(cells, errors, "is_primary", lambda t: v.boolean(t) if t else None)
        if values["is_primary"] and values["partner_id"] is not None:
            primaries = lookups.extra.setdefault("primary_partners", set())
            if values["partner_id"] in primaries:
                errors["is_primary"] = ("an earlier row of this file makes another contact this partner's primary "
                                        "one: mark only one")
            primaries.add(values["partner_id"])
    if "external_id" in cells:
        values["external_id"] = _cell(cells, errors, "external_id", _external_id)
    return values


def _contact_keys(values: dict[str, Any]) -> list[tuple]:
    keys: list[tuple] = []
    if values.get("external_id"):
        keys.append(("external_id", values["external_id"]))
    if values.get("email") and values.get("partner_id"):
        keys.append(("e-mail", values["partner_id"], values["email"]))
    return keys


def _keep_one_primary(session: Any, actor_id: int, created: list[tuple[int, dict[str, Any]]],
                      updated: list[tuple[int, dict[str, Any], dict[str, Any]]], now: Any) -> None:
    """A contact imported as primary makes its partner's other contacts not primary, as editing one does."""
    from channelbase.imports.contact_primaries import unset_other_primaries
    chosen = [contact_id for contact_id, values in created if values.get("is_primary")]
    chosen += [contact_id for contact_id, changes, _before in updated if changes.get("is_primary")]
    if chosen:
        unset_other_primaries(session, actor_id, chosen, now)


def _announce_partners(session: Any, actor_id: int, created: list[tuple[int, dict[str, Any]]],
                       updated: list, now: Any) -> None:
    """partner.created webhooks for the imported partners, as adding each one by hand sends."""
    from channelbase.webhooks import events
    if created and events.subscribers(session, "partner.created"):
        for partner_id, _values in created:
            events.partner_created(session, session.get_one(Partner, partner_id))


_COMPANY_FIELDS = (
    EXTERNAL_ID,
    Field("name", "Name", required=True, synonyms=NAME_SYNONYMS),
    Field("country", "Country", required=True, synonyms=COUNTRY_SYNONYMS),
    Field("territory", "Territory", synonyms=("region", "sales territory", "territorio", "território")),
    Field("website", "Website", synonyms=WEBSITE_SYNONYMS),
    Field("tax_id", "Tax id", synonyms=TAX_SYNONYMS),
)

ACCOUNTS = EntitySpec(
    name="accounts", label="account", model=Account,
    fields=_COMPANY_FIELDS + (
        Field("industry", "Industry", synonyms=("sector", "industria", "indústria", "segment", "segmento")),
        Field("is_public_sector", "Public sector", synonyms=("government", "gobierno", "governo", "publico")),
        Field("partner", "Partner", synonyms=("partner name", "reseller", "account owner partner", "canal")),
    ),
    parse=_parse_account, keys=_company_keys,
    compared=("name", "name_key", "country", "territory_id", "tax_id", "domain", "industry", "is_public_sector",
              "partner_id"),
    key_columns=("external_id", "tax_id", "domain", "name_key"),
    scope_column="territory_id", url="/accounts",
)

PARTNERS = EntitySpec(
    name="partners", label="partner", model=Partner,
    fields=_COMPANY_FIELDS + (
        Field("type", "Type", required=True, synonyms=("partner type", "tipo", "type of partner", "account type")),
        Field("legal_name", "Legal name", synonyms=("razon social", "razão social", "legal entity name")),
        Field("tier", "Tier", synonyms=("partner tier", "level", "nivel", "nível")),
        Field("status", "Status", synonyms=("partner status", "estado", "situação")),
        Field("city", "City", synonyms=("billing city", "ciudad", "cidade")),
        Field("currency", "Currency", synonyms=("moneda", "moeda", "account currency")),
        Field("is_priority", "Priority", synonyms=("priority partner", "prioritario", "prioritário")),
        Field("owner", "Owner e-mail", synonyms=("owner", "account owner", "partner manager", "channel manager",
                                                 "contact owner")),
    ),
    parse=_parse_partner, keys=_company_keys, after_write=_announce_partners,
    compared=("name", "name_key", "legal_name", "type", "tier", "status", "is_priority", "owner_id", "territory_id",
              "country", "city", "currency", "website", "domain", "tax_id"),
    key_columns=("external_id", "tax_id", "domain", "name_key"),
    scope_column="territory_id", url="/partners",
)

CONTACTS = EntitySpec(
    name="contacts", label="contact", model=Contact,
    fields=(
        EXTERNAL_ID,
        Field("partner", "Partner", required=True, synonyms=("partner name", "account name", "company", "empresa",
                                                             "associated company")),
        Field("name", "Name", synonyms=("full name", "contact name", "nombre", "nome")),
        Field("first_name", "First name", synonyms=("first name", "given name", "nombre", "primeiro nome")),
        Field("last_name", "Last name", synonyms=("last name", "surname", "apellido", "sobrenome")),
        Field("email", "E-mail", required=True, synonyms=("email", "email address", "correo", "e-mail address")),
        Field("phone", "Phone", synonyms=("phone number", "telefono", "teléfono", "telefone", "mobile")),
        Field("role", "Role", synonyms=("contact role", "rol", "papel")),
        Field("language", "Language", synonyms=("idioma", "preferred language", "locale")),
        Field("is_primary", "Primary", synonyms=("primary contact", "principal")),
    ),
    parse=_parse_contact, keys=_contact_keys, after_write=_keep_one_primary,
    compared=("partner_id", "name", "email", "phone", "role", "language", "is_primary"),
    key_columns=("external_id", "partner_id", "email"),
    scope_column="partner_id", url="/contacts",
)

