"""Every row of a list's query, read a batch at a time: what exports stream, however many rows match."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

BATCH_SIZE = 1000


@dataclass(frozen=True)
class RowSource:
    """Where an export's rows come from: `rows(session)` yields them all in the list's order, `count(session)`
    says how many there will be (checked before an XLSX, which has a row limit)."""

    rows: Callable[[Session], Iterator[Any]]
    count: Callable[[Session], int]


def in_batches(session: Session, stmt: Select, size: int | None = None) -> Iterator[Sequence[Any]]:
    """The rows of `stmt` (already ordered), `size` at a time, from one cursor.

    One ordered query read in chunks, rather than keyset pages, keeps the list's exact order (NULLs, stage
    positions, ties) for free; memory stays flat because PostgreSQL fetches from a server-side cursor and
    SQLite steps its cursor, and the ORM holds only weak references to rows already handed on."""
    result = session.scalars(stmt.execution_options(yield_per=size or BATCH_SIZE))
    yield from result.partitions()


def count_rows(session: Session, stmt: Select) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


Enricher = Callable[[Sequence[Any]], Iterable[Any]]


def query_source(stmt: Select, enricher: Callable[[Session], Enricher]) -> RowSource:
    """A RowSource over an ordered query. `enricher(session)` runs once per export (to load what every batch
    shares, like territory names) and returns the function that turns each batch into export rows, looking up
    the names the batch needs in one query each, as a list page does for its page."""
    def rows(session: Session) -> Iterator[Any]:
        enrich = enricher(session)
        for batch in in_batches(session, stmt):
            yield from enrich(batch)

    return RowSource(rows=rows, count=lambda session: count_rows(session, stmt))


def list_source(items: list[Any]) -> RowSource:
    """A RowSource over rows a page already holds in memory (the cadence list, the users page)."""
    return RowSource(rows=lambda _session: iter(items), count=lambda _session: len(items))
