"""Checking a file's rows against the database (what would be created, updated or left alone, and every
problem by row and column) and then writing all of it, or nothing, in the caller's transaction.

A row is the same record as an existing one when it shares the strongest key it has: its external id, then
(companies) tax id, domain or name key, or (contacts) the partner and e-mail. Its changed columns are
updated; a blank cell leaves a value as it is, so a file with fewer columns never erases what others typed.
Rows are written in bulk (one INSERT ... RETURNING per batch, one UPDATE per set of changed columns) with an
audit entry each, naming the import run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.audit import jsonable
from channelbase.core.base import utcnow
from channelbase.core.errors import StaleEdit
from channelbase.imports import bulk
from channelbase.imports.creates import AUDIT_COLUMNS, AUDIT_TABLE, EXTERNAL_IDS, Creator
from channelbase.imports.entities import Cells, EntitySpec
from channelbase.imports.lookups import Lookups, load_lookups
from channelbase.imports.models import ExternalId
from channelbase.imports.reader import Sheet, column_letters
from channelbase.matching.index import NameIndex
from channelbase.matching.score import SHIPPED_THRESHOLD

Progress = Callable[[str, int, int], None]  # (phase, done, total)
FUZZY_LIMIT = 5_000   # new companies checked for similar names; above it the check would outlast the import
PROGRESS_EVERY = 5_000

DEFAULTS: dict[str, dict[str, Any]] = {
    "accounts": {"industry": "", "is_public_sector": False, "partner_id": None, "tax_id": None, "domain": None},
    "partners": {"legal_name": "", "tier": "registered", "status": "prospect", "is_priority": False,
                 "owner_id": None, "city": "", "currency": "USD", "website": "", "domain": None, "tax_id": None,
                 "program_id": None},
    "contacts": {"phone": "", "role": "sales", "is_primary": False, "language": "en"},
    "opportunities": {"distributor_id": None, "hidden_from_distributor": False, "registration_id": None,
                      "source": "partner", "next_step": "", "owner_id": None},
    "activities": {"outcome": "", "next_step": "", "opportunity_id": None, "registration_id": None},
    "fx_rates": {},
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str     # the file's header ("" for the whole row)
    message: str


@dataclass(frozen=True)
class LikelyDuplicate:
    row: int
    name: str
    existing_id: int
    existing_name: str
    score: float


@dataclass
class Update:
    row: int
    id: int
    version: int
    changes: dict[str, Any]           # columns of the row
    before: dict[str, Any]
    external_id: str | None = None    # to remember for the row (it had none)


@dataclass
class Plan:
    entity: str
    total_rows: int = 0
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[LikelyDuplicate] = field(default_factory=list)
    fuzzy_checked: bool = True


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass
class _Existing:
    rows: dict[int, dict[str, Any]]
    by_key: dict[tuple, int]


def _load_existing(session: Session, spec: EntitySpec) -> _Existing:
    table = spec.model.__table__
    columns = {"id", "version", "deleted_at", spec.scope_column, *spec.compared, *spec.key_columns}
    if "name" in table.c:
        columns.add("name")
    selected = [table.c[name] for name in sorted(columns) if name in table.c]
    rows: dict[int, dict[str, Any]] = {}
    by_key: dict[tuple, int] = {}
    for row in session.execute(select(*selected)).mappings():
        rows[row["id"]] = dict(row)
    known = select(ExternalId.row_id, ExternalId.external_id).where(ExternalId.entity_type == table.name)
    for row_id, external_id in session.execute(known.order_by(ExternalId.id)):
        record = rows.get(row_id)
        if record is not None and record.get("external_id") is None:
            record["external_id"] = external_id
    for record in rows.values():
        for key in spec.keys(record):
            by_key.setdefault(key, record["id"])
    return _Existing(rows, by_key)


def forget_stale_external_ids(session: Session, spec: EntitySpec) -> None:
    """External ids of rows deleted since (deals and activities are deleted for good): their next import
    creates the row again."""
    table = spec.model.__table__
    # NOT EXISTS, an anti-join: PostgreSQL runs NOT IN (SELECT ...) row by row once the ids outgrow work_mem.
    gone = ~select(table.c.id).where(table.c.id == ExternalId.row_id).exists()
    session.execute(delete(ExternalId).where(ExternalId.entity_type == table.name, gone))


def check(session: Session, actor: User, spec: EntitySpec, sheet: Sheet, mapping: dict[str, str],
          progress: Progress = _no_progress, sink: Callable[[list[tuple[int, dict[str, Any]]]], None] | None = None,
          ) -> Plan:
    """What importing the sheet would do. Nothing is written here; `sink`, if given, receives the rows to
    create in chunks as they pass, for as long as no row has failed."""
    plan = Plan(spec.name)
    lookups = load_lookups(session, actor)
    if spec.prepare:
        spec.prepare(session, lookups)
    existing = _load_existing(session, spec)
    columns = [(name, sheet.headers.index(header)) for name, header in mapping.items()]
    headers = dict(mapping)
    seen: dict[tuple, int] = {}
    total = len(sheet.rows) if sheet.pending is None else max(sheet.estimated_rows, len(sheet.rows))
    progress("checking", 0, total)
    handed = done = 0
    names = [name for name, _index in columns]
    pick = itemgetter(*(index for _name, index in columns)) if len(columns) > 1 else (lambda row: (row[columns[0][1]],))
    strip = str.strip
    for done, (number, row) in enumerate(sheet.numbered(), start=1):
        cells: Cells = dict(zip(names, map(strip, pick(row))))
        _check_row(spec, lookups, existing, plan, seen, headers, number, cells)
        if done % PROGRESS_EVERY == 0:
            progress("checking", done, max(total, done))
            if sink and not plan.errors and not sheet.problems:
                sink(plan.creates[handed:])
                handed = len(plan.creates)
    plan.errors.extend(RowError(row, "", f"Row {row} {message}.") for row, message in sheet.problems)
    plan.total_rows = done + len(sheet.problems)
    if sink and not plan.errors:
        sink(plan.creates[handed:])
    progress("checking", done, done)
    if spec.name in ("accounts", "partners"):
        _find_likely_duplicates(session, spec, existing, plan)
    plan.errors.sort(key=lambda error: error.row)
    return plan


def _check_row(spec: EntitySpec, lookups: Lookups, existing: _Existing, plan: Plan, seen: dict[tuple, int],
               headers: dict[str, str], number: int, cells: Cells) -> None:
    errors: dict[str, str] = {}
    values = spec.parse(cells, lookups, errors)
    if errors:
        plan.errors.extend(RowError(number, headers.get(name, name), message) for name, message in errors.items())
        return
    keys = spec.keys(values)
    match_id = None
    by_key = existing.by_key
    for key in keys:
        if key in seen:
            plan.errors.append(RowError(number, headers.get(_key_field(key[0]), ""),
                                        f"the same {spec.label} as row {seen[key]} (same {key[0]})"))
            return
        if match_id is None:
            match_id = by_key.get(key)
    for key in keys:
        seen[key] = number
    if match_id is None:
        plan.creates.append((number, values))
        return
    problem = _refuse_match(spec, lookups, existing.rows[match_id], values)
    if problem:
        plan.errors.append(RowError(number, "", problem))
        return
    current = existing.rows[match_id]
    changes = {name: value for name, value in values.items()
               if name in spec.compared and value not in (None, "") and current.get(name) != value}
    link = values.get("external_id") if not current.get("external_id") else None
    if changes or link:
        before = {name: current.get(name) for name in changes}
        plan.updates.append(Update(number, match_id, current.get("version", 0), changes, before, link))
    else:
        plan.unchanged += 1


def _key_field(key_name: str) -> str:
    return {"external_id": "external_id", "tax id": "tax_id", "domain": "website", "name": "name",
            "e-mail": "email"}.get(key_name, "")


def _refuse_match(spec: EntitySpec, lookups: Lookups, current: dict[str, Any], values: dict[str, Any]) -> str:
    label = f"{spec.label} #{current['id']}" + (f" ({current['name']})" if current.get("name") else "")
    if current.get("deleted_at") is not None:
        return f"matches the deleted {label}: restore it first ({spec.url}/{current['id']})"
    if not spec.scope_column:  # not owned by a territory or partner (FX rates): spec.require decided
        in_scope = True
    elif spec.scope_column == "territory_id":
        in_scope = current["territory_id"] in lookups.territory_ids
    else:
        in_scope = current["partner_id"] in lookups.partner_territory
    if not in_scope:
        return f"matches {label}, which is outside the territories you manage"
    theirs, ours = current.get("external_id"), values.get("external_id")
    if theirs and ours and theirs != ours:
        return (f"matches {label} by name, tax id or domain, but that one has the external id '{theirs}', "
                f"not '{ours}'")
    return ""


def _find_likely_duplicates(session: Session, spec: EntitySpec, existing: _Existing, plan: Plan) -> None:
    """New companies whose name is close to an existing one's: created anyway, listed for a person to review."""
    if not plan.creates:
        return
    if len(plan.creates) > FUZZY_LIMIT:
        plan.fuzzy_checked = False
        return
    names = [(row_id, row["name"]) for row_id, row in existing.rows.items() if row.get("deleted_at") is None]
    if not names:
        return
    index = NameIndex.build(names)
    for number, values in plan.creates:
        hits = index.best_matches(values["name"], limit=1, min_score=SHIPPED_THRESHOLD)
        if hits:
            plan.duplicates.append(LikelyDuplicate(number, values["name"], hits[0].id, hits[0].name,
                                                   round(hits[0].score, 1)))


