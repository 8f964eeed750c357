"""Territory pages: the tree with owners and partner counts, a territory's page, admin edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import Conflict, InvalidInput, StaleEdit
from channelbase.partners import service, territories
from channelbase.partners.models import Territory
from channelbase.partners.schemas import PartnerFilter, TerritoryCreate, TerritoryUpdate
from channelbase.partners.web_common import (
    CURRENCIES, attempt, choice_lists, form, owner_options, redirect, territory_options,
)
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()

TERRITORY_FIELDS = ("name", "owner_id", "currency")
TerritoryForm = Annotated[dict[str, Any], form(optional=("parent_id", "owner_id"))]


@router.get("/territories", include_in_schema=False)
def territory_tree(request: Request, db: SessionDep, actor: StaffActor):
    return _tree_page(request, db, actor, {"currency": "USD"})


@router.post("/territories", include_in_schema=False)
def create_territory(request: Request, db: SessionDep, actor: AdminActor, data: TerritoryForm):
    territory, error = attempt(db, lambda: territories.create_territory(db, actor, parse(TerritoryCreate, data)))
    if error:
        return _tree_page(request, db, actor, data, error)
    assert territory is not None  # attempt() returns the result when there is no error
    return redirect(f"/territories/{territory.id}")


@router.get("/territories/{territory_id}", include_in_schema=False)
def territory_detail(request: Request, db: SessionDep, actor: StaffActor, territory_id: int):
    territory = territories.get_territory(db, actor, territory_id)
    visible_territories = territories.list_territories(db, actor)
    context = {
        **choice_lists(), "territory": territory, "breadcrumb": territories.breadcrumb(db, territory),
        "visible_ids": {t.id for t in visible_territories},
        "children": territories.tree_order([t for t in visible_territories if t.parent_id == territory.id]),
        "counts": service.partner_counts_by_territory(db, actor),
        "owner_name": service.staff_names(db, [territory.owner_id]).get(territory.owner_id),
        "partners": service.list_partners(db, actor, PartnerFilter(territory_id=territory.id), per_page=25),
    }
    return render(request, "partners/territory_detail.html", context)


@router.get("/territories/{territory_id}/edit", include_in_schema=False)
def edit_territory(request: Request, db: SessionDep, actor: AdminActor, territory_id: int):
    territory = territories.get_territory(db, actor, territory_id)
    return _territory_form(request, db, territory, _stored(territory))


@router.post("/territories/{territory_id}/edit", include_in_schema=False)
def update_territory(request: Request, db: SessionDep, actor: AdminActor, territory_id: int, data: TerritoryForm):
    territory = territories.get_territory(db, actor, territory_id)
    _, error = attempt(db, lambda: territories.update_territory(db, actor, territory_id, parse(TerritoryUpdate, data)))
    if error is None:
        return redirect(f"/territories/{territory_id}")
    if isinstance(error, StaleEdit):
        stored = _stored(territory)
        unsaved = [(k, data[k], stored[k]) for k in TERRITORY_FIELDS if k in data and str(data[k]) != str(stored[k])]
        return _territory_form(request, db, territory, stored, error, unsaved)
    return _territory_form(request, db, territory, data, error)


def _stored(territory: Territory) -> dict[str, Any]:
    return {"name": territory.name, "owner_id": territory.owner_id, "currency": territory.currency,
            "version": territory.version}


def _tree_page(request: Request, db: Session, actor: User, values: dict[str, Any],
               error: InvalidInput | Conflict | None = None):
    visible_territories = territories.list_territories(db, actor)
    ordered = territories.tree_order(visible_territories)
    context = {
        "rows": ordered, "top": min((t.depth for t in ordered), default=0),
        "counts": service.partner_counts_by_territory(db, actor),
        "owner_names": service.staff_names(db, (t.owner_id for t in ordered)),
        "parent_options": territory_options(visible_territories), "owner_options": owner_options(db),
        "currencies": CURRENCIES, "values": values, "error": error, "errors": error.field_errors if error else {},
    }
    return render(request, "partners/territories.html", context, status_code=error.status if error else 200)


def _territory_form(request: Request, db: Session, territory: Territory, values: dict[str, Any],
                    error: InvalidInput | Conflict | None = None, unsaved: list | None = None):
    context = {"territory": territory, "values": values, "owner_options": owner_options(db),
               "currencies": CURRENCIES, "error": error, "errors": error.field_errors if error else {},
               "unsaved": unsaved or []}
    return render(request, "partners/territory_form.html", context, status_code=error.status if error else 200)
