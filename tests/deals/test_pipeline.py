"""Pipeline totals in the reporting currency (each deal at its close date's rate) and the board."""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from sqlalchemy import delete

from channelbase.core.errors import InvalidInput
from channelbase.core.money import Money
from channelbase.deals import fx, opportunities, pipeline
from channelbase.deals.deal_schemas import OpportunityFilter
from channelbase.deals.models import FxRate, Opportunity
from tests.deals.deal_helpers import fresh_indexes, later, open_deal

__all__ = ["fresh_indexes"]

BRL_DEC, BRL_FEB, MXN_NOV = date(2026, 12, 1), date(2027, 2, 1), date(2026, 11, 1)
RATES = {("BRL", BRL_DEC): Decimal("0.18"), ("BRL", BRL_FEB): Decimal("0.20"), ("MXN", MXN_NOV): Decimal("0.055")}


@pytest.fixture
def admin(actor):
    return actor("admin")


@pytest.fixture
def lucia(actor):
    return actor("lucia")


@pytest.fixture
def rates(db, admin):
    for (currency, on), rate in RATES.items():
        fx.set_rate(db, admin, currency, on, str(rate))
    fx.set_rate(db, admin, "MXN", date(2027, 6, 1), "0.06")  # after every close date: never used
    db.flush()


@pytest.fixture
def deals(db, rates, lucia, actor, world):
    """(amount, currency, rate date, stage probability) of each deal, keyed by name, plus the world's deal."""
    bravo = dict(partner_id=world.partners["bravo"], account_id=world.accounts["bravo"])
    made = {
        "brl_jan": open_deal(db, lucia, world, name="BRL January", amount="100000.00", currency="BRL",
                             close_date=date(2027, 1, 15)),
        "brl_mar": open_deal(db, lucia, world, name="BRL March", amount="50000.55", currency="BRL",
                             close_date=date(2027, 3, 10), stage="propose"),
        "mxn_big": open_deal(db, lucia, world, name="MXN big", amount="1000000.00", currency="MXN",
                             close_date=date(2027, 1, 31), stage="propose", **bravo),
        "mxn_odd": open_deal(db, lucia, world, name="MXN odd", amount="333.33", currency="MXN",
                             close_date=date(2027, 1, 31), **bravo),
        "usd_won": open_deal(db, lucia, world, name="USD won", amount="1234.56", currency="USD",
                             close_date=date(2026, 11, 20), stage="won"),
        "northwind": open_deal(db, actor("nathan"), world, name="Northwind", amount="7000.00", currency="USD",
                               partner_id=world.partners["northwind"], account_id=world.accounts["us"],
                               stage="negotiate"),
    }
    made["world"] = db.get(Opportunity, world.opportunities["abertas"])
    return made


def _usd(opportunity: Opportunity) -> tuple[Decimal, Decimal]:
    """The deal's exact amount and weighted amount in USD, computed by hand."""
    if opportunity.currency == "USD":
        rate = Decimal(1)
    else:
        dates = [on for (currency, on) in RATES if currency == opportunity.currency and on <= opportunity.close_date]
        rate = RATES[(opportunity.currency, max(dates))]
    amount = opportunity.amount.amount * rate
    return amount, amount * opportunity.probability / 100


def _cents(value: Decimal) -> Money:
    return Money(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), "USD")


def _expected(deals, keys) -> dict[int, tuple[int, Money, Money]]:
    by_stage: dict[int, list[Opportunity]] = {}
    for key in keys:
        by_stage.setdefault(deals[key].stage_id, []).append(deals[key])
    return {stage_id: (len(group), _cents(sum(_usd(o)[0] for o in group)), _cents(sum(_usd(o)[1] for o in group)))
            for stage_id, group in by_stage.items()}


LUCIAS = ("brl_jan", "brl_mar", "mxn_big", "mxn_odd", "usd_won", "world")


def test_totals_convert_each_deal_at_its_close_dates_rate(db, lucia, deals):
    totals = pipeline.pipeline_totals(db, lucia, OpportunityFilter())
    expected = _expected(deals, LUCIAS)
    assert {s.stage.id: (s.count, s.amount, s.weighted) for s in totals.stages} == expected
    assert [s.stage.key for s in totals.stages] == ["qualify", "propose", "won"]  # board order
    assert totals.reporting == "USD" and totals.count == 6
    assert totals.amount == sum((amount for _, amount, _ in expected.values()), Money.zero("USD"))
    assert totals.weighted == sum((weighted for _, _, weighted in expected.values()), Money.zero("USD"))
    # The hand computation, written out for the propose stage: 50,000.55 BRL x 0.20 + 1,000,000 MXN x 0.055.
    propose = totals.for_stage(deals["brl_mar"].stage_id)
    assert (propose.amount, propose.weighted) == (Money("65000.11", "USD"), Money("26000.04", "USD"))


