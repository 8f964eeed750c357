"""Opportunities and activities from files: stage history and the rollup kept in step, FX rates required."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from channelbase.deals import rollup, stages
from channelbase.deals.models import FxRate, Opportunity, StageChange
from channelbase.engagement.models import Activity
from channelbase.imports.models import ImportStatus

from tests.imports.helpers import by_external_id, count, csv_bytes, run_import

DEAL_HEADER = ["Opportunity ID", "Opportunity Name", "Partner", "Account Name", "Amount", "Currency", "Close Date",
               "Stage"]


def _with_brl_rate(session_factory) -> None:
    with session_factory.begin() as session:
        session.add(FxRate(currency="BRL", quote_currency="USD", effective_date=date(2020, 1, 1), rate=Decimal("0.2")))


def test_deals_import_with_their_stage_history_and_the_rollup_in_step(session_factory, db, actor, world):
    _with_brl_rate(session_factory)
    first, later = stages.list_stages(db)[0], stages.list_stages(db)[2]
    rows = [["OPP-1", "Banco Horizonte — renewal", "Soluções Abertas", "Banco Horizonte", "120000.50", "BRL",
             "2026-12-15", first.name],
            ["OPP-2", "Campinas data centre", "Soluções Abertas Ltda.", "Prefeitura de Campinas", "8000", "USD",
             "2025-03-01", ""]]  # a deal from last year: imports take history
    run = run_import(session_factory, actor("lucia"), "opportunities", csv_bytes(DEAL_HEADER, rows))
    assert run.status == ImportStatus.DONE, run.errors
    assert (run.created, run.updated) == (2, 0)
    deal = by_external_id(db, Opportunity, "OPP-1")
    assert (deal.amount_minor, deal.currency, deal.stage_id, deal.probability, deal.partner_id, deal.account_id,
            deal.territory_id) == (12_000_050, "BRL", first.id, first.probability, world.partners["abertas"],
                                   world.accounts["brazil"], world.territories["brazil"])
    assert deal.stage_changed_at is not None
    assert rollup.drift(db) == []

    rows[0][7] = later.name
    again = run_import(session_factory, actor("lucia"), "opportunities", csv_bytes(DEAL_HEADER, rows))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    db.refresh(deal)
    assert (deal.stage_id, deal.outcome, deal.probability) == (later.id, later.outcome, later.probability)
    history = db.scalars(select(StageChange).where(StageChange.opportunity_id == deal.id)
                         .order_by(StageChange.id)).all()
    assert [(h.from_stage_id, h.to_stage_id) for h in history] == [(None, first.id), (first.id, later.id)]
    assert rollup.drift(db) == []


def test_deal_rows_with_unknown_accounts_stages_or_rates_are_reported_and_nothing_is_written(
        session_factory, db, actor):
    before = count(db, Opportunity)
    rows = [["X-1", "Deal", "Soluções Abertas", "No Such Customer", "100", "USD", "2026-12-01", ""],
            ["X-2", "Deal", "Soluções Abertas", "Banco Horizonte", "100", "JPY", "2026-12-01", ""],
            ["X-3", "Deal", "Soluções Abertas", "Banco Horizonte", "1OO", "USD", "31/12/2026", "Dreaming"]]
    run = run_import(session_factory, actor("admin"), "opportunities", csv_bytes(DEAL_HEADER, rows))
    problems = [(e["row"], e["column"]) for e in run.errors]
    assert problems == [(2, "Account Name"), (3, "Currency"), (4, "Close Date"), (4, "Amount"), (4, "Stage")]
    assert "no JPY FX rate on or before 2026-12-01" in run.errors[1]["message"]
    assert count(db, Opportunity) == before


def test_activities_in_spanish_and_portuguese_import_once(session_factory, db, actor, world):
    header = ["Asunto", "Tipo", "Fecha", "Empresa", "Descripción"]
    rows = [["Revisión trimestral", "Reunión", "2026-10-05 15:30", "Nube Bravo", "Plan Q1 acordado"],
            ["Ligação de acompanhamento", "Ligação", "2026-10-07", "Soluções Abertas", ""]]
    lucia = actor("lucia")
    run = run_import(session_factory, lucia, "activities", csv_bytes(header, rows),
                     mapping={"outcome": "Descripción"})
    assert run.status == ImportStatus.DONE, run.errors
    meeting = db.scalar(select(Activity).where(Activity.summary == "Revisión trimestral"))
    assert (meeting.type, meeting.partner_id, meeting.owner_id, meeting.outcome) == (
        "meeting", world.partners["bravo"], lucia.id, "Plan Q1 acordado")
    assert meeting.occurred_at == datetime(2026, 10, 5, 15, 30, tzinfo=timezone.utc)
    again = run_import(session_factory, lucia, "activities", csv_bytes(header, rows),
                       mapping={"outcome": "Descripción"})
    assert (again.created, again.unchanged) == (0, 2)


def test_a_deleted_row_comes_back_on_the_next_import_of_its_file(session_factory, db, actor):
    header = ["Activity ID", "Subject", "Type", "Date", "Company"]
    rows = [["ACT-9", "Kick-off", "meeting", "2026-09-01", "Nube Bravo"]]
    first = run_import(session_factory, actor("admin"), "activities", csv_bytes(header, rows))
    assert first.created == 1
    with session_factory.begin() as session:
        session.delete(by_external_id(session, Activity, "ACT-9"))
    again = run_import(session_factory, actor("admin"), "activities", csv_bytes(header, rows))
    assert (again.created, again.updated) == (1, 0), again.errors
    assert by_external_id(db, Activity, "ACT-9").summary == "Kick-off"
