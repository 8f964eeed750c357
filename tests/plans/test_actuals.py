"""Actuals measured from the known year, and the attainment of a signed plan against them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from channelbase.growth import fiscal
from channelbase.plans import actuals, commitments
from channelbase.plans.attainment import due_to_date, plan_attainment, plan_attainment_of
from channelbase.plans.board import plan_board
from channelbase.plans.schemas import ActualsIn
from tests.plans.conftest import TODAY, _deal, draft_plan, line, signed_plan


def _actuals(db, partner_id, today=TODAY):
    year = fiscal.fiscal_year(db, 2026)
    return {kind: values[partner_id] for kind, values in actuals.actuals(db, [partner_id], year, today).items()}


def test_each_kind_is_measured_per_quarter_and_quarters_to_come_have_none(db, known):
    found = _actuals(db, known.partner_id)
    assert found["bookings"] == [100000, 100000, 50000, None]            # USD 1,000 · BRL 5,000 x 0.20 · USD 500
    assert found["pipeline_created"] == [1099900, 100000, 250000, None]  # by creation date, won or lost or open
    assert found["registrations"] == [1, 1, 1, None]                     # the rejected one does not count
    assert found["certified_people"] == [1, 2, 1, None]                  # at each quarter's end; Q3: today
    assert found["marketing_activities"] == [1, 0, 1, None]              # an event activity; then an event


def test_a_past_year_is_measured_whole(db, known):
    found = _actuals(db, known.partner_id, today=date(2027, 3, 1))
    assert found["bookings"] == [100000, 100000, 50000, 0]
    assert found["pipeline_created"][:3] == [1099900, 100000, 250000] and found["certified_people"][3] == 1
    # The activity of 2026-09-01 has happened by then.
    assert found["marketing_activities"] == [1, 0, 2, 0]


def test_a_quarter_with_an_amount_lacking_a_rate_is_not_known(db, world, known):
    from sqlalchemy import select

    from channelbase.deals.models import Stage
    stages = {stage.key: stage for stage in db.scalars(select(Stage))}
    _deal(db, world, stages, known.partner_id, "won in MXN", "MXN", "1000.00", "won", date(2026, 8, 1),
          date(2026, 7, 2))
    db.flush()
    found = _actuals(db, known.partner_id)
    assert found["bookings"] == [100000, 100000, None, None]
    assert found["pipeline_created"] == [1099900, 100000, None, None]


def test_a_partner_without_rows_measures_zero(db, world, known):
    found = _actuals(db, world.partners["bravo"])
    assert found["bookings"] == [0, 0, 0, None] and found["registrations"] == [0, 0, 0, None]


def test_due_to_date_counts_past_quarters_and_the_running_one_by_days(db):
    year = fiscal.fiscal_year(db, 2026)
    assert due_to_date("bookings", (100, 100, 100, 100), year, TODAY) == Decimal(250)      # Q3: 46 of 92 days
    assert due_to_date("certified_people", (1, 2, 4, 4), year, TODAY) == Decimal(3)        # ramps from 2 to 4
    assert due_to_date("registrations", (2, 2, 2, 2), year, date(2025, 12, 31)) == 0       # before the year
    assert due_to_date("registrations", (2, 2, 2, 2), year, date(2027, 1, 5)) == 8         # after it


def test_attainment_averages_each_commitment_against_what_is_due(db, actor, world, known):
    lucia, ana = actor("lucia"), actor("ana")
    signed_plan(db, lucia, ana, known.partner_id, [
        line("bookings", "1000.00", "1000.00", "1000.00", "1000.00"),   # 2,500 due, 2,500 booked: 100 %
        line("registrations", "2", "2", "2", "2"),                      # 5 due, 3 registered: 60 %
        line("certified_people", "1", "2", "4", "4"),                   # 3 due, 1 certified today: 33.3 %
    ])
    result = plan_attainment(db, [known.partner_id, world.partners["bravo"]], TODAY)
    assert result == {known.partner_id: Decimal("64.4"), world.partners["bravo"]: None}


def test_a_draft_or_another_years_plan_has_no_attainment(db, actor, known):
    plan = draft_plan(db, actor("lucia"), known.partner_id, [line("registrations", "1", "1", "1", "1")])
    assert plan_attainment(db, [known.partner_id], TODAY) == {known.partner_id: None}
    assert plan_attainment_of(db, [plan], TODAY) == {plan.id: Decimal("120.0")}     # 3 against 2.5 due
    assert plan_attainment(db, [known.partner_id], date(2027, 2, 1)) == {known.partner_id: None}


def test_one_commitment_far_ahead_counts_at_most_150_percent(db, actor, known):
    signed_plan(db, actor("lucia"), actor("ana"), known.partner_id, [
        line("registrations", "1", "0", "0", "0"),                      # 3 against 1: capped at 150 %
        line("marketing_activities", "2", "2", "2", "2"),               # 2 against 5: 40 %
    ])
    assert plan_attainment(db, [known.partner_id], TODAY)[known.partner_id] == Decimal("95.0")


def test_custom_commitments_count_what_staff_typed(db, actor, known):
    lucia = actor("lucia")
    plan = signed_plan(db, lucia, actor("ana"), known.partner_id, [
        line("custom", "1", "1", "1", "1", side="vendor", description="MDF claims paid within 30 days")])
    assert plan_attainment(db, [known.partner_id], TODAY)[known.partner_id] is None       # nothing typed yet
    board = plan_board(db, lucia, plan.id, today=TODAY)
    custom = board.lines[0].commitment
    commitments.set_actuals(db, lucia, plan.id, custom.id, ActualsIn(version=custom.version, q1=2))
    db.flush()
    # Q1 2 + Q2 0 + Q3 0 so far, against 2.5 due.
    assert plan_attainment(db, [known.partner_id], TODAY)[known.partner_id] == Decimal("80.0")


def test_the_board_shows_targets_and_actuals_per_quarter(db, actor, known):
    lucia = actor("lucia")
    plan = signed_plan(db, lucia, actor("ana"), known.partner_id, [
        line("bookings", "1000.00", "1000.00", "1000.00", "1000.00")])
    board = plan_board(db, lucia, plan.id, today=TODAY)
    [bookings] = board.lines
    assert [cell.target for cell in bookings.cells] == [100000] * 4
    assert [cell.actual for cell in bookings.cells] == [100000, 100000, 50000, None]
    assert [cell.percent for cell in bookings.cells] == [100, 100, 50, 0]
    assert bookings.progress.percent == Decimal(100) and board.attainment == Decimal("100.0")
    assert str(bookings.amount(bookings.year_target).amount) == "4000.00"


def test_actuals_of_many_partners_take_the_same_few_queries(db, world, known):
    from sqlalchemy import event

    statements: list[str] = []
    engine = db.get_bind()

    def count(*_args):
        statements.append("x")

    year = fiscal.fiscal_year(db, 2026)
    event.listen(engine, "before_cursor_execute", count)
    try:
        actuals.actuals(db, [known.partner_id], year, TODAY)
        one = len(statements)
        statements.clear()
        actuals.actuals(db, list(world.partners.values()), year, TODAY)
        assert len(statements) == one
    finally:
        event.remove(engine, "before_cursor_execute", count)

