"""Building import files in tests, and running a file through the service as the CLI and pages do."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from channelbase.imports import service
from channelbase.imports.models import ExternalId, ImportRun

ACCOUNT_HEADER = ["Account ID", "Account Name", "Billing Country", "Website", "Industry"]


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def account_rows(count: int, start: int = 0, prefix: str = "T") -> list[list[str]]:
    """Accounts in Brazil and Mexico, whose territories are named after their countries."""
    return [[f"{prefix}{i:06d}", f"Comércio Teste {prefix} {i} Ltda.", ("BR", "Mexico")[i % 2],
             f"www.teste{prefix.lower()}{i}.example.com.br", "Retail"] for i in range(start, start + count)]


def run_import(factory, actor, entity: str, data: bytes, *, filename: str = "file.csv", dry_run: bool = False,
               mapping: dict[str, str] | None = None, encoding: str | None = None) -> ImportRun:
    with factory.begin() as session:
        run, sheet = service.new_run(session, actor, entity, filename, data, encoding)
        run.mapping = service.resolve_mapping(session, service.spec_for(entity), sheet, mapping)
        run_id, chosen = run.id, dict(run.mapping)
    if dry_run:
        return service.check_run(factory, actor, run_id, chosen)
    return service.commit_run(factory, actor, run_id)


def by_external_id(session, model, external_id: str):
    """The row an import remembered under this external id."""
    row_id = session.scalar(select(ExternalId.row_id).where(ExternalId.entity_type == model.__tablename__,
                                                            ExternalId.external_id == external_id))
    return session.get(model, row_id) if row_id is not None else None


def count(session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions))
