"""`channelbase import ENTITY FILE`: map the columns, check every row, then import all of them or none."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from channelbase.cli_support import cli_actor, console, domain_errors, engine, err_console, fail
from channelbase.core.db import make_sessionmaker, settle_after_bulk_load, unit_of_work
from channelbase.imports import service
from channelbase.imports.registry import ENTITIES
from channelbase.imports.mapping import parse_pairs
from channelbase.imports.models import ImportRun
from channelbase.web.exports import neutralise

SHOWN_ERRORS = 30


@contextmanager
def _progress_bar() -> Iterator:
    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def echo(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)
        yield echo


def import_file(
    entity: str = typer.Argument(..., help=f"What the file holds: {', '.join(ENTITIES)}."),
    path: Path = typer.Argument(..., help="A CSV (UTF-8, ',' ';' or tab) or XLSX file with a header row."),
    maps: list[str] = typer.Option([], "--map", help="field=Column, repeatable; overrides the suggestion."),
    mapping_name: str = typer.Option(None, "--mapping", help="Start from a saved mapping."),
    save_mapping: str = typer.Option(None, "--save-mapping", help="Save the mapping used under this name."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report; write nothing."),
    encoding: str = typer.Option(None, "--encoding", help="The file's text encoding if not UTF-8 (cp1252...)."),
    errors_out: Path = typer.Option(None, "--errors-out", help="Write every problem to this CSV file."),
) -> None:
    """Import partners, contacts or accounts: all rows or, if any row has a problem, none (each one reported)."""
    if not path.is_file():
        fail(f"No such file: {path}.")
    factory = make_sessionmaker(engine())
    with domain_errors():
        with unit_of_work(factory) as session:
            actor = cli_actor(session)
            run, sheet = service.new_run(session, actor, entity, path.name, path.read_bytes(), encoding)
            mapping = service.resolve_mapping(session, service.spec_for(entity), sheet, parse_pairs(maps),
                                              mapping_name)
            if save_mapping:
                service.save_mapping(session, actor, entity, save_mapping, mapping)
            run.mapping = mapping
            run_id = run.id
        _print_mapping(mapping)
        with _progress_bar() as echo:
            if dry_run:
                done = service.check_run(factory, actor, run_id, mapping, echo)
            else:
                done = service.commit_run(factory, actor, run_id, echo)
    _report(done, dry_run, errors_out)
    if not dry_run and not done.error_count and done.created + done.updated > 1000:
        settle_after_bulk_load(engine())


def _print_mapping(mapping: dict[str, str]) -> None:
    pairs = ", ".join(f"{field} ← {header}" for field, header in mapping.items())
    err_console.print(f"Columns: {pairs}", highlight=False, markup=False)


def _report(run: ImportRun, dry_run: bool, errors_out: Path | None) -> None:
    counts = f"{run.created:,} to create, {run.updated:,} to update, {run.unchanged:,} unchanged"
    if errors_out and run.errors:
        _write_errors(run, errors_out)
    for dup in run.duplicates[:SHOWN_ERRORS]:
        console.print(f"row {dup['row']}: '{dup['name']}' looks like #{dup['existing_id']} "
                      f"'{dup['existing_name']}' ({dup['score']})", highlight=False, markup=False)
    if run.duplicates:
        console.print(f"{len(run.duplicates):,} likely duplicates to review (imported as new rows).", highlight=False)
    if run.message:
        console.print(run.message, highlight=False, markup=False)
    if run.error_count:
        table = Table("Row", "Column", "Problem", title=f"{run.filename}: {run.error_count:,} problems")
        for error in run.errors[:SHOWN_ERRORS]:
            table.add_row(str(error["row"]), error["column"], error["message"])
        err_console.print(table)
        more = run.error_count - min(SHOWN_ERRORS, len(run.errors))
        if more:
            err_console.print(f"... and {more:,} more" + ("" if errors_out else " (--errors-out FILE lists all)."))
        fail(f"Nothing was imported: fix the {run.error_count:,} problems above and run it again "
             f"(import #{run.id}; {run.total_rows:,} rows checked).")
    if dry_run:
        console.print(f"Dry run of {run.filename}: {run.total_rows:,} rows, no problems; {counts}. "
                      "Nothing written.", highlight=False)
    else:
        console.print(f"Imported {run.filename} (import #{run.id}): {run.created:,} created, {run.updated:,} "
                      f"updated, {run.unchanged:,} unchanged.", highlight=False)


def _write_errors(run: ImportRun, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "problem"])
        for error in run.errors:
            writer.writerow([error["row"], neutralise(error["column"]), neutralise(error["message"])])


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)
