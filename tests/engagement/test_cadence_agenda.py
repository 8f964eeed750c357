"""Cadence rules and statuses, and the My day agenda, through their services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from channelbase.core.base import utcnow
from channelbase.core.errors import Duplicate, InvalidInput, NotPermitted
from channelbase.deals import registrations
from channelbase.deals.deal_schemas import ApproveIn
from channelbase.engagement import activities, agenda, cadence, tasks
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, CadenceRuleUpdate, TaskCreate
from channelbase.partners import service as partners
from channelbase.partners.schemas import PartnerUpdate


def rule(db, admin, **fields):
    data = dict(name="Priority partners", every_days=14, counted_types=["call", "meeting"]) | fields
    created = cadence.create_rule(db, admin, CadenceRuleIn(**data))
    db.flush()
    return created


def touch(db, who, partner_id, days_ago: float, type_="call"):
    activities.log_activity(db, who, ActivityCreate(partner_id=partner_id, type=type_, summary="Touch",
                                                    occurred_at=utcnow() - timedelta(days=days_ago)))
    db.flush()


def statuses(db, who):
    return {s.partner_id: s for s in cadence.cadence_statuses(db, who)}


def test_the_most_specific_rule_wins(db, admin, lucia, world):
    everyone = rule(db, admin, name="Everyone", every_days=90, counted_types=["call", "email"])
    priority = rule(db, admin, name="Priority", every_days=21, is_priority=True)
    distributors = rule(db, admin, name="Priority distributors", every_days=14, is_priority=True,
                        partner_type="distributor")
    brazil = rule(db, admin, name="Brazil", every_days=30, territory_id=world.territories["brazil"])
    found = statuses(db, lucia)
    assert found[world.partners["delta"]].rule_id == distributors.id  # two criteria beat one
    # Soluções Abertas: "priority" and "Brazil" set one criterion each; a territory rule is the more local one.
    assert found[world.partners["abertas"]].rule_id == brazil.id
    cadence.delete_rule(db, admin, brazil.id)
    db.flush()
    assert statuses(db, lucia)[world.partners["abertas"]].rule_id == priority.id
    assert found[world.partners["bravo"]].rule_id == everyone.id  # Mexico, not priority
    assert world.partners["northwind"] not in found  # not Lucía's


def test_a_qualifying_touch_resets_the_clock_and_other_types_do_not(db, admin, lucia, world):
    rule(db, admin, is_priority=True)
    abertas = world.partners["abertas"]
    today = cadence.local_today(lucia)
    touch(db, lucia, abertas, days_ago=20)
    status = statuses(db, lucia)[abertas]
    assert status.state(today) == cadence.State.OVERDUE and status.days_overdue(today) in (6, 7)
    touch(db, lucia, abertas, days_ago=1, type_="email")  # e-mails don't count for this rule
    assert statuses(db, lucia)[abertas].state(today) == cadence.State.OVERDUE
    touch(db, lucia, abertas, days_ago=14, type_="meeting")
    assert statuses(db, lucia)[abertas].state(today) == cadence.State.DUE_TODAY
    touch(db, lucia, abertas, days_ago=0.01)
    status = statuses(db, lucia)[abertas]
    assert status.state(today) == cadence.State.OK
    assert status.due_on == status.last_touch_at.date() + timedelta(days=14)


def test_a_planned_meeting_does_not_count_until_it_has_happened(db, admin, lucia, world):
    rule(db, admin, is_priority=True)
    abertas = world.partners["abertas"]
    touch(db, lucia, abertas, days_ago=30)
    touch(db, lucia, abertas, days_ago=-3, type_="meeting")  # in three days
    assert statuses(db, lucia)[abertas].state(cadence.local_today(lucia)) == cadence.State.OVERDUE


def test_coverage_counts_priority_partners_within_cadence(db, admin, lucia, world):
    rule(db, admin, is_priority=True)
    touch(db, lucia, world.partners["abertas"], days_ago=2)
    touch(db, lucia, world.partners["delta"], days_ago=40)
    found = cadence.coverage(cadence.cadence_statuses(db, lucia), cadence.local_today(lucia))
    assert (found.within, found.total, found.percent) == (1, 2, 50.0)


def test_rule_changes_apply_at_once_and_partner_changes_too(db, admin, lucia, world):
    priority = rule(db, admin, is_priority=True, every_days=30)
    abertas = world.partners["abertas"]
    touch(db, lucia, abertas, days_ago=20)
    assert statuses(db, lucia)[abertas].state(cadence.local_today(lucia)) == cadence.State.OK
    cadence.update_rule(db, admin, priority.id, CadenceRuleUpdate(version=priority.version, name="Priority",
                                                                  every_days=10, counted_types=["call"],
                                                                  is_priority=True))
    db.flush()
    assert statuses(db, lucia)[abertas].state(cadence.local_today(lucia)) == cadence.State.OVERDUE
    partner = partners.get_partner(db, admin, abertas)
    partners.update_partner(db, admin, abertas, PartnerUpdate(version=partner.version, is_priority=False))
    db.flush()
    assert abertas not in statuses(db, lucia)  # no rule covers a non-priority partner now


def test_rule_checks(db, admin, lucia):
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        CadenceRuleIn(name="Never", every_days=0, counted_types=["call"])
    with pytest.raises(ValueError):
        CadenceRuleIn(name="Nothing counts", every_days=7, counted_types=[])
    with pytest.raises(NotPermitted):
        cadence.create_rule(db, lucia, CadenceRuleIn(name="Mine", every_days=7, counted_types=["call"]))
    rule(db, admin, name="Weekly")
    with pytest.raises(Duplicate):
        rule(db, admin, name="Weekly")
    with pytest.raises(InvalidInput):
        rule(db, admin, name="Nowhere", territory_id=999_999)


# My day -----------------------------------------------------------------------------------------

def keys(day: agenda.Agenda, section: str) -> list[str]:
    return [item.key for item in day.section(section).items]


def test_my_day_lists_what_to_act_on_and_items_leave_when_done(db, admin, lucia, world):
    abertas, reg_id = world.partners["abertas"], world.registrations["abertas"]
    rule(db, admin, is_priority=True)
    touch(db, lucia, abertas, days_ago=30)
    task = tasks.create_task(db, lucia, TaskCreate(title="Call Dora about stock", due_on=date.today()))
    later = tasks.create_task(db, lucia, TaskCreate(title="Next month", due_on=date.today() + timedelta(days=30)))
    db.flush()

    day = agenda.my_day(db, lucia)
    assert f"cadence:{abertas}" in keys(day, "cadence")
    assert keys(day, "tasks") == [f"task:{task.id}"]  # not the one due next month
    assert f"task:{later.id}" not in [i.key for i in day.items]
    assert keys(day, "decisions") == [f"decision:{reg_id}"]
    assert "SLA" in day.section("decisions").items[0].detail
    assert day.coverage.total == 2
    assert day.headline().startswith("1 partner to contact; 1 task due")

    touch(db, lucia, abertas, days_ago=0)
    tasks.complete_task(db, lucia, task.id)
    reg = registrations.get_registration(db, lucia, reg_id)
    registrations.approve(db, lucia, reg_id, ApproveIn(version=reg.version))
    db.flush()
    day = agenda.my_day(db, lucia)
    assert f"cadence:{abertas}" not in keys(day, "cadence")
    assert keys(day, "tasks") == [] and keys(day, "decisions") == []


def test_an_approved_registration_expiring_this_week_shows_with_its_extend_action(db, admin, lucia, world):
    reg_id = world.registrations["abertas"]
    reg = registrations.get_registration(db, lucia, reg_id)
    registrations.approve(db, lucia, reg_id, ApproveIn(version=reg.version), now=utcnow() - timedelta(days=85))
    db.flush()
    day = agenda.my_day(db, lucia)
    assert keys(day, "expiring") == [f"expiring:{reg_id}"]
    assert day.section("expiring").action == "Extend"


def test_my_day_is_per_person_and_staff_only(db, admin, lucia, nathan, ana, world):
    rule(db, admin, is_priority=True)
    touch(db, lucia, world.partners["abertas"], days_ago=30)
    tasks.create_task(db, lucia, TaskCreate(title="Lucía's", due_on=date.today()))
    db.flush()
    day = agenda.my_day(db, nathan)
    assert all(item.partner_id != world.partners["abertas"] for item in day.items)
    assert keys(day, "tasks") == []
    with pytest.raises(NotPermitted):
        agenda.my_day(db, ana)


def test_the_agenda_json_has_every_section(db, lucia):
    shape = agenda.my_day(db, lucia).as_dict()
    assert [s["key"] for s in shape["sections"]] == ["cadence", "tasks", "decisions", "expiring", "stalled",
                                                      "past_close", "closing", "week"]
    assert {"today", "headline", "coverage"} <= set(shape)


def test_this_weeks_events_are_the_users_own_scheduled_ones(db, lucia, admin, world):
    activities.log_activity(db, lucia, ActivityCreate(partner_id=world.partners["abertas"], type="event",
                                                      summary="Red Hat Summit booth",
                                                      occurred_at=utcnow() + timedelta(days=2)))
    activities.log_activity(db, admin, ActivityCreate(partner_id=world.partners["abertas"], type="training",
                                                      summary="Admin's training", occurred_at=utcnow() + timedelta(days=2)))
    db.flush()
    titles = [item.title for item in agenda.my_day(db, lucia).section("week").items]
    assert titles == ["Event: Red Hat Summit booth"]


def test_the_headline_counts_in_the_singular_and_the_plural():
    one = agenda.AgendaSection("tasks", "Tasks due", "Complete", total=1)
    many = agenda.AgendaSection("stalled", "Deals with no stage change for 30 days", "Move", total=3)
    late = agenda.AgendaSection("past_close", "Open deals past their close date", "Move", total=1)
    day = agenda.Agenda(date.today(), [one, many, late], cadence.Coverage(0, 0))
    assert day.headline() == ("1 task due; 3 deals with no stage change for 30 days; "
                              "1 open deal past its close date")
