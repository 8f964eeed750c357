"""`channelbase products|fx`: the catalogue, list prices and FX rates from the terminal."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, fail
from channelbase.core.base import utcnow
from channelbase.core.money import Money
from channelbase.deals import fx, products
from channelbase.deals.fx_csv import ImportReport, parse_iso_date
from channelbase.deals.models import ProductTerm
from channelbase.deals.schemas import PriceIn, ProductCreate, ProductFilter, RateFilter

products_app = typer.Typer(help="The product catalogue: list, add, set list prices.", no_args_is_help=True)
fx_app = typer.Typer(help="FX rates to the reporting currency: load, list, convert.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(products_app, name="products")
    app.add_typer(fx_app, name="fx")


def _exit(message: str) -> NoReturn:
    fail(message)
    raise typer.Exit(1)  # fail() has already exited; this line tells type checkers so.


def _date(text: str | None) -> date:
    try:
        return parse_iso_date(text) if text else utcnow().date()
    except ValueError as exc:
        _exit(f"--date: {exc}")


# Products ---------------------------------------------------------------------------------------

@products_app.command("list")
def products_list(q: str = typer.Option("", "--q", help="Part of the name, SKU or family."),
                  family: str = typer.Option(None, help="Only this family."),
                  inactive: bool = typer.Option(False, "--inactive", help="Include inactive products (admins)."),
                  limit: int = typer.Option(100, min=1, max=1000, help="Show at most this many.")) -> None:
    """List the products you may see, with their list prices."""
    filters = ProductFilter(q=q, family=family, active=None if inactive else True)
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        page = products.list_products(session, actor, filters, sort="sku", per_page=limit)
        prices = products.prices_for(session, actor, [p.id for p in page.items])
    table = Table("id", "sku", "name", "family", "term", "subscription", "active", "list prices")
    for p in page.items:
        listed = ", ".join(money.format() for money in prices.get(p.id, {}).values())
        table.add_row(str(p.id), p.sku, p.name, p.family, p.term, "yes" if p.is_subscription else "",
                      "yes" if p.active else "no", listed)
    console.print(table)
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or search with --q.")


@products_app.command("add")
def products_add(sku: str = typer.Option(..., help="Unique stock-keeping unit, e.g. ELS-STD-1Y."),
                 name: str = typer.Option(..., help="Product name."),
                 family: str = typer.Option(..., help="Family, e.g. OS, Cloud, Automation, Services."),
                 term: ProductTerm = typer.Option(..., help="Contract term."),
                 subscription: bool = typer.Option(True, "--subscription/--one-off",
                                                   help="Recurring subscription, or a one-off sale.")) -> None:
    """Add a product to the catalogue (admins)."""
    try:
        data = ProductCreate(sku=sku, name=name, family=family, term=term, is_subscription=subscription)
    except ValidationError as exc:
        _exit("Invalid input:" + "".join(f"\n  --{e['loc'][0]}: {e['msg']}" for e in exc.errors()))
    with cli_session() as session, domain_errors():
        product = products.create_product(session, cli_actor(session), data)
    console.print(f"Added product {product.sku} '{product.name}' (#{product.id}).", highlight=False)


@products_app.command("price")
def products_price(sku: str = typer.Argument(..., help="The product's SKU."),
                   amount: str = typer.Argument(..., help="List price, e.g. 1234.56 (or 1.234,56 with --decimal-comma)."),
                   currency: str = typer.Argument(..., help="ISO 4217 currency, e.g. BRL."),
                   decimal_comma: bool = typer.Option(False, "--decimal-comma", help="The amount uses a decimal comma.")
                   ) -> None:
    """Set a product's list price in a currency (admins)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        product = products.product_by_sku(session, actor, sku)
        money = products.price_from(PriceIn(amount=amount, decimal_comma=decimal_comma or None), currency)
        products.set_price(session, actor, product.id, money)
    console.print(f"{product.sku} list price in {money.currency}: {money.format()}.", highlight=False)


# FX rates ---------------------------------------------------------------------------------------

@fx_app.command("load")
def fx_load(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, metavar="FILE.csv",
                                        help="CSV with columns currency,date,rate."),
            dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and report; save nothing.")) -> None:
    """Load FX rates from a CSV, all or nothing; every bad row is listed and nothing is saved (exit 1)."""
    content = file.read_bytes()
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        if dry_run:
            report = fx.check_rates_csv(session, actor, content, file.name)
        else:
            report = _load_with_progress(session, actor, content, file.name)
    _print_report(report, dry_run)
    if report.errors:
        raise typer.Exit(1)


def _load_with_progress(session, actor, content: bytes, filename: str) -> ImportReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"Loading {filename}", total=None)
        try:
            return fx.load_rates_csv(session, actor, content, filename,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
        except fx.RatesRejected as exc:
            session.rollback()
            return exc.report


def _print_report(report: ImportReport, dry_run: bool) -> None:
    if report.errors:
        table = Table("row", "column", "problem", title=f"{report.filename}: nothing was saved")
        for error in report.errors:
            table.add_row(str(error.row or "—"), error.column or "—", error.message)
        console.print(table)
        console.print(f"{len(report.errors)} problem(s): fix them and run the command again.", highlight=False)
        return
    verb = "Would load" if dry_run else "Loaded"
    console.print(f"{verb} {report.rows} rates from {report.filename}: {report.created} new, {report.updated} "
                  f"changed, {report.unchanged} unchanged.", highlight=False)


@fx_app.command("list")
def fx_list(currency: str = typer.Option(None, help="Only this currency, e.g. BRL."),
            limit: int = typer.Option(100, min=1, max=10_000, help="Show at most this many.")) -> None:
    """List FX rates to the reporting currency, newest first."""
    try:
        filters = RateFilter(currency=currency)
    except ValidationError as exc:
        _exit(f"--currency: {exc.errors()[0]['msg'].removeprefix('Value error, ')}")
    with cli_session() as session, domain_errors():
        page = fx.list_rates(session, cli_actor(session), filters, per_page=limit)
    reporting = fx.reporting_currency()
    table = Table("effective from", "currency", f"{reporting} per unit", "source")
    for r in page.items:
        table.add_row(r.effective_date.isoformat(), r.currency, str(r.rate), r.source)
    console.print(table)
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or pick a --currency.")


@fx_app.command("convert")
def fx_convert(amount: str = typer.Argument(..., help="Amount, e.g. 1000.00 (or 1.000,00 with --decimal-comma)."),
               currency: str = typer.Argument(..., help="ISO 4217 currency of the amount."),
               on: str = typer.Option(None, "--date", help="Date of the rate, YYYY-MM-DD (default: today)."),
               decimal_comma: bool = typer.Option(False, "--decimal-comma", help="The amount uses a decimal comma.")
               ) -> None:
    """Convert an amount to the reporting currency and show the rate used."""
    with cli_session() as session, domain_errors():
        cli_actor(session)
        money = Money.parse(amount, currency, decimal_comma=decimal_comma or None)
        conversion = fx.convert(session, money, _date(on))
    console.print(conversion.describe(), highlight=False)
