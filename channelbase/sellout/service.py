"""Sell-out files: upload, check (a dry run with every problem by row and column), and commit all or nothing.

A file is a distributor's sell-out for one month. Uploading the same bytes again for that distributor and
month is refused; a corrected file replaces the month's lines in one transaction, once the person confirms.
The web upload stores the file (step 1), checks it with a column mapping (step 2), then imports it (step 3);
the CLI does the three at once with `import_file`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound
from channelbase.core.names import company_key
from channelbase.core.pagination import Page, paginate
from channelbase.imports.mapping import suggest
from channelbase.imports.reader import Sheet, read_sheet
from channelbase.partners.models import Partner, PartnerType
from channelbase.sellout.access import distributor_for, require_sellout_user
from channelbase.sellout.matching import LineMatch, Matcher
from channelbase.sellout.models import (
    FileStatus,
    Kind,
    LineState,
    SelloutFile,
    SelloutFileContent,
    SelloutLine,
    SelloutMapping,
)
from channelbase.sellout.rows import (
    FIELDS,
    MAX_KEPT_ERRORS,
    Options,
    Parsed,
    RowError,
    checked_mapping,
    decimal_comma_for,
    name_key,
    parse_rows,
    sku_key,
)

INSERT_CHUNK = 5_000
LINE_TABLE = cast(Table, SelloutLine.__table__)
LINE_COLUMNS = tuple(column.name for column in LINE_TABLE.columns if column.name != "id")
COPY_LINES = f"COPY sellout_lines ({', '.join(LINE_COLUMNS)}) FROM STDIN"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-01)?$")
# progress(stage, done, total): stage is "parse", "match" or "write"
Progress = Callable[[str, int, int], None]


def file_url(file_id: int) -> str:
    return f"/sellout/file?id={file_id}"


def parse_month(value: str | date) -> date:
    """'2026-10' (or a date) -> 2026-10-01."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = _MONTH.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(f"'{value}' is not a month: write it as YYYY-MM, e.g. 2026-10.",
                           field_errors={"month": "a month as YYYY-MM"})
    return date(int(match.group(1)), int(match.group(2)), 1)


# The dry run ----------------------------------------------------------------------------------------

