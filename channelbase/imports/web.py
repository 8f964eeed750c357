"""Import pages: upload a file, map its columns, see the dry run's report with a progress bar, commit."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response

from channelbase.core.errors import DomainError, InvalidInput
from channelbase.imports import service
from channelbase.imports.registry import ENTITIES
from channelbase.imports.models import ImportStatus
from channelbase.imports.reader import ENCODINGS
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.exports import neutralise

router = APIRouter()
UploadForm = Annotated[dict[str, Any], form()]
ENTITY_CHOICES = [(name, {"fx_rates": "FX rates"}.get(name, name.title())) for name in ENTITIES]


def _entity_choices(actor) -> list[tuple[str, str]]:
    """The kinds this actor may import (FX rates: admins only)."""
    return [(name, label) for name, label in ENTITY_CHOICES if _may_import(actor, name)]


def _may_import(actor, name: str) -> bool:
    require = ENTITIES[name].require
    if require is None:
        return True
    try:
        require(actor)
    except DomainError:
        return False
    return True


def _list_page(request: Request, db, actor, *, error: DomainError | None = None, values: dict | None = None,
               status_code: int = 200):
    page = service.list_runs(db, actor, page=max(1, to_int(request.query_params.get("page"), 1)))
    context = {"page": page, "error": error, "values": values or {}, "entities": _entity_choices(actor),
               "encodings": [("", "UTF-8 (default)")] + [(e, e) for e in ENCODINGS if e != "utf-8"],
               "fields": {label: ENTITIES[name].fields for name, label in _entity_choices(actor)}}
    return render(request, "imports/list.html", context,
                  status_code=status_code if not error else 422)


@router.get("/imports", include_in_schema=False)
def import_list(request: Request, db: SessionDep, actor: StaffActor):
    service.require_importer(actor)
    return _list_page(request, db, actor)


@router.post("/imports", include_in_schema=False)
def upload(request: Request, db: SessionDep, actor: StaffActor, data: UploadForm):
    """Store the file and suggest a mapping; an unreadable file is refused here, with the reason."""
    upload_file: Any = data.get("file")
    content = upload_file.file.read() if hasattr(upload_file, "file") else b""
    filename = getattr(upload_file, "filename", "") or ""
    values = {"entity": data.get("entity", ""), "encoding": data.get("encoding", "")}
    if not filename or not content:
        problem = InvalidInput("Choose a CSV or XLSX file with a header row.", field_errors={"file": "choose a file"})
        return _list_page(request, db, actor, error=problem, values=values)
    result, error = attempt(db, lambda: service.new_run(db, actor, str(values["entity"]), filename, content,
                                                        str(values["encoding"]) or None))
    if error or result is None:
        return _list_page(request, db, actor, error=error, values=values)
    return redirect(f"/imports/{result[0].id}")


def _run_page(request: Request, db, actor, run_id: int, *, error: DomainError | None = None,
              status_code: int = 200):
    run = service.get_run(db, actor, run_id)
    spec = service.spec_for(run.entity)
    headers = service.sheet_of(run).headers if run.status in (ImportStatus.NEW, ImportStatus.FAILED) else []
    context = {"run": run, "spec": spec, "headers": headers, "error": error,
               "saved": service.saved_mappings(db, actor, run.entity), "progress": service.progress_of(run),
               "working": run.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)}
    return render(request, "imports/run.html", context, status_code=422 if error else status_code)


@router.get("/imports/{run_id}", include_in_schema=False)
def run_page(request: Request, run_id: int, db: SessionDep, actor: StaffActor):
    return _run_page(request, db, actor, run_id)


@router.get("/imports/{run_id}/progress", include_in_schema=False)
def run_progress(run_id: int, db: SessionDep, actor: StaffActor):
    """What the progress bar polls."""
    return JSONResponse(service.progress_of(service.get_run(db, actor, run_id)))


@router.post("/imports/{run_id}/check", include_in_schema=False)
def check(request: Request, run_id: int, db: SessionDep, actor: StaffActor, data: UploadForm,
          tasks: BackgroundTasks):
    """Save the mapping (and, if named, keep it for the next file), then run the dry run after answering."""
    run = service.get_run(db, actor, run_id)
    spec = service.spec_for(run.entity)
    mapping = {field.name: str(data.get(f"map_{field.name}", "")) for field in spec.fields}
    save_as = str(data.get("save_as", "")).strip()

    def prepare() -> None:
        run.mapping = service.check_mapping_for(run, mapping)
        if save_as:
            service.save_mapping(db, actor, run.entity, save_as, run.mapping)
        run.status, run.processed_rows = ImportStatus.CHECKING, 0
    _, error = attempt(db, prepare)
    if error:
        return _run_page(request, db, actor, run_id, error=error)
    factory = request.app.state.sessionmaker
    tasks.add_task(service.in_background, lambda: service.check_run(factory, actor, run_id, run.mapping))
    return redirect(f"/imports/{run_id}")


@router.post("/imports/{run_id}/commit", include_in_schema=False)
def commit(request: Request, run_id: int, db: SessionDep, actor: StaffActor, tasks: BackgroundTasks):
    """Import every row, or none: the commit checks the file again in its own transaction."""
    run = service.get_run(db, actor, run_id)
    if run.status != ImportStatus.CHECKED:
        problem = InvalidInput("Only a file whose dry run found no problems can be imported: check it first.")
        return _run_page(request, db, actor, run_id, error=problem)
    run.status = ImportStatus.IMPORTING
    factory = request.app.state.sessionmaker
    tasks.add_task(service.in_background, lambda: service.commit_run(factory, actor, run_id))
    return redirect(f"/imports/{run_id}")


@router.get("/imports/{run_id}/errors.csv", include_in_schema=False)
def errors_csv(run_id: int, db: SessionDep, actor: StaffActor):
    run = service.get_run(db, actor, run_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "problem"])
    for error in run.errors:
        writer.writerow([error["row"], neutralise(error["column"]), neutralise(error["message"])])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="import-{run_id}-problems.csv"'})
