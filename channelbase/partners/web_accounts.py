"""Account pages: end customers, listed, added, edited, soft-deleted and restored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import audit
from channelbase.core.errors import Conflict, InvalidInput, NotFound, StaleEdit
from channelbase.partners import accounts, export_rows, service, territories
from channelbase.partners.accounts import ACCOUNT_SORTS
from channelbase.partners.models import Account, Territory
from channelbase.partners.schemas import AccountCreate, AccountFilter, AccountUpdate
from channelbase.partners.web_common import (
    attempt, choice_lists, drop_blank, form, list_links, list_page, page_args, parse_filters,
    partner_choices, redirect, territory_picker,
)
from channelbase.web import exports
from channelbase.web.deps import CurrentActor, SessionDep, render
from channelbase.web.exports import field, when
from channelbase.web.forms import parse

router = APIRouter()

ACCOUNT_FIELDS = ("name", "website", "country", "industry", "is_public_sector", "tax_id", "territory_id")
AccountForm = Annotated[dict[str, Any], form(booleans=("is_public_sector",), optional=("tax_id",))]
EXPORT_COLUMNS = [
    field("ID", "account.id"), field("Name", "account.name"), field("Country", "account.country"),
    field("Industry", "account.industry"), field("Public sector", "account.is_public_sector"),
    field("Domain", "account.domain"), field("Tax ID", "account.tax_id"), field("Territory ID", "account.territory_id"),
    field("Territory", "territory"), field("Partner ID", "account.partner_id"), field("Partner", "partner"),
    when("Updated", "account.updated_at"),
]


@router.get("/accounts", include_in_schema=False)
def account_list(request: Request, db: SessionDep, actor: CurrentActor):
    filters, problem = parse_filters(AccountFilter, request)
    filters.deleted = filters.deleted and actor.is_staff
    args = page_args(request, ACCOUNT_SORTS)
    page = None if problem else accounts.list_accounts(db, actor, filters, **args)
    context = {**territory_picker(db, actor), **choice_lists(), **list_links(request, ACCOUNT_SORTS, args["sort"]),
               "page": page, "problem": problem, "sort": args["sort"], "params": request.query_params,
               "filtered": filters != AccountFilter(),
               "partner_names": service.partner_names(db, actor, (a.partner_id for a in page.items) if page else ())}
    return list_page(request, "partners/accounts.html", "partners/_account_table.html", context, problem)


@router.get("/accounts/export", include_in_schema=False)
def export_accounts(request: Request, db: SessionDep, actor: CurrentActor):
    """Every account the list shows with these filters and sort, as CSV or XLSX."""
    filters, problem = parse_filters(AccountFilter, request)
    if problem:
        raise problem
    filters.deleted = filters.deleted and actor.is_staff
    source = export_rows.accounts(actor, filters, page_args(request, ACCOUNT_SORTS)["sort"])
    return exports.respond(request, db, actor, "accounts", EXPORT_COLUMNS, source)


@router.get("/accounts/new", include_in_schema=False)
def new_account(request: Request, db: SessionDep, actor: CurrentActor):
    return _account_form(request, db, actor, {})


@router.post("/accounts", include_in_schema=False)
def create_account(request: Request, db: SessionDep, actor: CurrentActor, data: AccountForm):
    data = _without_staff_fields(actor, data)
    account, error = attempt(db, lambda: accounts.create_account(
        db, actor, parse(AccountCreate, drop_blank(data, "territory_id", "partner_id"))))
    if error:
        return _account_form(request, db, actor, data, error)
    assert account is not None  # attempt() returns the result when there is no error
    return redirect(f"/accounts/{account.id}")


@router.get("/accounts/{account_id}", include_in_schema=False)
def account_detail(request: Request, db: SessionDep, actor: CurrentActor, account_id: int):
    account = accounts.get_account(db, actor, account_id, include_deleted=actor.is_staff)
    context = {"account": account, "breadcrumb": _territory_trail(db, actor, account.territory_id),
               "partner_name": service.partner_names(db, actor, [account.partner_id]).get(account.partner_id),
               "history": audit.history(db, "accounts", account.id)}
    return render(request, "partners/account_detail.html", context)


@router.get("/accounts/{account_id}/edit", include_in_schema=False)
def edit_account(request: Request, db: SessionDep, actor: CurrentActor, account_id: int):
    account = accounts.get_account(db, actor, account_id)
    return _account_form(request, db, actor, _stored(account), account=account)


@router.post("/accounts/{account_id}", include_in_schema=False)
def update_account(request: Request, db: SessionDep, actor: CurrentActor, account_id: int, data: AccountForm):
    account = accounts.get_account(db, actor, account_id)
    data = _without_staff_fields(actor, data)
    data.pop("partner_id", None)  # who brought the account in is not edited here
    _, error = attempt(db, lambda: accounts.update_account(
        db, actor, account_id, parse(AccountUpdate, drop_blank(data, "territory_id"))))
    if error is None:
        return redirect(f"/accounts/{account_id}")
    if isinstance(error, StaleEdit):
        stored = _stored(account)
        unsaved = [(k, data[k], stored[k]) for k in ACCOUNT_FIELDS if k in data and str(data[k]) != str(stored[k])]
        return _account_form(request, db, actor, stored, error, account=account, unsaved=unsaved)
    return _account_form(request, db, actor, data, error, account=account)


@router.post("/accounts/{account_id}/delete", include_in_schema=False)
def delete_account(db: SessionDep, actor: CurrentActor, account_id: int):
    accounts.delete_account(db, actor, account_id)
    return redirect(f"/accounts/{account_id}")


@router.post("/accounts/{account_id}/restore", include_in_schema=False)
def restore_account(db: SessionDep, actor: CurrentActor, account_id: int):
    accounts.restore_account(db, actor, account_id)
    return redirect(f"/accounts/{account_id}")


def _without_staff_fields(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    # Partner users' accounts take their partner and its territory; the service sets both.
    if actor.is_partner:
        return {k: v for k, v in data.items() if k not in ("territory_id", "partner_id")}
    return data


def _territory_trail(db: Session, actor: User, territory_id: int) -> list[Territory]:
    try:
        return territories.breadcrumb(db, territories.get_territory(db, actor, territory_id))
    except NotFound:  # a partner user sees accounts their partner brought into another territory
        return []


def _stored(account: Account) -> dict[str, Any]:
    return {"name": account.name, "website": account.domain or "", "country": account.country,
            "industry": account.industry, "is_public_sector": account.is_public_sector, "tax_id": account.tax_id,
            "territory_id": account.territory_id, "version": account.version}


def _account_form(request: Request, db: Session, actor: User, values: dict[str, Any],
                  error: InvalidInput | Conflict | None = None, *, account: Account | None = None,
                  unsaved: list | None = None):
    context = {**choice_lists(), "values": values, "account": account, "error": error,
               "errors": error.field_errors if error else {}, "unsaved": unsaved or []}
    if actor.is_staff:
        context.update(territory_picker(db, actor))
        context["partner_options"], context["partners_truncated"] = partner_choices(db, actor)
    return render(request, "partners/account_form.html", context, status_code=error.status if error else 200)
