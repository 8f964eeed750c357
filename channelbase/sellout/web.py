"""Sell-out pages: the file list, the upload with its mapping step, and each file's report and lines.

The upload is three steps on one file page: the file is stored (step 1), its column mapping is checked (a dry
run listing every problem by row and column, nothing imported), then it is imported; a file for a month that
already has one replaces it only when the person ticks "replace". Review and reports are in web_review.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money
from channelbase.imports.reader import column_letters
from channelbase.partners.web_common import attempt, form, page_args, redirect, to_int, url_with
from channelbase.sellout import access, service
from channelbase.sellout.models import FileStatus, LineState, SelloutFile
from channelbase.sellout.rows import DATE_ORDERS, DECIMAL_MARKS, FIELDS, Options
from channelbase.web.deps import CurrentActor, SessionDep, csrf_protect, render, templates

pages = APIRouter()
Form = Annotated[dict[str, Any], form()]
PREVIEW_ROWS = 5
STATUS_BADGES = {FileStatus.IMPORTED: "active", FileStatus.CHECKED: "prospect", FileStatus.UPLOADED: "prospect",
                 FileStatus.REJECTED: "deleted", FileStatus.REPLACED: "inactive"}
NAV_SECONDS = 300.0
_nav_cache: dict[tuple[int, int], tuple[bool, float]] = {}

_search_path = str(Path(__file__).resolve().parent / "templates")
if _search_path not in templates.env.loader.searchpath:  # type: ignore[union-attr]
    templates.env.loader.searchpath.append(_search_path)  # type: ignore[union-attr]


def shows_sellout(request: Request, actor: User | None) -> bool:
    """Whether the nav links to sell-out: staff, and users of a distributor (looked up every few minutes)."""
    if actor is None or not actor.is_active:
        return False
    if actor.is_staff or actor.partner_id is None:
        return actor.is_staff
    key, now = (id(request.app.state.sessionmaker), actor.partner_id), time.monotonic()
    cached = _nav_cache.get(key)
    if cached is None or cached[1] < now:
        with request.app.state.sessionmaker() as session:
            cached = _nav_cache[key] = (access.is_distributor_user(session, actor), now + NAV_SECONDS)
    return cached[0]


templates.env.globals["shows_sellout"] = shows_sellout
templates.env.globals["sellout_badges"] = STATUS_BADGES
templates.env.globals["minor_money"] = lambda minor, currency: Money.from_minor(minor, currency).format()


def sellout_actor(db: SessionDep, actor: CurrentActor) -> User:
    access.require_sellout_user(db, actor)
    return actor


SelloutActor = Annotated[User, Depends(sellout_actor)]


def _id(value: Any, name: str, what: str) -> int:
    number = to_int(value, 0) if not isinstance(value, int) else value
    if number <= 0:
        raise InvalidInput(f"Choose the {what}.", field_errors={name: "required"})
    return number


# The file list ---------------------------------------------------------------------------------------------

@pages.get("/sellout", include_in_schema=False)
def file_list(request: Request, db: SessionDep, actor: SelloutActor):
    params = request.query_params
    filters, problem = _file_filter(params)
    args = page_args(request, ("month",))
    page = service.list_files(db, actor, filters, page=args["page"], per_page=args["per_page"])
    return render(request, "sellout/list.html", {
        "page": page, "params": params, "problem": problem, "filtered": filters != service.FileFilter(),
        "distributor_options": service.distributors(db, actor), "status_options": _statuses(),
        "names": service.distributor_names(db, actor, {f.distributor_id for f in page.items}),
        "page_url": lambda n: url_with(request, page=n)})


def _file_filter(params) -> tuple[service.FileFilter, InvalidInput | None]:
    try:
        month = service.parse_month(params["month"]) if params.get("month") else None
    except InvalidInput as exc:
        return service.FileFilter(), exc
    status = params.get("status") or None
    return service.FileFilter(distributor_id=to_int(params.get("distributor_id")) or None, month=month,
                              status=status if status in STATUS_BADGES else None), None


def _statuses() -> list[tuple[str, str]]:
    return [(status, status.capitalize()) for status in STATUS_BADGES]


# Upload -----------------------------------------------------------------------------------------------------

@pages.get("/sellout/upload", include_in_schema=False)
def upload_form(request: Request, db: SessionDep, actor: SelloutActor):
    return _upload_page(request, db, actor, {"distributor_id": request.query_params.get("distributor_id", "")})


@pages.post("/sellout/upload", include_in_schema=False)
def upload(request: Request, db: SessionDep, actor: SelloutActor, data: Form):
    """Step 1: store the file, then show its mapping step."""
    file, error = attempt(db, lambda: _store(db, actor, data))
    if error:
        return _upload_page(request, db, actor, data, error)
    assert file is not None  # attempt() returns the result when there is no error
    return redirect(service.file_url(file.id))


def _store(db: Session, actor: User, data: dict[str, Any]) -> SelloutFile:
    upload_: Any = data.get("file")  # an UploadFile, or a string when the field was not a file
    content = upload_.file.read() if hasattr(upload_, "file") else b""
    filename = getattr(upload_, "filename", "") or ""
    distributor = data.get("distributor_id") or (actor.partner_id if not actor.is_staff else None)
    distributor_id = _id(distributor, "distributor_id", "distributor")
    if not filename or not content:
        raise InvalidInput("Choose the POS file (CSV or XLSX).", field_errors={"file": "choose a file"})
    return service.upload_file(db, actor, distributor_id, str(data.get("month", "")), filename, content)


def _upload_page(request: Request, db: Session, actor: User, values: dict[str, Any],
                 error: Exception | None = None):
    values = {k: v for k, v in values.items() if k != "file"}
    return render(request, "sellout/upload.html", {
        "values": values, "error": error, "errors": getattr(error, "field_errors", {}),
        "distributor_options": service.distributors(db, actor)},
        status_code=getattr(error, "status", 200) if error else 200)


# One file ----------------------------------------------------------------------------------------------------

@pages.get("/sellout/file", include_in_schema=False)
def file_detail(request: Request, db: SessionDep, actor: SelloutActor, id: int):
    file = service.get_file(db, actor, id)
    return _file_page(request, db, actor, file)


@pages.post("/sellout/check", include_in_schema=False)
def check(request: Request, db: SessionDep, actor: SelloutActor, data: Form):
    """Step 2: the dry run with the chosen mapping; saves the result on the file, imports nothing."""
    file_id = _id(data.get("file_id"), "file_id", "file")
    mapping = {f.name: str(data.get(f"map_{f.name}", "")).strip() for f in FIELDS}
    prepared, error = attempt(db, lambda: service.check_file(db, actor, file_id, mapping,
                                                             Options.from_dict(_options(data))))
    file = service.get_file(db, actor, file_id)
    if error:
        return _file_page(request, db, actor, file, mapping=mapping, options=_options(data), error=error)
    return _file_page(request, db, actor, file, prepared=prepared)


def _options(data: dict[str, Any]) -> dict[str, str]:
    return {name: str(data.get(name, "") or "") for name in ("decimal", "date_order", "currency")}


@pages.post("/sellout/commit", include_in_schema=False)
def commit(request: Request, db: SessionDep, actor: SelloutActor, data: Form):
    """Step 3: import the checked file, all or nothing (replacing the month's file only when confirmed)."""
    file_id = _id(data.get("file_id"), "file_id", "file")
    replace = str(data.get("replace", "")) in ("1", "on", "true")
    _, error = attempt(db, lambda: service.commit_file(db, actor, file_id, replace=replace))
    if error:
        file = service.get_file(db, actor, file_id)
        prepared = error.prepared if isinstance(error, service.SelloutRejected) else None
        return _file_page(request, db, actor, file, prepared=prepared, error=error)
    return redirect(service.file_url(file_id) + "&imported=1")


@pages.post("/sellout/discard", include_in_schema=False)
def discard(db: SessionDep, actor: SelloutActor, data: Form):
    service.discard_file(db, actor, _id(data.get("file_id"), "file_id", "file"))
    return redirect("/sellout?discarded=1")


def _file_page(request: Request, db: Session, actor: User, file: SelloutFile, *,
               prepared: service.Prepared | None = None, mapping: dict[str, str] | None = None,
               options: dict[str, str] | None = None, error: Exception | None = None):
    params = request.query_params
    context: dict[str, Any] = {
        "file": file, "prepared": prepared, "error": error, "params": params,
        "distributor_name": service.distributor_names(db, actor, {file.distributor_id}).get(file.distributor_id, ""),
        "current": service.imported_file_of_month(db, actor, file.distributor_id, file.month),
        "fields": FIELDS, "decimal_options": list(DECIMAL_MARKS.items()), "date_options": list(DATE_ORDERS.items()),
    }
    if file.status in FileStatus.DRAFTS:
        context.update(_mapping_context(db, actor, file, mapping, options, error))
    elif file.status == FileStatus.IMPORTED:
        state = params.get("state") if params.get("state") in (LineState.MATCHED, LineState.REVIEW) else None
        args = page_args(request, ("row",))
        context.update(state=state, lines=service.file_lines(db, actor, file.id, state=state, page=args["page"],
                                                             per_page=50),
                       page_url=lambda n: url_with(request, page=n))
    status = getattr(error, "status", 200) if error and request.method == "POST" else 200
    return render(request, "sellout/file.html", context, status_code=status)


def _mapping_context(db: Session, actor: User, file: SelloutFile, mapping: dict[str, str] | None,
                     options: dict[str, str] | None, error: Exception | None) -> dict[str, Any]:
    """The mapping form: the file's headers, its first rows, and the mapping to show (typed, stored or suggested)."""
    try:
        sheet = service.read_upload(file.filename, service.file_content(db, actor, file))
    except InvalidInput as exc:
        return {"sheet_error": exc.message, "headers": [], "preview": [], "mapping": {}, "options": {}}
    return {"headers": sheet.headers, "letters": [column_letters(i) for i in range(len(sheet.headers))],
            "preview": sheet.rows[:PREVIEW_ROWS], "mapping": mapping if mapping is not None else file.mapping,
            "options": options if options is not None else file.options,
            "field_errors": getattr(error, "field_errors", {}), "sheet_error": ""}


from channelbase.sellout import web_review  # noqa: E402 (its pages share this router and its CSRF check)

router = APIRouter(dependencies=[Depends(csrf_protect)])
router.include_router(pages)
router.include_router(web_review.router)