def test_totals_say_which_rates_they_used_and_for_how_many_deals(db, lucia, deals):
    totals = pipeline.pipeline_totals(db, lucia, OpportunityFilter())
    assert [(r.currency, r.rate_date, r.rate, r.deals, r.source) for r in totals.rates] == [
        ("BRL", BRL_DEC, Decimal("0.18"), 1, "admin"), ("BRL", BRL_FEB, Decimal("0.2"), 1, "admin"),
        ("MXN", MXN_NOV, Decimal("0.055"), 2, "admin")]
    assert totals.rates[0].describe() == "BRL at 0.1800 (rate of 2026-12-01, admin)"


def test_totals_follow_the_filters_and_the_viewers_territories(db, admin, lucia, actor, world, deals):
    everything = pipeline.pipeline_totals(db, admin, OpportunityFilter())
    assert everything.count == 7
    assert everything.amount == pipeline.pipeline_totals(db, lucia, OpportunityFilter()).amount + Money("7000",
                                                                                                        "USD")
    nathan = pipeline.pipeline_totals(db, actor("nathan"), OpportunityFilter())
    assert (nathan.count, nathan.amount, nathan.weighted, nathan.rates) == (
        1, Money("7000", "USD"), Money("4200", "USD"), [])
    open_bravo = pipeline.pipeline_totals(db, lucia, OpportunityFilter(outcome="open",
                                                                       partner_id=world.partners["bravo"]))
    assert {s.stage.id: (s.count, s.amount, s.weighted) for s in open_bravo.stages} == _expected(
        deals, ("mxn_big", "mxn_odd"))
    assert [r.currency for r in open_bravo.rates] == ["MXN"]


def test_totals_of_nothing_are_zero(db, lucia):
    totals = pipeline.pipeline_totals(db, lucia, OpportunityFilter(q="no such deal"))
    assert (totals.count, totals.amount, totals.weighted, totals.stages, totals.rates) == (
        0, Money.zero("USD"), Money.zero("USD"), [], [])


def test_a_deal_without_a_rate_stops_the_totals_naming_currency_and_date(db, lucia, deals):
    db.execute(delete(FxRate).where(FxRate.currency == "BRL", FxRate.effective_date == BRL_DEC))
    db.expire_all()
    with pytest.raises(fx.MissingRate) as caught:
        pipeline.pipeline_totals(db, lucia, OpportunityFilter())
    assert "No BRL→USD FX rate effective on 2027-01-15" in caught.value.message
    assert "the first BRL rate is of 2027-02-01" in caught.value.message
    totals, error = pipeline.totals_or_error(db, lucia, OpportunityFilter())
    assert totals is None and error == caught.value.message
    totals, error = pipeline.totals_or_error(db, lucia, OpportunityFilter(partner_id=deals["mxn_big"].partner_id))
    assert error is None and totals is not None and totals.count == 2  # Nube Bravo's deals have their rates


# The board --------------------------------------------------------------------------------------

def test_the_board_has_a_column_per_open_stage_with_counts_totals_and_cards(db, lucia, deals):
    columns, error = pipeline.board(db, lucia, OpportunityFilter(), now=later())
    assert error is None
    assert [c.stage.key for c in columns] == ["qualify", "discover", "propose", "negotiate", "commit"]
    expected = _expected(deals, LUCIAS)
    for column in columns:
        count, amount, _ = expected.get(column.stage.id, (0, Money.zero("USD"), None))
        assert (column.count, column.total) == (count, amount)
    propose = columns[2]
    assert [card.name for card in propose.cards] == ["MXN big", "BRL March"]  # soonest close first
    card = propose.cards[0]
    assert (card.partner, card.account, card.amount, card.close_date, card.stalled) == (
        "Nube Bravo S.A. de C.V.", "Cervecería Regia S.A. de C.V.", Money("1000000", "MXN"), date(2027, 1, 31),
        False)


def test_the_board_may_show_the_closed_stages_and_one_stage_only(db, lucia, deals):
    columns, _ = pipeline.board(db, lucia, OpportunityFilter(), now=later(), include_closed=True)
    assert [c.stage.key for c in columns][-2:] == ["won", "lost"]
    assert [card.name for card in columns[-2].cards] == ["USD won"] and not columns[-2].cards[0].stalled
    columns, _ = pipeline.board(db, lucia, OpportunityFilter(stage="propose"), now=later())
    assert [(c.stage.key, c.count) for c in columns] == [("propose", 2)]


def test_stalled_cards_are_flagged(db, lucia, world, deals):
    old = open_deal(db, lucia, world, name="Untouched", now=later(-31))
    columns, _ = pipeline.board(db, lucia, OpportunityFilter(), now=later())
    qualify = {card.name: card.stalled for card in columns[0].cards}
    assert qualify["Untouched"] is True and qualify["BRL January"] is False
    columns, _ = pipeline.board(db, lucia, OpportunityFilter(stalled=True), now=later())
    assert [(c.stage.key, [card.id for card in c.cards]) for c in columns if c.cards] == [("qualify", [old.id])]


def test_a_column_counts_every_deal_but_shows_the_first_cards(db, lucia, deals):
    columns, _ = pipeline.board(db, lucia, OpportunityFilter(), now=later(), per_column=1)
    qualify = columns[0]
    assert qualify.count == 3 and [card.name for card in qualify.cards] == ["BRL January"]


