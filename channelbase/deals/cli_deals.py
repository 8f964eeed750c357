"""`channelbase registrations|opportunities|pipeline`: deal registrations and the pipeline from the terminal."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.cli_support import M, cli_actor, cli_session, console, domain_errors, fail, parse_options
from channelbase.core.money import Money
from channelbase.deals import conflicts as conflict_check
from channelbase.deals import deal_queries, fx, opportunities, pipeline, products, registrations, rollup, stages
from channelbase.deals.deal_schemas import (
    ApproveIn, ConvertIn, ExtendIn, ExtensionRequestIn, MoveIn, OpportunityCreate, OpportunityFilter,
    RegistrationCreate, RegistrationFilter, RejectIn,
)
from channelbase.deals.models import Opportunity, OpportunitySource, Registration, RegistrationStatus, StageOutcome
from channelbase.partners.models import PartnerType
from channelbase.partners.service import partner_names

registrations_app = typer.Typer(help="Deal registrations: list, show, submit, decide, convert, expire.",
                                no_args_is_help=True)
opportunities_app = typer.Typer(help="Opportunities: list, show, add and move between stages.", no_args_is_help=True)
pipeline_app = typer.Typer(help="Pipeline totals in the reporting currency.", no_args_is_help=True)
# Schema fields whose command-line option is named differently.
OPTION_FOR_FIELD = {"partner_id": "--partner", "account_id": "--account", "customer_name": "--customer",
                    "customer_country": "--country", "customer_website": "--website", "customer_tax_id": "--tax-id",
                    "expected_close_date": "--close", "close_date": "--close", "distributor_id": "--distributor",
                    "hidden_from_distributor": "--hide-from-distributor", "products": "--product",
                    "owner_id": "--owner", "territory_id": "--territory", "expiring_days": "--expiring-days"}


def register(app: typer.Typer) -> None:
    app.add_typer(registrations_app, name="registrations")
    app.add_typer(opportunities_app, name="opportunities")
    app.add_typer(pipeline_app, name="pipeline")


# Shared helpers -----------------------------------------------------------------------------------

def _parse(schema: type[M], **values: Any) -> M:
    return parse_options(schema, OPTION_FOR_FIELD, **values)


def _lines(session: Session, actor: User, specs: list[str] | None) -> list[dict]:
    """`SKU:QTY` (or just `SKU` for one) -> product lines, each SKU looked up in the catalogue."""
    lines = []
    for spec in specs or []:
        sku, _, quantity = spec.partition(":")
        if quantity and not quantity.strip().isdigit():
            fail(f"--product {spec!r}: write SKU:QUANTITY, e.g. ELS-STD-1Y:10.")
        product = products.product_by_sku(session, actor, sku)
        lines.append({"product_id": product.id, "quantity": int(quantity or 1)})
    return lines


def _details(rows: list[tuple[str, Any]]) -> Table:
    """Label/value lines; rows without a value are left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        if value is not None and value != "":
            grid.add_row(label, "yes" if value is True else "no" if value is False else str(value))
    return grid


def _when(value) -> str | None:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else None


def _name(names: dict[int | None, str], partner_id: int | None) -> str:
    return names.get(partner_id) or (f"#{partner_id}" if partner_id else "")


# Registrations ------------------------------------------------------------------------------------

def _review(actor: User, registration: Registration) -> str:
    """What the list shows of the conflict check: the score for staff, only "needs review" for partners."""
    if not registrations.needs_review(registration):
        return ""
    if actor.is_partner:
        return "needs review"
    return f"{registration.conflict_count} (best {registration.conflict_score})"


@registrations_app.command("list")
def registrations_list(
    status: RegistrationStatus = typer.Option(None, help="Only this status ('expired' includes those past due)."),
    partner: int = typer.Option(None, help="Only this partner's registrations (its id)."),
    conflicts: bool = typer.Option(None, "--conflicts/--no-conflicts",
                                   help="Only those the conflict check flagged (or not)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only those awaiting a decision past their SLA."),
    expiring_days: int = typer.Option(None, help="Only approved ones expiring within N days."),
    q: str = typer.Option("", "--q", help="Part of the customer, title or partner name."),
    limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many."),
) -> None:
    """List the deal registrations you may see, newest first."""
    filters = _parse(RegistrationFilter, q=q, status=status, partner_id=partner, conflicts=conflicts,
                     overdue=overdue or None, expiring_days=expiring_days)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        page = registrations.list_registrations(session, actor, filters, per_page=limit)
        names = partner_names(session, actor, [r.partner_id for r in page.items])
    table = Table("id", "reference", "status", "partner", "customer", "title", "amount", "close", "expires",
                  "conflicts")
    for r in page.items:
        table.add_row(str(r.id), r.reference, registrations.effective_status(r), _name(names, r.partner_id),
                      r.customer_name, r.title, r.amount.format(), r.expected_close_date.isoformat(),
                      r.expires_on.isoformat() if r.expires_on else "", _review(actor, r))
    console.print(table)
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or narrow the filters.")


