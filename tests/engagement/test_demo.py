"""The demo generator's engagement data: cadence rules, two years of activities and tasks, at small scale.

Like tests/test_demo.py, the loads come from tests/demo_databases.py (a SQLite file each, or a PostgreSQL
database when CHANNELBASE_TEST_DB is set)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.deals.models import Opportunity, Registration
from channelbase.demo.generator import SCALES
from channelbase.engagement import activities, agenda, cadence
from channelbase.engagement.demo import AHEAD_DAYS, DEMO_RULES, SUMMARIES
from channelbase.engagement.models import CALENDAR_TYPES, Activity, CadenceRule, Task, activity_contacts
from channelbase.engagement.schemas import ActivityCreate
from channelbase.partners.models import Contact, Partner
from channelbase.surveys.models import SurveyAnswer

ACTIVITY_ROWS = select(Activity.partner_id, Activity.type, Activity.summary, Activity.next_step)
TASK_ROWS = select(Task.partner_id, Task.title, Task.activity_id.is_(None))


@pytest.fixture(scope="module")
def demo(demo_databases):
    factory, summary = demo_databases.load("demo")
    with factory() as session:
        yield session, summary


def _user(session, key: str) -> User:
    return session.scalars(select(User).where(User.email == f"{key}@channelbase.demo")).one()


def _activity_rows(session) -> Counter:
    """Who was touched how and with what words; a review's quarter ("QBR ... Q3 2026") follows the clock."""
    return Counter((partner, kind, re.sub(r" Q[1-4] \d{4}$", "", summary), step)
                   for partner, kind, summary, step in session.execute(ACTIVITY_ROWS))


def test_the_load_adds_the_scales_activities_tasks_and_the_demo_cadence_rules(demo):
    session, summary = demo
    scale = SCALES["small"]
    assert session.scalar(select(func.count()).select_from(Activity)) == scale.activities == 2_000
    # The scale's tasks, plus the renewal reminder of the demo certification that lapses in 20 days, plus the
    # follow-ups the demo survey's detractors opened.
    follow_ups = session.scalar(select(func.count(SurveyAnswer.follow_up_task_id))) or 0
    assert follow_ups > 0
    assert session.scalar(select(func.count()).select_from(Task)) == scale.tasks + 1 + follow_ups
    assert set(session.scalars(select(CadenceRule.name))) == {rule.name for rule in DEMO_RULES}
    assert (summary.activities, summary.tasks, summary.added["cadence_rules"]) == (2_000, scale.tasks + 1 + follow_ups, 5)
    assert f"2,000 activities, {scale.tasks + 1 + follow_ups} tasks and 5 cadence rules" in summary.describe()
    assert SCALES["large"].activities == 2_000_000 and SCALES["large"].tasks == 100_000  # the numbers


def test_the_same_seed_gives_the_same_engagement_at_another_time_and_another_seed_does_not(
        demo, demo_databases):
    session, _ = demo
    again, _ = demo_databases.load("same_seed", hours_later=9)
    other, _ = demo_databases.load("other_seed", seed=8, hours_later=9)
    with again() as same, other() as different:
        assert _activity_rows(same) == _activity_rows(session) != _activity_rows(different)
        # Rows are written in time order, and a touch near midnight may change day with the clock: compare
        # what each partner got, not the order of the ids.
        assert Counter(same.execute(TASK_ROWS).all()) == Counter(session.execute(TASK_ROWS).all()) != Counter(
            different.execute(TASK_ROWS).all())


def test_calls_and_emails_lead_and_priority_partners_get_more_touches_and_quarterly_reviews(demo):
    session, _ = demo
    types = Counter(session.scalars(select(Activity.type)))
    assert set(types) == {"call", "meeting", "email", "qbr", "training", "event", "note"}
    assert {kind for kind, _ in types.most_common(2)} == {"call", "email"}
    per_partner = dict(session.execute(select(Partner.id, func.count(Activity.id)).join(
        Activity, Activity.partner_id == Partner.id).group_by(Partner.id)).all())
    flags = dict(session.execute(select(Partner.id, Partner.is_priority).where(Partner.status == "active")).all())

    def mean(priority: bool) -> float:
        counts = [per_partner.get(pid, 0) for pid, flag in flags.items() if flag is priority]
        return sum(counts) / len(counts)

    assert mean(True) > 2 * mean(False)
    reviewed = set(session.scalars(select(Activity.partner_id).where(Activity.type == "qbr")))
    priority_active = {pid for pid, flag in flags.items() if flag}
    assert len(reviewed & priority_active) > 0.8 * len(priority_active)


def test_summaries_follow_the_partners_language(demo):
    session, _ = demo
    rows = session.execute(select(Partner.country, Activity.summary, Activity.type).join(
        Partner, Partner.id == Activity.partner_id)).all()
    for country, language in (("BR", "pt"), ("MX", "es"), ("US", "en")):
        texts = [(summary, kind) for c, summary, kind in rows if c == country]
        native = sum(any(summary.startswith(s) for s in SUMMARIES[language][kind]) for summary, kind in texts)
        assert native > 0.8 * len(texts), country
    assert any(summary.startswith("Revisão trimestral") for _, summary, _ in rows)


