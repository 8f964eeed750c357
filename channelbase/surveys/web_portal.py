"""Surveys in the partner portal: the signed-in user's own open invitations, answered on the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.core import i18n
from channelbase.core.errors import DomainError
from channelbase.partners.web_common import attempt, form, redirect
from channelbase.portal.access import Portal, PortalView
from channelbase.portal.web import show
from channelbase.surveys import answering
from channelbase.web.deps import SessionDep

router = APIRouter(prefix="/portal")
AnswerForm = Annotated[dict[str, Any], form()]


def _page(request: Request, db: Session, view: PortalView, error: DomainError | None = None,
          values: dict[str, Any] | None = None, invitation_id: int = 0, notice: str = ""):
    return show(request, view, "surveys/portal.html", {
        "invitations": answering.portal_invitations(db, view.actor),
        "answered": answering.portal_invitations(db, view.actor, answered=True),
        "error": error, "errors": (error.field_errors or {}) if error else {}, "values": values or {},
        "failed_id": invitation_id, "notice": notice,
    }, status_code=error.status if error else 200)


@router.get("/surveys", include_in_schema=False)
def my_surveys(request: Request, db: SessionDep, view: Portal):
    return _page(request, db, view, notice=request.query_params.get("notice", "")[:20])


@router.post("/surveys/{survey_invitation_id}", include_in_schema=False)
def answer_survey(request: Request, db: SessionDep, view: Portal, survey_invitation_id: int, data: AnswerForm):
    view.require_writable()
    error: DomainError | None
    try:
        with i18n.language(view.actor.language):
            _answer, error = attempt(db, lambda: answering.answer_in_portal(db, view.actor, survey_invitation_id,
                                                                            data))
    except answering.AnswerRefused as refused:
        db.rollback()
        error = refused
    if error:
        return _page(request, db, view, error, data, survey_invitation_id)
    return redirect("/portal/surveys?notice=thanks")
