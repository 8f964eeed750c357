"""`channelbase partners|contacts|accounts|territories`: the directory from the terminal."""

from __future__ import annotations

import json
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from rich.table import Table
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, fail
from channelbase.core.names import company_key
from channelbase.core.validation import country_name, format_tax_id
from channelbase.partners import accounts, service, territories
from channelbase.partners.models import (
    PARTNER_TYPE_LABELS, Account, ContactRole, Partner, PartnerStatus, PartnerTier, PartnerType,
)
from channelbase.partners.schemas import (
    AccountCreate, AccountFilter, ContactCreate, PartnerCreate, PartnerFilter, PartnerOut,
)

M = TypeVar("M", bound=BaseModel)
partners_app = typer.Typer(help="Partners: list, show and add.", no_args_is_help=True)
contacts_app = typer.Typer(help="Partner contacts: list and add.", no_args_is_help=True)
accounts_app = typer.Typer(help="End-customer accounts: list, show and add.", no_args_is_help=True)
territories_app = typer.Typer(help="The territory tree.", no_args_is_help=True)
# Schema fields whose command-line option is named differently.
OPTION_FOR_FIELD = {"is_priority": "--priority", "is_primary": "--primary", "is_public_sector": "--public-sector",
                    "territory_id": "--territory", "partner_id": "--partner", "owner_id": "--owner"}
SHOW_MATCHES = 20


def register(app: typer.Typer) -> None:
    app.add_typer(partners_app, name="partners")
    app.add_typer(contacts_app, name="contacts")
    app.add_typer(accounts_app, name="accounts")
    app.add_typer(territories_app, name="territories")


# Shared helpers -----------------------------------------------------------------------------------

def _parse(schema: type[M], **values: Any) -> M:
    """Validate options into `schema` (options left out take the schema's default); exit 1 naming each bad one."""
    try:
        return schema.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        _exit("Invalid input:" + "".join(f"\n  {_error_line(error)}" for error in exc.errors()))


def _exit(message: str) -> NoReturn:
    fail(message)
    raise typer.Exit(1)  # fail() has already exited; this line tells type checkers so.


