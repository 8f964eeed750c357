"""The page the e-mailed link opens: no sign-in, the link itself is the secret. It answers once; a used,
closed or unknown link gets a page saying so in the contact's language."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from channelbase.core import i18n
from channelbase.core.errors import DomainError
from channelbase.partners.web_common import attempt, form
from channelbase.surveys import answering
from channelbase.web.deps import SessionDep, render

router = APIRouter()
AnswerForm = Annotated[dict[str, Any], form()]
MAX_TOKEN = 128


def _refused(request: Request, refused: answering.AnswerRefused):
    language = refused.language or i18n.choose_language(None, request.headers.get("accept-language"))
    return render(request, "surveys/public_closed.html", {"reason": refused.reason, "message": refused.message,
                                                          "language": language}, status_code=refused.status)


def _form(request: Request, invited: answering.Invited, token: str, error: DomainError | None = None,
          values: dict[str, Any] | None = None):
    return render(request, "surveys/public.html", {
        "invited": invited, "token": token, "error": error, "errors": (error.field_errors or {}) if error else {},
        "values": values or {}, "language": invited.invitation.language,
    }, status_code=error.status if error else 200)


@router.get("/survey/{survey_token}", include_in_schema=False)
def survey_page(request: Request, db: SessionDep, survey_token: str):
    try:
        invited = answering.invited_by_token(db, survey_token[:MAX_TOKEN])
        answering.check_open(invited)
    except answering.AnswerRefused as refused:
        return _refused(request, refused)
    return _form(request, invited, survey_token)


@router.post("/survey/{survey_token}", include_in_schema=False)
def answer_survey(request: Request, db: SessionDep, survey_token: str, data: AnswerForm):
    secret = survey_token[:MAX_TOKEN]
    try:
        answer, error = attempt(db, lambda: answering.answer_by_token(db, secret, data))
        invited = answering.invited_by_token(db, secret)
    except answering.AnswerRefused as refused:
        db.rollback()
        return _refused(request, refused)
    if error:
        return _form(request, invited, survey_token, error, data)
    return render(request, "surveys/public_thanks.html", {"invited": invited, "language": invited.invitation.language,
                                                          "detractor": answer is not None and answer.nps <= 6})
