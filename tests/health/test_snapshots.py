"""Health over time: the daily snapshot of every scored partner, the at-risk and rising lists from controlled
history (with filters, pagination and visibility), the rollup to territories, and the daily job."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from channelbase.core.errors import NotPermitted
from channelbase.engagement.models import Job
from channelbase.health import daily, lists
from channelbase.health.components import Subject
from channelbase.health.models import HealthSnapshot
from channelbase.health.schemas import HealthFilter
from channelbase.health.score import compute
from channelbase.health.snapshots import history as score_history, is_at_risk, is_rising, snapshot_all
from channelbase.health.summary import ancestor_ids, health_by_territory

from tests.health.conftest import TODAY, day


def _names(page) -> list[str]:
    return [line.name for line in page.items]


# Snapshots ---------------------------------------------------------------------------------------------

def test_snapshot_all_stores_todays_score_of_every_scored_partner_once(db, world, known):
    assert snapshot_all(db, TODAY) == 5  # the world's four partners and the one built
    assert snapshot_all(db, TODAY) == 5  # again the same day: replaced, not doubled
    rows = db.scalars(select(HealthSnapshot).where(HealthSnapshot.day == TODAY)).all()
    assert len(rows) == 5
    stored = next(r for r in rows if r.partner_id == known.partner_id)
    assert stored.score == Decimal("76.0")
    assert stored.score == compute(db, [Subject(known.partner_id, "gold")], TODAY)[known.partner_id].score
    cadence = next(c for c in stored.components if c["key"] == "cadence")
    assert cadence["score"] == "41.7" and cadence["weight"] == 20 and cadence["share"] == "20.0"
    assert cadence["evidence"] == f"/activities?partner_id={known.partner_id}"


def test_prospects_inactive_and_deleted_partners_get_no_snapshot(db, actor, world):
    from channelbase.partners import service as partners
    from channelbase.partners.models import Partner
    delta = db.get(Partner, world.partners["delta"])
    delta.status = "inactive"
    partners.delete_partner(db, actor("admin"), world.partners["bravo"])
    db.flush()
    assert snapshot_all(db, TODAY) == 2
    scored = set(db.scalars(select(HealthSnapshot.partner_id)))
    assert scored == {world.partners["abertas"], world.partners["northwind"]}


def test_history_is_the_partners_stored_scores_oldest_first(db, actor, history):
    points = score_history(db, actor("lucia"), history["delta"], TODAY)
    assert points == [(day(60), Decimal("90.0")), (day(31), Decimal("75.2")), (day(0), Decimal("60.2"))]
    assert score_history(db, actor("lucia"), history["delta"], TODAY, days=45) == points[1:]


# The rules -----------------------------------------------------------------------------------------------

def test_at_risk_is_below_50_or_a_drop_of_15_and_rising_a_gain_of_10():
    assert is_at_risk(Decimal("49.9"), None) and not is_at_risk(Decimal("50.0"), None)
    assert is_at_risk(Decimal("60.0"), Decimal("75.0")) and not is_at_risk(Decimal("60.1"), Decimal("75.0"))
    assert is_rising(Decimal("60.0"), Decimal("50.0")) and not is_rising(Decimal("59.9"), Decimal("50.0"))
    assert not is_rising(Decimal("90.0"), None) and not is_at_risk(None, Decimal("90"))


# The lists ---------------------------------------------------------------------------------------------

def test_the_lists_of_a_manager_show_her_partners_at_risk_and_rising(db, actor, history):
    view = lists.health_lists(db, actor("lucia"), HealthFilter(), TODAY)
    assert _names(view.at_risk) == ["Soluções Abertas Ltda.", "Distribuidora Delta S.A."]  # lowest first
    assert _names(view.rising) == ["Nube Bravo S.A. de C.V."]
    assert (view.scored, view.partners) == (3, 3)
    abertas, delta = view.at_risk.items
    assert abertas.change == Decimal("-5.0") and delta.change == Decimal("-15.0")  # exactly 15 down: at risk
    assert view.rising.items[0].change == Decimal("10.0")  # exactly 10 up: rising
    assert view.territory_names[delta.territory_id] == "Brazil"


def test_each_line_names_the_components_driving_it(db, actor, history):
    view = lists.health_lists(db, actor("lucia"), HealthFilter(), TODAY)
    abertas, delta = view.at_risk.items
    assert [(d.part.component.key, d.change) for d in delta.drivers] == [("cadence", Decimal("-30.0"))]
    assert [(d.part.component.key, d.change) for d in abertas.drivers] == [("cadence", Decimal("-10.0"))]
    rising = view.rising.items[0]
    assert [(d.part.component.key, d.change) for d in rising.drivers] == [("cadence", Decimal("20.0"))]
    assert rising.drivers[0].part.component.evidence == "/evidence/cadence"


def test_a_partner_under_50_without_a_fall_is_driven_by_its_lowest_components(db, actor, history):
    view = lists.health_lists(db, actor("nathan"), HealthFilter(), TODAY)
    assert _names(view.at_risk) == ["Northwind Systems Inc."] and view.at_risk.items[0].change is None
    assert [d.part.component.key for d in view.at_risk.items[0].drivers] == ["nps"]


def test_nathan_does_not_see_brazil_and_partner_users_are_refused(db, actor, history):
    view = lists.health_lists(db, actor("nathan"), HealthFilter(), TODAY)
    assert "Soluções Abertas Ltda." not in _names(view.at_risk) and not view.rising.items
    assert view.partners == 1
    with pytest.raises(NotPermitted):
        lists.health_lists(db, actor("ana"), HealthFilter(), TODAY)
    admin = lists.health_lists(db, actor("admin"), HealthFilter(), TODAY)
    assert len(admin.at_risk.items) == 3


def test_the_lists_filter_by_territory_type_and_tier_and_paginate(db, actor, world, history):
    lucia = actor("lucia")
    mexico = lists.health_lists(db, lucia, HealthFilter(territory_id=world.territories["mexico"]), TODAY)
    assert not mexico.at_risk.items and _names(mexico.rising) == ["Nube Bravo S.A. de C.V."]
    latam = lists.health_lists(db, lucia, HealthFilter(territory_id=world.territories["latam"]), TODAY)
    assert latam.at_risk.total == 2  # the territory and every one below it
    distributors = lists.health_lists(db, lucia, HealthFilter(type="distributor"), TODAY)
    assert _names(distributors.at_risk) == ["Distribuidora Delta S.A."]
    gold = lists.health_lists(db, lucia, HealthFilter(tier="gold"), TODAY)
    assert _names(gold.at_risk) == ["Soluções Abertas Ltda."]
    second = lists.health_lists(db, lucia, HealthFilter(), TODAY, at_risk_page=2, per_page=1)
    assert second.at_risk.total == 2 and second.at_risk.pages == 2
    assert _names(second.at_risk) == ["Distribuidora Delta S.A."]


def test_the_lists_read_the_latest_snapshot_up_to_the_day_asked(db, actor, history):
    earlier = lists.health_lists(db, actor("lucia"), HealthFilter(), day(30))
    assert _names(earlier.at_risk) == []  # then: abertas 50.0, delta 75.2 (vs 90.0: 14.8 down), bravo 55.3
    assert earlier.scored == 3


# Territories ------------------------------------------------------------------------------------------

def test_health_rolls_up_to_each_territory_and_its_ancestors(db, actor, world, history):
    t = world.territories
    rolled = health_by_territory(db, actor("lucia"), TODAY)
    brazil = rolled[t["brazil"]]
    assert (brazil.partners, brazil.average_score, brazil.at_risk) == (2, Decimal("52.6"), 2)
    assert (rolled[t["mexico"]].partners, rolled[t["mexico"]].average_score, rolled[t["mexico"]].at_risk) == \
        (1, Decimal("65.3"), 0)
    assert (rolled[t["latam"]].partners, rolled[t["latam"]].average_score, rolled[t["latam"]].at_risk) == \
        (3, Decimal("56.8"), 2)
    assert rolled[t["americas"]].partners == 3  # only the partners she sees
    assert t["us_east"] not in rolled and t["argentina"] not in rolled
    nathan = health_by_territory(db, actor("nathan"), TODAY)
    assert set(nathan) == {t["us_east"], t["north_america"], t["americas"]}
    assert (nathan[t["us_east"]].average_score, nathan[t["us_east"]].at_risk) == (Decimal("40.0"), 1)


def test_partners_without_a_score_count_but_have_no_average(db, actor, world):
    rolled = health_by_territory(db, actor("lucia"), TODAY)
    brazil = rolled[world.territories["brazil"]]
    assert (brazil.partners, brazil.scored, brazil.average_score, brazil.at_risk) == (2, 0, None, 0)
    with pytest.raises(NotPermitted):
        health_by_territory(db, actor("ana"), TODAY)


def test_ancestor_ids_read_the_materialised_path():
    assert ancestor_ids("/1/4/9/") == [1, 4, 9] and ancestor_ids("") == []


# The daily job -------------------------------------------------------------------------------------------

def test_the_daily_job_is_queued_once_and_stores_todays_snapshots(db, world, session_factory):
    from channelbase.engagement import jobs
    now = datetime.combine(TODAY, time(6), timezone.utc)
    assert daily.due_today(db, now)
    assert daily.enqueue_today(db, now) and not daily.enqueue_today(db, now + timedelta(hours=3))
    assert not daily.due_today(db, now)
    job = db.scalar(select(Job).where(Job.key == daily.job_key(now)))
    assert job.kind == daily.KIND and job.payload == {"day": TODAY.isoformat()}
    db.commit()  # a savepoint inside the test's transaction: the job's own session sees it
    assert jobs.run_due(session_factory, "test-worker", now=now) >= 1
    assert db.scalar(select(func.count()).select_from(HealthSnapshot).where(HealthSnapshot.day == TODAY)) == 4