def _error_line(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message
    field = str(error["loc"][0])
    return f"{OPTION_FOR_FIELD.get(field, '--' + field.replace('_', '-'))}: {message}"


def _territory_id(session: Session, actor: User, id_or_name: str | None) -> int | None:
    """A territory id, or the id of the visible territory with exactly this name (any case)."""
    if id_or_name is None or id_or_name.isdigit():
        return int(id_or_name) if id_or_name else None
    found = [t for t in territories.list_territories(session, actor) if t.name.casefold() == id_or_name.casefold()]
    if len(found) != 1:
        what = "No territory" if not found else f"{len(found)} territories"
        _exit(f"{what} named '{id_or_name}': run `channelbase territories list` and pass the id.")
    return found[0].id


def _owner_id(session: Session, email: str | None) -> int | None:
    if email is None:
        return None
    for user in service.owners(session):
        if user.email == email.strip().lower():
            return user.id
    _exit(f"No active manager or admin with e-mail {email}: run `channelbase users list`.")


def _territory_names(session: Session, actor: User) -> dict[int, str]:
    return {t.id: t.name for t in territories.list_territories(session, actor)}


def _details(rows: list[tuple[str, Any]]) -> Table:
    """Label/value lines; rows without a value are left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        if value is not None and value != "":
            grid.add_row(label, "yes" if value is True else "no" if value is False else str(value))
    return grid


def _yes(value: bool) -> str:
    return "yes" if value else ""


# Partners -----------------------------------------------------------------------------------------

def _partner_table(session: Session, actor: User, partners: list[Partner]) -> Table:
    names = _territory_names(session, actor)
    table = Table("id", "name", "type", "tier", "status", "priority", "country", "city", "territory")
    for p in partners:
        table.add_row(str(p.id), p.name, PARTNER_TYPE_LABELS.get(p.type, p.type), p.tier, p.status,
                      _yes(p.is_priority), p.country, p.city, names.get(p.territory_id, ""))
    return table


@partners_app.command("list")
def partners_list(
    q: str = typer.Option("", "--q", help="Name (accents and legal forms ignored), tax id, domain or city."),
    type_: PartnerType = typer.Option(None, "--type", help="Partner type."),
    status: PartnerStatus = typer.Option(None, help="Status."),
    tier: PartnerTier = typer.Option(None, help="Tier."),
    country: str = typer.Option(None, help="Two-letter country code, e.g. BR."),
    territory_id: int = typer.Option(None, help="Territory id; includes the territories below it."),
    priority: bool = typer.Option(None, "--priority/--no-priority", help="Only priority (or non-priority) partners."),
    limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """List the partners you may see."""
    filters = _parse(PartnerFilter, q=q, type=type_, status=status, tier=tier, country=country,
                     territory_id=territory_id, priority=priority)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        partners, more = service.list_partners_after(session, actor, filters, limit=limit)
        if as_json:
            typer.echo(json.dumps([PartnerOut.model_validate(p).model_dump(mode="json") for p in partners],
                                  indent=2, ensure_ascii=False))
            return
        console.print(_partner_table(session, actor, partners))
    if more:
        console.print(f"Showing the first {limit}; raise --limit or narrow the filters to see more.")


@partners_app.command("show")
def partners_show(id_or_name: str = typer.Argument(..., metavar="ID_OR_NAME",
                                                   help="Partner id, or part of its name.")) -> None:
    """Show a partner, its contacts and its distributor links, by id or by name."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        partner = _find_partner(session, actor, id_or_name)
        _print_partner(session, actor, partner)


def _find_partner(session: Session, actor: User, id_or_name: str) -> Partner:
    """By id; else the one partner whose name contains the text (an exact name wins over longer ones)."""
    if id_or_name.strip().isdigit():
        return service.get_partner(session, actor, int(id_or_name))
    filters = _parse(PartnerFilter, q=id_or_name)
    matches, _more = service.list_partners_after(session, actor, filters, limit=SHOW_MATCHES)
    exact = [p for p in matches if p.name_key == company_key(id_or_name)]
    if len(matches) == 1 or len(exact) == 1:
        return (exact or matches)[0]
    if not matches:
        _exit(f"No partner matches '{id_or_name}': try `channelbase partners list --q TEXT`.")
    console.print(_partner_table(session, actor, matches))
    _exit(f"Several partners match '{id_or_name}': run `channelbase partners show ID` with one of the ids above.")


def _print_partner(session: Session, actor: User, p: Partner) -> None:
    path = territories.breadcrumb(session, territories.get_territory(session, actor, p.territory_id))
    owner = next((u.label for u in service.owners(session) if u.id == p.owner_id), None)
    console.print(f"[bold]{p.name}[/bold]  #{p.id}", highlight=False)
    console.print(_details([
        ("Legal name", p.legal_name), ("Type", PARTNER_TYPE_LABELS.get(p.type, p.type)), ("Tier", p.tier),
        ("Status", p.status), ("Priority", p.is_priority), ("Territory", " › ".join(t.name for t in path)),
        ("Country", country_name(p.country)), ("City", p.city), ("Currency", p.currency), ("Website", p.website),
        ("Tax id", format_tax_id(p.country, p.tax_id) if p.tax_id else None), ("Owner", owner),
        ("Version", p.version), ("Updated", f"{p.updated_at:%Y-%m-%d %H:%M} UTC"),
        ("Deleted", f"{p.deleted_at:%Y-%m-%d %H:%M} UTC" if p.deleted_at else None),
    ]))
    contacts = service.list_contacts(session, actor, partner_id=p.id, per_page=100).items
    if contacts:
        console.print(_contact_table(contacts, {}))
    for side, rows in service.partner_links(session, actor, p.id).items():
        if rows:
            console.print(f"{side.capitalize()}: " + ", ".join(f"{o.name} (#{o.id})" for _link, o in rows))


@partners_app.command("add")
def partners_add(
    name: str = typer.Option(..., help="Trading name."),
    type_: PartnerType = typer.Option(..., "--type", help="Partner type."),
    territory: str = typer.Option(..., help="Territory id or exact name."),
    country: str = typer.Option(..., help="Two-letter country code, e.g. BR."),
    legal_name: str = typer.Option(None, help="Registered legal name."),
    tier: PartnerTier = typer.Option(None, help="Tier (default: registered)."),
    status: PartnerStatus = typer.Option(None, help="Status (default: prospect)."),
    priority: bool = typer.Option(False, "--priority", help="Mark as a priority partner."),
    city: str = typer.Option(None, help="City."),
    currency: str = typer.Option(None, help="ISO 4217 currency code (default: USD)."),
    website: str = typer.Option(None, help="Website or domain."),
    tax_id: str = typer.Option(None, help="Tax id valid for the country (CNPJ, RFC, EIN...)."),
    owner: str = typer.Option(None, help="E-mail of the manager or admin who owns the partner."),
) -> None:
    """Add a partner (refused if one with the same name, tax id or domain exists)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(PartnerCreate, name=name, type=type_, territory_id=_territory_id(session, actor, territory),
                      country=country, legal_name=legal_name, tier=tier, status=status, is_priority=priority,
                      city=city, currency=currency, website=website, tax_id=tax_id,
                      owner_id=_owner_id(session, owner))
        partner = service.create_partner(session, actor, data)
    console.print(f"Added partner '{partner.name}' (#{partner.id}).", highlight=False)


# Contacts -----------------------------------------------------------------------------------------

def _contact_table(contacts: list, partner_names: dict[int, str]) -> Table:
    columns = ["id", "partner"] if partner_names else ["id"]
    table = Table(*columns, "name", "email", "phone", "role", "primary", "language")
    for c in contacts:
        first = [str(c.id), partner_names[c.partner_id]] if partner_names else [str(c.id)]
        table.add_row(*first, c.name, c.email, c.phone, c.role, _yes(c.is_primary), c.language)
    return table


@contacts_app.command("list")
def contacts_list(partner: int = typer.Option(None, help="Only this partner's contacts (its id)."),
                  q: str = typer.Option("", "--q", help="Part of the name or e-mail."),
                  limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many.")) -> None:
    """List the contacts you may see."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        page = service.list_contacts(session, actor, partner_id=partner, q=q, per_page=limit)
        names = {pid: service.get_partner(session, actor, pid, include_deleted=True).name
                 for pid in {c.partner_id for c in page.items}}
        console.print(_contact_table(page.items, names))
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or search with --q.")


@contacts_app.command("add")
def contacts_add(partner: int = typer.Option(..., help="The partner's id."),
                 name: str = typer.Option(..., help="Full name."),
                 email: str = typer.Option(..., help="E-mail address."),
                 phone: str = typer.Option(None, help="Phone number."),
                 role: ContactRole = typer.Option(None, help="Role (default: sales)."),
                 primary: bool = typer.Option(False, "--primary", help="Make this the partner's primary contact."),
                 language: str = typer.Option(None, help="en, es or pt (default: en).")) -> None:
    """Add a contact to a partner."""
    data = _parse(ContactCreate, partner_id=partner, name=name, email=email, phone=phone, role=role,
                  is_primary=primary, language=language)
    with cli_session() as session, domain_errors():
        contact = service.create_contact(session, cli_actor(session), data)
    console.print(f"Added contact {contact.name} <{contact.email}> (#{contact.id}).", highlight=False)


# Accounts -----------------------------------------------------------------------------------------

@accounts_app.command("list")
def accounts_list(q: str = typer.Option("", "--q", help="Name, domain or tax id."),
                  country: str = typer.Option(None, help="Two-letter country code."),
                  limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many.")) -> None:
    """List the end-customer accounts you may see."""
    filters = _parse(AccountFilter, q=q, country=country)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        rows, more = accounts.list_accounts_after(session, actor, filters, limit=limit)
        names = _territory_names(session, actor)
    table = Table("id", "name", "country", "industry", "public sector", "territory", "partner")
    for a in rows:
        table.add_row(str(a.id), a.name, a.country, a.industry, _yes(a.is_public_sector),
                      names.get(a.territory_id, ""), str(a.partner_id or ""))
    console.print(table)
    if more:
        console.print(f"Showing the first {limit}; raise --limit or narrow the filters to see more.")


@accounts_app.command("show")
def accounts_show(account_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Show one account."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        account = accounts.get_account(session, actor, account_id)
        _print_account(session, actor, account)


def _print_account(session: Session, actor: User, a: Account) -> None:
    partner = service.get_partner(session, actor, a.partner_id, include_deleted=True) if a.partner_id else None
    console.print(f"[bold]{a.name}[/bold]  #{a.id}", highlight=False)
    console.print(_details([
        ("Domain", a.domain), ("Country", country_name(a.country)), ("Industry", a.industry),
        ("Public sector", a.is_public_sector),
        ("Tax id", format_tax_id(a.country, a.tax_id) if a.tax_id else None),
        ("Territory", _territory_names(session, actor).get(a.territory_id)),
        ("Partner", f"{partner.name} (#{partner.id})" if partner else None), ("Version", a.version),
    ]))


@accounts_app.command("add")
def accounts_add(name: str = typer.Option(..., help="Company name."),
                 country: str = typer.Option(..., help="Two-letter country code."),
                 website: str = typer.Option(None, help="Website or domain."),
                 industry: str = typer.Option(None, help="Industry."),
                 public_sector: bool = typer.Option(False, "--public-sector", help="A government or public body."),
                 tax_id: str = typer.Option(None, help="Tax id valid for the country."),
                 territory: str = typer.Option(None, help="Territory id or exact name (staff only).")) -> None:
    """Add an end-customer account."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(AccountCreate, name=name, country=country, website=website, industry=industry,
                      is_public_sector=public_sector, tax_id=tax_id,
                      territory_id=_territory_id(session, actor, territory))
        account = accounts.create_account(session, actor, data)
    console.print(f"Added account '{account.name}' (#{account.id}).", highlight=False)


# Territories --------------------------------------------------------------------------------------

@territories_app.command("list")
def territories_list() -> None:
    """Show the territories you may see as an indented tree."""
    with cli_session() as session, domain_errors():
        ordered = territories.tree_order(territories.list_territories(session, cli_actor(session)))
        owners: dict[int | None, str] = {u.id: u.label for u in service.owners(session)}
    top = min((t.depth for t in ordered), default=0)
    table = Table("id", "territory", "currency", "owner")
    for t in ordered:
        table.add_row(str(t.id), "  " * (t.depth - top) + t.name, t.currency, owners.get(t.owner_id, ""))
    console.print(table)
