"""Opportunities and activities as import rows: what they look up (accounts, stages, FX rates) and what a
write must keep in step (each deal's stage history and the pipeline rollup)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from channelbase.auth.visibility import visible
from channelbase.core.money import Money, MoneyError, currency_code
from channelbase.core.names import company_key
from channelbase.deals import fx, rollup, stages
from channelbase.deals.models import FxRate, Opportunity, StageChange
from channelbase.deals.registrations import years_after
from channelbase.engagement.models import ACTIVITY_LABELS, Activity
from channelbase.imports import bulk
from channelbase.imports import values as v
from channelbase.imports.entities import EXTERNAL_ID, Cells, EntitySpec, Errors, _cell, _external_id
from channelbase.imports.lookups import Lookups, external_ids
from channelbase.imports.mapping import Field
from channelbase.partners.models import Account

MAX_YEARS_AHEAD = 5
_ACTIVITY_TYPES = v.choices_from({str(t): label for t, label in ACTIVITY_LABELS.items()}, {
    "llamada": "call", "ligação": "call", "ligacao": "call", "reunion": "meeting", "reunião": "meeting",
    "reuniao": "meeting", "correo": "email", "e-mail": "email", "mail": "email", "nota": "note",
    "capacitacion": "training", "treinamento": "training", "evento": "event", "webinar": "event",
    "task": "note", "log a call": "call"})


def parse_day(text: str) -> date:
    """YYYY-MM-DD (also the date part of an ISO date-time, as XLSX cells come in)."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise v.CellError(f"'{text}' is not a date: write it as YYYY-MM-DD (e.g. 2026-11-30)") from None


