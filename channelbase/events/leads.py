"""Leads captured at an event: typed one at a time or pasted as CSV (all or nothing, with a report of every
bad row), listed, and discarded. Turning them into accounts and registrations is in conversion.py.

Pasted cells are stored exactly as typed: a cell such as =HYPERLINK(...) stays text here, pages escape it, and
the exports make it inert for spreadsheets (channelbase/web/exports.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput
from channelbase.core.pagination import Page, paginate
from channelbase.events.models import EventLead, LeadStatus
from channelbase.events.schemas import LeadIn
from channelbase.events.service import get_event
from channelbase.partners.models import Account, Partner

MAX_IMPORT_ROWS = 5000
MAX_IMPORT_CHARS = 2_000_000
COLUMNS = ("company", "domain", "country", "contact", "email", "notes")
# Header names accepted for each column (a header row may name them in any order).
HEADER_NAMES = {"company": "company", "domain": "domain", "website": "domain", "country": "country",
                "contact": "contact_name", "contact_name": "contact_name", "name": "contact_name",
                "email": "email", "e-mail": "email", "phone": "phone", "notes": "notes"}
FIELD_LABELS = {"company": "company", "domain": "domain", "country": "country", "contact_name": "contact",
                "email": "email", "phone": "phone", "notes": "notes", "__all__": "row"}


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


class LeadImportRefused(InvalidInput):
    """Some pasted rows are wrong: none was imported; `problems` says which and why."""

    def __init__(self, message: str, problems: list[RowProblem]):
        super().__init__(message, field_errors={"text": f"{len(problems)} rows to fix"})
        self.problems = problems


def _partner_check(session: Session, actor: User, partner_id: int | None) -> None:
    if partner_id is not None:
        get_visible(session, actor, Partner, partner_id)


def _lead(event_id: int, data: LeadIn) -> EventLead:
    return EventLead(event_id=event_id, **data.model_dump(exclude={"email"}),
                     email=str(data.email).lower() if data.email else "", status=LeadStatus.NEW)


def add_lead(session: Session, actor: User, event_id: int, data: LeadIn) -> EventLead:
    """One lead met at the event (with the partner to follow it up, if any)."""
    event = get_event(session, actor, event_id)
    _partner_check(session, actor, data.partner_id)
    lead = _lead(event.id, data)
    session.add(lead)
    session.flush()
    audit.record(session, actor, "create", lead, None)
    return lead


# Pasted CSV ---------------------------------------------------------------------------------------

def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of the non-blank rows; a semicolon-separated paste (Excel in Brazil) works too."""
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise InvalidInput(f"The pasted text is not valid CSV near line {reader.line_num}: {exc}.",
                           field_errors={"text": "not valid CSV"}) from None
    return rows


def _header(cells: list[str]) -> list[str] | None:
    """The field of each column when the row is a header row; None when it is data."""
    names = [cell.strip().lower() for cell in cells]
    if "company" not in names:
        return None
    unknown = [name for name in names if name and name not in HEADER_NAMES]
    if unknown:
        raise InvalidInput(f"Unknown column '{unknown[0]}' in the header: use {', '.join(COLUMNS)}.",
                           field_errors={"text": "unknown column"})
    return [HEADER_NAMES.get(name, "") for name in names]


