"""Surveys for the vendor's side: write one, send it to partners' contacts, read the answers and the NPS by
territory, type, tier and quarter. The partner-facing pages are web_portal.py (signed in) and web_public.py
(the e-mailed link); their routers are included here."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import DomainError
from channelbase.partners.web_common import (
    attempt, choice_lists, form, page_args, parse_filters, redirect, territory_picker, to_int, url_with,
    wants_fragment,
)
from channelbase.surveys import reports, sending, service, web_portal, web_public
from channelbase.surveys.charts import format_nps, group_chart, quarter_chart
from channelbase.surveys.models import MAX_EXTRA_QUESTIONS, QuestionKind
from channelbase.surveys.schemas import Audience, NpsFilter, SendIn, SurveyIn, SurveyUpdate, survey_fields
from channelbase.surveys.scores import partner_nps
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
router.include_router(web_portal.router)
router.include_router(web_public.router)
SurveyForm = Annotated[dict[str, Any], form()]
SEND_FIELDS = ("survey_id", "territory_id", "type", "tier", "audience", "role", "channel")
KIND_LABELS = {QuestionKind.RATING: "Rating 1–5", QuestionKind.TEXT: "Free text"}
AUDIENCE_LABELS = {Audience.PRIMARY: "Each partner's primary contact", Audience.ALL: "Every contact"}
CHANNEL_LABELS = {"email": "E-mail with a personal link", "portal": "Portal only (contacts with a portal user)"}


def _form_context(db: Session, actor: User, error: DomainError | None, values: dict[str, Any] | None,
                  form_name: str) -> dict[str, Any]:
    return {**choice_lists(), **territory_picker(db, actor), "kind_labels": KIND_LABELS,
            "audience_labels": AUDIENCE_LABELS, "channel_labels": CHANNEL_LABELS,
            "question_numbers": range(1, MAX_EXTRA_QUESTIONS + 1), "status_labels": service.STATUS_LABELS,
            "error": error, "errors": (error.field_errors or {}) if error else {}, "values": values or {},
            "form_name": form_name, "format_nps": format_nps}


def _list_page(request: Request, db: Session, actor: User, error: DomainError | None = None,
               values: dict[str, Any] | None = None, form_name: str = ""):
    args = page_args(request, ("name",))
    return render(request, "surveys/list.html", {
        **_form_context(db, actor, error, values, form_name),
        "page": service.list_surveys(db, actor, page=args["page"], per_page=args["per_page"]),
        "survey_options": [(s.id, s.name) for s in service.open_surveys(db, actor)],
        "page_url": lambda n: url_with(request, page=n),
    }, status_code=error.status if error else 200)


@router.get("/surveys", include_in_schema=False)
def surveys(request: Request, db: SessionDep, actor: StaffActor):
    return _list_page(request, db, actor)


@router.post("/surveys", include_in_schema=False)
def create_survey(request: Request, db: SessionDep, actor: StaffActor, data: SurveyForm):
    survey, error = attempt(db, lambda: service.create_survey(db, actor, parse(SurveyIn, survey_fields(data))))
    if error:
        return _list_page(request, db, actor, error, data, "create")
    assert survey is not None
    return redirect(f"/surveys/{survey.id}?notice=created")


@router.post("/surveys/send", include_in_schema=False)
def send_survey(request: Request, db: SessionDep, actor: StaffActor, data: SurveyForm):
    fields = {k: data[k] for k in SEND_FIELDS if data.get(k) not in (None, "")}
    settings = request.app.state.settings
    result, error = attempt(db, lambda: sending.send_survey(db, actor, parse(SendIn, fields), settings))
    survey_id = to_int(data.get("survey_id"))
    if error and data.get("back") == "detail" and survey_id:
        return _detail_page(request, db, actor, survey_id, error, data, "send")
    if error:
        return _list_page(request, db, actor, error, data, "send")
    assert result is not None
    return redirect(f"/surveys/{survey_id}?{urlencode({'notice': 'sent', **result.counts()})}")


@router.get("/surveys/nps", include_in_schema=False)
def nps(request: Request, db: SessionDep, actor: StaffActor):
    filters, problem = parse_filters(NpsFilter, request)
    report = reports.nps_report(db, actor, filters, date.today())
    context = {
        **choice_lists(), **territory_picker(db, actor), "filters": filters, "report": report, "error": problem,
        "format_nps": format_nps, "survey_options": [(s.id, s.name) for s in service.recent_surveys(db, actor)],
        "charts": {"territory": group_chart("NPS by territory", report.by_territory, "/surveys/nps?territory_id="),
                   "type": group_chart("NPS by partner type", report.by_type, "/surveys/nps?type="),
                   "tier": group_chart("NPS by tier", report.by_tier, "/surveys/nps?tier="),
                   "quarter": quarter_chart("NPS by fiscal quarter", report.by_quarter)},
    }
    return render(request, "surveys/nps.html", context, status_code=problem.status if problem else 200)


def _detail_page(request: Request, db: Session, actor: User, survey_id: int, error: DomainError | None = None,
                 values: dict[str, Any] | None = None, form_name: str = ""):
    line = service.survey_line(db, actor, survey_id)
    args = page_args(request, ("name",))
    detractors = request.query_params.get("detractors") == "1"
    return render(request, "surveys/detail.html", {
        **_form_context(db, actor, error, values, form_name), "line": line, "survey": line.survey,
        "results": reports.survey_results(db, actor, line.survey),
        "answers": reports.survey_answers(db, actor, survey_id, detractors_only=detractors, page=args["page"],
                                          per_page=args["per_page"]),
        "detractors": detractors, "page_url": lambda n: url_with(request, page=n),
        "survey_values": _survey_values(line.survey),
        "notice": request.query_params.get("notice", "")[:20],
        "sent": sending.SendResult.from_counts({k: to_int(request.query_params.get(k)) for k in sending.COUNTS}),
    }, status_code=error.status if error else 200)


def _survey_values(survey: Any) -> dict[str, Any]:
    """A draft's stored values in the edit form's field names."""
    values = {"name": survey.name, "intro": survey.intro}
    for number, question in enumerate(survey.questions, start=1):
        values[f"q{number}_text"], values[f"q{number}_kind"] = question["text"], question["kind"]
    return values


@router.get("/surveys/{survey_id}", include_in_schema=False)
def survey_detail(request: Request, db: SessionDep, actor: StaffActor, survey_id: int):
    return _detail_page(request, db, actor, survey_id)


@router.post("/surveys/{survey_id}", include_in_schema=False)
def update_survey(request: Request, db: SessionDep, actor: StaffActor, survey_id: int, data: SurveyForm):
    _done, error = attempt(db, lambda: service.update_survey(db, actor, survey_id,
                                                             parse(SurveyUpdate, survey_fields(data))))
    if error:
        return _detail_page(request, db, actor, survey_id, error, data, "edit")
    return redirect(f"/surveys/{survey_id}?notice=saved")


@router.post("/surveys/{survey_id}/close", include_in_schema=False)
def close_survey(request: Request, db: SessionDep, actor: StaffActor, survey_id: int, data: SurveyForm):
    _done, error = attempt(db, lambda: service.close_survey(db, actor, survey_id, to_int(data.get("version"))))
    if error:
        return _detail_page(request, db, actor, survey_id, error)
    return redirect(f"/surveys/{survey_id}?notice=closed")


@router.get("/partners/{partner_id}/nps", include_in_schema=False)
def partner_panel(request: Request, db: SessionDep, actor: StaffActor, partner_id: int):
    """The partner page's NPS panel: an htmx fragment, or a page of its own."""
    answers = reports.partner_answers(db, actor, partner_id)
    context = {"answers": answers, "partner_id": partner_id, "format_nps": format_nps,
               "nps": partner_nps(db, [partner_id], date.today())[partner_id]}
    template = "surveys/partner_panel.html" if wants_fragment(request) else "surveys/partner_panel_page.html"
    return render(request, template, context)