def parse_moment(text: str) -> datetime:
    """An ISO date-time (UTC unless it says otherwise), or a date (taken as noon UTC that day)."""
    value = text.strip()
    try:
        if len(value) <= 10:
            return datetime.combine(date.fromisoformat(value), time(12), tzinfo=timezone.utc)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise v.CellError(f"'{text}' is not a date or time: write YYYY-MM-DD or YYYY-MM-DD HH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Opportunities ----------------------------------------------------------------------------------

def _prepare_opportunities(session: Session, lookups: Lookups) -> None:
    accounts: dict[str, int] = {}
    rows = session.execute(visible(select(Account.id, Account.name_key)
                                   .where(Account.deleted_at.is_(None)), lookups.actor, Account))
    for account_id, name_key in rows:
        accounts[str(account_id)] = account_id
        accounts.setdefault(name_key, account_id)
    for account_id, external_id in external_ids(session, "accounts"):
        if str(account_id) in accounts:
            accounts[external_id] = account_id
    lookups.extra["accounts"] = accounts
    lookups.extra["stages"] = {key: stage for stage in stages.list_stages(session)
                               for key in (stage.key, stage.name.casefold(), str(stage.id))}
    lookups.extra["first_stage"] = stages.first_open_stage(session)
    lookups.extra["reporting"] = reporting = fx.reporting_currency()
    lookups.extra["first_rate"] = dict(session.execute(select(FxRate.currency, func.min(FxRate.effective_date))
                                                       .where(FxRate.quote_currency == reporting)
                                                       .group_by(FxRate.currency)).all())
    lookups.extra["today"] = date.today()


def _account(lookups: Lookups, text: str) -> int:
    accounts = lookups.extra["accounts"]
    found = accounts.get(text) or accounts.get(company_key(text) or text)
    if found is None:
        raise v.CellError(f"no account '{text}' that you can see (import the accounts first, or use an id)")
    return found


def _amount(cells: Cells, errors: Errors, lookups: Lookups, close: date | None) -> tuple[int | None, str | None]:
    try:
        currency = currency_code(cells.get("currency") or "")
    except MoneyError as exc:
        errors["currency"] = exc.message
        return None, None
    try:
        money = Money.parse(v.required(cells.get("amount", ""), "The amount"), currency)
    except (MoneyError, v.CellError) as exc:
        errors["amount"] = getattr(exc, "message", str(exc))
        return None, currency
    if money.is_negative():
        errors["amount"] = "The amount cannot be negative"
    first_rate = lookups.extra["first_rate"].get(currency)
    if close and currency != lookups.extra["reporting"] and (first_rate is None or first_rate > close):
        errors["currency"] = (f"no {currency} FX rate on or before {close.isoformat()}: add one on the FX rates "
                              "page first (roll-ups could not convert this deal)")
    return money.to_minor(), currency


def _close_date(text: str, today: date) -> date:
    close = parse_day(v.required(text, "The close date"))
    if close > years_after(today, MAX_YEARS_AHEAD):
        raise v.CellError(f"the close date {close.isoformat()} is more than {MAX_YEARS_AHEAD} years away")
    return close


def _parse_opportunity(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in cells:
        values["name"] = _cell(cells, errors, "name", lambda t: v.text_of(v.required(t, "The deal name"),
                                                                           max_length=200, label="The deal name"))
    partner_id = _cell(cells, errors, "partner", lambda t: lookups.partner(v.required(t, "The partner")))
    values["partner_id"] = partner_id
    values["territory_id"] = lookups.partner_territory.get(partner_id) if partner_id else None
    values["account_id"] = _cell(cells, errors, "account", lambda t: _account(lookups, v.required(t, "The account")))
    close = _cell(cells, errors, "close_date", lambda t: _close_date(t, lookups.extra["today"]))
    values["close_date"] = close
    values["amount_minor"], values["currency"] = _amount(cells, errors, lookups, close)
    if cells.get("stage"):
        stage = lookups.extra["stages"].get(cells["stage"].strip().casefold())
        if stage is None:
            errors["stage"] = (f"'{cells['stage']}' is not a stage (one of: "
                               f"{', '.join(sorted({s.name for s in lookups.extra['stages'].values()}))})")
    else:
        stage = lookups.extra["first_stage"]
    if stage is not None:
        values["stage_id"], values["outcome"], values["probability"] = stage.id, stage.outcome, stage.probability
    if "next_step" in cells:
        values["next_step"] = _cell(cells, errors, "next_step",
                                    lambda t: v.text_of(t, max_length=300, label="The next step"), "")
    if "owner" in cells:
        values["owner_id"] = _cell(cells, errors, "owner", lookups.owner)
    if "external_id" in cells:
        values["external_id"] = _cell(cells, errors, "external_id", _external_id)
    return values


def _opportunity_keys(values: dict[str, Any]) -> list[tuple]:
    keys: list[tuple] = []
    if values.get("external_id"):
        keys.append(("external_id", values["external_id"]))
    if values.get("name") and values.get("partner_id") and values.get("account_id"):
        keys.append(("name", values["partner_id"], values["account_id"], values["name"].casefold()))
    return keys


def _after_opportunities(session: Session, actor_id: int, created: list[tuple[int, dict[str, Any]]],
                         updated: list[tuple[int, dict[str, Any], dict[str, Any]]], now: datetime) -> None:
    """Each new deal's first stage and each stage an import moved a deal to go into its history; the rollup
    (kept by ORM events on single edits) is rebuilt from the deals."""
    moves = [(opportunity_id, None, values["stage_id"], values["amount_minor"], values["currency"])
             for opportunity_id, values in created]
    moved = {opportunity_id: (before["stage_id"], changes["stage_id"])
             for opportunity_id, changes, before in updated if "stage_id" in changes}
    if moved:
        session.execute(update(Opportunity).where(Opportunity.id.in_(moved)).values(stage_changed_at=now)
                        .execution_options(synchronize_session=False))
        amounts = session.execute(select(Opportunity.id, Opportunity.amount_minor, Opportunity.currency)
                                  .where(Opportunity.id.in_(moved)))
        moves += [(row_id, *moved[row_id], amount, currency) for row_id, amount, currency in amounts]
    bulk.insert_rows(session, StageChange.__table__,  # type: ignore[arg-type]
                     ("opportunity_id", "from_stage_id", "to_stage_id", "amount_minor", "currency"), moves,
                     {"at": now, "by_id": actor_id})
    _announce_moves(session, moved)
    rollup.rebuild(session)


def _announce_moves(session: Session, moved: dict[int, tuple[int, int]]) -> None:
    """opportunity.stage_changed (and .won / .lost) webhooks for the deals the import moved."""
    from channelbase.webhooks import events
    if moved and events.subscribers(session, "opportunity.stage_changed") + events.subscribers(
            session, "opportunity.won") + events.subscribers(session, "opportunity.lost"):
        for opportunity_id, (from_stage_id, _to) in moved.items():
            opportunity = session.get_one(Opportunity, opportunity_id)
            session.refresh(opportunity)
            events.opportunity_moved(session, opportunity, from_stage_id)


OPPORTUNITIES = EntitySpec(
    name="opportunities", label="opportunity", model=Opportunity,
    fields=(
        EXTERNAL_ID,
        Field("name", "Name", required=True, synonyms=("opportunity name", "deal name", "nombre", "oportunidad",
                                                       "oportunidade", "title")),
        Field("partner", "Partner", required=True, synonyms=("partner account", "reseller", "revendedor",
                                                             "canal", "partner name")),
        Field("account", "Account", required=True, synonyms=("account name", "customer", "end customer",
                                                             "cliente", "company", "associated company")),
        Field("amount", "Amount", required=True, synonyms=("deal amount", "valor", "monto", "importe")),
        Field("currency", "Currency", required=True, synonyms=("opportunity currency", "currency code", "moneda",
                                                               "moeda", "deal currency")),
        Field("close_date", "Close date", required=True, synonyms=("close date", "expected close date",
                                                                   "fecha de cierre", "data de fechamento")),
        Field("stage", "Stage", synonyms=("deal stage", "etapa", "fase", "stage name")),
        Field("next_step", "Next step", synonyms=("next step", "proximo paso", "próximo passo")),
        Field("owner", "Owner e-mail", synonyms=("opportunity owner", "deal owner", "owner")),
    ),
    parse=_parse_opportunity, keys=_opportunity_keys,
    compared=("name", "partner_id", "territory_id", "account_id", "close_date", "amount_minor", "currency",
              "stage_id", "outcome", "probability", "next_step", "owner_id"),
    key_columns=("external_id", "name", "partner_id", "account_id"),
    scope_column="territory_id", url="/opportunities",
    prepare=_prepare_opportunities, after_write=_after_opportunities, stamped_on_create=("stage_changed_at",),
)


# Activities -------------------------------------------------------------------------------------

def _parse_activity(cells: Cells, lookups: Lookups, errors: Errors) -> dict[str, Any]:
    values: dict[str, Any] = {}
    values["partner_id"] = _cell(cells, errors, "partner", lambda t: lookups.partner(v.required(t, "The partner")))
    values["type"] = _cell(cells, errors, "type", lambda t: v.choice(v.required(t, "The type"), _ACTIVITY_TYPES,
                                                                     "type of activity"))
    values["occurred_at"] = _cell(cells, errors, "occurred_at", lambda t: parse_moment(v.required(t, "The date")))
    values["summary"] = _cell(cells, errors, "summary", lambda t: v.text_of(v.required(t, "The summary"),
                                                                             max_length=500, label="The summary"))
    if "outcome" in cells:
        values["outcome"] = cells["outcome"]
    if "next_step" in cells:
        values["next_step"] = _cell(cells, errors, "next_step",
                                    lambda t: v.text_of(t, max_length=300, label="The next step"), "")
    owner = _cell(cells, errors, "owner", lookups.owner) if "owner" in cells else None
    values["owner_id"] = owner or lookups.actor.id
    if "external_id" in cells:
        values["external_id"] = _cell(cells, errors, "external_id", _external_id)
    return values


def _activity_keys(values: dict[str, Any]) -> list[tuple]:
    keys: list[tuple] = []
    if values.get("external_id"):
        keys.append(("external_id", values["external_id"]))
    if values.get("partner_id") and values.get("occurred_at") and values.get("summary"):
        keys.append(("date and summary", values["partner_id"], values["type"],
                     values["occurred_at"].astimezone(timezone.utc).replace(tzinfo=None), values["summary"]))
    return keys


ACTIVITIES = EntitySpec(
    name="activities", label="activity", model=Activity,
    fields=(
        EXTERNAL_ID,
        Field("partner", "Partner", required=True, synonyms=("account name", "partner name", "company",
                                                             "associated company", "empresa")),
        Field("type", "Type", required=True, synonyms=("activity type", "task subtype", "tipo", "type of activity")),
        Field("occurred_at", "Date", required=True, synonyms=("activity date", "date", "due date", "fecha", "data",
                                                              "created date", "activity date/time")),
        Field("summary", "Summary", required=True, synonyms=("subject", "asunto", "assunto", "title")),
        Field("outcome", "Outcome", synonyms=("description", "comments", "notes", "notas", "resultado")),
        Field("next_step", "Next step", synonyms=("next step", "proximo paso", "próximo passo")),
        Field("owner", "Owner e-mail", synonyms=("assigned to", "activity owner", "owner")),
    ),
    parse=_parse_activity, keys=_activity_keys,
    compared=("partner_id", "type", "occurred_at", "summary", "outcome", "next_step", "owner_id"),
    key_columns=("external_id", "partner_id", "type", "occurred_at", "summary"),
    scope_column="partner_id", url="/activities",
)
