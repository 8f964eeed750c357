"""What the directory's pages share: query parsing, pickers, URLs and form error handling."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.core.validation import country_name, format_tax_id
from channelbase.partners import service, territories
from channelbase.partners.models import (
    PARTNER_TYPE_LABELS, ContactRole, Partner, PartnerStatus, PartnerTier, PartnerType, Territory,
)
from channelbase.partners.schemas import PartnerFilter
from channelbase.web.deps import is_htmx, render, templates
from channelbase.web.forms import form_data, parse

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
PICKER_LIMIT = 200
AMERICAS = ("AR", "BO", "BR", "BS", "BZ", "CA", "CL", "CO", "CR", "DO", "EC", "GT", "GY", "HN", "HT", "JM",
            "MX", "NI", "PA", "PE", "PR", "PY", "SR", "SV", "TT", "US", "UY", "VE")
CURRENCIES = ("USD", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "CAD", "UYU", "EUR")
INDUSTRIES = ("Education", "Energy", "Financial services", "Government", "Healthcare", "Manufacturing",
              "Media", "Retail", "Technology", "Telecommunications", "Transportation")

templates.env.filters.setdefault("country_name", country_name)
templates.env.globals.setdefault("format_tax_id", format_tax_id)


def form(*, booleans: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Any:
    """A dependency giving the submitted form as a dict, so the views themselves can stay synchronous."""
    async def read(request: Request) -> dict[str, Any]:
        return await form_data(request, booleans=booleans, optional=optional)

    return Depends(read)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def wants_fragment(request: Request) -> bool:
    # A history restore (back button after hx-push-url) needs the whole page, not the fragment.
    return is_htmx(request) and request.headers.get("hx-history-restore-request") != "true"


def list_page(request: Request, page_template: str, fragment_template: str, context: dict[str, Any],
              problem: InvalidInput | None = None):
    """A list page, or only its results for htmx, which then shows the tidied URL in the address bar."""
    if wants_fragment(request):
        response = render(request, fragment_template, context)
        response.headers["HX-Push-Url"] = url_with(request)
    else:
        response = render(request, page_template, context, status_code=problem.status if problem else 200)
    response.headers["Vary"] = "HX-Request"
    return response


def attempt(db: Session, action: Callable[[], R]) -> tuple[R | None, InvalidInput | Conflict | None]:
    """Run a form's parse-and-save; on a user-fixable error undo partial writes and return the error.

    The rollback matters: a service may have changed rows before refusing, and the request's unit of
    work would otherwise commit them.
    """
    try:
        return action(), None
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        return None, exc


def drop_blank(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """Remove empty required choices so the schema says 'required' (or, on edits, keeps the value)."""
    return {k: v for k, v in data.items() if not (k in names and v == "")}


def parse_filters(schema: type[M], request: Request) -> tuple[M, InvalidInput | None]:
    """The list filters from the query string; on bad values the default filters and the error."""
    raw = {name: value.strip() for name in schema.model_fields
           if (value := request.query_params.get(name, "")).strip()}
    try:
        return parse(schema, raw), None
    except InvalidInput as exc:
        return schema(), exc


def page_args(request: Request, sorts: Iterable[str]) -> dict[str, Any]:
    """sort, page and per_page from the query string, forced into their allowed ranges."""
    sort = request.query_params.get("sort", "name")
    return {"sort": sort if sort in sorts else "name",
            "page": max(1, to_int(request.query_params.get("page"), 1)),
            "per_page": min(MAX_PER_PAGE, max(1, to_int(request.query_params.get("per_page"), DEFAULT_PER_PAGE)))}


def to_int(value: Any, default: int = 0) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = str(value)
    params = {name: value for name, value in params.items() if value != ""}
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def list_links(request: Request, sorts: Iterable[str], current: str) -> dict[str, Callable[..., str]]:
    """URL builders for a sortable, paginated table: sort_url(key) and page_url(n)."""
    allowed = set(sorts)

    def sort_url(key: str) -> str:
        target = f"-{key}" if current == key and f"-{key}" in allowed else key
        return url_with(request, sort=target, page=None)

    return {"sort_url": sort_url, "page_url": lambda n: url_with(request, page=n)}


def territory_options(visible_territories: list[Territory]) -> list[tuple[int, str]]:
    """Territories in tree order, indented by depth, for selects."""
    ordered = territories.tree_order(visible_territories)
    top = min((t.depth for t in ordered), default=0)
    return [(t.id, "\u00a0\u00a0\u00a0" * (t.depth - top) + t.name) for t in ordered]


def territory_picker(db: Session, actor: User) -> dict[str, Any]:
    """Options for a territory select and the territory names, from one query."""
    visible_territories = territories.list_territories(db, actor)
    return {"territory_options": territory_options(visible_territories),
            "territory_names": {t.id: t.name for t in visible_territories}}


def owner_options(db: Session) -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in service.owners(db)]


def partner_choices(db: Session, actor: User, keep: Callable[[Partner], bool] = lambda p: True,
                    **filters: Any) -> tuple[list[tuple[int, str]], bool]:
    """Visible live partners for a select, and whether there were too many to list them all."""
    page = service.list_partners(db, actor, PartnerFilter(**filters), per_page=PICKER_LIMIT)
    return [(p.id, p.name) for p in page.items if keep(p)], page.total > PICKER_LIMIT


def countries() -> list[tuple[str, str]]:
    return [(code, country_name(code)) for code in AMERICAS]


def choice_lists() -> dict[str, Any]:
    """Option lists the directory's forms and filters use."""
    return {
        "type_options": [(t.value, PARTNER_TYPE_LABELS[t]) for t in PartnerType],
        "tier_options": [(t.value, t.value.capitalize()) for t in PartnerTier],
        "status_options": [(s.value, s.value.capitalize()) for s in PartnerStatus],
        "role_options": [(r.value, r.value.capitalize()) for r in ContactRole],
        "language_options": [("en", "English"), ("es", "Español"), ("pt", "Português")],
        "type_labels": {t.value: PARTNER_TYPE_LABELS[t] for t in PartnerType},
        "countries": countries(), "currencies": CURRENCIES, "industries": INDUSTRIES,
    }


def problem_status(request: Request, exc: InvalidInput | Conflict) -> int:
    # htmx leaves 4xx responses unswapped, so fragments report errors inside a 200.
    return 200 if is_htmx(request) else exc.status


def values_of(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}