@dataclass
class Prepared:
    """A file parsed with its mapping and matched: what importing it would write, or why it cannot."""

    filename: str
    month: date
    mapping: dict[str, str]
    options: Options
    total_rows: int
    parsed: Parsed
    matches: list[LineMatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.parsed.error_count == 0

    @property
    def errors(self) -> list[RowError]:
        return self.parsed.errors

    @property
    def matched_lines(self) -> int:
        return sum(match.matched for match in self.matches)

    @property
    def review_lines(self) -> int:
        return len(self.matches) - self.matched_lines

    def unmatched(self) -> dict[str, int]:
        """Distinct texts still to review, per kind."""
        keys: dict[str, set[str]] = {kind: set() for kind in Kind.ALL}
        for row, match in zip(self.parsed.rows, self.matches, strict=True):
            if not match.reseller.resolved:
                keys[Kind.RESELLER].add(name_key(row.reseller))
            if not match.customer.resolved:
                keys[Kind.CUSTOMER].add(name_key(row.customer))
            if not match.product.resolved:
                keys[Kind.PRODUCT].add(sku_key(row.sku))
        return {kind: len(found) for kind, found in keys.items()}


def read_upload(filename: str, content: bytes) -> Sheet:
    return read_sheet(filename, content)


def prepare(session: Session, distributor_id: int, month: date, filename: str, content: bytes,
            mapping: dict[str, str], options: Options, progress: Progress | None = None, *,
            sheet: Sheet | None = None) -> Prepared:
    """Parse and match a file with a mapping; InvalidInput when the file or the mapping cannot be used.
    `sheet`: the content already read."""
    sheet = sheet or read_upload(filename, content)
    mapping = checked_mapping(mapping, sheet, options)
    header_line = "" if content.startswith(b"PK") else content[:4096].decode("utf-8", "ignore").split("\n")[0]
    decimal_comma = decimal_comma_for("xlsx" if content.startswith(b"PK") else "csv", header_line, options)
    total = len(sheet.rows)
    parsed = parse_rows(sheet, mapping, options, month, decimal_comma=decimal_comma,
                        progress=(lambda done: progress("parse", done, total)) if progress else None)
    prepared = Prepared(filename, month, mapping, options, total, parsed)
    if prepared.ok:
        rows = len(parsed.rows)
        prepared.matches = Matcher(session, distributor_id).match_rows(
            parsed.rows, progress=(lambda done: progress("match", done, rows)) if progress else None)
    return prepared


class SelloutRejected(InvalidInput):
    """A file with problems: nothing was written; `prepared.errors` lists them by row and column."""

    def __init__(self, prepared: Prepared):
        count = prepared.parsed.error_count
        super().__init__(f"{prepared.filename}: {count} problem{'s' if count != 1 else ''} found, so nothing was "
                         "imported. Fix the rows listed and upload the file again.",
                         field_errors={f"row {e.row}: {e.column or 'file'}": e.message for e in prepared.errors[:20]})
        self.prepared = prepared


# Mappings ---------------------------------------------------------------------------------------------

def saved_mapping(session: Session, actor: User, distributor_id: int) -> SelloutMapping | None:
    stmt = visible(select(SelloutMapping), actor).where(SelloutMapping.distributor_id == distributor_id)
    return session.scalars(stmt).first()


def suggested_mapping(session: Session, actor: User, distributor_id: int,
                      headers: list[str]) -> tuple[dict[str, str], Options, bool]:
    """The distributor's saved mapping when the file has all its columns, else one suggested from the headers;
    the bool says which."""
    saved = saved_mapping(session, actor, distributor_id)
    present = {header.casefold() for header in headers}
    if saved is not None and all(header.casefold() in present for header in saved.columns.values()):
        return dict(saved.columns), Options.from_dict(saved.options), True
    options = Options.from_dict(saved.options) if saved is not None else Options()
    return suggest(headers, FIELDS), options, False


def _save_mapping(session: Session, actor: User, distributor_id: int, mapping: dict[str, str],
                  options: Options) -> None:
    saved = session.scalars(select(SelloutMapping).where(SelloutMapping.distributor_id == distributor_id)).first()
    if saved is None:
        saved = SelloutMapping(distributor_id=distributor_id, columns=mapping, options=options.to_dict(),
                               updated_by_id=actor.id)
        session.add(saved)
        audit.record(session, actor, "create", saved, None)
    elif saved.columns != mapping or saved.options != options.to_dict():
        before = audit.snapshot(saved)
        saved.columns, saved.options, saved.updated_by_id = mapping, options.to_dict(), actor.id
        audit.record(session, actor, "update", saved, before)


# Upload, check, commit ------------------------------------------------------------------------------

def upload_file(session: Session, actor: User, distributor_id: int, month: date | str, filename: str,
                content: bytes, *, sheet: Sheet | None = None) -> SelloutFile:
    """Step 1: store a readable file for the distributor and month (the same bytes again reuse the draft).
    `sheet`: the content already read."""
    require_sellout_user(session, actor)
    distributor = distributor_for(session, actor, distributor_id)
    month = parse_month(month)
    filename = (filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:255]
    sheet = sheet or read_upload(filename, content)
    sha = hashlib.sha256(content).hexdigest()
    _refuse_reimport(session, distributor, month, sha)
    draft = session.scalars(select(SelloutFile).where(
        SelloutFile.distributor_id == distributor.id, SelloutFile.month == month, SelloutFile.sha256 == sha,
        SelloutFile.status.in_(FileStatus.DRAFTS))).first()
    if draft is not None:
        return draft
    mapping, options, _saved = suggested_mapping(session, actor, distributor.id, sheet.headers)
    file = SelloutFile(distributor_id=distributor.id, month=month, filename=filename, sha256=sha,
                       status=FileStatus.UPLOADED, mapping=mapping, options=options.to_dict(),
                       uploaded_by_id=actor.id, total_rows=len(sheet.rows))
    session.add(file)
    session.flush()
    session.add(SelloutFileContent(file_id=file.id, content=content))
    audit.record(session, actor, "create", file, None)
    return file


def _refuse_reimport(session: Session, distributor: Partner, month: date, sha: str) -> None:
    done = session.scalars(select(SelloutFile).where(
        SelloutFile.distributor_id == distributor.id, SelloutFile.month == month, SelloutFile.sha256 == sha,
        SelloutFile.status == FileStatus.IMPORTED)).first()
    if done is not None:
        when = done.imported_at.strftime("%Y-%m-%d") if done.imported_at else "earlier"
        raise Duplicate(f"This file ({done.filename}) was already imported for {distributor.name}, "
                        f"{month.strftime('%B %Y')}, on {when}: nothing changed. To correct the month, upload "
                        "the corrected file.", link=file_url(done.id))


def file_content(session: Session, actor: User, file: SelloutFile) -> bytes:
    stmt = visible(select(SelloutFileContent.content), actor, SelloutFileContent)
    content = session.scalar(stmt.where(SelloutFileContent.file_id == file.id))
    if content is None:
        raise NotFound(f"The content of file #{file.id} is gone: upload the file again.")
    return content


def get_file(session: Session, actor: User, file_id: int) -> SelloutFile:
    require_sellout_user(session, actor)
    return get_visible(session, actor, SelloutFile, file_id)


def _draft(session: Session, actor: User, file_id: int) -> SelloutFile:
    file = get_file(session, actor, file_id)
    if file.status not in FileStatus.DRAFTS:
        raise Conflict(f"{file.filename} is {file.status}: upload a new file to change the month's sell-out.",
                       link=file_url(file.id))
    return file


def check_file(session: Session, actor: User, file_id: int, mapping: dict[str, str],
               options: Options) -> Prepared:
    """Step 2: check the stored file with this mapping; records the result, writes no line."""
    file = _draft(session, actor, file_id)
    prepared = prepare(session, file.distributor_id, file.month, file.filename, file_content(session, actor, file),
                       mapping, options)
    before = audit.snapshot(file)
    file.mapping, file.options = prepared.mapping, options.to_dict()
    _record_counts(file, prepared)
    file.status = FileStatus.CHECKED if prepared.ok else FileStatus.REJECTED
    audit.record(session, actor, "update", file, before)
    return prepared


def _record_counts(file: SelloutFile, prepared: Prepared) -> None:
    file.total_rows, file.error_count = prepared.total_rows, prepared.parsed.error_count
    file.errors = [error.to_dict() for error in prepared.errors[:MAX_KEPT_ERRORS]]
    file.line_count = len(prepared.parsed.rows) if prepared.ok else 0
    file.matched_lines, file.review_lines = prepared.matched_lines, prepared.review_lines


def imported_file_of_month(session: Session, actor: User, distributor_id: int, month: date) -> SelloutFile | None:
    stmt = visible(select(SelloutFile), actor).where(SelloutFile.distributor_id == distributor_id,
                                                    SelloutFile.month == month,
                                                    SelloutFile.status == FileStatus.IMPORTED)
    return session.scalars(stmt).first()


def commit_file(session: Session, actor: User, file_id: int, *, replace: bool = False,
                progress: Progress | None = None) -> SelloutFile:
    """Step 3: import the file all or nothing (SelloutRejected lists the bad rows; nothing is written)."""
    file = _draft(session, actor, file_id)
    prepared = prepare(session, file.distributor_id, file.month, file.filename, file_content(session, actor, file),
                       file.mapping, Options.from_dict(file.options), progress)
    if not prepared.ok:
        raise SelloutRejected(prepared)
    _write(session, actor, file, prepared, replace, progress)
    return file


def import_file(session: Session, actor: User, distributor_id: int, month: date | str, filename: str,
                content: bytes, *, mapping: dict[str, str] | None = None, options: Options | None = None,
                replace: bool = False, dry_run: bool = False,
                progress: Progress | None = None) -> tuple[Prepared, SelloutFile | None]:
    """The three steps at once (the CLI). `mapping` changes some fields of the distributor's saved mapping (or of
    the one suggested from the headers); a field given '' is left out. A dry run writes nothing and returns no file."""
    require_sellout_user(session, actor)
    distributor = distributor_for(session, actor, distributor_id)
    month = parse_month(month)
    sha = hashlib.sha256(content).hexdigest()
    _refuse_reimport(session, distributor, month, sha)
    sheet = read_upload(filename, content)
    suggested, saved_options, _saved = suggested_mapping(session, actor, distributor.id, sheet.headers)
    mapping, options = _overlay(suggested, mapping or {}), options or saved_options
    prepared = prepare(session, distributor.id, month, filename, content, mapping, options, progress, sheet=sheet)
    if dry_run:
        return prepared, None
    if not prepared.ok:
        raise SelloutRejected(prepared)
    file = upload_file(session, actor, distributor.id, month, filename, content, sheet=sheet)
    file.mapping, file.options = prepared.mapping, options.to_dict()
    _write(session, actor, file, prepared, replace, progress)
    return prepared, file


def _overlay(base: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """`base` with `changes` applied; a header the changes map elsewhere leaves its old field."""
    moved = {header.casefold() for header in changes.values() if header}
    merged = {name: header for name, header in base.items() if header.casefold() not in moved}
    return {**merged, **changes}


def _write(session: Session, actor: User, file: SelloutFile, prepared: Prepared, replace: bool,
           progress: Progress | None) -> None:
    """Replace the month's lines (if confirmed) and write this file's, in the caller's transaction."""
    before = audit.snapshot(file)
    distributor = session.get_one(Partner, file.distributor_id)
    _refuse_reimport(session, distributor, file.month, file.sha256)
    current = session.scalars(select(SelloutFile).where(
        SelloutFile.distributor_id == file.distributor_id, SelloutFile.month == file.month,
        SelloutFile.status == FileStatus.IMPORTED)).first()
    if current is not None:
        if not replace:
            raise Conflict(f"{distributor.name} already has a sell-out file for {file.month.strftime('%B %Y')} "
                           f"({current.filename}, {current.line_count:,} lines). Confirm to replace its lines "
                           "with this file's.", link=file_url(current.id))
        _retire(session, actor, current)
    _insert_lines(session, file, prepared, progress)
    _record_counts(file, prepared)
    file.status, file.imported_at = FileStatus.IMPORTED, utcnow()
    audit.record(session, actor, "update", file, before)
    _save_mapping(session, actor, file.distributor_id, prepared.mapping, prepared.options)


def _retire(session: Session, actor: User, current: SelloutFile) -> None:
    before = audit.snapshot(current)
    session.execute(delete(SelloutLine).where(SelloutLine.file_id == current.id))
    current.status = FileStatus.REPLACED
    audit.record(session, actor, "update", current, before)  # flushes: the month's unique slot is free again


def _insert_lines(session: Session, file: SelloutFile, prepared: Prepared, progress: Progress | None) -> None:
    rows, total = [], len(prepared.parsed.rows)
    for done, (row, match) in enumerate(zip(prepared.parsed.rows, prepared.matches, strict=True), start=1):
        rows.append({
            "file_id": file.id, "distributor_id": file.distributor_id, "row_number": row.row_number,
            "reseller_text": row.reseller, "reseller_tax_id": row.reseller_tax_id,
            "reseller_domain": row.reseller_domain, "customer_text": row.customer,
            "customer_tax_id": row.customer_tax_id, "customer_domain": row.customer_domain,
            "country": row.country, "sku": row.sku, "product_text": row.product_name, "quantity": row.quantity,
            "amount_minor": row.amount_minor, "currency": row.currency, "invoice_date": row.invoice_date,
            "reseller_key": name_key(row.reseller), "customer_key": name_key(row.customer),
            "product_key": sku_key(row.sku), "reseller_partner_id": match.reseller.id,
            "account_id": match.customer.id, "product_id": match.product.id,
            "reseller_reason": match.reseller.reason, "customer_reason": match.customer.reason,
            "product_reason": match.product.reason,
            "state": LineState.MATCHED if match.matched else LineState.REVIEW,
        })
        if len(rows) == INSERT_CHUNK or done == total:
            _write_rows(session, rows)
            rows = []
            if progress:
                progress("write", done, total)


def _write_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert lines in the session's transaction. PostgreSQL: COPY, as psycopg's executemany sends one INSERT per
    row (about 5,000 rows/s on loopback, three times slower for a 50,000-line file); elsewhere a Core
    executemany (no ORM work per row)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(LINE_TABLE), rows)
        return
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(COPY_LINES) as copy:
        for row in rows:
            copy.write_row([row[name] for name in LINE_COLUMNS])


def discard_file(session: Session, actor: User, file_id: int) -> None:
    """Drop an upload that was not imported (its stored bytes go with it)."""
    file = _draft(session, actor, file_id)
    audit.record(session, actor, "delete", file, audit.snapshot(file))
    session.execute(delete(SelloutFileContent).where(SelloutFileContent.file_id == file.id))
    session.delete(file)


# Reading ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileFilter:
    distributor_id: int | None = None
    month: date | None = None
    status: str | None = None


def list_files(session: Session, actor: User, filters: FileFilter, *, page: int = 1,
               per_page: int = 25) -> Page[SelloutFile]:
    """The files the actor may see, newest month first."""
    require_sellout_user(session, actor)
    stmt = visible(select(SelloutFile), actor)
    for column, value in ((SelloutFile.distributor_id, filters.distributor_id), (SelloutFile.month, filters.month),
                          (SelloutFile.status, filters.status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return paginate(session, stmt.order_by(SelloutFile.month.desc(), SelloutFile.id.desc()), page, per_page)


def file_lines(session: Session, actor: User, file_id: int, *, state: str | None = None, page: int = 1,
               per_page: int = 50) -> Page[SelloutLine]:
    file = get_file(session, actor, file_id)
    stmt = visible(select(SelloutLine), actor).where(SelloutLine.file_id == file.id)
    if state:
        stmt = stmt.where(SelloutLine.state == state)
    total = _line_total(file, state)
    return paginate(session, stmt.order_by(SelloutLine.row_number), page, per_page, total=total)


def _line_total(file: SelloutFile, state: str | None) -> int | None:
    if file.status != FileStatus.IMPORTED:
        return 0
    return {None: file.line_count, LineState.MATCHED: file.matched_lines,
            LineState.REVIEW: file.review_lines}.get(state)


def distributors(session: Session, actor: User) -> list[tuple[int, str]]:
    """The live distributors the actor may upload for, by name."""
    stmt = visible(select(Partner.id, Partner.name), actor, Partner).where(
        Partner.type == PartnerType.DISTRIBUTOR, Partner.deleted_at.is_(None)).order_by(Partner.name)
    return [(row.id, row.name) for row in session.execute(stmt)]


def find_distributor(session: Session, actor: User, name: str) -> Partner:
    """A distributor by id or name (any spelling with the same company key), for the CLI."""
    require_sellout_user(session, actor)
    text = (name or "").strip()
    if text.isdigit():
        return distributor_for(session, actor, int(text))
    stmt = visible(select(Partner), actor).where(Partner.type == PartnerType.DISTRIBUTOR,
                                                 Partner.deleted_at.is_(None))
    found = list(session.scalars(stmt.where(Partner.name_key == company_key(text)).limit(2))) if text else []
    if len(found) == 1:
        return found[0]
    known = [name for _id, name in distributors(session, actor)][:10]
    raise NotFound(f"No distributor named '{name}' that you may see" + (f" (distributors: {', '.join(known)})."
                                                                         if known else "."))


def distributor_names(session: Session, actor: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = visible(select(Partner.id, Partner.name), actor, Partner).where(Partner.id.in_(ids))
    return dict(session.execute(stmt).all())

