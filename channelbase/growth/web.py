"""Growth pages: the dashboard (attainment, forecast, funnel, bookings by month, each chart drilling down to the
pipeline list behind it), and the admin pages for quotas, plan rates and the fiscal calendar."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.batches import list_source
from channelbase.core.errors import InvalidInput
from channelbase.deals import fx
from channelbase.growth import charts, dashboard, fiscal, quotas
from channelbase.growth import figures as f
from channelbase.growth.forecast_calls import call_forecast
from channelbase.growth.partners_view import partners_view
from channelbase.growth.plan_rates import MissingPlanRate, list_plan_rates, set_plan_rate
from channelbase.growth.standing import Standing, visible_territories
from channelbase.partners.web_common import (
    CURRENCIES, attempt, form, owner_options, partner_choices, redirect, territory_options, to_int,
)
from channelbase.web.forms import parse
from channelbase.web import exports
from channelbase.web.deps import AdminActor, SessionDep, StaffActor, render
from channelbase.web.exports import Column

router = APIRouter()
FormData = Annotated[dict[str, Any], form()]
TABLES = ("territories", "managers", "funnel", "months")
PARTNER_TABLES = ("by_type", "by_territory", "created", "top", "falling")


def _year_and_view(request: Request, db: Session) -> tuple[fiscal.FiscalYear, str]:
    today = utcnow().date()
    raw = request.query_params.get("year", "").strip()
    year = fiscal.fiscal_year(db, int(raw)) if raw.isdigit() else fiscal.current_year(db, today)
    view = f.check_view(request.query_params.get("view", f.ACTUAL).strip() or f.ACTUAL)
    return year, view


def _overview(request: Request, db: Session, actor: User) -> dashboard.Overview:
    year, view = _year_and_view(request, db)
    parent = to_int(request.query_params.get("territory"), 0) or None
    return dashboard.overview(db, actor, year, view=view, as_of=utcnow().date(), parent_id=parent)


@router.get("/growth", include_in_schema=False)
def growth_dashboard(request: Request, db: SessionDep, actor: StaffActor):
    try:
        overview = _overview(request, db, actor)
    except (MissingPlanRate, fx.MissingRate) as exc:
        year, view = _year_and_view(request, db)
        return render(request, "growth/dashboard.html", {"overview": None, "problem": exc.message, "year": year,
                                                         "view": view, "views": f.VIEWS}, status_code=200)
    return render(request, "growth/dashboard.html", {
        "overview": overview, "problem": None, "year": overview.window.fiscal_year, "view": overview.view,
        "views": f.VIEWS, "charts": _charts(overview), "years": _year_choices(overview.window.fiscal_year.year)})


def _year_choices(year: int) -> list[int]:
    return [year + 1, year, year - 1, year - 2]


def _fmt(value) -> str:
    """Chart labels and axes: 986.4M, 12.5k, 930 (the tables beside them give every unit)."""
    amount = getattr(value, "amount", value)
    size = abs(amount)
    for limit, suffix in ((10**9, "B"), (10**6, "M"), (10**4, "k")):
        if size >= limit:
            return f"{amount / limit:,.1f}{suffix}"
    return f"{amount:,.0f}"


def _charts(overview: dashboard.Overview) -> dict[str, charts.Chart]:
    reporting = overview.total.won.currency
    territory_marks = [charts.Mark(s.target.label, s.won_full_year.amount, href, _attainment_note(s))
                       for s, href in overview.territories]
    territory_targets = {s.target.label: s.quota.amount for s, _ in overview.territories if s.quota}
    manager_marks = [charts.Mark(s.target.label, s.won_full_year.amount, href, _attainment_note(s))
                     for s, href in overview.managers]
    manager_targets = {s.target.label: s.quota.amount for s, _ in overview.managers if s.quota}
    fy = overview.window.fiscal_year
    return {
        "territories": charts.progress_bars(f"Closed won vs quota by territory, {fy.label} ({reporting})",
                                            territory_marks, territory_targets, _fmt),
        "managers": charts.progress_bars(f"Closed won vs quota by manager, {fy.label} ({reporting})", manager_marks,
                                         manager_targets, _fmt),
        "funnel": charts.funnel(f"Open pipeline by stage, closing in {fy.label} ({reporting})",
                                [charts.Mark(line.stage.name, line.amount.amount, line.href,
                                             f"{line.deals:,} deal{'' if line.deals == 1 else 's'}")
                                 for line in overview.funnel], _fmt),
        "months": charts.columns_vs_prior(
            f"Bookings by month, {fy.label} vs {fy.prior().label} ({reporting})", [m.label for m in overview.months],
            [charts.Mark(m.label, m.current.amount, m.current_href) for m in overview.months],
            [charts.Mark(m.label, m.prior.amount, m.prior_href) for m in overview.months], _fmt, fy.label,
            fy.prior().label),
    }


def _attainment_note(standing: Standing) -> str:
    if standing.attainment_pct is None:
        return "no quota"
    return f"{standing.attainment_pct} % of {standing.quota.format() if standing.quota else ''}"


# The partners page reads every visible deal of two years (1-3 s at the large demo's 500,000 deals, where the
# main dashboard reads the rollup): kept for a few minutes per user, fiscal year and view; ?fresh=1 recomputes.
PARTNERS_CACHE_SECONDS = 300
_partners_cache: dict[tuple, tuple[float, Any]] = {}


def _partners(request: Request, db: Session, actor: User):
    year, view = _year_and_view(request, db)
    today = utcnow().date()
    key = (actor.id, year.year, view, today)
    now = time.monotonic()
    cached = _partners_cache.get(key)
    if cached and now - cached[0] < PARTNERS_CACHE_SECONDS and request.query_params.get("fresh") != "1":
        return cached[1], cached[0]
    result = partners_view(db, actor, year, view=view, as_of=today)
    if len(_partners_cache) > 64:
        _partners_cache.clear()
    _partners_cache[key] = (now, result)
    return result, now


@router.get("/growth/partners", include_in_schema=False)
def growth_partners(request: Request, db: SessionDep, actor: StaffActor):
    try:
        result, computed = _partners(request, db, actor)
    except (MissingPlanRate, fx.MissingRate) as exc:
        year, view = _year_and_view(request, db)
        return render(request, "growth/partners.html", {"result": None, "problem": exc.message, "year": year,
                                                        "view": view, "views": f.VIEWS, "years": _year_choices(year.year)})
    fy = result.window.fiscal_year
    reporting = fx.reporting_currency()
    age = int(time.monotonic() - computed)
    return render(request, "growth/partners.html", {
        "result": result, "problem": None, "year": fy, "view": result.view, "views": f.VIEWS,
        "years": _year_choices(fy.year), "age_minutes": age // 60, "charts": _partner_charts(result, reporting)})


def _partner_charts(result, reporting: str) -> dict[str, charts.Chart]:
    fy = result.window.fiscal_year
    def bars(items):
        return [charts.Mark(b.label, b.amount.amount, b.href, f"{b.deals:,} deal{'' if b.deals == 1 else 's'}")
                for b in items]

    def movers(lines, value):
        return [charts.Mark(line.name, value(line).amount, line.href,
                            f"{fy.label} to date {line.won.format()}; {fy.prior().label} {line.prior.format()}")
                for line in lines]
    return {
        "by_type": charts.horizontal_bars(f"Open pipeline by partner type, closing in {fy.label} ({reporting})",
                                          bars(result.by_type), _fmt),
        "by_territory": charts.horizontal_bars(f"Open pipeline by territory, closing in {fy.label} ({reporting})",
                                               bars(result.by_territory), _fmt),
        "created": charts.columns_vs_prior(
            f"Pipeline created by month, {fy.label} vs {fy.prior().label} ({reporting})",
            [m.label for m in result.created], [charts.Mark(m.label, m.current.amount, m.current_href)
                                                for m in result.created],
            [charts.Mark(m.label, m.prior.amount, m.prior_href) for m in result.created], _fmt, fy.label,
            fy.prior().label),
        "top": charts.horizontal_bars(f"Top partners by closed-won, {fy.label} to date ({reporting})",
                                      movers(result.top, lambda line: line.won), _fmt),
        "falling": charts.horizontal_bars(f"Falling partners: closed-won vs {fy.prior().label} to the same day "
                                          f"({reporting})", movers(result.falling, lambda line: line.change), _fmt),
    }


@router.get("/growth/export", include_in_schema=False)
def export_dashboard(request: Request, db: SessionDep, actor: StaffActor):
    """One of the dashboard's tables (?table=territories|managers|funnel|months) as CSV or XLSX."""
    table = request.query_params.get("table", "territories")
    if table in PARTNER_TABLES:
        return _export_partner_table(request, db, actor, table)
    if table not in TABLES:
        raise InvalidInput(f"Unknown table '{table[:30]}': use one of {', '.join(TABLES + PARTNER_TABLES)}.",
                           field_errors={"table": "unknown"})
    overview = _overview(request, db, actor)
    fy = overview.window.fiscal_year
    if table == "funnel":
        columns = [Column("Stage", lambda line: line.stage.name), Column("Deals", lambda line: line.deals),
                   *exports.money("Open amount", lambda line: line.amount)]
        rows: list[Any] = overview.funnel
    elif table == "months":
        columns = [Column("Month", lambda m: m.label), *exports.money(f"Closed won {fy.label}", lambda m: m.current),
                   *exports.money(f"Closed won {fy.prior().label}", lambda m: m.prior, "Currency (prior)")]
        rows = overview.months
    else:
        columns = _standing_columns(table[:-1].capitalize())
        rows = [standing for standing, _href in getattr(overview, table)]
    name = f"growth-{table}-{fy.label.lower()}-{overview.view}"
    return exports.respond(request, db, actor, name, columns, list_source(rows), title=f"{table.capitalize()} {fy.label}")


