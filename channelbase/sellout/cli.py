"""`channelbase sellout`: import a distributor's POS file and report sell-out from the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, fail
from channelbase.core.errors import InvalidInput
from channelbase.imports.mapping import parse_pairs
from channelbase.sellout import service
from channelbase.sellout.reports import BY, ReportFilter, month_end, report_csv, sellout_report
from channelbase.sellout.rows import FIELDS, Options

sellout_app = typer.Typer(help="Distributor POS (sell-out) files: import, report.", no_args_is_help=True)
STAGES = {"parse": "Reading rows", "match": "Matching", "write": "Writing lines"}
MAP_HELP = ("FIELD=Header, repeatable (fields: " + ", ".join(f.name for f in FIELDS) + "): changes the "
            "distributor's saved mapping, or the one suggested from the headers; FIELD= leaves a field out.")


def register(app: typer.Typer) -> None:
    app.add_typer(sellout_app, name="sellout")


@sellout_app.command("import")
def import_command(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, metavar="FILE",
                                               help="The POS file: CSV or XLSX."),
                   distributor: str = typer.Option(..., help="The distributor's name (or id)."),
                   month: str = typer.Option(..., help="The month of the invoices, YYYY-MM."),
                   map_: list[str] = typer.Option([], "--map", help=MAP_HELP),
                   decimal: str = typer.Option(None, help="auto, comma or point (default: the saved choice)."),
                   date_order: str = typer.Option(None, help="auto, dmy, mdy or ymd (default: the saved choice)."),
                   currency: str = typer.Option(None, help="Every amount's currency, for files without one."),
                   replace: bool = typer.Option(False, "--replace", help="Replace the month's imported file."),
                   dry_run: bool = typer.Option(False, "--dry-run", help="Check and match; import nothing.")) -> None:
    """Import a distributor's monthly POS file, all or nothing; every bad row is listed and nothing is saved."""
    content = file.read_bytes()
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        partner = service.find_distributor(session, actor, distributor)
        partner_id, partner_name = partner.id, partner.name  # a rejected file rolls the session back
        mapping = parse_pairs(map_) if map_ else None
        options = _options(decimal, date_order, currency)
        prepared, saved = _run(session, actor, partner_id, month, file.name, content, mapping, options, replace,
                               dry_run)
    _print_result(prepared, saved, partner_name, dry_run)
    if not prepared.ok:
        raise typer.Exit(1)


def _options(decimal: str | None, date_order: str | None, currency: str | None) -> Options | None:
    if decimal is None and date_order is None and currency is None:
        return None
    return Options.from_dict({"decimal": decimal, "date_order": date_order, "currency": currency})


def _run(session, actor, distributor_id: int, month: str, filename: str, content: bytes, mapping, options,
         replace: bool, dry_run: bool):
    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES[stage], total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            return service.import_file(session, actor, distributor_id, month, filename, content, mapping=mapping,
                                       options=options, replace=replace, dry_run=dry_run, progress=progress)
        except service.SelloutRejected as exc:
            session.rollback()
            return exc.prepared, None


def _print_result(prepared: service.Prepared, saved, distributor: str, dry_run: bool) -> None:
    if not prepared.ok:
        table = Table("row", "column", "problem", title=f"{prepared.filename}: nothing was imported")
        for error in prepared.errors:
            table.add_row(str(error.row or "—"), error.column or "—", error.message)
        console.print(table)
        shown = len(prepared.errors)
        more = f" (the first {shown} are listed)" if prepared.parsed.error_count > shown else ""
        console.print(f"{prepared.parsed.error_count} problem(s){more}: fix them and run the command again.",
                      highlight=False)
        return
    verb = "Would import" if dry_run else "Imported"
    unmatched = ", ".join(f"{n} {kind} text{'s' if n != 1 else ''}" for kind, n in prepared.unmatched().items())
    console.print(f"{verb} {len(prepared.parsed.rows):,} lines of {prepared.filename} for {distributor}, "
                  f"{prepared.month.strftime('%B %Y')}: {prepared.matched_lines:,} matched, "
                  f"{prepared.review_lines:,} to review ({unmatched} without a match).", highlight=False)
    if saved is not None:
        console.print(f"File #{saved.id}; review its lines at {service.file_url(saved.id)}", highlight=False)


@sellout_app.command("report")
def report_command(by: str = typer.Option("reseller", help="reseller, product or month."),
                   distributor: str = typer.Option(None, help="Only this distributor (name or id)."),
                   start: str = typer.Option(None, "--from", help="First month, YYYY-MM."),
                   end: str = typer.Option(None, "--to", help="Last month, YYYY-MM."),
                   out: Path = typer.Option(None, "--csv", help="Write the report to this CSV file too."),
                   limit: int = typer.Option(50, min=1, max=100_000, help="Rows to print.")) -> None:
    """Sell-out by reseller, product or month, in the reporting currency."""
    if by not in BY:
        fail(f"--by: use one of {', '.join(BY)}.")
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        distributor_id = service.find_distributor(session, actor, distributor).id if distributor else None
        filters = ReportFilter(by=by, distributor_id=distributor_id, start=_month(start, "--from"),
                               end=month_end(_month(end, "--to")) if end else None)
        report = sellout_report(session, actor, filters)
    table = Table(BY[by], "lines", "units", f"sell-out ({report.currency})")
    for row in report.rows[:limit]:
        table.add_row(row.label, f"{row.lines:,}", f"{row.quantity:,}", row.amount.format() if row.amount else "")
    table.add_row("Total", f"{report.lines:,}", f"{report.quantity:,}", report.total.format() if report.total else "")
    console.print(table)
    if len(report.rows) > limit:
        console.print(f"Showing {limit} of {len(report.rows)} rows; raise --limit or use --csv.", highlight=False)
    if out is not None:
        out.write_text("\ufeff" + report_csv(report), encoding="utf-8", newline="")
        console.print(f"Wrote {out}.", highlight=False)


def _month(text: str | None, option: str):
    if not text:
        return None
    try:
        return service.parse_month(text)
    except InvalidInput as exc:
        fail(f"{option}: {exc.message}")