@registrations_app.command("show")
def registrations_show(registration_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Show a registration: its fields, its decision SLA and (staff) the conflicts found now."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        registration = registrations.get_registration(session, actor, registration_id)
        _print_registration(session, actor, registration)
        if actor.is_staff:
            _print_conflicts(session, actor, registration)


def _print_registration(session: Session, actor: User, r: Registration) -> None:
    names = partner_names(session, actor, [r.partner_id, r.distributor_id])
    lines = registrations.lines_of(session, actor, [r.id]).get(r.id, [])
    converted = deal_queries.opportunity_ids_for(session, actor, [r.id]).get(r.id)
    distributor = _name(names, r.distributor_id) + (" (hidden from it)" if r.hidden_from_distributor else "")
    console.print(f"[bold]{r.reference}[/bold]  {r.title}", highlight=False)
    console.print(_details([
        ("Status", registrations.effective_status(r)), ("Partner", _name(names, r.partner_id)),
        ("Distributor", distributor.strip()), ("Customer", f"{r.customer_name} ({r.customer_country})"),
        ("Web domain", r.customer_domain), ("Tax id", r.customer_tax_id),
        ("Account", f"#{r.account_id}" if r.account_id else None), ("Amount", r.amount.format()),
        ("Expected close", r.expected_close_date.isoformat()), ("Submitted", _when(r.submitted_at)),
        ("SLA", registrations.sla_of(r).describe()), ("Decided", _when(r.decided_at)),
        ("Reason", r.decision_reason), ("Expires", r.expires_on.isoformat() if r.expires_on else None),
        ("Extensions", r.extensions or None), ("Extension asked", _when(r.extension_requested_at)),
        ("Because", r.extension_request_reason), ("Needs review", registrations.needs_review(r) or None),
        ("Opportunity", f"#{converted}" if converted else None),
        ("Products", ", ".join(f"{p.sku} × {q}" for p, q in lines)), ("Notes", r.notes), ("Version", r.version),
    ]))


def _print_conflicts(session: Session, actor: User, registration: Registration) -> None:
    found = registrations.conflicts_of(session, actor, registration)
    if not found:
        console.print("No conflicts: no other account, registration or open deal matches this customer.")
        return
    table = Table("kind", "id", "customer", "partner", "score", "reason", "status", "link",
                  title=f"{len(found)} possible conflict(s)")
    for c in found:
        table.add_row(c.kind, str(c.id), c.name, c.partner_name, f"{c.score:g}", c.reason, c.status,
                      conflict_check.visible_link(session, actor, c) or "")
    console.print(table)


@registrations_app.command("submit")
def registrations_submit(
    title: str = typer.Option(..., help="What the deal is, e.g. 'Campinas — server refresh'."),
    amount: str = typer.Option(..., help="Deal value, e.g. 24000.00 (or 24.000,00 with --decimal-comma)."),
    currency: str = typer.Option(..., help="ISO 4217 currency, e.g. BRL."),
    close: str = typer.Option(..., help="Expected close date, YYYY-MM-DD."),
    partner: int = typer.Option(None, help="The registering partner's id (staff; partner users: their own)."),
    account: int = typer.Option(None, help="An existing account's id (or give --customer and --country)."),
    customer: str = typer.Option(None, help="The customer's company name, when it is not an account yet."),
    country: str = typer.Option(None, help="The customer's two-letter country code."),
    website: str = typer.Option(None, help="The customer's website or domain (helps the conflict check)."),
    tax_id: str = typer.Option(None, help="The customer's tax id (helps the conflict check)."),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help="The amount uses a decimal comma."),
    product: list[str] = typer.Option(None, "--product", help="SKU:QTY, repeatable."),
    distributor: int = typer.Option(None, help="Id of the distributor supplying the deal (two-tier)."),
    hide_from_distributor: bool = typer.Option(False, "--hide-from-distributor",
                                               help="Keep the deal out of the distributor's view."),
    notes: str = typer.Option(None, help="Anything the channel manager should know."),
) -> None:
    """Register a deal; the conflict check runs at once (partner users hear only whether it needs review)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(RegistrationCreate, partner_id=partner, title=title, account_id=account,
                      customer_name=customer, customer_country=country, customer_website=website,
                      customer_tax_id=tax_id, amount=amount, currency=currency, decimal_comma=decimal_comma or None,
                      expected_close_date=close, products=_lines(session, actor, product), distributor_id=distributor,
                      hidden_from_distributor=hide_from_distributor, notes=notes)
        r = registrations.submit_registration(session, actor, data)
    console.print(f"Submitted {r.reference} (#{r.id}): {r.customer_name}, {r.amount.format()}; decision due by "
                  f"{_when(r.decision_due_at)}.", highlight=False)
    if registrations.needs_review(r):
        detail = "" if actor.is_partner else f": {r.conflict_count} possible conflict(s), best score {r.conflict_score}"
        console.print(f"It needs review{detail}.", highlight=False)


def _current(session: Session, actor: User, registration_id: int) -> Registration:
    """The registration as stored now: the terminal acts on the current version."""
    return registrations.get_registration(session, actor, registration_id)


@registrations_app.command("approve")
def registrations_approve(registration_id: int = typer.Argument(..., metavar="ID"),
                          account: int = typer.Option(None, help="Link it to this existing account (its id)."),
                          note: str = typer.Option("", help="A note to the partner.")) -> None:
    """Approve a submitted registration; it then holds the deal for the program's registration days."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        version = _current(session, actor, registration_id).version
        data = _parse(ApproveIn, version=version, account_id=account, note=note)
        r = registrations.approve(session, actor, registration_id, data)
    console.print(f"Approved {r.reference}: it holds the deal until {r.expires_on}.", highlight=False)


