"""Channel strategy pages: the board of territories with their strategy status for a fiscal year, and a
territory's strategy (written and edited in place) beside its coverage, quota standing and partner health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.errors import DomainError, InvalidInput, StaleEdit
from channelbase.partners.models import PARTNER_TYPE_LABELS, PartnerType
from channelbase.partners.web_common import INDUSTRIES, attempt, form, list_links, page_args, redirect
from channelbase.strategy import overview, service
from channelbase.strategy.models import TerritoryStrategy
from channelbase.strategy.schemas import GOALS_MAX, StrategyIn
from channelbase.web.deps import SessionDep, StaffActor, render
from channelbase.web.forms import parse

router = APIRouter()
StrategyForm = Annotated[dict[str, Any], form()]
TYPE_OPTIONS = [(t.value, PARTNER_TYPE_LABELS[t]) for t in PartnerType]


@router.get("/strategy", include_in_schema=False)
def strategy_board(request: Request, db: SessionDep, actor: StaffActor):
    today = utcnow().date()
    year = overview.chosen_year(db, request.query_params.get("year"), today)
    args = page_args(request, overview.SORTS)
    status = request.query_params.get("status", "")
    board = overview.strategy_board(db, actor, year, today, sort=args["sort"], status=status, page=args["page"],
                                    per_page=args["per_page"])
    return render(request, "strategy/board.html", {
        "board": board, "year": year, "years": overview.year_choices(db, today, year.year), "sort": args["sort"],
        "status": status if status in overview.STATUSES else "", **list_links(request, overview.SORTS, args["sort"])})


@router.get("/territories/{territory_id}/strategy", include_in_schema=False)
def strategy_page(request: Request, db: SessionDep, actor: StaffActor, territory_id: int):
    year = overview.chosen_year(db, request.query_params.get("year"), utcnow().date())
    return _page(request, db, actor, territory_id, year.year, saved=request.query_params.get("saved") == "1")


@router.post("/territories/{territory_id}/strategy", include_in_schema=False)
def save_strategy(request: Request, db: SessionDep, actor: StaffActor, territory_id: int, data: StrategyForm):
    strategy, error = attempt(db, lambda: service.save_strategy(db, actor, territory_id,
                                                                parse(StrategyIn, strategy_input(data))))
    if error is None:
        assert strategy is not None
        return redirect(f"/territories/{territory_id}/strategy?year={strategy.fiscal_year}&saved=1")
    year = _year_or_current(db, data.get("fiscal_year"))
    if isinstance(error, StaleEdit):
        return _page(request, db, actor, territory_id, year, error=error, unsaved=data)
    return _page(request, db, actor, territory_id, year, error=error, values=data)


def strategy_input(data: dict[str, Any]) -> dict[str, Any]:
    """The form as StrategyIn takes it: one `mix_<type>` field per partner type (blank: no target)."""
    mix = {name.removeprefix("mix_"): value for name, value in data.items()
           if name.startswith("mix_") and str(value).strip() != ""}
    return {"fiscal_year": data.get("fiscal_year"), "partner_mix": mix, "industries": data.get("industries", ""),
            "products": data.get("products", ""), "goals": data.get("goals", ""),
            "version": data.get("version") or None}


def _year_or_current(db: Session, raw: Any) -> int:
    today = utcnow().date()
    try:
        return overview.chosen_year(db, str(raw or ""), today).year
    except InvalidInput:
        return overview.chosen_year(db, "", today).year


def stored_values(strategy: TerritoryStrategy | None) -> dict[str, Any]:
    """The form's fields as a stored strategy fills them."""
    if strategy is None:
        return {}
    return {**{f"mix_{kind}": count for kind, count in strategy.partner_mix.items()},
            "industries": "\n".join(strategy.industries), "products": "\n".join(strategy.products),
            "goals": strategy.goals, "version": strategy.version}


def _unsaved_rows(mine: dict[str, Any], stored: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    names = [f"mix_{t.value}" for t in PartnerType] + ["industries", "products", "goals"]
    return [(name.replace("mix_", "target mix: "), mine.get(name, ""), stored.get(name, "")) for name in names
            if str(mine.get(name, "") or "").strip() != str(stored.get(name, "") or "").strip()]


def _page(request: Request, db: Session, actor: User, territory_id: int, year: int, *,
          error: DomainError | None = None, values: dict[str, Any] | None = None,
          unsaved: dict[str, Any] | None = None, saved: bool = False):
    today = utcnow().date()
    fiscal_year = overview.chosen_year(db, str(year), today)
    view = overview.strategy_view(db, actor, territory_id, fiscal_year, today)
    stored = stored_values(view.strategy)
    errors = dict(error.field_errors or {}) if error else {}
    return render(request, "strategy/territory.html", {
        "view": view, "year": fiscal_year, "years": overview.year_choices(db, today, fiscal_year.year),
        "values": values if values is not None else stored, "errors": errors, "error": error, "saved": saved,
        "unsaved": _unsaved_rows(unsaved, stored) if unsaved is not None else [],
        "type_options": TYPE_OPTIONS, "type_labels": PARTNER_TYPE_LABELS, "industries": INDUSTRIES, "goals_max": GOALS_MAX,
    }, status_code=error.status if error else 200)
