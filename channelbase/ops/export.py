"""A full export of the database as one JSON document: every table, every row, for leaving with your data.

Secrets stay behind: password and token hashes, web sessions and sign-in attempts are left out (a restore
of a backup is the way to move a running installation; this file is for other systems and for people).
The file is written row by row, so 2,000,000 activities do not need to fit in memory, under a temporary
name renamed when complete."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time as time_of_day
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, MetaData, Table, select

from channelbase import __version__
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.ops.backup import new_file

# Tables that hold only secrets or transient state, and secret columns of the tables that are exported.
LEFT_OUT_TABLES = frozenset({"web_sessions", "login_attempts", "alembic_version"})
LEFT_OUT_COLUMNS = {"users": {"password_hash"}, "api_tokens": {"token_hash"}, "calendar_feeds": {"token_hash"},
                    "webhook_subscriptions": {"secret"}}
BATCH = 5000


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: dict[str, int]
    size_bytes: int
    seconds: float


def export_json(engine: Engine, destination: Path) -> ExportResult:
    started = time.perf_counter()
    rows: dict[str, int] = {}
    with new_file(destination, "an export") as partial, partial.open("w", encoding="utf-8") as out:
        header = {"channelbase": __version__, "schema": migrate.current_revision(engine),
                  "exported_at": utcnow().isoformat(), "left_out": _left_out()}
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {')
        for index, table in enumerate(exported_tables(engine)):
            out.write(("," if index else "") + f"\n{json.dumps(table.name)}: [")
            rows[table.name] = _write_rows(out, engine, table)
            out.write("]")
        out.write("\n}}\n")
    return ExportResult(destination, rows, destination.stat().st_size, time.perf_counter() - started)


def exported_tables(engine: Engine) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(engine)
    return [table for name, table in sorted(metadata.tables.items()) if name not in LEFT_OUT_TABLES]


def _left_out() -> list[str]:
    return sorted(LEFT_OUT_TABLES - {"alembic_version"}) + sorted(
        f"{table}.{column}" for table, columns in LEFT_OUT_COLUMNS.items() for column in columns)


def _write_rows(out: IO[str], engine: Engine, table: Table) -> int:
    columns = [c for c in table.columns if c.name not in LEFT_OUT_COLUMNS.get(table.name, set())]
    order = list(table.primary_key.columns) or columns[:1]
    count = 0
    for row in _rows(engine, select(*columns).order_by(*order)):
        out.write(("," if count else "") + "\n" + json.dumps(dict(row), default=_plain, ensure_ascii=False))
        count += 1
    return count


def _rows(engine: Engine, stmt) -> Iterator[Any]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        for row in result:
            yield row._mapping


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date, time_of_day)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot export {type(value).__name__}")