@registrations_app.command("reject")
def registrations_reject(registration_id: int = typer.Argument(..., metavar="ID"),
                         reason: str = typer.Option(..., help="Why (shown to the partner).")) -> None:
    """Reject a submitted registration, saying why."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(RejectIn, version=_current(session, actor, registration_id).version, reason=reason)
        r = registrations.reject(session, actor, registration_id, data)
    console.print(f"Rejected {r.reference}: {r.decision_reason}", highlight=False)


@registrations_app.command("extend")
def registrations_extend(registration_id: int = typer.Argument(..., metavar="ID"),
                         days: int = typer.Option(None, help="Days to add (default: the program's extension).")
                         ) -> None:
    """Give an approved (or expired) registration more days."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(ExtendIn, version=_current(session, actor, registration_id).version, days=days)
        r = registrations.extend(session, actor, registration_id, data)
    console.print(f"Extended {r.reference} to {r.expires_on} (extension {r.extensions}).", highlight=False)


@registrations_app.command("request-extension")
def registrations_request_extension(registration_id: int = typer.Argument(..., metavar="ID"),
                                    reason: str = typer.Option(..., help="Why the deal needs more time.")) -> None:
    """Ask the channel manager for more time on an approved registration."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(ExtensionRequestIn, version=_current(session, actor, registration_id).version, reason=reason)
        r = registrations.request_extension(session, actor, registration_id, data)
    console.print(f"Asked for an extension of {r.reference}; the channel manager decides.", highlight=False)


@registrations_app.command("convert")
def registrations_convert(registration_id: int = typer.Argument(..., metavar="ID"),
                          stage: str = typer.Option(None, help="Stage key (default: the first open stage)."),
                          owner: int = typer.Option(None, help="Owner's user id (default: the partner's owner).")
                          ) -> None:
    """Turn an approved registration into an opportunity linked back to it."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(ConvertIn, version=_current(session, actor, registration_id).version, stage=stage,
                      owner_id=owner)
        o = registrations.convert(session, actor, registration_id, data)
        stage_name = _stage_names(session)[o.stage_id]
    console.print(f"Converted REG-{registration_id:06d} into opportunity #{o.id} '{o.name}' "
                  f"({o.amount.format()}, {stage_name}).", highlight=False)


@registrations_app.command("expire")
def registrations_expire() -> None:
    """Mark approved registrations past their expiry date as expired (for cron; runs as the system)."""
    with cli_session() as session, domain_errors():
        count = registrations.expire_overdue(session)
    console.print(f"Expired {count} registration(s)." if count else "No approved registration is past its expiry "
                  "date.", highlight=False)


