"""The public "become a partner" form, in English, Spanish or Portuguese (the browser's language, or the one
picked on the page), for anyone, signed in or not."""

from __future__ import annotations

from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, Depends, Request

from channelbase.core import i18n
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError
from channelbase.partners.web_common import AMERICAS, redirect
from channelbase.recruitment import application_texts as texts
from channelbase.recruitment import applications
from channelbase.web.deps import SessionDep, render

router = APIRouter()
LISTS = ("industries", "skills")


async def _application_form(request: Request) -> dict[str, Any]:
    """The submitted form; the industries and skills checkboxes as lists, the consent box as a boolean."""
    submitted = await request.form()
    data: dict[str, Any] = {k: v for k, v in submitted.items() if k not in ("csrf_token", *LISTS)}
    for name in LISTS:
        data[name] = [str(value) for value in submitted.getlist(name)]
    data["consent"] = submitted.get("consent") not in (None, "", "0", "off")
    return data


ApplicationForm = Annotated[dict[str, Any], Depends(_application_form)]


def _language(request: Request) -> str:
    """The language picked on the page (?lang=), else the browser's first one we speak, else English."""
    return i18n.normalise(request.query_params.get("lang")) or i18n.choose_language(
        None, request.headers.get("accept-language"))


def _options(language: str) -> dict[str, Any]:
    """The form's choices, labelled in the page's language (countries by their local names, sorted)."""
    names = Locale.parse(i18n.LANGUAGES[language]).territories
    with i18n.language(language):
        return {
            "country_options": sorted(((code, names.get(code, code)) for code in AMERICAS), key=lambda c: c[1]),
            "type_options": [(key, i18n.gettext(label)) for key, label in texts.TYPE_LABELS.items()],
            "industry_options": [(key, i18n.gettext(label)) for key, label in texts.INDUSTRY_LABELS.items()],
            "skill_options": [(key, i18n.gettext(label)) for key, label in texts.SKILL_LABELS.items()],
        }


def _apply_page(request: Request, language: str, values: dict[str, Any], error: DomainError | None = None):
    secret, now = request.app.state.secret_key, utcnow()
    token = applications.reusable_token(secret, str(values.get(applications.TOKEN_FIELD) or ""), now) \
        or applications.issue_token(secret, now)
    with i18n.language(language):
        message = i18n.gettext(error.message) if error else ""
        errors = {name: i18n.gettext(text) for name, text in (error.field_errors if error else {}).items()}
    return render(request, "recruitment/apply.html", {
        **_options(language), "language": language, "page_language": language, "token": token,
        "honeypot": applications.HONEYPOT, "values": values, "message": message, "errors": errors,
        "status": error.status if error else 200,
    }, status_code=error.status if error else 200)


@router.get("/apply", include_in_schema=False)
def apply_page(request: Request):
    return _apply_page(request, _language(request), {"industries": [], "skills": []})


@router.post("/apply", include_in_schema=False)
def submit_application(request: Request, db: SessionDep, data: ApplicationForm):
    language = _language(request)
    try:
        applications.submit_application(db, data, secret=request.app.state.secret_key,
                                        address=request.client.host if request.client else "", language=language)
    except DomainError as exc:  # about the form (422), a known company (409) or too many (429): say so, save nothing
        db.rollback()
        return _apply_page(request, language, data, exc)
    return redirect(f"/apply/thanks?lang={language}")


@router.get("/apply/thanks", include_in_schema=False)
def thanks_page(request: Request):
    language = _language(request)
    return render(request, "recruitment/apply_thanks.html", {"language": language, "page_language": language})
