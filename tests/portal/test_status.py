"""My status: the next tier's requirements counted from the partner's own last twelve months, in the
reporting currency; a missing exchange rate is "not known", never zero."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from channelbase.deals import fx, opportunities, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate, RejectIn
from channelbase.partners.models import Partner
from channelbase.portal.status import TIER_REQUIREMENTS, portal_status, tier_progress


def _won(db, lucia, world, amount: str, currency: str, days_ago: int):
    return opportunities.create_opportunity(db, lucia, OpportunityCreate(
        name=f"Won {amount} {currency}", account_id=world.accounts["bravo"], partner_id=world.partners["bravo"],
        amount=amount, currency=currency, close_date=date.today() - timedelta(days=days_ago), stage="won"))


def _registration(db, bruno, title: str):
    return registrations.submit_registration(db, bruno, RegistrationCreate(
        title=title, customer_name=f"Cliente {title}", customer_country="MX", amount="1000.00", currency="USD",
        expected_close_date=date.today() + timedelta(days=20)))


def test_the_next_tier_counts_bookings_won_deals_and_registrations_of_the_last_year(db, actor, world):
    lucia, bruno = actor("lucia"), actor("bruno")
    fx.set_rate(db, actor("admin"), "MXN", date.today() - timedelta(days=400), "0.05")
    _won(db, lucia, world, "60000.00", "USD", days_ago=10)
    _won(db, lucia, world, "200000.00", "MXN", days_ago=100)  # 10,000.00 USD at 0.05
    old = _won(db, lucia, world, "5000.00", "USD", days_ago=300)
    old.close_date = date.today() - timedelta(days=366)  # won more than a year ago (as imported): not counted
    _registration(db, bruno, "Uno")
    rejected = _registration(db, bruno, "Dos")
    registrations.reject(db, lucia, rejected.id, RejectIn(version=rejected.version, reason="Duplicate"))
    db.flush()
    progress = tier_progress(db, bruno, db.get(Partner, world.partners["bravo"]))
    assert (progress.tier, progress.next_tier) == ("silver", "gold")
    have = {r.key: r.have for r in progress.requirements}
    assert have == {"bookings": Decimal("70000.00"), "won_deals": 2, "registrations": 1, "active_registrations": 1,
                    "certified_sales": 0, "certified_presales": 0}
    needs = {r.key: r.need for r in progress.requirements}
    assert needs == TIER_REQUIREMENTS["gold"]
    assert [r.met for r in progress.requirements] == [False] * 6
    assert [round(r.share, 2) for r in progress.requirements] == [0.28, round(2 / 6, 2), 0.1, round(1 / 3, 2),
                                                                  0.0, 0.0]


def test_a_missing_rate_makes_bookings_unknown_not_zero(db, actor, world):
    _won(db, actor("lucia"), world, "1000.00", "USD", days_ago=5)
    opportunity = _won(db, actor("lucia"), world, "1000.00", "USD", days_ago=6)
    opportunity.currency = "CLP"  # a currency without any rate (the service would refuse it; the data may not)
    db.flush()
    progress = tier_progress(db, actor("bruno"), db.get(Partner, world.partners["bravo"]))
    bookings = next(r for r in progress.requirements if r.key == "bookings")
    assert bookings.have is None and not bookings.met and bookings.share == 0.0


def test_the_top_tier_has_nothing_next_and_the_status_is_the_actors_own(db, actor, world):
    status = portal_status(db, actor("dora"))  # Distribuidora Delta, platinum
    assert status.partner.id == world.partners["delta"]
    assert status.tier.next_tier is None and status.tier.requirements == []
    ana = portal_status(db, actor("ana"))
    assert ana.partner.id == world.partners["abertas"]
    assert ana.open_deals == 1 and [r.id for r in ana.registrations] == [world.registrations["abertas"]]