# Opportunities ------------------------------------------------------------------------------------

Q = Annotated[str, typer.Option("--q", help="Part of the opportunity's name.")]
Territory = Annotated[int | None, typer.Option("--territory", help="Territory id (includes those below it).")]
PartnerId = Annotated[int | None, typer.Option("--partner", help="Partner id.")]
PartnerKind = Annotated[PartnerType | None, typer.Option("--partner-type", help="Partner type.")]
StageKey = Annotated[str | None, typer.Option("--stage", help="Stage key, e.g. propose.")]
Outcome = Annotated[StageOutcome | None, typer.Option("--outcome", help="open, won or lost.")]
Source = Annotated[OpportunitySource | None, typer.Option("--source", help="Who sourced the deal.")]
Owner = Annotated[int | None, typer.Option("--owner", help="Owner's user id.")]
CloseFrom = Annotated[str | None, typer.Option("--close-from", help="Closing on or after YYYY-MM-DD.")]
CloseTo = Annotated[str | None, typer.Option("--close-to", help="Closing on or before YYYY-MM-DD.")]
Stalled = Annotated[bool | None, typer.Option("--stalled/--no-stalled", help="Only stalled (or moving) deals.")]


def _stage_names(session: Session) -> dict[int, str]:
    return {s.id: s.name for s in stages.list_stages(session, include_inactive=True)}