def check_and_write(session: Session, actor: User, spec: EntitySpec, sheet: Sheet, mapping: dict[str, str],
                    run_id: int, progress: Progress = _no_progress) -> Plan:
    """Check every row and write them in the caller's transaction. New rows are inserted by a writer thread
    while the next ones are checked; if any row fails, the caller must roll back (see service.commit_run)."""
    now = utcnow()
    forget_stale_external_ids(session, spec)
    creator = Creator(session, actor, spec, run_id, now, DEFAULTS[spec.name])
    try:
        plan = check(session, actor, spec, sheet, mapping, progress, sink=creator.submit)
    finally:
        creator.finish()
    if plan.errors:
        return plan
    progress("writing", 0, len(plan.updates))
    audit_rows: list[tuple[str, int, Any, Any]] = []
    _update(session, spec, plan, run_id, now, audit_rows)
    bulk.insert_rows(session, AUDIT_TABLE, AUDIT_COLUMNS, audit_rows, creator.audit_constants)
    if spec.after_write:
        spec.after_write(session, actor.id, creator.created,
                         [(change.id, change.changes, change.before) for change in plan.updates], now)
    progress("writing", len(plan.updates), len(plan.updates))
    return plan


def _update(session: Session, spec: EntitySpec, plan: Plan, run_id: int, now: datetime,
            audit_rows: list[tuple[str, int, Any, Any]]) -> None:
    table = spec.model.__table__
    groups: dict[tuple[str, ...], list[Update]] = {}
    for change in plan.updates:
        groups.setdefault(tuple(sorted(change.changes)), []).append(change)
    links = [(change.id, change.external_id) for change in plan.updates if change.external_id]
    if links:
        remember_external_ids(session, table.name, links, run_id)
        for row_id, external_id in links:
            audit_rows.append(("update", row_id, {"external_id": None},
                               {"external_id": external_id, "import_run": run_id}))
    versioned = "version" in table.c
    for names, changes in groups.items():
        if not names:
            continue  # only an external id to remember
        result = session.connection().execute(_update_statement(table, names, now),
                                              [_update_params(change, names) for change in changes])
        if versioned and result.rowcount is not None and 0 <= result.rowcount < len(changes):
            raise StaleEdit(f"{len(changes) - result.rowcount} of the {spec.name} changed while the file was being "
                            "imported. Nothing was imported: run the import again.")
        for change in changes:
            before, after = jsonable(change.before), {**jsonable(change.changes), "import_run": run_id}
            if versioned:
                before["version"], after["version"] = change.version, change.version + 1
            audit_rows.append(("update", change.id, before, after))


def _update_statement(table: Any, names: tuple[str, ...], now: datetime) -> Any:
    """One UPDATE for every row changing these columns; a versioned row must still have the version read."""
    values: dict[str, Any] = {**{name: bindparam(f"v_{name}") for name in names}, "updated_at": now}
    stmt = update(table).where(table.c.id == bindparam("b_id"))
    if "version" in table.c:
        stmt = stmt.where(table.c.version == bindparam("b_version"))
        values["version"] = bindparam("b_next")
    return stmt.values(values)


def _update_params(change: Update, names: tuple[str, ...]) -> dict[str, Any]:
    return {"b_id": change.id, "b_version": change.version, "b_next": change.version + 1,
            **{f"v_{name}": change.changes[name] for name in names}}


def remember_external_ids(session: Session, table_name: str, links: list[tuple[int, str]], run_id: int) -> None:
    bulk.insert_rows(session, EXTERNAL_IDS, ("row_id", "external_id"), links,
                     {"entity_type": table_name, "import_run_id": run_id})


def describe_column(sheet: Sheet, header: str) -> str:
    """'Country (column C)' for messages that point into the file."""
    index = sheet.column_index(header)
    return header if index is None else f"{header} (column {column_letters(index)})"