def _row_values(fields: list[str], cells: list[str]) -> dict[str, str]:
    return {field: cell for field, cell in zip(fields, cells, strict=False) if field}


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "__all__"
        parts.append(f"{FIELD_LABELS.get(field, field)}: {item['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def check_import(text: str) -> tuple[list[LeadIn], list[RowProblem]]:
    """The leads of a pasted CSV text, and what is wrong with each bad row (line numbers as pasted)."""
    if len(text) > MAX_IMPORT_CHARS:
        raise InvalidInput("The pasted text is too long: paste at most 2 MB at a time.",
                           field_errors={"text": "too long"})
    rows = _rows(text)
    fields = [name if name != "contact" else "contact_name" for name in COLUMNS]
    if rows and (header := _header(rows[0][1])) is not None:
        fields, rows = header, rows[1:]
    if not rows:
        raise InvalidInput(f"Nothing to import: paste one lead per line ({','.join(COLUMNS)}).",
                           field_errors={"text": "no leads"})
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(f"{len(rows):,} leads pasted: import at most {MAX_IMPORT_ROWS:,} at a time.",
                           field_errors={"text": "too many rows"})
    leads, problems = [], []
    for line, cells in rows:
        if len(cells) > len(fields):
            problems.append(RowProblem(line, f"{len(cells)} cells; expected at most {len(fields)} "
                                             f"({','.join(COLUMNS)}): quote cells that contain commas"))
            continue
        try:
            leads.append(LeadIn.model_validate(_row_values(fields, cells)))
        except ValidationError as exc:
            problems.append(RowProblem(line, _describe(exc)))
    return leads, problems


def import_leads(session: Session, actor: User, event_id: int, text: str) -> list[EventLead]:
    """Leads pasted as CSV (company,domain,country,contact,email,notes; header optional): every row, or none."""
    event = get_event(session, actor, event_id)
    data, problems = check_import(text)
    if problems:
        raise LeadImportRefused(f"Nothing was imported: {len(problems)} of {len(data) + len(problems)} rows need "
                                "fixing (listed below). Correct them and paste the list again.", problems)
    leads = [_lead(event.id, item) for item in data]
    session.add_all(leads)
    session.flush()
    # One flush for the audit entries too: audit.record flushes per row, which thousands of rows would feel.
    session.add_all([AuditEntry(actor_id=actor.id, actor_label=actor.label, action="import",
                                entity_type=EventLead.__tablename__, entity_id=lead.id, before=None,
                                after=audit.snapshot(lead)) for lead in leads])
    session.flush()
    return leads


# Reading and discarding ---------------------------------------------------------------------------

def list_leads(session: Session, actor: User, event_id: int, *, status: str | None = None, page: int = 1,
               per_page: int = 50) -> Page[EventLead]:
    """A page of the event's leads in the order they came in, optionally of one status."""
    get_event(session, actor, event_id)
    stmt = visible(select(EventLead), actor).where(EventLead.event_id == event_id)
    if status:
        stmt = stmt.where(EventLead.status == status)
    return paginate(session, stmt.order_by(EventLead.id), page, per_page)


def leads_of(session: Session, actor: User, event_id: int, lead_ids: Iterable[int]) -> list[EventLead]:
    """The selected leads of the event, in the order chosen; InvalidInput names any that is not one."""
    wanted = list(dict.fromkeys(lead_ids))
    if not wanted:
        raise InvalidInput("Select at least one lead first.", field_errors={"lead_ids": "none selected"})
    found = {lead.id: lead for lead in session.scalars(
        visible(select(EventLead), actor).where(EventLead.event_id == event_id, EventLead.id.in_(wanted)))}
    missing = [lead_id for lead_id in wanted if lead_id not in found]
    if missing:
        raise InvalidInput(f"Lead #{missing[0]} is not one of this event's leads: reload the page and select again.",
                           field_errors={"lead_ids": "unknown lead"})
    return [found[lead_id] for lead_id in wanted]


def discard_leads(session: Session, actor: User, event_id: int, lead_ids: Iterable[int]) -> int:
    """Mark new leads as not worth following up; converted ones keep their status. Returns how many changed."""
    get_event(session, actor, event_id)
    changed = 0
    for lead in leads_of(session, actor, event_id, lead_ids):
        if lead.status != LeadStatus.NEW:
            continue
        before = audit.snapshot(lead)
        lead.status = LeadStatus.DISCARDED
        audit.record(session, actor, "discard", lead, before)
        changed += 1
    return changed


def account_names(session: Session, actor: User, account_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the leads' accounts the actor sees, for the lead table."""
    wanted = {i for i in account_ids if i is not None}
    if not wanted:
        return {}
    stmt = visible(select(Account.id, Account.name), actor, Account).where(Account.id.in_(wanted))
    return {row.id: row.name for row in session.execute(stmt)}