def _export_partner_table(request: Request, db: Session, actor: User, table: str):
    result, _computed = _partners(request, db, actor)
    fy = result.window.fiscal_year
    if table == "created":
        columns = [Column("Month", lambda m: m.label),
                   *exports.money(f"Pipeline created {fy.label}", lambda m: m.current),
                   *exports.money(f"Pipeline created {fy.prior().label}", lambda m: m.prior, "Currency (prior)")]
    elif table in ("top", "falling"):
        columns = [Column("Partner", lambda line: line.name), Column("Partner id", lambda line: line.partner_id),
                   *exports.money(f"Closed won {fy.label} to date", lambda line: line.won),
                   *exports.money(f"Closed won {fy.prior().label} to the same day", lambda line: line.prior,
                                  "Currency (prior)"),
                   *exports.money("Change", lambda line: line.change, "Currency (change)")]
    else:
        columns = [Column("Partner type" if table == "by_type" else "Territory", lambda bar: bar.label),
                   Column("Open deals", lambda bar: bar.deals), *exports.money("Open pipeline", lambda bar: bar.amount)]
    name = f"growth-{table.replace('_', '-')}-{fy.label.lower()}-{result.view}"
    return exports.respond(request, db, actor, name, columns, list_source(getattr(result, table)),
                           title=f"{table.replace('_', ' ').capitalize()} {fy.label}")