@opportunities_app.command("list")
def opportunities_list(q: Q = "", territory: Territory = None, partner: PartnerId = None,
                       partner_type: PartnerKind = None, stage: StageKey = None, outcome: Outcome = None,
                       source: Source = None, owner: Owner = None, close_from: CloseFrom = None,
                       close_to: CloseTo = None, stalled: Stalled = None,
                       limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many.")) -> None:
    """List the opportunities you may see, soonest close first."""
    filters = _parse(OpportunityFilter, q=q, territory_id=territory, partner_id=partner, partner_type=partner_type,
                     stage=stage, outcome=outcome, source=source, owner_id=owner, close_from=close_from,
                     close_to=close_to, stalled=stalled)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        page = opportunities.list_opportunities(session, actor, filters, per_page=limit)
        names = partner_names(session, actor, [o.partner_id for o in page.items])
        stage_names = _stage_names(session)
    table = Table("id", "name", "partner", "stage", "amount", "close", "source", "stalled")
    for o in page.items:
        table.add_row(str(o.id), o.name, _name(names, o.partner_id), stage_names[o.stage_id], o.amount.format(),
                      o.close_date.isoformat(), o.source, "yes" if opportunities.is_stalled(o) else "")
    console.print(table)
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or narrow the filters.")


@opportunities_app.command("show")
def opportunities_show(opportunity_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Show an opportunity with its products and stage history."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        o = opportunities.get_opportunity(session, actor, opportunity_id)
        _print_opportunity(session, actor, o)


def _print_opportunity(session: Session, actor: User, o: Opportunity) -> None:
    names = partner_names(session, actor, [o.partner_id, o.distributor_id])
    stage_names = _stage_names(session)
    lines = opportunities.lines_of(session, actor, [o.id]).get(o.id, [])
    console.print(f"[bold]{o.name}[/bold]  #{o.id}", highlight=False)
    console.print(_details([
        ("Stage", f"{stage_names[o.stage_id]} ({o.probability} %)"), ("Partner", _name(names, o.partner_id)),
        ("Distributor", _name(names, o.distributor_id)), ("Account", f"#{o.account_id}"),
        ("Amount", o.amount.format()), ("Close", o.close_date.isoformat()), ("Source", o.source),
        ("Next step", o.next_step), ("Stalled", opportunities.is_stalled(o) or None),
        ("Registration", f"REG-{o.registration_id:06d}" if o.registration_id else None),
        ("Products", ", ".join(f"{p.sku} × {q}" for p, q in lines)), ("Version", o.version),
    ]))
    history = opportunities.stage_history(session, actor, o.id)
    table = Table("since", "stage", "from", "days", "amount", title="Stage history")
    for change, (_stage, days) in zip(history, opportunities.days_in_stages(history), strict=True):
        table.add_row(_when(change.at), stage_names[change.to_stage_id],
                      stage_names.get(change.from_stage_id or 0, ""), f"{days:g}",
                      Money.from_minor(change.amount_minor, change.currency).format())
    console.print(table)


@opportunities_app.command("add")
def opportunities_add(
    name: str = typer.Option(..., help="What the deal is."),
    account: int = typer.Option(..., help="The customer account's id."),
    partner: int = typer.Option(..., help="The selling partner's id."),
    amount: str = typer.Option(..., help="Deal value, e.g. 85000.00 (or 85.000,00 with --decimal-comma)."),
    currency: str = typer.Option(..., help="ISO 4217 currency, e.g. USD."),
    close: str = typer.Option(..., help="Expected close date, YYYY-MM-DD."),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help="The amount uses a decimal comma."),
    stage: str = typer.Option(None, help="Stage key (default: the first open stage)."),
    source: OpportunitySource = typer.Option(None, help="Who sourced the deal (default: partner)."),
    distributor: int = typer.Option(None, help="Id of the distributor supplying the deal."),
    hide_from_distributor: bool = typer.Option(False, "--hide-from-distributor",
                                               help="Keep the deal out of the distributor's view."),
    owner: int = typer.Option(None, help="Owner's user id (default: the partner's owner)."),
    next_step: str = typer.Option(None, help="The next step."),
    product: list[str] = typer.Option(None, "--product", help="SKU:QTY, repeatable."),
) -> None:
    """Open an opportunity directly (staff; partners register deals instead)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(OpportunityCreate, name=name, account_id=account, partner_id=partner, amount=amount,
                      currency=currency, decimal_comma=decimal_comma or None, close_date=close, stage=stage,
                      source=source, distributor_id=distributor, hidden_from_distributor=hide_from_distributor,
                      owner_id=owner, next_step=next_step, products=_lines(session, actor, product))
        o = opportunities.create_opportunity(session, actor, data)
        stage_name = _stage_names(session)[o.stage_id]
    console.print(f"Added opportunity #{o.id} '{o.name}': {o.amount.format()}, {stage_name}.", highlight=False)


@opportunities_app.command("move")
def opportunities_move(opportunity_id: int = typer.Argument(..., metavar="ID"),
                       stage: str = typer.Argument(..., help="The stage key (or name), e.g. propose.")) -> None:
    """Move an opportunity to another stage."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        version = opportunities.get_opportunity(session, actor, opportunity_id).version
        o = opportunities.move_stage(session, actor, opportunity_id, _parse(MoveIn, version=version, stage=stage))
        stage_name = _stage_names(session)[o.stage_id]
    console.print(f"Moved #{o.id} '{o.name}' to {stage_name} ({o.probability} %).", highlight=False)


# Pipeline -----------------------------------------------------------------------------------------

@pipeline_app.command("totals")
def pipeline_totals(territory: Territory = None, partner: PartnerId = None, partner_type: PartnerKind = None,
                    stage: StageKey = None, outcome: Outcome = None, source: Source = None, owner: Owner = None,
                    close_from: CloseFrom = None, close_to: CloseTo = None) -> None:
    """Count, amount and weighted amount per stage in the reporting currency (open deals unless --outcome)."""
    filters = _parse(OpportunityFilter, territory_id=territory, partner_id=partner, partner_type=partner_type,
                     stage=stage, outcome=outcome or StageOutcome.OPEN, source=source, owner_id=owner,
                     close_from=close_from, close_to=close_to)
    with cli_session() as session, domain_errors():
        totals = pipeline.pipeline_totals(session, cli_actor(session), filters)
    table = Table("stage", "deals", f"amount ({totals.reporting})", f"weighted ({totals.reporting})")
    for row in totals.stages:
        table.add_row(row.stage.name, str(row.count), row.amount.format(), row.weighted.format())
    table.add_row("Total", str(totals.count), totals.amount.format(), totals.weighted.format(), style="bold")
    console.print(table)
    if totals.rates:
        console.print("Rates used:")
        for rate in totals.rates:
            console.print(f"  {rate.describe()} for {rate.deals} deal(s)", highlight=False)
    else:
        console.print(f"No conversion needed: every deal is in {totals.reporting}.", highlight=False)


@pipeline_app.command("rebuild")
def pipeline_rebuild() -> None:
    """Recompute the pipeline rollup from the deals (after a bulk load that bypassed the app; admins)."""
    with cli_session() as session, domain_errors():
        fx.require_admin(cli_actor(session), "rebuild the pipeline rollup")
        rows = rollup.rebuild(session)
        off = rollup.drift(session)
    console.print(f"Pipeline rollup rebuilt: {rows:,} rows; {len(off)} differ from the deals.", highlight=False)
