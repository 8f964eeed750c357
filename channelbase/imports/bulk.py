"""Bulk INSERT of many rows on the session's own connection (and so in its transaction), through the driver's
executemany with ids allocated up front, optionally from a writer thread while the next rows are checked.

Through SQLAlchemy's ORM or Core executemany, 200,000 accounts and their audit entries took 25 s, most of it
turning each row's values into parameters; the driver alone takes about a tenth of that. Values still go
through each column type's bind processor (the dialect's own implementation), so dates and JSON are stored
exactly as the ORM stores them. Ids: PostgreSQL hands out blocks from the table's sequence; SQLite, whose
write lock the transaction holds (units of work that write begin IMMEDIATE), continues after the highest id.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Boolean, Integer, String, Table, func, select, text
from sqlalchemy.orm import Session

BATCH = 10_000
# Types whose Python values both drivers take as they are (SQLite's bind processor for Boolean only checks
# that the value is a bool, and costs a call per row).
_AS_IS = (String, Integer, Boolean)


class IdAllocator:
    def __init__(self, session: Session, table: Table):
        self.session, self.table = session, table
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        self.next_id: int | None = None

    def take(self, count: int) -> list[int]:
        if count == 0:
            return []
        if self.postgresql:
            sequence = self.session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                           {"table": self.table.name})
            rows = self.session.execute(text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
                                        {"sequence": sequence, "count": count})
            return [row[0] for row in rows]
        if self.next_id is None:
            self.next_id = (self.session.scalar(select(func.max(self.table.c.id))) or 0) + 1
        start, self.next_id = self.next_id, self.next_id + count
        return list(range(start, start + count))


class Inserter:
    """INSERTs rows (tuples in `columns` order, Python values) into `table`; `constants` are the same for
    every row and converted once. Built on the caller's thread; `insert` may run on another."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str],
                 constants: dict[str, Any] | None = None):
        connection = session.connection()
        dialect = connection.dialect
        constants = constants or {}
        self.fixed = tuple(_processor(table, name, dialect)(value) for name, value in constants.items())
        self.active = [(i, p) for i, name in enumerate(columns)
                       if not isinstance(table.c[name].type, _AS_IS) and (p := _processor(table, name, dialect,
                                                                                           None))]
        placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(dialect.identifier_preparer.quote(name) for name in (*columns, *constants))
        marks = ", ".join([placeholder] * (len(columns) + len(self.fixed)))
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        # psycopg's executemany sends one INSERT per row (about 7,000 rows/s on loopback); COPY streams them.
        self.copy_sql = f"COPY {table.name} ({names}) FROM STDIN" if dialect.name == "postgresql" else None
        self.dbapi_connection = connection.connection.dbapi_connection

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        cursor = self.dbapi_connection.cursor()  # type: ignore[union-attr]
        fixed, active = self.fixed, self.active
        try:
            if self.copy_sql:
                with cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row((*(_processed(row, active) if active else row), *fixed))
                return
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                if active:
                    cursor.executemany(self.sql, [(*_processed(row, active), *fixed) for row in batch])
                else:
                    cursor.executemany(self.sql, [(*row, *fixed) for row in batch])
        finally:
            cursor.close()


def processed_constants(connection, table: Table, constants: dict[str, Any]) -> tuple[Any, ...]:
    """Values that are the same for every row, converted once as their columns' types convert them."""
    return tuple(_processor(table, name, connection.dialect)(value) for name, value in constants.items())


class JsonRowsInserter:
    """SQLite only: INSERT ... SELECT value ->> 0, value ->> 1, ... FROM json_each(?) for a batch of rows given
    as one JSON array of arrays (in `columns` order; null takes the column's default); `constants` go into
    every row."""

    def __init__(self, connection, table: Table, columns: Sequence[str], defaults: dict[str, Any],
                 constants: dict[str, Any]):
        selected, params = [], []
        for position, name in enumerate(columns):
            expression = f"value ->> {position}"
            if defaults.get(name) is not None:
                expression = f"COALESCE({expression}, ?)"
                params.append(_processor(table, name, connection.dialect)(defaults[name]))
            selected.append(expression)
        selected += ["?"] * len(constants)
        params += processed_constants(connection, table, constants)
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in (*columns, *constants))
        self.sql = f"INSERT INTO {table.name} ({names}) SELECT {', '.join(selected)} FROM json_each(?)"
        self.params = tuple(params)
        self.dbapi_connection = connection.connection.dbapi_connection

    def insert(self, payload: str) -> None:
        cursor = self.dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, (*self.params, payload))
        finally:
            cursor.close()