def _standing_columns(label: str) -> list[Column]:
    return [Column(label, lambda s: s.target.label),
            *exports.money("Quota", lambda s: s.quota),
            *exports.money("Closed won", lambda s: s.won_full_year, "Currency (won)"),
            Column("Attainment %", lambda s: s.attainment_pct),
            *exports.money("Gap to quota", lambda s: s.gap, "Currency (gap)"),
            *exports.money("Commit", lambda s: s.categories["commit"], "Currency (commit)"),
            *exports.money("Best case", lambda s: s.categories["best_case"], "Currency (best case)"),
            *exports.money("Pipeline", lambda s: s.categories["pipeline"], "Currency (pipeline)"),
            *exports.money("Weighted forecast", lambda s: s.weighted_forecast, "Currency (forecast)"),
            *exports.money("Prior year to date", lambda s: s.prior_to_date, "Currency (prior)"),
            Column("Growth %", lambda s: s.growth_pct)]


@router.post("/opportunities/{opportunity_id}/forecast", include_in_schema=False)
def forecast_call(request: Request, opportunity_id: int, db: SessionDep, actor: StaffActor, data: FormData):
    """A manager's forecast call on an open deal (the default category clears it)."""
    call_forecast(db, actor, opportunity_id, str(data.get("category", "")), now=utcnow())
    return redirect(f"/opportunities/{opportunity_id}?forecast=saved")


# Quotas ----------------------------------------------------------------------------------------------------

@router.get("/growth/quotas", include_in_schema=False)
def quota_list(request: Request, db: SessionDep, actor: StaffActor):
    return _quotas_page(request, db, actor)


@router.post("/growth/quotas", include_in_schema=False)
def add_quota(request: Request, db: SessionDep, actor: AdminActor, data: FormData):
    quota, error = attempt(db, lambda: quotas.set_quota(db, actor, _quota_input(quotas.QuotaIn, data)))
    if error:
        return _quotas_page(request, db, actor, values=data, error=error, status=error.status)
    assert quota is not None
    return redirect(f"/growth/quotas?year={quota.fiscal_year}&saved={quota.id}")


@router.get("/growth/quotas/{quota_id}", include_in_schema=False)
def quota_page(request: Request, quota_id: int, db: SessionDep, actor: StaffActor):
    quota = quotas.get_quota(db, actor, quota_id)
    return _quota_page(request, db, actor, quota, _quota_values(quota), None)


@router.post("/growth/quotas/{quota_id}", include_in_schema=False)
def edit_quota(request: Request, quota_id: int, db: SessionDep, actor: AdminActor, data: FormData):
    quota, error = attempt(db, lambda: quotas.update_quota(db, actor, quota_id,
                                                           _quota_input(quotas.QuotaUpdate, data)))
    if error:
        return _quota_page(request, db, actor, quotas.get_quota(db, actor, quota_id), data, error)
    assert quota is not None
    return redirect(f"/growth/quotas?year={quota.fiscal_year}&saved={quota.id}")


