"""Sell-out review queue and reports (channel staff): resolve unmatched texts once per file; sell-out by
reseller, product or month in the reporting currency, on the page or as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import InvalidInput
from channelbase.deals import fx
from channelbase.partners.web_common import attempt, form, redirect, to_int
from channelbase.sellout import review, service
from channelbase.sellout.models import Kind
from channelbase.sellout.reports import BY, ReportFilter, month_end, report_csv, sellout_report
from channelbase.web.deps import SessionDep, StaffActor, render

router = APIRouter()  # included by sellout.web, which adds the CSRF check
Form = Annotated[dict[str, Any], form()]
GROUPS_PER_PAGE = 25
NOT_TRACKED = "none"  # the form's value for "not an account we track"


# Review ---------------------------------------------------------------------------------------------------

@router.get("/sellout/review", include_in_schema=False)
def review_queue(request: Request, db: SessionDep, actor: StaffActor):
    params = request.query_params
    file_id = to_int(params.get("file"))
    if not file_id:
        files = review.files_to_review(db, actor)
        return render(request, "sellout/review.html", {"file": None, "files": files, "names": _names(db, actor, files)})
    return _review_page(request, db, actor, file_id, params.get("kind") or Kind.RESELLER)


@router.post("/sellout/review", include_in_schema=False)
def resolve(request: Request, db: SessionDep, actor: StaffActor, data: Form):
    """Resolve one group: every line of the file with that text gets the chosen target."""
    file_id, kind, key = to_int(data.get("file_id")), str(data.get("kind", "")), str(data.get("key", ""))
    if not file_id or not key:
        raise InvalidInput("Choose the file and the text to resolve.", field_errors={"key": "required"})
    changed, error = attempt(db, lambda: review.resolve(db, actor, file_id, kind, key, _target(data)))
    if error:
        return _review_page(request, db, actor, file_id, kind, error=error, failed_key=key)
    query = urlencode({"file": file_id, "kind": kind, "resolved": changed, "text": data.get("text", "")})
    return redirect(f"/sellout/review?{query}")


def _target(data: dict[str, Any]) -> int | None:
    raw = str(data.get("target_id") or data.get("other_id") or "").strip()
    if raw == NOT_TRACKED:
        return None
    if not raw.isdigit():
        raise InvalidInput("Pick a suggestion, or type the id of the record these lines are.",
                           field_errors={"target_id": "pick one"})
    return int(raw)


def _review_page(request: Request, db: Session, actor: User, file_id: int, kind: str, *,
                 error: Exception | None = None, failed_key: str = ""):
    file = service.get_file(db, actor, file_id)
    kind = kind if kind in Kind.ALL else Kind.RESELLER
    groups = review.review_groups(db, actor, file.id, kind)
    page = max(1, to_int(request.query_params.get("page"), 1))
    shown = groups[(page - 1) * GROUPS_PER_PAGE: page * GROUPS_PER_PAGE]
    context = {"file": file, "kind": kind, "kinds": review.KIND_LABELS, "groups": shown, "total_groups": len(groups),
               "counts": review.review_counts(db, actor, file.id), "params": request.query_params, "page": page,
               "pages": max(1, -(-len(groups) // GROUPS_PER_PAGE)), "error": error, "failed_key": failed_key,
               "suggestions": {g.key: review.suggestions(db, actor, file, g) for g in shown},
               "distributor_name": _names(db, actor, [file]).get(file.distributor_id, "")}
    return render(request, "sellout/review.html", context, status_code=getattr(error, "status", 200) if error else 200)


def _names(db: Session, actor: User, files) -> dict[int, str]:
    return service.distributor_names(db, actor, {f.distributor_id for f in files})


# Reports --------------------------------------------------------------------------------------------------

@router.get("/sellout/reports", include_in_schema=False)
def reports(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = _report_filter(request)
    report = None
    if problem is None:
        try:
            report = sellout_report(db, actor, filters)
        except InvalidInput as exc:  # a bad filter, or an FX rate missing for a line's date
            problem = exc
    return render(request, "sellout/reports.html", {
        "report": report, "problem": problem, "filters": filters, "params": request.query_params, "by_options": BY,
        "distributor_options": service.distributors(db, actor), "reporting_currency": fx.reporting_currency(),
        "csv_url": "/sellout/reports.csv?" + urlencode(dict(request.query_params))},
        status_code=problem.status if problem else 200)


@router.get("/sellout/reports.csv", include_in_schema=False)
def reports_csv(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = _report_filter(request)
    if problem:
        raise problem
    report = sellout_report(db, actor, filters)
    name = f"sellout-by-{filters.by}-{date.today().isoformat()}.csv"
    return Response("\ufeff" + report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _report_filter(request: Request) -> tuple[ReportFilter, InvalidInput | None]:
    params = request.query_params
    by = params.get("by") or "reseller"
    try:
        start = service.parse_month(params["start"]) if params.get("start") else None
        end = month_end(service.parse_month(params["end"])) if params.get("end") else None
    except InvalidInput as exc:
        return ReportFilter(), exc
    if by not in BY:
        return ReportFilter(), InvalidInput(f"Report by one of: {', '.join(BY)}.", field_errors={"by": "unknown"})
    return ReportFilter(by=by, distributor_id=to_int(params.get("distributor_id")) or None, start=start, end=end), None
