"""Import runs: a file is stored, mapped, checked (dry run) and then committed all-or-nothing.

The commit checks the file again inside its own transaction, so what it writes matches the database as it is
then (a row someone added since the dry run is updated, not duplicated). On SQLite that transaction takes the
write lock when it begins: it reads before it writes, and SQLite refuses a reader's first write once another
connection has committed meanwhile."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.db import checkpoint_in_background, defer_checkpoint, unit_of_work
from channelbase.core.errors import DomainError, InvalidInput, NotFound, NotPermitted
from channelbase.core.pagination import Page, paginate
from channelbase.imports import claims, engine
from channelbase.imports.entities import EntitySpec
from channelbase.imports.registry import ENTITIES
from channelbase.imports.mapping import check_mapping, suggest
from channelbase.imports.models import ImportMapping, ImportRun, ImportStatus
from channelbase.imports.reader import Sheet, open_sheet

MAX_KEPT_ERRORS = 1_000
MAX_KEPT_DUPLICATES = 500
PROGRESS_INTERVAL = 0.3  # seconds between progress writes

# Progress of the runs this process is working on: (phase, done, total). Pages polling another process read
# the counts stored in the run instead.
live_progress: dict[int, tuple[str, int, int]] = {}


def spec_for(entity: str) -> EntitySpec:
    spec = ENTITIES.get(entity)
    if spec is None:
        raise InvalidInput(f"Cannot import '{entity}': choose one of {', '.join(ENTITIES)}.",
                           field_errors={"entity": "unknown"})
    return spec


def require_importer(actor: User) -> None:
    if not actor.is_staff:
        raise NotPermitted("Only managers and admins import files.")


def new_run(session: Session, actor: User, entity: str, filename: str, data: bytes,
            encoding: str | None = None) -> tuple[ImportRun, Sheet]:
    """Store an uploaded file with a suggested mapping; InvalidInput if it cannot be read as a table."""
    require_importer(actor)
    spec = spec_for(entity)
    if spec.require:
        spec.require(actor)
    filename = (filename or "upload").rsplit("/", 1)[-1][:255]
    sheet = open_sheet(filename, data, encoding=encoding)  # the rows are read (and checked) by the dry run
    run = ImportRun(entity=entity, filename=filename, file_sha256=hashlib.sha256(data).hexdigest(),
                    content=data, mapping=suggest(sheet.headers, spec.fields), status=ImportStatus.NEW,
                    dry_run=True, total_rows=sheet.estimated_rows, user_id=actor.id, encoding=encoding or "")
    session.add(run)
    session.flush()
    return run, sheet


def get_run(session: Session, actor: User, run_id: int) -> ImportRun:
    require_importer(actor)
    claims.expire_interrupted(session)  # a run whose process was killed shows as failed, and may start again
    run = session.get(ImportRun, run_id)
    if run is None or (not actor.is_admin and run.user_id != actor.id):
        raise NotFound(f"No import #{run_id} here, or you may not see it.")
    return run


def list_runs(session: Session, actor: User, *, page: int = 1, per_page: int = 25) -> Page:
    require_importer(actor)
    claims.expire_interrupted(session)
    stmt = select(ImportRun).order_by(ImportRun.id.desc())
    if not actor.is_admin:
        stmt = stmt.where(ImportRun.user_id == actor.id)
    return paginate(session, stmt, page=page, per_page=per_page)


def sheet_of(run: ImportRun) -> Sheet:
    return open_sheet(run.filename, run.content, encoding=run.encoding or None)


def check_mapping_for(run: ImportRun, mapping: dict[str, str]) -> dict[str, str]:
    return check_mapping(mapping, sheet_of(run).headers, spec_for(run.entity).fields)


def resolve_mapping(session: Session, spec: EntitySpec, sheet: Sheet, explicit: dict[str, str] | None = None,
                    saved: str | None = None) -> dict[str, str]:
    """The suggestion, then a saved mapping on top, then the explicit pairs on top; checked against the file."""
    mapping = suggest(sheet.headers, spec.fields)
    if saved:
        stored = session.scalar(select(ImportMapping).where(ImportMapping.entity == spec.name,
                                                            ImportMapping.name == saved))
        if stored is None:
            names = session.scalars(select(ImportMapping.name).where(ImportMapping.entity == spec.name)).all()
            raise InvalidInput(f"No saved {spec.label} mapping named '{saved}' (saved: {', '.join(names) or 'none'}).")
        mapping = dict(stored.columns)
    mapping.update(explicit or {})
    return check_mapping(mapping, sheet.headers, spec.fields)


def save_mapping(session: Session, actor: User, entity: str, name: str, columns: dict[str, str]) -> ImportMapping:
    require_importer(actor)
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Name the mapping (1 to 120 characters).", field_errors={"save_as": "1-120 characters"})
    stored = session.scalar(select(ImportMapping).where(ImportMapping.entity == entity, ImportMapping.name == name))
    before = audit.snapshot(stored) if stored else None
    if stored is None:
        stored = ImportMapping(entity=entity, name=name, columns=columns, created_by_id=actor.id)
        session.add(stored)
    else:
        stored.columns = columns
    audit.record(session, actor, "update" if before else "create", stored, before)
    return stored


def saved_mappings(session: Session, actor: User, entity: str) -> list[ImportMapping]:
    require_importer(actor)
    return list(session.scalars(select(ImportMapping).where(ImportMapping.entity == entity)
                                .order_by(ImportMapping.name)))


def summarize(run: ImportRun, plan: engine.Plan) -> None:
    run.total_rows = plan.total_rows
    run.processed_rows = plan.total_rows
    run.created, run.updated, run.unchanged = len(plan.creates), len(plan.updates), plan.unchanged
    run.error_count = len(plan.errors)
    run.errors = [asdict(error) for error in plan.errors[:MAX_KEPT_ERRORS]]
    run.duplicates = [asdict(dup) for dup in plan.duplicates[:MAX_KEPT_DUPLICATES]]
    if not plan.fuzzy_checked:
        run.message = f"Similar names were not checked: more than {engine.FUZZY_LIMIT:,} new rows."


def _stores_progress(factory: sessionmaker[Session]) -> bool:
    """Whether progress is written to the run as it goes, for pages polling from another process. Not on SQLite:
    updating a row rewrites all of it there, the stored file included (200,000 rows: 15 MB per progress write,
    1.2 s of a 3 s dry run), and its import holds the write lock anyway; one process serves it, and reads
    `live_progress`. PostgreSQL keeps the unchanged file out of line (TOAST) and updates only the counts."""
    return factory.kw["bind"].dialect.name != "sqlite"


class _Reporter:
    """Stores a run's progress now and then in a short transaction of its own (never inside the import's)."""

    def __init__(self, factory: sessionmaker[Session], run_id: int, *, store: bool,
                 echo: Callable[[str, int, int], None] | None = None):
        self.factory, self.run_id, self.store, self.echo = factory, run_id, store, echo
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        live_progress[self.run_id] = (phase, done, total)
        if self.echo:
            self.echo(phase, done, total)
        now = time.monotonic()
        if self.store and now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            with unit_of_work(self.factory) as session:
                run = session.get(ImportRun, self.run_id)
                if run is not None:
                    run.processed_rows = done


def _start(session: Session, run: ImportRun, status: str) -> None:
    """Claimed in the transaction that sets the status, so a killed process leaves its pid beside the run.
    A message from an earlier attempt (an interruption, a broken file) no longer applies."""
    run.status, run.message = status, ""
    claims.claim(session, run.id)


def check_run(factory: sessionmaker[Session], actor: User, run_id: int, mapping: dict[str, str],
              echo: Callable[[str, int, int], None] | None = None) -> ImportRun:
    """The dry run: every problem by row and column, and what a commit would create and update."""
    with unit_of_work(factory) as session:
        run = get_run(session, actor, run_id)
        spec, sheet = spec_for(run.entity), sheet_of(run)
        run.mapping = check_mapping(mapping, sheet.headers, spec.fields)
        _start(session, run, ImportStatus.CHECKING)
        run.processed_rows = 0
    reporter = _Reporter(factory, run_id, store=_stores_progress(factory), echo=echo)

    def dry_run() -> engine.Plan:
        with unit_of_work(factory) as session:
            return engine.check(session, actor, spec, sheet, run.mapping, reporter)
    plan = _recording_failure(factory, run_id, dry_run)
    with unit_of_work(factory) as session:
        run = session.get_one(ImportRun, run_id)
        summarize(run, plan)
        run.status = ImportStatus.FAILED if plan.errors else ImportStatus.CHECKED
        claims.release(session, run_id)
        return run


def commit_run(factory: sessionmaker[Session], actor: User, run_id: int,
               echo: Callable[[str, int, int], None] | None = None) -> ImportRun:
    """Check again and write every row, in one transaction; with any problem, write none and report them."""
    with unit_of_work(factory) as session:
        run = get_run(session, actor, run_id)
        if run.status == ImportStatus.DONE:
            raise InvalidInput(f"Import #{run_id} was already imported.")
        spec, sheet, mapping = spec_for(run.entity), sheet_of(run), dict(run.mapping)
        _start(session, run, ImportStatus.IMPORTING)
        run.dry_run = False
    reporter = _Reporter(factory, run_id, store=_stores_progress(factory), echo=echo)
    plan = _recording_failure(factory, run_id,
                              lambda: _check_and_write(factory, actor, spec, sheet, mapping, run_id, reporter))
    with unit_of_work(factory) as session:
        run = session.get_one(ImportRun, run_id)
        if plan.errors:  # nothing was written: keep the report
            summarize(run, plan)
            run.status = ImportStatus.FAILED
            claims.release(session, run_id)  # a written run was released with its rows, in _check_and_write
        return run


def _check_and_write(factory, actor, spec, sheet, mapping, run_id, reporter) -> engine.Plan:
    with unit_of_work(factory, writes=True) as session:
        defer_checkpoint(session)
        plan = engine.check_and_write(session, actor, spec, sheet, mapping, run_id, reporter)
        if plan.errors:
            session.rollback()  # the rows before the first failing one may have been inserted already
            return plan
        run = session.get_one(ImportRun, run_id)
        summarize(run, plan)
        run.status, run.finished_at = ImportStatus.DONE, utcnow()
        claims.release(session, run_id)
        session.add(AuditEntry(actor_id=actor.id, actor_label=actor.label, action="import",
                               entity_type="import_runs", entity_id=run_id, before=None,
                               after={"entity": spec.name, "filename": run.filename, "sha256": run.file_sha256,
                                      "created": run.created, "updated": run.updated, "unchanged": run.unchanged}))
    checkpoint_in_background(factory.kw["bind"])
    return plan


def _recording_failure(factory: sessionmaker[Session], run_id: int, work: Callable[[], engine.Plan]) -> engine.Plan:
    """Run a check or commit; a refusal on the way (the file broke off past its header: a bad byte, a runaway
    quote; rows changed meanwhile) is stored in the run before it is raised, and so is an unexpected error (a
    full disk, a lost database connection): its transaction was rolled back, the run must not stay "importing"."""
    try:
        return work()
    except DomainError as exc:
        _fail(factory, run_id, exc.message)
        raise
    except Exception as exc:
        _fail(factory, run_id, f"Stopped by an unexpected error ({type(exc).__name__}: {exc}). Nothing was written: "
                               "run it again, or report the error if it comes back.")
        raise
    finally:
        live_progress.pop(run_id, None)


def _fail(factory: sessionmaker[Session], run_id: int, message: str) -> None:
    with unit_of_work(factory) as session:
        run = session.get_one(ImportRun, run_id)
        run.status, run.message = ImportStatus.FAILED, message[:500]
        claims.release(session, run_id)


def in_background(work: Callable[[], Any]) -> threading.Thread:
    """Run a check or commit after the request has answered; its outcome is stored in the run."""
    def guarded() -> None:
        try:
            work()
        except DomainError:
            pass  # stored in the run by commit_run / shown from its errors
    thread = threading.Thread(target=guarded, name="channelbase-import", daemon=True)
    thread.start()
    _threads.append(thread)
    return thread


_threads: list[threading.Thread] = []


def wait_for_imports(timeout: float = 120) -> None:
    """Until the checks and imports this process started have ended (tests; a clean shutdown)."""
    while _threads:
        _threads.pop().join(timeout)


def progress_of(run: ImportRun) -> dict[str, Any]:
    phase, done, total = live_progress.get(run.id, (run.status, run.processed_rows, run.total_rows))
    return {"id": run.id, "status": run.status, "phase": phase, "done": done, "total": total,
            "finished": run.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED)}
