"""`channelbase match` and `channelbase dedupe`: company-name matching on CSV files, for cleaning data.

Input files may be UTF-8 (with or without BOM), UTF-16 with BOM, or Latin-1/cp1252, delimited by
commas, semicolons, tabs or pipes (sniffed from the header line). Output is UTF-8 with commas: every
input column in order, then the new ones (an input column already named like a new one is replaced).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from channelbase import cli_support
from channelbase.matching import service
from channelbase.matching.score import SHIPPED_THRESHOLD

DELIMITERS = (",", ";", "\t", "|")
NO_DELIMITER = "\x1f"  # a one-column file: commas inside a name are part of the name
THRESHOLD_HELP = "Scores at or above this (0–100) count as the same company."


def register(app: typer.Typer) -> None:
    app.command("match")(match)
    app.command("dedupe")(dedupe)


def match(pairs: Path = typer.Option(None, "--pairs", help="CSV with columns left,right."),
          accounts: Path = typer.Option(None, "--accounts", help="CSV with a name column."),
          queries: Path = typer.Option(None, "--queries", help="CSV with a query column."),
          out: Path = typer.Option(None, "--out", help="CSV to write."),
          threshold: int = typer.Option(SHIPPED_THRESHOLD, min=0, max=100, help=THRESHOLD_HELP)) -> None:
    """Score pairs of company names (--pairs), or find each query's best account (--accounts with --queries)."""
    if pairs is not None and (accounts is not None or queries is not None):
        _exit("Use --pairs, or --accounts with --queries, not both.")
    if pairs is None and (accounts is None or queries is None):
        _exit("Give --pairs IN.csv, or --accounts A.csv with --queries Q.csv.")
    if out is None:
        _exit("Give --out OUT.csv: where to write the results.")
    if pairs is not None:
        _match_pairs(pairs, out, threshold)
    else:
        _match_queries(accounts, queries, out, threshold)


def dedupe(accounts: Path = typer.Argument(..., help="CSV with a name column."),
           out: Path = typer.Option(None, "--out", help="CSV to write: the rows with cluster and cluster_size."),
           threshold: int = typer.Option(SHIPPED_THRESHOLD, min=0, max=100, help=THRESHOLD_HELP)) -> None:
    """Group likely duplicate companies: rows with the same `cluster` number are the same company."""
    if out is None:
        _exit("Give --out CLUSTERS.csv: where to write the clusters.")
    table = read_table(accounts)
    names = table.column("name")
    with _progress("Clustering", len(names)) as advance:
        clusters = service.dedupe(names, threshold, progress=advance)
    sizes: dict[int, int] = {}
    for cluster in clusters:
        sizes[cluster] = sizes.get(cluster, 0) + 1
    table.write(out, ("cluster", "cluster_size"), ((c, sizes[c]) for c in clusters))
    groups = sum(1 for size in sizes.values() if size > 1)
    cli_support.console.print(f"Wrote {len(names):,} rows to {out}: {groups:,} groups of likely duplicates.")


def _match_pairs(path: Path, out: Path, threshold: int) -> None:
    table = read_table(path)
    pairs = list(zip(table.column("left"), table.column("right"), strict=True))
    with _progress("Matching pairs", len(pairs)) as advance:
        results = list(_counted(service.match_pairs(pairs, threshold), advance))
    table.write(out, ("score", "same"), ((r.score, int(r.same)) for r in results))
    same = sum(r.same for r in results)
    cli_support.console.print(f"Wrote {len(results):,} pairs to {out}: {same:,} the same company.")


def _match_queries(accounts_path: Path, queries_path: Path, out: Path, threshold: int) -> None:
    names = [name for name in read_table(accounts_path).column("name")]
    table = read_table(queries_path)
    queries = table.column("query")
    with _progress("Matching queries", len(queries)) as advance:
        results = list(_counted(service.match_queries(names, queries, threshold), advance))
    table.write(out, ("match", "score"), ((r.match, r.score) for r in results))
    found = sum(1 for r in results if r.match)
    cli_support.console.print(f"Wrote {len(results):,} queries to {out}: {found:,} matched an account.")


# Files ----------------------------------------------------------------------------------------------

@dataclass
class Table:
    path: Path
    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        """The values of a column (header matched ignoring case and spaces); exit 1 when it is missing."""
        index = self.index_of(name)
        if index is None:
            shown = ", ".join(h for h in self.header if h.strip()) or "none"
            _exit(f"{self.path} has no '{name}' column (its columns: {shown}).")
        return [row[index] for row in self.rows]

    def index_of(self, name: str) -> int | None:
        cleaned = [_clean_header(h) for h in self.header]
        return cleaned.index(name) if name in cleaned else None

    def write(self, path: Path, new_columns: tuple[str, ...], values: Iterable[tuple]) -> None:
        keep = [i for i, h in enumerate(self.header) if _clean_header(h) not in new_columns]
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow([self.header[i] for i in keep] + list(new_columns))
                for row, extra in zip(self.rows, values, strict=True):
                    writer.writerow([row[i] for i in keep] + ["" if v is None else v for v in extra])
        except OSError as exc:
            _exit(f"Cannot write {path}: {exc.strerror or exc}.")


def read_table(path: Path) -> Table:
    """A CSV file as a header and rows of exactly the header's width; exit 1 if it cannot be read."""
    if not path.is_file():
        _exit(f"No such file: {path}.")
    try:
        text = decode(path.read_bytes()).replace("\x00", "")
    except OSError as exc:
        _exit(f"Cannot read {path}: {exc.strerror or exc}.")
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(sys.maxsize)
    try:
        lines = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        _exit(f"{path} is not a readable CSV file: {exc}.")
    lines = [row for row in lines if any(cell.strip() for cell in row)]
    if not lines:
        _exit(f"{path} is empty: it needs a header line.")
    header = lines[0]
    return Table(path, header, [_fit(row, len(header), delimiter) for row in lines[1:]])


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), UTF-16 with a BOM, else Windows-1252, else Latin-1 (which never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """The delimiter seen most often in the header line (outside quotes); none for a one-column file."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else NO_DELIMITER


def _fit(row: list[str], width: int, delimiter: str) -> list[str]:
    """Pad a short row; fold the cells of a long one into its last column, so nothing shifts or is lost."""
    if len(row) < width:
        return row + [""] * (width - len(row))
    if len(row) > width:
        joiner = "," if delimiter == NO_DELIMITER else delimiter
        return row[:width - 1] + [joiner.join(row[width - 1:])]
    return row


def _clean_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().strip('"').strip().lower()


# Output ---------------------------------------------------------------------------------------------

@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """advance(done): a Rich progress bar on stderr, so stdout keeps only the summary line."""
    columns = (TextColumn(f"{label:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=cli_support.err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _counted(items: Iterable, advance: Callable[[int], None]) -> Iterator:
    for done, item in enumerate(items, start=1):
        if done % 200 == 0:
            advance(done)
        yield item


def _exit(message: str) -> NoReturn:
    cli_support.fail(message)
    raise typer.Exit(1)  # fail() has already exited; this tells type checkers so
