"""Activities and tasks through their services: logging, next steps as tasks, checks, visibility, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.engagement import activities, tasks
from channelbase.engagement.models import Activity, Task
from channelbase.engagement.schemas import (
    ActivityCreate, ActivityFilter, ActivityUpdate, SnoozeIn, TaskCreate, TaskFilter, TaskUpdate,
)


def log(db, who, partner_id, **fields):
    data = dict(partner_id=partner_id, type="call", summary="Pipeline review") | fields
    activity = activities.log_activity(db, who, ActivityCreate(**data))
    db.flush()
    return activity


def test_logging_a_call_with_a_dated_next_step_creates_the_loggers_task(db, lucia, world):
    due = date.today() + timedelta(days=3)
    activity = log(db, lucia, world.partners["abertas"], contact_ids=[world.contacts["ana"]],
                   outcome="Wants a Kubernetes workshop", next_step="Book the workshop", next_step_due=due)
    task = db.scalars(select(Task).where(Task.activity_id == activity.id)).one()
    assert (task.title, task.due_on, task.assignee_id, task.partner_id) == (
        "Book the workshop", due, lucia.id, world.partners["abertas"])
    assert [c.id for c in activities.contacts_of(db, lucia, [activity.id])[activity.id]] == [world.contacts["ana"]]
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type.in_(["activities", "tasks"]),
                                                          AuditEntry.entity_id.in_([activity.id, task.id]))).all()
    assert sorted(actions) == ["create", "create"]


def test_a_next_step_without_a_date_is_kept_on_the_activity_only(db, lucia, world):
    activity = log(db, lucia, world.partners["abertas"], next_step="Send the price list")
    assert activity.next_step == "Send the price list"
    assert db.scalar(select(func.count()).select_from(Task).where(Task.activity_id == activity.id)) == 0


@pytest.mark.parametrize("fields, field", [
    (dict(next_step_due=date.today() + timedelta(days=2)), "next_step"),  # a date with no step
    (dict(occurred_at=utcnow() + timedelta(days=400)), "occurred_at"),
    (dict(occurred_at=utcnow() - timedelta(days=6 * 365)), "occurred_at"),
    (dict(next_step="Call back", next_step_due=date(2001, 1, 1)), "next_step_due"),  # the task's date check
])
def test_bad_activity_input_is_refused_and_writes_nothing(db, lucia, world, fields, field):
    before = db.scalar(select(func.count()).select_from(Activity))
    with pytest.raises(InvalidInput) as refused:
        data = dict(partner_id=world.partners["abertas"], type="call", summary="x") | fields
        activities.log_activity(db, lucia, ActivityCreate(**data))
    assert field in refused.value.field_errors
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Activity)) == before


def test_the_schemas_refuse_a_year_1900_due_date_with_a_clear_message():
    with pytest.raises(ValueError, match="greater than or equal to 2000-01-01"):
        TaskCreate(title="Ancient", due_on=date(1900, 1, 1))
    with pytest.raises(ValueError, match="greater than or equal to 2000-01-01"):
        ActivityCreate(partner_id=1, type="call", summary="x", next_step="Call", next_step_due=date(1900, 1, 1))


def test_contacts_and_deals_must_belong_to_the_partner(db, lucia, world):
    with pytest.raises(InvalidInput) as wrong_contact:
        log(db, lucia, world.partners["delta"], contact_ids=[world.contacts["ana"]])
    assert "contact_ids" in wrong_contact.value.field_errors
    with pytest.raises(InvalidInput) as wrong_deal:
        log(db, lucia, world.partners["delta"], opportunity_id=world.opportunities["abertas"])
    assert "opportunity_id" in wrong_deal.value.field_errors


def test_only_staff_log_and_only_their_territories(db, lucia, nathan, ana, world):
    with pytest.raises(NotPermitted):
        log(db, ana, world.partners["abertas"])
    with pytest.raises(NotFound):  # Nathan manages North America: Brazil's partner does not exist for him
        log(db, nathan, world.partners["abertas"])
    activity = log(db, lucia, world.partners["abertas"])
    with pytest.raises(NotFound):
        activities.get_activity(db, nathan, activity.id)
    with pytest.raises(NotFound):
        activities.get_activity(db, ana, activity.id)
    assert activities.list_activities(db, ana, ActivityFilter()).total == 0


def test_editing_an_activity_with_a_stale_version_is_refused(db, lucia, world):
    activity = log(db, lucia, world.partners["abertas"])
    activities.update_activity(db, lucia, activity.id, ActivityUpdate(version=activity.version, summary="Edited"))
    db.flush()
    with pytest.raises(StaleEdit, match="changed by Lucía"):
        activities.update_activity(db, lucia, activity.id, ActivityUpdate(version=1, summary="Lost edit"))


def test_deleting_an_activity_keeps_its_task(db, lucia, world):
    activity = log(db, lucia, world.partners["abertas"], next_step="Follow up",
                   next_step_due=date.today() + timedelta(days=1))
    task = db.scalars(select(Task).where(Task.activity_id == activity.id)).one()
    activities.delete_activity(db, lucia, activity.id)
    db.flush()
    db.refresh(task)
    assert task.activity_id is None
    assert db.get(Activity, activity.id) is None


def test_activity_filters(db, lucia, world):
    log(db, lucia, world.partners["abertas"], type="meeting", summary="Architecture workshop")
    log(db, lucia, world.partners["delta"], type="email", summary="Price list sent")
    meetings = activities.list_activities(db, lucia, ActivityFilter(type="meeting"))
    assert [a.summary for a in meetings.items] == ["Architecture workshop"]
    found = activities.list_activities(db, lucia, ActivityFilter(q="price"))
    assert [a.partner_id for a in found.items] == [world.partners["delta"]]


@pytest.mark.parametrize("typed, expected", [
    ("Soluções Abertas", "abertas"), ("solucoes abertas ltda", "abertas"), ("abertas", "abertas"),
    ("Distribuidora Delta", "delta"), ("Distribuidora Detla", "delta"),
])
def test_find_partner_by_fuzzy_name(db, lucia, world, typed, expected):
    assert activities.find_partner(db, lucia, typed).id == world.partners[expected]


def test_find_partner_by_id_and_unknown_names(db, lucia, nathan, world):
    assert activities.find_partner(db, lucia, f"#{world.partners['bravo']}").id == world.partners["bravo"]
    with pytest.raises(NotFound, match="No partner you can see matches 'Zebra Quantum'"):
        activities.find_partner(db, lucia, "Zebra Quantum")
    with pytest.raises(NotFound):  # exists, but not in Nathan's territories
        activities.find_partner(db, nathan, "Soluções Abertas")


# Tasks -------------------------------------------------------------------------------------------

def make_task(db, who, **fields):
    data = dict(title="Send the QBR deck", due_on=date.today()) | fields
    task = tasks.create_task(db, who, TaskCreate(**data))
    db.flush()
    return task


def test_complete_reopen_and_quick_complete_twice(db, lucia, world):
    task = make_task(db, lucia, partner_id=world.partners["abertas"])
    tasks.complete_task(db, lucia, task.id)
    tasks.complete_task(db, lucia, task.id)  # a double click is harmless
    db.flush()
    assert task.is_done
    with pytest.raises(Conflict, match="already done"):
        tasks.complete_task(db, lucia, task.id, version=task.version)
    tasks.reopen_task(db, lucia, task.id)
    db.flush()
    assert not task.is_done
    open_ids = [t.id for t in tasks.list_tasks(db, lucia, TaskFilter(assignee_id=lucia.id)).items]
    assert task.id in open_ids


def test_snooze_moves_the_due_date_and_counts(db, lucia):
    task = make_task(db, lucia, due_on=date.today() - timedelta(days=3))
    tasks.snooze_task(db, lucia, task.id, SnoozeIn(version=task.version, days=2))
    db.flush()
    assert task.due_on == date.today() + timedelta(days=2)  # from today: it was already overdue
    assert task.snoozes == 1
    with pytest.raises(InvalidInput):
        tasks.snooze_task(db, lucia, task.id, SnoozeIn(version=task.version, until=date.today()))


def test_task_checks(db, lucia, ana, world):
    with pytest.raises(InvalidInput) as too_old:
        make_task(db, lucia, due_on=date(2001, 1, 1))
    assert too_old.value.field_errors == {"due_on": "more than a year ago"}
    with pytest.raises(InvalidInput) as partner_user:
        make_task(db, lucia, assignee_id=ana.id)
    assert "assignee_id" in partner_user.value.field_errors
    with pytest.raises(NotPermitted):
        make_task(db, ana)
    from_deal = make_task(db, lucia, opportunity_id=world.opportunities["abertas"])
    assert from_deal.partner_id == world.partners["abertas"]  # the task takes its deal's partner


def test_task_states_and_visibility(db, lucia, nathan, world):
    overdue = make_task(db, lucia, title="Overdue", due_on=date.today() - timedelta(days=1),
                        partner_id=world.partners["abertas"])
    later = make_task(db, lucia, title="Later", due_on=date.today() + timedelta(days=9))
    assert [t.id for t in tasks.list_tasks(db, lucia, TaskFilter(state="overdue", assignee_id=lucia.id)).items] == [
        overdue.id]
    assert {t.id for t in tasks.list_tasks(db, lucia, TaskFilter(assignee_id=lucia.id)).items} >= {overdue.id, later.id}
    with pytest.raises(NotFound):
        tasks.get_task(db, nathan, overdue.id)
    tasks.update_task(db, lucia, later.id, TaskUpdate(version=later.version, assignee_id=nathan.id))
    db.flush()
    assert tasks.get_task(db, nathan, later.id).assignee_id == nathan.id  # assigned to him: now his to see
