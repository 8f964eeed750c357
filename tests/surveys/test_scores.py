"""The NPS arithmetic, and each partner's NPS over a window of days (the health score's input)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from channelbase.partners import service as partners
from channelbase.partners.schemas import ContactCreate
from channelbase.surveys import answering
from channelbase.surveys.scores import Breakdown, breakdown, nps, partner_nps
from tests.surveys.conftest import invite


def test_nine_and_ten_promote_seven_and_eight_are_passive_and_six_or_less_detract():
    assert breakdown([10, 9, 8, 7, 6, 0]) == Breakdown(promoters=2, passives=2, detractors=2)
    assert breakdown([]) == Breakdown()


def test_nps_is_the_share_of_promoters_minus_the_share_of_detractors():
    assert nps([10, 10, 10, 10]) == Decimal(100)
    assert nps([0, 6, 3]) == Decimal(-100)
    assert nps([7, 8, 7]) == Decimal(0)
    assert nps([10, 9, 8, 6]) == Decimal(25)             # 50 % promoters − 25 % detractors
    assert nps([9, 7, 1]) == Decimal(0)
    assert nps([10, 9, 5]) == Decimal("33.3")           # 66.7 − 33.3, rounded to one decimal
    assert nps([10, 6, 6]) == Decimal("-33.3")
    assert nps([]) is None                               # no answers is no score, not zero


def test_shares_for_the_bars_add_up():
    result = breakdown([10, 9, 8, 3])
    assert (result.share(result.promoters), result.share(result.passives), result.share(result.detractors)) == (
        Decimal(50), Decimal(25), Decimal(25))
    assert Breakdown().share(0) == Decimal(0)


def _answer_on(db, survey, contact_id: int, score: int, day: date):
    _invitation, secret = invite(db, survey, contact_id)
    return answering.answer_by_token(db, secret, {"nps": str(score)},
                                     now=datetime.combine(day, time(12), timezone.utc))


def test_partner_nps_counts_only_answers_inside_the_window(db, world, actor, survey):
    today = date(2026, 11, 29)
    abertas, bravo, delta = world.partners["abertas"], world.partners["bravo"], world.partners["delta"]
    colleague = partners.create_contact(db, actor("admin"), ContactCreate(
        partner_id=abertas, name="Carla Mendes", email="carla@abertas.com.br")).id
    _answer_on(db, survey, world.contacts["ana"], 10, today - timedelta(days=10))
    _answer_on(db, survey, colleague, 4, today - timedelta(days=400))     # outside a year
    _answer_on(db, survey, world.contacts["bruno"], 3, today)             # today counts
    db.flush()
    year = partner_nps(db, [abertas, bravo, delta], today)
    assert year == {abertas: Decimal(100), bravo: Decimal(-100), delta: None}
    assert partner_nps(db, [abertas], today, days=5) == {abertas: None}
    assert partner_nps(db, [abertas], today, days=500) == {abertas: Decimal(0)}  # 10 and 4: one each way
    assert partner_nps(db, [], today) == {}


def test_partner_nps_takes_more_partners_than_one_query_may_bind(db, world, survey):
    today = date(2026, 11, 29)
    _answer_on(db, survey, world.contacts["ana"], 9, today)
    ids = [world.partners["abertas"], *range(10_000_000, 10_000_000 + 1200)]
    scores = partner_nps(db, ids, today)
    assert len(scores) == 1201 and scores[world.partners["abertas"]] == Decimal(100)