@router.post("/growth/quotas/{quota_id}/delete", include_in_schema=False)
def remove_quota(request: Request, quota_id: int, db: SessionDep, actor: AdminActor, data: FormData):
    quota = quotas.get_quota(db, actor, quota_id)
    year = quota.fiscal_year
    quotas.delete_quota(db, actor, quota_id, to_int(data.get("version"), -1))
    return redirect(f"/growth/quotas?year={year}&deleted={quota_id}")


def _quota_page(request: Request, db: Session, actor: User, quota, values: dict[str, Any], error: Any):
    return render(request, "growth/quota.html", {
        "quota": quota, "label": quotas.target_label(db, quota), "values": values, "error": error,
        "targets": _target_options(db, actor), "reporting": quota.currency}, status_code=error.status if error else 200)


def _quota_input(schema, data: dict[str, Any]):
    values = {name: data.get(name) for name in ("fiscal_year", "scope", "target_id", "metric", "amount", "growth_pct",
                                                "note", "version") if data.get(name) not in (None, "")}
    split = [str(data.get(f"q{n}", "") or "").strip() for n in (1, 2, 3, 4)]
    if any(split):
        values["split"] = tuple(share or "0" for share in split)
    return parse(schema, values)


def _quota_values(quota) -> dict[str, Any]:
    amount = quota.amount_minor
    shares = [str(round(q * 100 / amount, 2)) if amount else "25" for q in quota.quarters_minor]
    target_id = quota.territory_id or quota.user_id or quota.partner_id
    return {"fiscal_year": quota.fiscal_year, "scope": quota.scope, "target_id": target_id, "metric": quota.metric,
            "amount": "" if quota.growth_pct is not None else f"{amount / 100:.2f}",
            "growth_pct": "" if quota.growth_pct is None else str(quota.growth_pct), "note": quota.note,
            "q1": shares[0], "q2": shares[1], "q3": shares[2], "q4": shares[3], "version": quota.version}


def _quotas_page(request: Request, db: Session, actor: User, *, values: dict | None = None,
                 error: Any = None, status: int = 200):
    year, _view = _year_and_view(request, db)
    rows = quotas.list_quotas(db, actor, year.year)
    return render(request, "growth/quotas.html", {
        "year": year, "quotas": [(quota, quotas.target_label(db, quota)) for quota in rows],
        "values": values or {"fiscal_year": year.year, "q1": "25", "q2": "25", "q3": "25", "q4": "25"},
        "error": error, "params": request.query_params, "years": _year_choices(year.year),
        "targets": _target_options(db, actor), "reporting": fx.reporting_currency(),
        "start_month": fiscal.start_month(db), "months": list(enumerate(fiscal.MONTH_NAMES, start=1))},
        status_code=status)


def _target_options(db: Session, actor: User) -> dict[str, list[tuple[int, str]]]:
    return {"territory": territory_options(visible_territories(db, actor)),
            "manager": owner_options(db), "partner": partner_choices(db, actor)[0]}


@router.post("/growth/fiscal-calendar", include_in_schema=False)
def set_fiscal_start(request: Request, db: SessionDep, actor: AdminActor, data: FormData):
    fiscal.set_start_month(db, actor, to_int(data.get("start_month"), 0))
    return redirect("/growth/quotas?calendar=saved")


# Plan rates ------------------------------------------------------------------------------------------------

@router.get("/growth/plan-rates", include_in_schema=False)
def plan_rate_list(request: Request, db: SessionDep, actor: StaffActor):
    return _plan_rates_page(request, db, actor)


@router.post("/growth/plan-rates", include_in_schema=False)
def add_plan_rate(request: Request, db: SessionDep, actor: AdminActor, data: FormData):
    rate, error = attempt(db, lambda: set_plan_rate(db, actor, to_int(data.get("fiscal_year"), 0),
                                                    str(data.get("currency", "")), str(data.get("rate", "")).strip()))
    if error:
        return _plan_rates_page(request, db, actor, values=data, error=error, status=error.status)
    assert rate is not None
    return redirect(f"/growth/plan-rates?year={rate.fiscal_year}&saved={rate.currency}")


def _plan_rates_page(request: Request, db: Session, actor: User, *, values: dict | None = None, error: Any = None,
                     status: int = 200):
    year, _view = _year_and_view(request, db)
    return render(request, "growth/plan_rates.html", {
        "year": year, "rates": list_plan_rates(db, actor, year.year), "values": values or {"fiscal_year": year.year},
        "error": error, "params": request.query_params, "reporting": fx.reporting_currency(),
        "currencies": [c for c in CURRENCIES if c != fx.reporting_currency()], "years": _year_choices(year.year)},
        status_code=status)
