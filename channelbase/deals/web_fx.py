"""The FX rates page: the rate table, a converter that names the rate it used, and admin entry and CSV upload.

The upload is two steps: a dry run that lists every problem by row and column (nothing saved), then,
for a clean file, a commit button that sends the same bytes back (base64 in a hidden field) to load."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode
from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money
from channelbase.deals import export_rows, fx
from channelbase.deals.fx_csv import ImportReport, parse_iso_date
from channelbase.deals.schemas import RateFilter, RateIn
from channelbase.partners.web_common import (
    CURRENCIES, attempt, form, list_page, page_args, parse_filters, redirect, url_with,
)
from channelbase.web import exports
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.exports import Column, field
from channelbase.web.forms import parse

router = APIRouter()

# No `booleans`: an unticked "decimal comma" box must mean "not said" (ambiguous input refused), not "decimal point".
RateForm = Annotated[dict[str, Any], form()]
UploadForm = Annotated[dict[str, Any], form()]


@router.get("/fx-rates", include_in_schema=False)
def rate_list(request: Request, db: SessionDep, actor: StaffActor):
    return _rates_page(request, db, actor)


@router.get("/fx-rates/export", include_in_schema=False)
def export_rates(request: Request, db: SessionDep, actor: StaffActor):
    """Every rate the table shows with these filters, as CSV or XLSX."""
    filters, problem = parse_filters(RateFilter, request)
    if problem:
        raise problem
    reporting = fx.reporting_currency()
    columns = [field("Effective from", "effective_date"), field("Currency", "currency"),
               Column(f"{reporting} per unit", lambda r: export_rows.rate(r.rate)),
               Column(f"Units per {reporting}", lambda r: export_rows.inverse_rate(r.rate)), field("Source", "source")]
    return exports.respond(request, db, actor, "fx-rates", columns, export_rows.fx_rates(actor, filters),
                           title="FX rates")


@router.post("/fx-rates", include_in_schema=False)
def add_rate(request: Request, db: SessionDep, actor: AdminActor, data: RateForm):
    rate, error = attempt(db, lambda: _set_rate(db, actor, parse(RateIn, data)))
    if error:
        return _rates_page(request, db, actor, rate_values=data, rate_error=error)
    assert rate is not None  # attempt() returns the result when there is no error
    return redirect(f"/fx-rates?currency={rate.currency}&saved={rate.effective_date.isoformat()}")


@router.post("/fx-rates/import", include_in_schema=False)
def check_upload(request: Request, db: SessionDep, actor: AdminActor, data: UploadForm):
    """Step 1: check the uploaded file and show what loading it would do; saves nothing."""
    upload: Any = data.get("file")  # an UploadFile, or a string when the field was not a file
    content = upload.file.read() if hasattr(upload, "file") else b""
    filename = getattr(upload, "filename", "") or ""
    if not filename or not content:
        problem = InvalidInput("Choose a CSV file with the columns currency,date,rate.",
                               field_errors={"file": "choose a file"})
        return _rates_page(request, db, actor, upload_error=problem)
    report = fx.check_rates_csv(db, actor, content, filename)
    return _rates_page(request, db, actor, report=report, payload=base64.b64encode(content).decode())


@router.post("/fx-rates/import/commit", include_in_schema=False)
def commit_upload(request: Request, db: SessionDep, actor: AdminActor, data: UploadForm):
    """Step 2: load the checked file, all or nothing."""
    filename = str(data.get("filename", "")) or "upload.csv"
    try:
        content = base64.b64decode(str(data.get("content", "")), validate=True)
    except binascii.Error:
        return _rates_page(request, db, actor, upload_error=InvalidInput("The upload was damaged: upload the file again."))
    report, error = attempt(db, lambda: fx.load_rates_csv(db, actor, content, filename))
    if isinstance(error, fx.RatesRejected):
        return _rates_page(request, db, actor, report=error.report)
    if error:
        return _rates_page(request, db, actor, upload_error=error)
    assert report is not None  # attempt() returns the result when there is no error
    return redirect("/fx-rates?" + urlencode({"loaded": report.rows, "file": filename}))


@router.get("/fx-rates/convert", include_in_schema=False)
def convert(request: Request, db: SessionDep, actor: StaffActor):
    """The converter's result (an htmx fragment): the converted amount and the rate it used, or why not."""
    params = request.query_params
    if not params.get("amount", "").strip():
        return render(request, "deals/_conversion.html", {"message": "Enter an amount to convert."})
    try:
        money = Money.parse(params["amount"], params.get("currency", ""),
                            decimal_comma=True if params.get("decimal_comma") else None)
        on_date = parse_iso_date(params.get("date") or utcnow().date().isoformat())
        conversion = fx.convert(db, money, on_date)
    except (InvalidInput, fx.MissingRate, ValueError) as exc:
        return render(request, "deals/_conversion.html", {"error": getattr(exc, "message", str(exc))})
    return render(request, "deals/_conversion.html", {"conversion": conversion})


def _set_rate(db: Session, actor: User, data: RateIn):
    return fx.set_rate(db, actor, data.currency, data.effective_date, data.rate, decimal_comma=data.decimal_comma)


def _rates_page(request: Request, db: Session, actor: User, *, report: ImportReport | None = None,
                **extra: Any):
    filters, problem = parse_filters(RateFilter, request)
    args = page_args(request, ("date",))
    page = None if problem else fx.list_rates(db, actor, filters, page=args["page"], per_page=args["per_page"])
    status = 422 if (report and not report.ok) or any(extra.get(k) for k in ("rate_error", "upload_error")) else 200
    context = {"page": page, "problem": problem, "params": request.query_params, "filtered": filters != RateFilter(),
               "page_url": lambda n: url_with(request, page=n), "reporting_currency": fx.reporting_currency(),
               "rate_currency_options": [(c, c) for c in fx.rate_currencies(db, actor)], "currencies": CURRENCIES,
               "today": utcnow().date().isoformat(), "report": report, "rate_values": {}, "rate_error": None,
               "upload_error": None, "payload": None, **extra}
    if request.method == "POST":
        return render(request, "deals/fx_rates.html", context, status_code=status)
    return list_page(request, "deals/fx_rates.html", "deals/_rate_table.html", context, problem)