def test_touches_belong_to_the_partners_owner_and_name_its_own_contacts_and_earlier_deals(demo):
    session, _ = demo
    owners = dict(session.execute(select(Partner.id, Partner.owner_id)).all())
    rows = session.execute(select(Activity.partner_id, Activity.owner_id, Activity.occurred_at,
                                  Activity.opportunity_id, Activity.registration_id)).all()
    assert all(owner == owners[partner] for partner, owner, *_ in rows)
    linked = session.execute(select(Activity.partner_id, Opportunity.partner_id, Activity.occurred_at,
                                    Opportunity.created_at).join(Opportunity, Opportunity.id == Activity.opportunity_id)
                             ).all()
    assert linked and all(a == o and at >= created for a, o, at, created in linked)
    registrations = session.execute(select(Activity.partner_id, Registration.partner_id).join(
        Registration, Registration.id == Activity.registration_id)).all()
    assert registrations and all(a == r for a, r in registrations)
    named = session.execute(select(Activity.partner_id, Contact.partner_id).select_from(activity_contacts)
                            .join(Activity, Activity.id == activity_contacts.c.activity_id)
                            .join(Contact, Contact.id == activity_contacts.c.contact_id)).all()
    assert named and all(a == c for a, c in named)


def test_planned_touches_are_meetings_or_events_in_the_coming_two_weeks(demo):
    session, _ = demo
    now = utcnow()
    ahead = session.execute(select(Activity.type, Activity.occurred_at).where(Activity.occurred_at > now)).all()
    assert ahead
    assert {kind for kind, _ in ahead} <= set(CALENDAR_TYPES)
    assert all(at <= now + timedelta(days=AHEAD_DAYS, hours=1) for _, at in ahead)
    earliest = session.scalar(select(func.min(Activity.occurred_at)))
    assert now - timedelta(days=740) < earliest < now - timedelta(days=600)  # two years of history


def test_tasks_are_mostly_done_some_open_overdue_or_due_this_week_and_assigned_to_partner_owners(demo):
    session, _ = demo
    today = utcnow().date()
    follow_ups = select(SurveyAnswer.follow_up_task_id).where(SurveyAnswer.follow_up_task_id.is_not(None))
    rows = session.execute(select(Task.due_on, Task.done_at, Task.assignee_id, Partner.owner_id, Task.created_at)
                           .join(Partner, Partner.id == Task.partner_id)
                           .where(Task.id.not_in(follow_ups))).all()  # those go up the territory tree
    open_tasks = [due for due, done, *_ in rows if done is None]
    assert 0.05 * len(rows) <= len(open_tasks) <= 0.2 * len(rows)
    assert any(due < today for due in open_tasks) and any(today <= due < today + timedelta(days=7)
                                                          for due in open_tasks)
    assert all(assignee == owner for _, _, assignee, owner, _ in rows)
    assert all(done is None or created < done for _, done, _, _, created in rows)
    next_steps = session.execute(select(Task.title, Task.partner_id, Activity.next_step, Activity.partner_id)
                                 .join(Activity, Activity.id == Task.activity_id)).all()
    assert len(next_steps) > 0.25 * len(rows)
    assert all(title == step and tp == ap for title, tp, step, ap in next_steps)


def test_most_partners_are_within_cadence_and_the_named_priority_partner_is_overdue(demo):
    session, _ = demo
    lucia = _user(session, "lucia")
    today = cadence.local_today(lucia)
    statuses = cadence.cadence_statuses(session, lucia)
    states = Counter(status.state(today) for status in statuses)
    assert 0.05 * len(statuses) < states[cadence.State.OVERDUE] < 0.4 * len(statuses)
    assert {status.rule_name for status in statuses} == {rule.name for rule in DEMO_RULES}
    abertas = next(s for s in statuses if s.partner_name == "Soluções Abertas Ltda.")
    assert abertas.state(today) == cadence.State.OVERDUE and abertas.last_touch_at is not None
    coverage = cadence.coverage(statuses, today)
    assert 0 < coverage.within < coverage.total


@pytest.mark.parametrize("key", ["lucia", "admin"])
def test_my_day_works_on_the_demo(demo, key):
    session, _ = demo
    user = _user(session, key)
    day = agenda.my_day(session, user)
    totals = {section.key: section.total for section in day.sections}
    assert totals["cadence"] > 0 and totals["decisions"] > 0
    if key == "lucia":  # tasks and the week's meetings are the user's own: the managers own the partners
        assert totals["tasks"] > 0 and totals["week"] > 0
    cadence_items = day.section("cadence").items
    assert cadence_items and all(item.kind == "cadence" for item in cadence_items)
    assert day.as_dict()["sections"][0]["total"] == totals["cadence"]
    assert day.headline() != "Nothing needs you today."


def test_the_app_logs_activities_after_the_load(demo):
    """Bulk rows carry explicit ids: the next one the app inserts must not collide (PostgreSQL sequences)."""
    session, _ = demo
    lucia = _user(session, "lucia")
    partner = session.scalars(select(Partner).where(Partner.country == "BR", Partner.status == "active")
                              .order_by(Partner.id)).first()
    try:
        logged = activities.log_activity(session, lucia, ActivityCreate(partner_id=partner.id, type="call",
                                                                         summary="After the demo"))
        assert logged.id > SCALES["small"].activities
        assert cadence.partner_cadence(session, lucia, partner.id).last_touch_at == logged.occurred_at
    finally:
        session.rollback()


def test_the_demo_rules_are_created_by_the_admin_and_audited(demo):
    session, _ = demo
    admin = _user(session, "admin")
    rules = {rule.id: rule for rule in cadence.list_rules(session, admin)}
    entries = session.execute(select(AuditEntry.entity_id, AuditEntry.actor_id).where(
        AuditEntry.entity_type == "cadence_rules", AuditEntry.action == "create")).all()
    assert sorted(entries) == sorted((rule_id, admin.id) for rule_id in rules)
    distributors = next(r for r in rules.values() if r.partner_type == "distributor")
    assert (distributors.every_days, distributors.types, distributors.is_priority) == (14, ("call", "meeting"), True)
