"""`channelbase growth`: quotas, plan rates, the fiscal calendar and where a target stands, from the terminal."""

from __future__ import annotations

import typer
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, fail, parse_options
from channelbase.core.base import utcnow
from channelbase.core.money import Money
from channelbase.growth import figures as f
from channelbase.growth import fiscal, quotas
from channelbase.growth.cli_qbr import qbr
from channelbase.growth.plan_rates import set_plan_rate
from channelbase.growth.standing import resolve_target, standing

growth_app = typer.Typer(help="Quotas, plan rates, fiscal calendar and attainment.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(growth_app, name="growth")
    app.command("qbr")(qbr)


@growth_app.command("calendar")
def calendar_command(start_month: int = typer.Argument(..., min=1, max=12, help="Month the fiscal year starts in.")):
    """Set the month the fiscal year starts in (a fiscal year is named by the calendar year it ends in)."""
    with cli_session() as session, domain_errors():
        fiscal.set_start_month(session, cli_actor(session), start_month)
        year = fiscal.current_year(session, utcnow().date())
        console.print(f"Fiscal years start in {fiscal.MONTH_NAMES[start_month - 1]}: today is in {year.label} "
                      f"({year.start} to {year.end}).")


@growth_app.command("plan-rate")
def plan_rate_command(fiscal_year: int = typer.Argument(..., help="e.g. 2027"),
                      currency: str = typer.Argument(..., help="e.g. BRL"),
                      rate: str = typer.Argument(..., help="Reporting-currency units per 1 unit, e.g. 0.185")):
    """Set a currency's plan rate for a fiscal year (the constant-currency view converts at it)."""
    with cli_session() as session, domain_errors():
        row = set_plan_rate(session, cli_actor(session), fiscal_year, currency, rate)
        console.print(f"FY{row.fiscal_year} plan rate of {row.currency}: {row.rate.normalize()} {row.quote_currency}.")


@growth_app.command("quota")
def quota_command(fiscal_year: int = typer.Argument(...), scope: str = typer.Argument(..., help="territory, manager "
                                                                                       "or partner"),
                  target_id: int = typer.Argument(..., help="The territory's, manager's or partner's id."),
                  amount: str = typer.Option(None, help="The quota in the reporting currency."),
                  growth: str = typer.Option(None, help="Or: growth in % over the prior year's closed-won."),
                  split: str = typer.Option("25,25,25,25", help="Quarterly shares in %, adding up to 100."),
                  metric: str = typer.Option("bookings", help="bookings or arr (annual recurring revenue).")):
    """Set a quota; an existing one for the same target and year is refused (edit it on the Quotas page)."""
    shares = tuple(part.strip() for part in split.split(","))
    if len(shares) != 4:
        fail("--split takes four shares, e.g. 25,25,25,25.")
    with cli_session() as session, domain_errors():
        data = parse_options(quotas.QuotaIn, {"metric": "--metric", "scope": "SCOPE", "amount": "--amount",
                                              "growth_pct": "--growth", "split": "--split"},
                             fiscal_year=fiscal_year, scope=scope, target_id=target_id, amount=amount,
                             growth_pct=growth, split=shares, metric=metric)
        quota = quotas.set_quota(session, cli_actor(session), data)
        total = Money.from_minor(quota.amount_minor, quota.currency)
        console.print(f"FY{quota.fiscal_year} quota #{quota.id} for {quotas.target_label(session, quota)}: "
                      f"{total.format()}" + (f" (+{quota.growth_pct} % over the prior year)" if quota.growth_pct
                                             is not None else ""))


@growth_app.command("standing")
def standing_command(scope: str = typer.Argument(..., help="territory, manager or partner"),
                     target_id: int = typer.Argument(...),
                     year: int = typer.Option(None, help="Fiscal year (default: the current one)."),
                     view: str = typer.Option(f.ACTUAL, help="actual or constant (plan rates)."),
                     metric: str = typer.Option("bookings", help="bookings or arr.")):
    """Attainment, forecast by category, weighted forecast and growth of one target."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        today = utcnow().date()
        fiscal_year = fiscal.fiscal_year(session, year) if year else fiscal.current_year(session, today)
        target = resolve_target(session, actor, scope, target_id)
        result = standing(session, actor, target, f.Window(fiscal_year, today), f.check_view(view), metric)
    table = Table(title=f"{target.label} — {fiscal_year.label}, {'ARR' if result.metric == 'arr' else 'bookings'}, "
                        f"{f.VIEWS[result.view]}")
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    rows = [("Quota", result.quota), ("Closed won", result.won_full_year), ("Attainment %", result.attainment_pct),
            ("Gap to quota", result.gap), *[(name.replace("_", " ").capitalize(), value)
                                           for name, value in result.categories.items()],
            ("Weighted forecast", result.weighted_forecast), ("Prior year to date", result.prior_to_date),
            ("Growth %", result.growth_pct)]
    for label, value in rows:
        table.add_row(label, "—" if value is None else (value.format() if isinstance(value, Money) else str(value)))
    console.print(table)
    for rate in result.rates:
        console.print(f"  rate used: {rate.described}")