class ValuesInserter:
    """SQLite only: INSERTs many rows per statement — WITH v(...) AS (VALUES (?, ...), (?, ...), ...) INSERT ...
    SELECT ... FROM v — so a thread of its own binds a few thousand rows while holding the GIL, then lets SQLite
    insert them all without it (executemany takes the GIL back after every row, and waited for it). Rows are
    flat sequences of values in `columns` order (None: the column's default); `constants` go into every row."""

    MAX_VARIABLES = 30_000  # under SQLite's default limit of 32,766 bound values per statement

    def __init__(self, connection, table: Table, columns: Sequence[str], defaults: dict[str, Any],
                 constants: dict[str, Any]):
        self.width = len(columns)
        self.per_statement = max(1, self.MAX_VARIABLES // self.width)
        quote = connection.dialect.identifier_preparer.quote
        selected, default_params = [], []
        for position, name in enumerate(columns):
            if defaults.get(name) is not None:
                selected.append(f"COALESCE(c{position}, ?)")
                default_params.append(_processor(table, name, connection.dialect)(defaults[name]))
            else:
                selected.append(f"c{position}")
        self.tail_params = (*default_params, *processed_constants(connection, table, constants))
        selected += ["?"] * len(constants)
        names = ", ".join(quote(name) for name in (*columns, *constants))
        self.head = f"WITH v({', '.join(f'c{i}' for i in range(self.width))}) AS (VALUES "
        self.row_marks = "(" + ", ".join(["?"] * self.width) + ")"
        self.tail = f") INSERT INTO {table.name} ({names}) SELECT {', '.join(selected)} FROM v"
        self.active = [(i, p) for i, name in enumerate(columns)
                       if not isinstance(table.c[name].type, _AS_IS) and (p := _processor(table, name,
                                                                                           connection.dialect, None))]
        self._sql: dict[int, str] = {}
        self.dbapi_connection = connection.connection.dbapi_connection

    def prepare(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The rows as one flat list of bound values, converted as the columns' types convert them (on the
        calling thread: the writer thread then only binds and steps)."""
        if self.active:
            rows = [_processed(row, self.active) for row in rows]
        return [value for row in rows for value in row]

    def insert(self, flat: list[Any]) -> None:
        cursor = self.dbapi_connection.cursor()
        try:
            step = self.per_statement * self.width
            for start in range(0, len(flat), step):
                chunk = flat[start:start + step]
                cursor.execute(self._statement(len(chunk) // self.width), (*chunk, *self.tail_params))
        finally:
            cursor.close()

    def _statement(self, rows: int) -> str:
        sql = self._sql.get(rows)
        if sql is None:
            sql = self._sql[rows] = self.head + ", ".join([self.row_marks] * rows) + self.tail
        return sql


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                constants: dict[str, Any] | None = None) -> None:
    if rows:
        Inserter(session, table, columns, constants).insert(rows)


class _QuickSwitches:
    """While a writer thread runs, the interpreter hands the GIL between threads every millisecond instead of
    every 5: after each statement SQLite ran without the GIL, the writer waits for it to bind the next one, and
    that wait was a third of its time (200,000 accounts: writer 3.7 s -> 2.7 s). Counted, so that overlapping
    imports restore the interval only when the last one ends."""

    INTERVAL = 0.001

    def __init__(self) -> None:
        self.lock, self.users, self.saved = threading.Lock(), 0, sys.getswitchinterval()

    def enter(self) -> None:
        with self.lock:
            if self.users == 0:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self.saved, self.INTERVAL))
            self.users += 1

    def leave(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                sys.setswitchinterval(self.saved)


_quick_switches = _QuickSwitches()


class Writer:
    """Runs inserts on a thread of its own, in order, while the caller goes on checking rows: the driver
    lets go of the GIL while SQLite or PostgreSQL works. The first failure stops it; `finish` re-raises it."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="channelbase-import-writer", daemon=True)
        _quick_switches.enter()
        self.thread.start()

    def submit(self, work: Callable[[], None]) -> None:
        if self.error is None:
            self.queue.put(work)

    def finish(self) -> None:
        self.queue.put(None)
        self.thread.join()
        _quick_switches.leave()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (work := self.queue.get()) is not None:
            if self.error is None:
                try:
                    work()
                except BaseException as exc:  # handed to the caller by finish()
                    self.error = exc


def _processor(table: Table, name: str, dialect, default: Any = lambda value: value):
    """The column's conversion as the ORM applies it (the dialect's own implementation of the type)."""
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect) or default


def _processed(row: Sequence[Any], active: list[tuple[int, Any]]) -> list[Any]:
    values = list(row)
    for index, process in active:
        values[index] = process(values[index])
    return values