def test_the_board_still_shows_cards_and_counts_when_a_rate_is_missing(db, lucia, deals):
    db.execute(delete(FxRate).where(FxRate.currency == "MXN"))
    db.expire_all()
    columns, error = pipeline.board(db, lucia, OpportunityFilter(), now=later())
    assert error is not None and "No MXN→USD FX rate" in error
    assert [(c.stage.key, c.count, c.total) for c in columns][:3] == [("qualify", 3, None), ("discover", 0, None),
                                                                      ("propose", 2, None)]
    assert [card.name for card in columns[2].cards] == ["MXN big", "BRL March"]


def test_an_unknown_stage_in_a_filter_is_an_error_naming_the_stages_not_an_empty_result(db, actor):
    for call in (lambda f: opportunities.list_opportunities(db, actor("admin"), f),
                 lambda f: pipeline.pipeline_totals(db, actor("admin"), f)):
        with pytest.raises(InvalidInput, match="Unknown stage 'nope': use one of qualify"):
            call(OpportunityFilter(stage="nope"))
        assert call(OpportunityFilter(stage="qualify")) is not None


def test_the_board_leaves_the_closed_deals_out_of_its_totals_unless_it_shows_them(db, actor, lucia, world, deals):
    # A deal won in CLP, whose only rate is then deleted: only a board showing the won column needs a CLP rate.
    fx.set_rate(db, actor("admin"), "CLP", date(2026, 11, 1), "0.00105")
    open_deal(db, lucia, world, name="CLP won", amount="900000", currency="CLP", close_date=date(2026, 11, 25),
              stage="won")
    db.execute(delete(FxRate).where(FxRate.currency == "CLP"))
    db.expire_all()
    columns, error = pipeline.board(db, lucia, OpportunityFilter(), now=later())
    assert error is None and all(column.total is not None for column in columns)
    _, error = pipeline.board(db, lucia, OpportunityFilter(), now=later(), include_closed=True)
    assert error is not None and "No CLP→USD FX rate effective on 2026-11-25" in error


def test_totals_convert_each_rate_period_once_and_a_missing_rate_names_the_earliest_deal(db, lucia, world, deals):
    groups = pipeline._groups(db, lucia, OpportunityFilter(), None)
    brl = sorted((rate_date, earliest, count) for _stage, currency, rate_date, earliest, count, *_ in groups
                 if currency == "BRL")
    assert brl == [(BRL_DEC, date(2027, 1, 15), 1), (BRL_FEB, date(2027, 3, 10), 1)]
    usd = {(rate_date, count) for _stage, currency, rate_date, _earliest, count, *_ in groups if currency == "USD"}
    assert usd and all(rate_date is None for rate_date, _ in usd)  # the reporting currency needs no rate
    for day in (date(2026, 12, 5), date(2026, 12, 3)):
        open_deal(db, lucia, world, name=f"BRL {day}", amount="10.00", currency="BRL", close_date=day)
    db.execute(delete(FxRate).where(FxRate.currency == "BRL", FxRate.effective_date == BRL_DEC))
    db.expire_all()  # now three BRL deals close before the first BRL rate (2027-02-01): the error names the first
    with pytest.raises(fx.MissingRate, match="effective on 2026-12-03"):
        pipeline.pipeline_totals(db, lucia, OpportunityFilter())


FILTER_SETS = [OpportunityFilter(), OpportunityFilter(outcome="open"), OpportunityFilter(stage="propose"),
               OpportunityFilter(close_from=date(2027, 1, 1), close_to=date(2027, 1, 31)),
               OpportunityFilter(partner_type="var"), OpportunityFilter(outcome="open", stalled=False),
               OpportunityFilter(q="brl")]


@pytest.mark.parametrize("who", ["admin", "lucia", "nathan", "ana"])
def test_the_count_a_page_is_given_equals_the_deals_it_would_count(db, actor, deals, who):
    viewer = actor(who)
    for filters in FILTER_SETS:
        page = opportunities.list_opportunities(db, viewer, filters, per_page=500)  # counts the deals itself
        assert pipeline.opportunity_count(db, viewer, filters) == page.total == len(page.items), (who, filters)


@pytest.mark.parametrize("sort", sorted(opportunities.OPPORTUNITY_SORTS))
def test_a_page_of_few_matches_comes_in_the_order_the_index_walk_gives(db, lucia, deals, sort):
    walked = opportunities.list_opportunities(db, lucia, OpportunityFilter(), sort=sort, per_page=3, page=2)
    assert walked.total <= opportunities.FEW_MATCHES
    sorted_whole = opportunities.list_opportunities(db, lucia, OpportunityFilter(), sort=sort, per_page=3, page=2,
                                                    total=walked.total)
    assert [o.id for o in sorted_whole.items] == [o.id for o in walked.items] and walked.items
    nothing = opportunities.list_opportunities(db, lucia, OpportunityFilter(), sort=sort, total=0)
    assert (nothing.items, nothing.total, nothing.page) == ([], 0, 1)
