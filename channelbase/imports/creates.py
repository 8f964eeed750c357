"""Writing an import's new rows while the next ones are checked.

On SQLite a writer thread inserts each batch a few thousand rows per statement (WITH v AS (VALUES (?, ...),
...) INSERT ... SELECT ... FROM v): it holds the GIL only to bind the values, then SQLite inserts them and
upkeeps the indexes without it, on the second core, while this thread checks the next rows. With executemany
the writer needed the GIL back after every row and the two threads took turns (200,000 accounts: 9.7 s, against
3.1 s for the check alone); a JSON batch parsed by json_each avoided that but cost SQLite 3.40 a third more than
the insert itself. PostgreSQL takes the rows through COPY on this thread (see `bulk.Inserter`).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.imports import bulk
from channelbase.imports.entities import EntitySpec
from channelbase.imports.models import ExternalId

AUDIT_COLUMNS = ("action", "entity_id", "before", "after")
AUDIT_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]
EXTERNAL_IDS: Table = ExternalId.__table__  # type: ignore[assignment]
Creates = list[tuple[int, dict[str, Any]]]


def _sqlite_json(value: Any) -> str:
    """Dates and times as SQLAlchemy stores them in SQLite (UTC date-times without a zone)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into an import's JSON batch")


def _or_default(value: Any, default: Any) -> Any:
    return default if value is None else value


class Creator:
    """Gives new rows their ids and defaults and hands them, with their audit entries, to a writer thread."""

    def __init__(self, session: Session, actor: User, spec: EntitySpec, run_id: int, now: datetime,
                 defaults: dict[str, Any]):
        self.session, self.actor, self.spec, self.run_id, self.now = session, actor, spec, run_id, now
        self.defaults = {**defaults, "version": 1} if "version" in spec.model.__table__.c else dict(defaults)
        self.ids = bulk.IdAllocator(session, spec.model.__table__)
        self.audit_constants = {"at": now, "actor_id": actor.id, "actor_label": actor.label,
                                "entity_type": spec.model.__tablename__}
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.writer: bulk.Writer | None = None
        self.write_batch: Any = None
        self.created: Creates = []  # (id, values), kept when the kind keeps other tables in step afterwards
        self.prepare_batch: Any = None
        self.with_external_ids = False

    def submit(self, creates: Creates) -> None:
        if not creates:
            return
        if self.write_batch is None:
            # Every row of a file has the same keys (those its mapping fills); the other columns take defaults.
            given = sorted(key for key in creates[0][1] if key not in ("_row", "external_id"))
            self.with_external_ids = "external_id" in creates[0][1]
            if self.sqlite:
                self.prepare_batch, self.write_batch = self._values_batches(("id", *given))
                self.writer = bulk.Writer()
            else:
                self.write_batch = self._tuple_batches(("id", *sorted({*self.defaults, *given})))
        for new_id, (number, values) in zip(self.ids.take(len(creates)), creates, strict=True):
            values["id"], values["_row"] = new_id, number
        if self.spec.after_write:
            self.created.extend((values["id"], values) for _number, values in creates)
        write_batch = self.write_batch
        if self.sqlite and self.writer is not None:  # prepared here: the writer thread is the busier of the two
            prepared = self.prepare_batch(creates)
            self.writer.submit(lambda: write_batch(*prepared))
        else:
            # PostgreSQL: COPY on this thread. Each row is handed to the driver in Python, which a second thread
            # could only do in turns with this one (it waited on the GIL: 21 s instead of 3 for 200,000 rows).
            write_batch([values for _number, values in creates])

    def finish(self) -> None:
        if self.writer is not None:
            self.writer.finish()

    def _stamps(self) -> dict[str, Any]:
        return dict.fromkeys(("created_at", "updated_at", *self.spec.stamped_on_create), self.now)

    def _constants(self, given: tuple[str, ...]) -> dict[str, Any]:
        """Stamps, and the defaults of the columns the file does not fill."""
        return {**{name: value for name, value in self.defaults.items() if name not in given}, **self._stamps()}

    def _values_batches(self, columns: tuple[str, ...]):
        """SQLite: (prepare, write). `prepare` (this thread) turns created rows into flat lists of bound values
        for the rows, their audit entries and their external ids; `write` (the writer thread) inserts them a few
        thousand rows per statement."""
        connection = self.session.connection()
        rows = bulk.ValuesInserter(connection, self.spec.model.__table__, columns, self.defaults,
                                   self._constants(columns))
        audit = bulk.ValuesInserter(connection, AUDIT_TABLE, ("entity_id", "after"), {},
                                    {**self.audit_constants, "action": "create", "before": None})
        external = bulk.ValuesInserter(connection, EXTERNAL_IDS, ("row_id", "external_id"), {},
                                       {"entity_type": self.spec.model.__tablename__, "import_run_id": self.run_id})
        # The values are in the run's stored file, at this row: the entry names them instead of copying.
        after = (f'{{"import_run":{self.run_id},"row":' + "%d}").__mod__  # the audit entry's `after`, as JSON

        def prepare(creates: Creates) -> tuple[list[Any], list[Any], list[Any]]:
            batch = [values for _number, values in creates]
            return (rows.prepare([tuple(map(values.get, columns)) for values in batch]),
                    [value for values in batch for value in (values["id"], after(values["_row"]))],
                    [value for values in batch if values.get("external_id")
                     for value in (values["id"], values["external_id"])])

        def write(row_values: list[Any], audit_values: list[Any], external_values: list[Any]) -> None:
            rows.insert(row_values)
            audit.insert(audit_values)
            if external_values:
                external.insert(external_values)
        return prepare, write

    def _tuple_batches(self, columns: tuple[str, ...]):
        rows = bulk.Inserter(self.session, self.spec.model.__table__, columns, self._stamps())
        audit = bulk.Inserter(self.session, AUDIT_TABLE, AUDIT_COLUMNS, self.audit_constants)
        external = bulk.Inserter(self.session, EXTERNAL_IDS, ("row_id", "external_id"),
                                 {"entity_type": self.spec.model.__tablename__, "import_run_id": self.run_id})
        defaults, run_id = self.defaults, self.run_id

        def write(batch: list[dict[str, Any]]) -> None:
            rows.insert([tuple(_or_default(values.get(name), defaults.get(name)) for name in columns)
                         for values in batch])
            # The values are in the run's stored file, at this row: the entry names them instead of copying.
            audit.insert([("create", values["id"], None, {"import_run": run_id, "row": values["_row"]})
                          for values in batch])
            linked = [(values["id"], values["external_id"]) for values in batch if values.get("external_id")]
            if linked:
                external.insert(linked)
        return write
